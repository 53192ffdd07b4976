"""Typing the register's text cells, sheet by sheet: every cell that cannot be typed is a Problem.

This module owns every conversion of a cell and never a rule: `parse_project`,
`parse_periods`, `parse_enrolments` and `parse_contacts` turn each sheet as read into a
typed frame (or the `Projekt` values) and record the cells they cannot type. Each cell is
converted exactly once and never guessed: codes are matched against the accepted
spellings of `schemas.register`, dates against the accepted forms (a date cell,
`YYYY-MM-DD`, `YYYY-MM-DD hh:mm`, `YYMMDD`), on each column's distinct values only. An
unrecognised code stays as written, so that validation's Pandera model reports it with
its value. Whether a typed value is allowed is `pipeline.check.validate`'s to say.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.problems import ERROR, Problem
from pipeline.read.reader import RawSheet
from schemas.register import (
    DEFAULT_PROFILE, DELTAGARE, FEW, KONTAKTER, ORGANISATIONER, PERIODER, PROFILE_ITEM, PROFILES, PROJECT_ITEMS, Column, Profile,
    Sheet, categories_in, normalise_label, normalise_labels,
)

# named groups, so that pyarrow (RE2) and Python's re read the same patterns
ISO_DATE = r"^(?P<date>\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
SHORT_DATE = r"^(?P<year>\d{2})(?P<month>\d{2})(?P<day>\d{2})$"
# a whole number written as a decimal (17.0 from a number cell) is that number
WHOLE_NUMBER_AS_DECIMAL = r"^(\d+)\.0+$"


def whole_numbers(texts: pd.Series) -> pd.Series:
    return texts.str.replace(WHOLE_NUMBER_AS_DECIMAL, r"\1", regex=True)


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes (-1 for empty) and the distinct values: a register's codes and dates have few of them,
    so each is parsed once. The reader gives every column as a Categorical, whose codes these are."""
    return values.cat.codes.to_numpy(), values.cat.categories


def recode(values: pd.Series, change) -> pd.Series:
    """A Categorical with `change` applied to its distinct values (categories that become equal merge)."""
    categories = pd.Series(values.cat.categories, dtype="string")
    changed = change(categories)
    merged, uniques = pd.factorize(changed)
    codes = values.cat.codes.to_numpy()
    codes = np.where(codes >= 0, merged[np.clip(codes, 0, None)], -1)
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str")), index=values.index)


def spread(codes: np.ndarray, per_unique: np.ndarray, empty) -> np.ndarray:
    """Per-unique results back onto the rows (`empty` where the cell was empty)."""
    if len(per_unique) == 0:
        return np.full(len(codes), empty, dtype=per_unique.dtype if per_unique.dtype != object else object)
    # one gather: an empty cell's code -1 takes the appended `empty`
    return np.append(per_unique, np.array([empty], dtype=per_unique.dtype))[codes]


