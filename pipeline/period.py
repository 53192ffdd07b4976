"""The time model every room shares: a reporting period, the register as it stood at a date,
each person's enrolments in order, and when an exit is due for its 90-day follow-up.

Validation (the chosen period, the follow-up warning), counting (every table) and writing
(the worklist's dates) all take these from here, so no room imports another for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

FOLLOW_UP_DAYS = 90  # the form's "utskrivna mer än 90 dagar"
SITUATION_DAYS = 28  # ESF+: the situation at leaving is due this many days after the exit
SIX_MONTHS = pd.DateOffset(months=6)  # ESF+: the follow-up after leaving
NO_MONTH = np.datetime64("NaT", "M").astype(np.int64)


@dataclass(frozen=True)
class Period:
    start: pd.Timestamp
    end: pd.Timestamp

    # made once per period: every table, check, sentence and file name of a report asks for them
    @cached_property
    def label(self) -> str:
        """The form's `yymmdd-yymmdd`."""
        return f"{self.start:%y%m%d}-{self.end:%y%m%d}"

    @cached_property
    def months(self) -> pd.PeriodIndex:
        return pd.period_range(self.start, self.end, freq="M")


AT_EXIT = ("reason", "follow_up", "exit_situation", "qualification", "situation_6m", "improved_6m")


def as_of(enrolments: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """The register as it stood at `end`: later enrolments ignored, later exits not yet made (nor what
    is recorded at and after them)."""
    enrolled = enrolments["enrolled"].to_numpy(dtype="datetime64[ns]") <= end.to_datetime64()
    kept = enrolments if enrolled.all() else enrolments[enrolled]  # (the latest period: no rows are copied)
    later_exit = kept["exited"] > end
    if not later_exit.any():
        return kept
    return kept.assign(exited=kept["exited"].mask(later_exit),
                       **{key: kept[key].mask(later_exit) for key in AT_EXIT if key in kept})


def person_codes(ids: pd.Series) -> np.ndarray:
    """An integer per distinct Deltagar-ID (-1 for none): the Categorical's own codes when it is one."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        return ids.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(ids)[0].astype(np.int64)


def in_person_order(positions: np.ndarray, person: np.ndarray, enrolled: np.ndarray) -> np.ndarray:
    """`positions` (ascending) ordered by person, then enrolment date, then position: one stable sort of one
    integer key, the person's code above the day (days since the earliest of them: whole days, whose span fits
    in 32 bits), as sorting a million text IDs would cost seconds. `enrolled` is datetime64, none missing at
    `positions`."""
    if not len(positions):
        return positions
    days = enrolled[positions].astype("datetime64[D]").astype(np.int64)
    return positions[np.argsort(person[positions] << 32 | (days - days.min()), kind="stable")]


def enrolment_numbers(person: np.ndarray, enrolled: pd.Series) -> np.ndarray:
    """Each enrolment's number for its person (0 = first), by date, then sheet order.

    Only the persons enrolled more than once are put in order (`in_person_order`): most are enrolled
    once, and their one enrolment is their first.
    """
    number = np.zeros(len(person), dtype=np.int64)
    if not len(person):
        return number
    repeated = np.flatnonzero(np.bincount(person + 1)[person + 1] > 1)  # (no ID, -1, counts as one person)
    order = in_person_order(repeated, person, enrolled.to_numpy(dtype="datetime64[ns]"))
    sorted_person = person[order]
    starts = np.r_[True, sorted_person[1:] != sorted_person[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))
    number[order] = np.arange(len(order)) - run_start
    return number


def month_number(dates: pd.Series) -> np.ndarray:
    """Each date's month as pandas' monthly Period ordinal (months since January 1970); NaT gives NO_MONTH."""
    year, month, _, missing = calendar_parts(dates)
    return np.where(missing, NO_MONTH, (year - 1970) * 12 + month - 1)


NANOSECONDS_A_DAY = 86_400 * 10**9


def calendar_parts(dates: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(year, month 1-12, day, missing) of each date; the parts of a missing date are 0.

    Looked up in a table of the days the dates span, made by numpy's calendar: a million dates
    cost one gather instead of a calendar conversion each (the days of a register lie within
    a few decades; a Timestamp's whole range is 213,000 days). Fewer dates than that span (the
    birth dates of a small sheet span decades) are converted each, without the table."""
    values = np.asarray(dates, dtype="datetime64[ns]").view(np.int64)
    missing = values == np.iinfo(np.int64).min
    if missing.all():
        zeros = np.zeros(len(values), dtype=np.int64)
        return zeros, zeros, zeros, missing
    days = values // NANOSECONDS_A_DAY
    last = days.max()  # (a missing date's day lies far below every other)
    any_missing = missing.any()
    if any_missing:
        days = np.where(missing, last + 1, days)  # the table's last place, which holds 0 for a missing date
    first = days.min()
    each = last - first >= len(days)  # fewer dates than days between them (a small sheet): each date converted
    span = (days if each else np.arange(first, last + 1)).astype("datetime64[D]")
    years, months = span.astype("datetime64[Y]"), span.astype("datetime64[M]")
    # each day's year, month and day packed in one integer (day: 5 bits, month: 4), so that one gather serves all
    # (in 32 bits: the parts of a million dates are read and written a few times over)
    table = ((years.astype(np.int64) + 1970) << 9 | ((months - years.astype("datetime64[M]")).astype(np.int64) + 1) << 5
             | ((span - months.astype("datetime64[D]")).astype(np.int64) + 1)).astype(np.int32)
    if each:
        packed = table
        if any_missing:
            packed[missing] = 0
    else:
        if any_missing:
            table = np.append(table, np.int32(0))
        packed = table.take(days - first)
    return packed >> 9, (packed >> 5) & 15, packed & 31, missing


