"""The monthly participant list for Statistics Sweden (`Månadsunderlag`) and the months changed since the last one.

SCB takes a project's participants month by month: a participant in the month they start,
the end date in the month they leave. `month_list` makes that list from the register as it
stood at the period end: every `Inskriven` (Start) and `Utskriven` (Slut) from the month of
the first enrolment to the period end, in date order, a row saying so for a month without
either. `changed_months` compares it with the list of an earlier internal workbook: a month
whose events differ (one gained, lost or changed) must be sent again, with every later month
already sent. Both are whole-array work (no loop per enrolment), and only the internal
workbook holds the list: it names persons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.period import Period, entry_positions, month_number, person_codes
from schemas.form import BIRTH, EVENT, EVENT_DATE as DATE, MONTH, PERSON, PERSON_GENDER as GENDER
from schemas.register import ESF_2007, Profile

START, END, NO_EVENT = "Start", "Slut", "Ingen start eller slut"
# the columns of a Start row beside the person: the profile's entry columns (2007-2013 has no `at_entry`)
ENTRY_2007 = ("born", "benefit")


def entry_columns(profile: Profile) -> list[tuple[str, str]]:
    """(key, header) of the columns a Start row carries from the person's entry, as the profile declares them."""
    columns = profile.deltagare.columns
    chosen = [c for c in columns if c.key in ENTRY_2007] if profile is ESF_2007 else \
        [c for c in columns if c.at_entry and c.key != "gender"]
    return [(c.key, c.header) for c in chosen]


def month_labels(numbers: np.ndarray) -> pa.Array:
    """`ÅÅÅÅ-MM` of pandas' monthly ordinals (months since January 1970), as pyarrow strings."""
    years, months = 1970 + numbers // 12, numbers % 12 + 1
    return pc.binary_join_element_wise(pc.cast(pa.array(years), pa.string()),
                                       pc.utf8_lpad(pc.cast(pa.array(months), pa.string()), 2, "0"), "-")


def _taken(values: pd.Series, positions: np.ndarray) -> pd.Categorical:
    """A column at `positions` (-1: empty) as a Categorical of its own categories: only codes are gathered, a
    million rows' texts are never made (the writer takes a Categorical as it is)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories, codes = values.cat.categories.astype(str), values.cat.codes.to_numpy()
    else:
        codes, categories = pd.factorize(values.astype("string"), use_na_sentinel=True)
        categories = pd.Index(categories, dtype=str)
    picked = np.where(positions >= 0, codes[np.maximum(positions, 0)] if len(codes) else -1, -1)
    return pd.Categorical.from_codes(picked, categories=categories, validate=False)


def _at(values: np.ndarray, positions: np.ndarray, empty) -> np.ndarray:
    """`values` at `positions`, `empty` where a position is -1."""
    if not len(values):
        return np.full(len(positions), empty, dtype=values.dtype)
    return np.where(positions >= 0, values[np.maximum(positions, 0)], empty)


def month_list(enrolments: pd.DataFrame, period: Period, profile: Profile) -> pd.DataFrame:
    """Every start and end of `enrolments` (the register as it stood at the period end) month by month, from the
    first enrolment's month to the period end; a month without either has one row saying so. The person's
    Kön, Födelsedatum and (on a Start row) entry columns are those of their first enrolment, which a
    re-enrolment may leave to it."""
    enrolled = enrolments["enrolled"].to_numpy(dtype="datetime64[ns]")
    exited = enrolments["exited"].to_numpy(dtype="datetime64[ns]")
    ended = np.flatnonzero(~np.isnat(exited))
    positions = np.concatenate([np.arange(len(enrolled)), ended])
    dates = np.concatenate([enrolled, exited[ended]])
    kinds = np.repeat(np.arange(2), [len(enrolled), len(ended)])
    months = month_number(pd.Series(dates, dtype="datetime64[ns]"))
    if len(months):  # (a register with no enrolment yet has no month to list)
        quiet = np.setdiff1d(np.arange(months.min(), month_number(pd.Series([period.end]))[0] + 1), months)
        positions = np.concatenate([positions, np.full(len(quiet), -1)])
        dates = np.concatenate([dates, np.full(len(quiet), np.datetime64("NaT"), dtype="datetime64[ns]")])
        kinds = np.concatenate([kinds, np.full(len(quiet), 2)])
        months = np.concatenate([months, quiet])
    order = np.lexsort((_at(enrolments.index.to_numpy(), positions, 0), kinds, dates.view(np.int64), months))
    positions, dates, kinds, months = positions[order], dates[order], kinds[order], months[order]
    entry = entry_positions(person_codes(enrolments["person_id"]), enrolments["enrolled"]) if len(enrolled) else \
        np.zeros(0, dtype=np.int64)
    person = _at(entry, positions, -1)  # the event's person's first enrolment
    birth = enrolments["birth_date"].to_numpy(dtype="datetime64[ns]")
    distinct_months, month_codes = np.unique(months, return_inverse=True)
    return pd.DataFrame({
        MONTH: pd.Categorical.from_codes(month_codes, categories=pd.Index(month_labels(distinct_months).to_pylist(),
                                                                          dtype=str), validate=False),
        EVENT: pd.Categorical.from_codes(kinds, categories=pd.Index([START, END, NO_EVENT], dtype=str), validate=False),
        DATE: dates,
        PERSON: _taken(enrolments["person_id"], positions),
        GENDER: _taken(enrolments["gender"], person),
        BIRTH: _at(birth, person, np.datetime64("NaT")).astype("datetime64[ns]"),
        **{header: _taken(enrolments[key], np.where(kinds == 0, person, -1)) for key, header in entry_columns(profile)},
    })


def _row_keys(frame: pd.DataFrame) -> pa.Array:
    """Each row but its month as one text (dates as ÅÅÅÅ-MM-DD, an empty cell as nothing), for comparing lists."""
    parts = []
    for name in frame.columns:
        if name == MONTH:
            continue
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            parts.append(pc.strftime(pa.array(values.to_numpy(dtype="datetime64[s]")), "%Y-%m-%d"))
        else:
            parts.append(pc.utf8_trim_whitespace(pa.array(values.astype("string").array, pa.string())))
    return pc.binary_join_element_wise(*[pc.fill_null(p, "") for p in parts], "\x1f")


def changed_months(current: pd.DataFrame, earlier: pd.DataFrame, last_month: str) -> list[str]:
    """The months up to `last_month` (ÅÅÅÅ-MM, the earlier list's last) whose rows differ between the lists, as
    multisets: a month that gained, lost or changed an event. The columns compared are those both lists have."""
    shared = [c for c in current.columns if c in earlier.columns]
    counts = []
    for frame in (current, earlier):
        frame = frame[shared]
        kept = frame[(frame[MONTH].astype("string") <= last_month).to_numpy(dtype=bool)]
        keyed = pd.DataFrame({"m": kept[MONTH].astype("string").to_numpy(dtype=object),
                              "k": _row_keys(kept).to_numpy(zero_copy_only=False)})
        counts.append(keyed.value_counts())
    both = pd.concat(counts, axis=1, keys=["now", "then"]).fillna(0)
    differing = both[both["now"] != both["then"]]
    return sorted(set(differing.index.get_level_values(0)))


def changed_sentence(month: str, earlier_label: str) -> str:
    return (f"Månaden {month} har ändrats sedan underlaget {earlier_label}: skicka den och alla senare redan "
            "rapporterade månader till SCB igen.")