def holds(values: pd.Series, wanted) -> np.ndarray:
    """Where a column holds one of the texts `wanted`; a Categorical (as this module makes every coded column)
    is judged once per category, then given to the rows by their codes."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.isin(list(wanted)).fillna(False).to_numpy(dtype=bool)
    chosen = categories_in(values.cat.categories, wanted)
    return np.append(chosen, False)[values.cat.codes.to_numpy()]  # code -1 (empty) takes the appended False


def parse_codes(raw: RawSheet, column: Column) -> pd.Series:
    """Canonical codes as a Categorical; a value no spelling matches is kept as written (the model flags it).
    Worked out on the column's distinct texts (the reader's categories), then given to the rows by their codes."""
    values = raw.frame[column.key]
    labels = code_labels(values.cat.categories, column)
    categories = list(dict.fromkeys([*column.allowed, *labels]))
    # the codes as narrow as pandas keeps them: a million of them are gathered once, not converted after
    narrow = np.int8 if len(categories) < 127 else np.int16 if len(categories) < 32_767 else np.int32
    if len(labels) <= FEW:
        position = {label: i for i, label in enumerate(categories)}
        positions = np.array([position[label] for label in labels] + [-1], dtype=narrow)
    else:
        positions = np.append(pd.Index(categories).get_indexer(labels), -1).astype(narrow)
    codes = positions[values.cat.codes.to_numpy()]  # an empty cell (code -1) takes the appended -1
    # distinct by construction (dict.fromkeys), so pandas' own check of that is spared
    dtype = pd.CategoricalDtype._from_fastpath(pd.Index(categories, dtype="str"), ordered=False)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=values.index, copy=False)


def code_labels(texts: pd.Index, column: Column) -> list[str]:
    """Each distinct text as its canonical code, or as written where no accepted spelling matches."""
    lookup = column.code_lookup()
    if len(texts) <= FEW:  # the usual case: a handful of distinct spellings, folded one by one
        return [lookup.get(_WHOLE.sub(r"\1", normalise_label(text)), text) for text in texts]
    written = pd.Series(texts, dtype="string")
    return whole_numbers(normalise_labels(written)).map(lookup).astype("string").fillna(written).tolist()


def parse_dates(raw: RawSheet, column: Column, problems: list[Problem],
                century_before: pd.Series | None = None) -> pd.Series:
    """Dates of one column; a bad cell gets a Problem and NaT.

    YYMMDD is 20YY, or with `century_before` the latest century that puts the date before
    that row's date (used for birth dates against the enrolment date). Every form is tried
    on the column's distinct texts only, then spread back onto the rows.
    """
    text = raw.frame[column.key]
    codes, uniques = distinct(text)
    by_unique, in_1900s_unique, is_short, has_form = _date_forms(uniques)
    nat = np.datetime64("NaT", "ns")
    parsed = spread(codes, by_unique, nat)
    if century_before is not None and is_short.any():
        in_1900s = spread(codes, in_1900s_unique, nat)
        before = century_before.reindex(text.index).to_numpy(dtype="datetime64[ns]")
        row_short = spread(codes, is_short, False).astype(bool)
        too_late = row_short & ~np.isnat(parsed) & ~np.isnat(before) & (parsed >= before)
        parsed = np.where(too_late, in_1900s, parsed)
    parsed = pd.Series(parsed.astype("datetime64[ns]", copy=False), index=text.index, copy=False)
    bad = (codes >= 0) & np.isnat(parsed.to_numpy())
    if bad.any():
        wrong_form = ~spread(codes, has_form, False).astype(bool)
        for row, value, form in zip(text.index[bad], text[bad].astype(str), wrong_form[bad]):
            if form:
                hint = _date_hint(value)
                message = f"{column.header} måste vara ett datum: en datumcell, ÅÅÅÅ-MM-DD eller ÅÅMMDD.{hint}"
            else:
                message = f"{column.header}: datumet finns inte i kalendern. Kontrollera dag och månad."
            problems.append(Problem(ERROR, raw.sheet.name, raw.cell(column.key, row), value, message))
    return parsed


# a date cell with a time zone, as web exports built on SheetJS write them (t="d": 2008-05-04T00:00:00.000Z, or
# +01:00): the date it names is the day in Sweden at that moment (a local midnight written in UTC is 22:00 the
# day before)
ZONED = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$"
SWEDISH_TIME = "Europe/Stockholm"
_ZONED = re.compile(ZONED, re.ASCII)


def _swedish_day(text: str) -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(ZoneInfo(SWEDISH_TIME)).date().isoformat()
    except (ValueError, OverflowError):
        return text  # no date: said as such by the forms below


def _without_zones(uniques: pd.Index) -> pd.Index:
    """The distinct texts, a date-time with a zone replaced by the day it names in Sweden."""
    if len(uniques) <= FEW:  # a few texts are looked at in Python: a pyarrow call costs more
        if not any(isinstance(t, str) and _ZONED.match(t) for t in uniques.tolist()):
            return uniques
    elif not pc.any(pc.match_substring_regex(pa.array(uniques.array, pa.string()), ZONED)).as_py():
        return uniques
    return pd.Index([_swedish_day(t) if isinstance(t, str) and _ZONED.match(t) else t for t in uniques.tolist()],
                    dtype=uniques.dtype)


def _date_forms(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each distinct text: its date (YYMMDD as 20YY), the date with YYMMDD as 19YY, whether it is
    YYMMDD, and whether it has a date's form at all (NaT where the form's date is not in the calendar)."""
    uniques = _without_zones(uniques)
    if len(uniques) <= FEW:  # one by one, by the same patterns and calendar
        found = [_date_form(v) for v in uniques.tolist()]
        if not found:
            empty = np.array([], dtype="datetime64[ns]")
            return empty, empty, np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
        dates, in_1900s, is_short, has_form = zip(*found)
        return _days(dates), _days(in_1900s), np.array(is_short, dtype=bool), np.array(has_form, dtype=bool)
    uniques = pd.Series(uniques, dtype="string")
    iso_text, short = _extract(uniques, ISO_DATE), _extract(uniques, SHORT_DATE)
    is_short = short.notna().to_numpy()
    by_unique = _dates(iso_text).where(~is_short, _dates("20" + short))
    return (by_unique.to_numpy(dtype="datetime64[ns]"), _dates("19" + short).to_numpy(dtype="datetime64[ns]"),
            is_short, (iso_text.notna() | short.notna()).to_numpy())


_ISO, _SHORT = re.compile(ISO_DATE, re.ASCII), re.compile(SHORT_DATE, re.ASCII)
_WHOLE = re.compile(WHOLE_NUMBER_AS_DECIMAL, re.ASCII)
# the dates a pandas Timestamp holds (nanoseconds since 1970 in 64 bits)
_FIRST_DAY, _LAST_DAY = date(1677, 9, 22), date(2262, 4, 11)


