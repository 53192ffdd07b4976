"""The time model every room shares: a reporting period, the register as it stood at a date,
each person's enrolments in order, and when an exit is due for its 90-day follow-up.

Validation (the chosen period, the follow-up warning), counting (every table) and writing
(the worklist's dates) all take these from here, so no room imports another for them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

FOLLOW_UP_DAYS = 90  # the form's "utskrivna mer än 90 dagar"
NO_MONTH = np.datetime64("NaT", "M").astype(np.int64)


@dataclass(frozen=True)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def label(self) -> str:
        """The form's `yymmdd-yymmdd`."""
        return f"{self.start:%y%m%d}-{self.end:%y%m%d}"

    @property
    def months(self) -> pd.PeriodIndex:
        return pd.period_range(self.start, self.end, freq="M")


def as_of(enrolments: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The register as it stood at `end`: later enrolments ignored, later exits not yet made."""
    kept = enrolments[enrolments["enrolled"] <= end]
    later_exit = kept["exited"] > end
    if not later_exit.any():
        return kept
    return kept.assign(
        exited=kept["exited"].mask(later_exit),
        reason=kept["reason"].mask(later_exit),
        follow_up=kept["follow_up"].mask(later_exit),
    )


def person_codes(ids: pd.Series) -> np.ndarray:
    """An integer per distinct Deltagar-ID (-1 for none): the Categorical's own codes when it is one."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return ids.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(ids)[0].astype(np.int64)


def enrolment_numbers(person: np.ndarray, enrolled: pd.Series) -> np.ndarray:
    """Each enrolment's number for its person (0 = first), by date, then sheet order.

    One stable sort of an integer key (person, days since the earliest enrolment), not a sort
    of text IDs.
    """
    enrolled_day = enrolled.to_numpy(dtype="datetime64[D]").astype(np.int64)
    if not len(person):
        return np.zeros(0, dtype=np.int64)
    days = enrolled_day - enrolled_day.min()
    order = np.argsort(person << 32 | days, kind="stable")
    sorted_person = person[order]
    starts = np.r_[True, sorted_person[1:] != sorted_person[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(len(order)) - run_start
    return number


def month_number(dates: pd.Series) -> np.ndarray:
    """Each date's month as pandas' monthly Period ordinal (months since January 1970); NaT gives NO_MONTH."""
    return dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)


def follow_up_from(exited: pd.Series) -> pd.Series:
    """The first day a 90-day follow-up of each exit counts."""
    return exited + pd.Timedelta(days=FOLLOW_UP_DAYS)


def follow_up_due(exited: pd.Series, end: pd.Timestamp) -> pd.Series:
    """Exits whose 90 days have passed by `end` (exit date + 90 days <= end)."""
    return exited.notna() & (follow_up_from(exited) <= end)
