"""Parsing the register's string cells into typed values, every bad cell a Problem.

Each cell is converted exactly once and never guessed: codes are matched against
the accepted spellings of `schemas.register`, dates against the accepted forms
(a date cell, `YYYY-MM-DD`, `YYYY-MM-DD hh:mm`, `YYMMDD`). An unrecognised code
stays as written so that the Pandera model reports it with its value.
"""

from __future__ import annotations

import re

import pandas as pd

from pipeline.problems import ERROR, Problem
from pipeline.reader import RawSheet
from schemas.register import Column, normalise_label

ISO_DATE = r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
SHORT_DATE = r"^(\d{2})(\d{2})(\d{2})$"


def per_distinct(values: pd.Series, convert) -> pd.Series:
    """Apply `convert` (a Series function) to each distinct value once, then spread the results.

    A register's codes and dates have few distinct values, so this keeps a 1,000,000-row
    column's parsing to the cost of one pass that hashes it.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted = convert(pd.Series(uniques, dtype=values.dtype))
    if len(converted) == 0:
        return pd.Series(pd.array([pd.NA] * len(values), dtype=converted.dtype), index=values.index)
    taken = converted.take(codes.clip(min=0)).to_numpy()
    result = pd.Series(taken, index=values.index, dtype=converted.dtype)
    return result.mask(codes < 0)


def parse_codes(raw: RawSheet, column: Column) -> pd.Series:
    """Canonical codes; a value no spelling matches is kept as written (the model flags it)."""
    values = raw.frame[column.key]
    canonical = per_distinct(values, lambda v: normalise_codes(v, column))
    return canonical.fillna(values).astype("string")


def normalise_codes(values: pd.Series, column: Column) -> pd.Series:
    lookup = column.code_lookup()
    folded = values.str.replace(r"\s+", " ", regex=True).str.strip().str.casefold()
    # a whole number written as a decimal (3.0 from a number cell) is that number
    folded = folded.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return folded.map(lookup).astype("string")


def parse_dates(raw: RawSheet, column: Column, problems: list[Problem],
                century_before: pd.Series | None = None) -> pd.Series:
    """Dates of one column; a bad cell gets a Problem and NaT.

    YYMMDD is 20YY, or with `century_before` the latest century that puts the date before
    that row's date (used for birth dates against the enrolment date).
    """
    text = raw.frame[column.key]
    iso = per_distinct(text, lambda v: pd.to_datetime(v.str.extract(ISO_DATE)[0], format="%Y-%m-%d",
                                                      errors="coerce").astype("datetime64[ns]"))
    is_short = per_distinct(text, lambda v: v.str.fullmatch(SHORT_DATE).astype("boolean")).fillna(False)
    parsed = iso
    if is_short.any():
        short = text[is_short.to_numpy(dtype=bool)].str.extract(SHORT_DATE)
        rest = short[1] + "-" + short[2]
        in_2000s = pd.to_datetime("20" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
        if century_before is not None:
            in_1900s = pd.to_datetime("19" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
            before = century_before.reindex(short.index)
            too_late = in_2000s.notna() & before.notna() & (in_2000s >= before)
            in_2000s = in_2000s.where(~too_late, in_1900s)
        parsed = parsed.fillna(in_2000s.astype("datetime64[ns]").reindex(parsed.index))
    parsed = parsed.astype("datetime64[ns]")
    written = text.notna()
    bad = written & parsed.isna()
    if bad.any():
        wrong_form = bad & ~per_distinct(text, lambda v: v.str.match(ISO_DATE).astype("boolean")).fillna(False) \
            & ~is_short
        for row, value in text[bad].items():
            if wrong_form.loc[row]:
                hint = _date_hint(value)
                message = f"{column.header} måste vara ett datum: en datumcell, ÅÅÅÅ-MM-DD eller ÅÅMMDD.{hint}"
            else:
                message = f"{column.header}: datumet finns inte i kalendern. Kontrollera dag och månad."
            problems.append(Problem(ERROR, raw.sheet.name, raw.cell(column.key, row), value, message))
    return parsed


def _date_hint(value: str) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return " Cellen innehåller ett tal, inte ett datum; formatera den som datum eller skriv t.ex. 2009-05-01."
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}", value):
        return " Skrivsättet är tvetydigt (dag och månad kan förväxlas); skriv ÅÅÅÅ-MM-DD."
    return ""


def parse_text(raw: RawSheet, column: Column) -> pd.Series:
    values = raw.frame[column.key]
    if column.kind == "id":
        # an ID typed as a number may be read as 17.0; it is the ID 17
        decimal = values.str.endswith(".0").fillna(False)
        if decimal.any():
            values = values.mask(decimal, values[decimal].str.replace(r"^(\d+)\.0+$", r"\1", regex=True))
    return values.astype("string")