_UNIX_DAY = date(1970, 1, 1).toordinal()
_NO_DAY = np.iinfo(np.int64).min  # NaT, as numpy stores it


def _days(dates: tuple) -> np.ndarray:
    """Python dates (None for none) as datetime64[ns], by their day numbers: numpy converting each date object
    itself cost ten times as much."""
    days = [_NO_DAY if d is None else d.toordinal() - _UNIX_DAY for d in dates]
    return np.array(days, dtype=np.int64).view("datetime64[D]").astype("datetime64[ns]")


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found if _FIRST_DAY <= found <= _LAST_DAY else None


@functools.lru_cache(maxsize=1 << 16)  # a process that reports register after register meets the same dates
def _date_form(text) -> tuple:
    """(date, date in the 1900s, is YYMMDD, has a date's form) of one text, as `_date_forms` says, the dates as
    Python dates (None where there is none)."""
    if not isinstance(text, str):
        return None, None, False, False
    short = _SHORT.match(text)
    if short:
        yy, mm, dd = (int(short.group(g)) for g in ("year", "month", "day"))
        return _calendar_date(2000 + yy, mm, dd), _calendar_date(1900 + yy, mm, dd), True, True
    iso = _ISO.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.group("date").split("-"))
        return _calendar_date(year, month, day), None, False, True
    return None, None, False, False


def _extract(texts: pd.Series, pattern: str) -> pd.Series:
    """The pattern's named groups joined by "-" (NA where the text does not match), by pyarrow."""
    found = pc.extract_regex(pa.array(texts, type=pa.string()), pattern)
    parts = [pc.struct_field(found, field.name) for field in found.type]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "-")
    return pd.Series(joined.to_pandas(), index=texts.index, dtype="string")


def parse_date_value(text) -> pd.Timestamp | None:
    """One date written as text (a `Projekt` value, a period on the command line), by the same
    patterns and calendar check as a column's dates; None if it is none."""
    if text is None or pd.isna(text):
        return None
    value = _date_form(str(text).strip())[0]
    return None if value is None else pd.Timestamp(value)


def _dates(texts: pd.Series) -> pd.Series:
    """Dates of `YYYY-MM-DD` texts, NaT where there is none or it lies outside what a Timestamp holds (pandas
    would read 2263-01-01 in seconds, and nanoseconds would wrap it to 1678)."""
    dates = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce")
    inside = (dates >= pd.Timestamp(_FIRST_DAY)) & (dates <= pd.Timestamp(_LAST_DAY))
    return dates.where(inside).astype("datetime64[ns]")


def _date_hint(value: str) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return " Cellen innehåller ett tal, inte ett datum; formatera den som datum eller skriv t.ex. 2009-05-01."
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value):
        return " Skrivsättet är tvetydigt (dag och månad kan förväxlas); skriv ÅÅÅÅ-MM-DD."
    return ""


def parse_text(raw: RawSheet, column: Column) -> pd.Series:
    """A text column, as the Categorical the reader made of it."""
    values = raw.frame[column.key]
    if column.kind == "id" and pc.any(pc.ends_with(pa.array(values.cat.categories.array), ".0")).as_py():
        # an ID typed as a number may be read as 17.0; it is the ID 17
        values = recode(values, whole_numbers)
    return values


# --- the sheets ----------------------------------------------------------------------------

@dataclass
class ProjectValues:
    """The `Projekt` items as typed: each item's rows, and the value of its first row (None where
    that value cannot be typed or the item is missing)."""

    rows: dict[str, list[int]]  # item key -> Excel rows where the item stands
    values: dict[str, object]  # item key -> typed value


def project_labels(raw: RawSheet) -> list[str]:
    """The `Uppgift` of each row of `Projekt`, folded as a coach may write it ("" where it is empty): each
    distinct text once, then given to the sheet's few dozen rows by their codes."""
    items = raw.frame["item"]
    folded = [normalise_label(text) for text in items.cat.categories.tolist()] + [""]  # code -1 (empty): ""
    return [folded[code] for code in items.cat.codes.tolist()]


def parse_profile(raw: RawSheet | None, problems: list[Problem]) -> Profile:
    """The profile `Programperiod` chooses (`2007-2013` where the item is absent); a value that is no
    programme period is a Problem, and the default profile is used for the rest of the judging."""
    if raw is None or raw.empty:
        return DEFAULT_PROFILE
    wanted = normalise_label(PROFILE_ITEM)
    rows = [row for row, label in zip(raw.frame.index.tolist(), project_labels(raw)) if label == wanted]
    if not rows:
        return DEFAULT_PROFILE
    text = raw.frame.at[rows[0], "value"]
    written = "" if pd.isna(text) else normalise_label(text).replace(" ", "").replace("–", "-")
    profile = next((p for p in PROFILES.values() if p.name == written), None)
    if profile is None:
        problems.append(Problem(ERROR, raw.sheet.name, raw.cell("value", rows[0]), "" if pd.isna(text) else str(text),
                                f"{PROFILE_ITEM} måste vara {' eller '.join(PROFILES)}."))
        return DEFAULT_PROFILE
    return profile


