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


def parse_codes(raw: RawSheet, column: Column) -> pd.Series:
    """Canonical codes; a value no spelling matches is kept as written (the model flags it)."""
    values = raw.frame[column.key]
    canonical = normalise_codes(values, column)
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
    iso = text.str.extract(ISO_DATE)[0]
    short = text.str.extract(SHORT_DATE)
    parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
    has_short = short[0].notna()
    if has_short.any():
        rest = short[1] + "-" + short[2]
        in_2000s = pd.to_datetime("20" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
        if century_before is not None:
            in_1900s = pd.to_datetime("19" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
            too_late = in_2000s.notna() & century_before.notna() & (in_2000s >= century_before)
            in_2000s = in_2000s.where(~too_late, in_1900s)
        parsed = parsed.fillna(in_2000s)
    parsed = parsed.astype("datetime64[ns]").dt.normalize()
    written = text.notna()
    bad = written & parsed.isna()
    if bad.any():
        wrong_form = bad & iso.isna() & ~has_short
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
        values = values.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return values.astype("string")