def follow_up_from(exited) -> np.ndarray:
    """The first day a 90-day follow-up of each exit counts (NaT where there is no exit), of dates as a Series
    or an array; numpy's, as pandas costs more per call than a small sheet's dates do."""
    return np.asarray(exited, dtype="datetime64[ns]") + np.timedelta64(FOLLOW_UP_DAYS, "D")


def follow_up_due(exited, end: pd.Timestamp) -> np.ndarray:
    """Exits whose 90 days have passed by `end` (exit date + 90 days <= end; no exit, NaT, is never due)."""
    return follow_up_from(exited) <= end.to_datetime64()


def six_months_after(exited: pd.Series) -> pd.Series:
    """ESF+'s six-month point: the same day number six calendar months later, or that month's last day
    where it has fewer (31 August -> 28 or 29 February)."""
    return exited + SIX_MONTHS


def situation_due(exited: pd.Series, end: pd.Timestamp) -> pd.Series:
    """ESF+: exits whose situation at leaving is due by `end` (exit date + 28 days <= end)."""
    return exited.notna() & (exited + pd.Timedelta(days=SITUATION_DAYS) <= end)


def entry_positions(person: np.ndarray, enrolled: pd.Series) -> np.ndarray:
    """For each enrolment, the position of its person's entry (first enrolment, by date, then sheet order);
    an enrolment without a Deltagar-ID (-1) is its own entry."""
    if not len(person):
        return np.zeros(0, dtype=np.int64)
    alone = person < 0
    if alone.any():
        person = np.where(alone, person.max() + 1 + np.cumsum(alone), person)
    enrolled = enrolled.fillna(enrolled.min() if enrolled.notna().any() else pd.Timestamp(0))
    number = enrolment_numbers(person, enrolled)
    positions = np.arange(len(person))
    first_of = np.full(person.max() + 1, -1, dtype=np.int64)
    first_of[person[number == 0]] = positions[number == 0]
    return first_of[person]