def parse_project(raw: RawSheet, problems: list[Problem], items=PROJECT_ITEMS) -> ProjectValues:
    by_label: dict[str, list[int]] = {}  # a sheet of a few dozen rows: one pass in Python
    for row, label in zip(raw.frame.index, project_labels(raw)):
        by_label.setdefault(label, []).append(int(row))
    written = dict(zip(raw.frame.index, raw.frame["value"].astype(object)))
    rows: dict[str, list[int]] = {}
    values: dict[str, object] = {}
    for item in items:
        rows[item.key] = by_label.get(normalise_label(item.label), [])
        if not rows[item.key]:
            continue
        row = rows[item.key][0]
        text = written[row]
        values[item.key] = parse_project_value(item.kind, text)
        left_empty = pd.isna(text) or str(text).strip() == ""
        if values[item.key] is None and not (left_empty and not item.required):  # an optional goal may be empty
            problems.append(Problem(ERROR, raw.sheet.name, raw.cell("value", row), "" if pd.isna(text) else text,
                                    f"{item.label} måste vara {_ITEM_EXPECTED[item.kind]}, t.ex. {item.example}."))
    return ProjectValues(rows, values)


_ITEM_EXPECTED = {
    "text": "ifyllt",
    "date": "ett datum (ÅÅÅÅ-MM-DD)",
    "count": "ett heltal",
    "share": "en andel i procent (70 %) eller som tal mellan 0 och 1 (0,7)",
}


def parse_project_value(kind: str, text) -> object:
    if text is None or pd.isna(text) or str(text).strip() == "":
        return None
    text = str(text).strip()
    if kind == "text":
        return text
    if kind == "date":
        return parse_date_value(text)
    if kind == "count":
        m = re.fullmatch(r"(\d+)(?:\.0+)?\s*(?:st)?", text)
        return float(m.group(1)) if m else None
    m = re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*%", text)
    if m:
        share = float(m.group(1).replace(",", ".")) / 100
    else:
        m = re.fullmatch(r"(0(?:[.,]\d+)?|1(?:[.,]0+)?)", text)
        if not m:
            return None
        share = float(m.group(1).replace(",", "."))
    return share if 0 < share <= 1 else None


def parse_periods(raw: RawSheet, problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame({"start": parse_dates(raw, PERIODER.column("start"), problems),
                         "end": parse_dates(raw, PERIODER.column("end"), problems)}, index=raw.frame.index, copy=False)


def parse_enrolments(raw: RawSheet, problems: list[Problem], sheet: Sheet = DELTAGARE) -> pd.DataFrame:
    """`Deltagare` typed by the profile's declaration (`sheet`), its columns in the declared order."""
    enrolled = parse_dates(raw, sheet.column("enrolled"), problems)
    typed = {}
    for column in sheet.columns:
        if column.key == "enrolled":
            typed[column.key] = enrolled
        elif column.kind == "date":
            typed[column.key] = parse_dates(raw, column, problems,
                                            century_before=enrolled if column.key == "birth_date" else None)
        elif column.kind == "code":
            typed[column.key] = parse_codes(raw, column)
        else:
            typed[column.key] = parse_text(raw, column)
    # copy=False: the typed columns are new, and the frame takes them as they are (copying them cost a twentieth
    # of a second at a million rows)
    return pd.DataFrame(typed, index=raw.frame.index, copy=False)


def parse_contacts(raw: RawSheet, problems: list[Problem]) -> pd.DataFrame:
    col = {c.key: c for c in KONTAKTER.columns}
    return pd.DataFrame({
        "date": parse_dates(raw, col["date"], problems),
        "organisation": parse_text(raw, col["organisation"]),
        "type": parse_codes(raw, col["type"]),
    }, index=raw.frame.index, copy=False)


def parse_organisations(raw: RawSheet, problems: list[Problem]) -> pd.DataFrame:
    """ESF+ `Organisationer`: the organisation number as written (its form and check digit are validation's),
    the name, the type and the first support."""
    col = {c.key: c for c in ORGANISATIONER.columns}
    return pd.DataFrame({
        "org_number": parse_text(raw, col["org_number"]),
        "name": parse_text(raw, col["name"]),
        "type": parse_codes(raw, col["type"]),
        "first_support": parse_dates(raw, col["first_support"], problems),
    }, index=raw.frame.index, copy=False)
