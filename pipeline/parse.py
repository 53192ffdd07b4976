"""Parsing the register's string cells into typed values, every bad cell a Problem.

Each cell is converted exactly once and never guessed: codes are matched against
the accepted spellings of `schemas.register`, dates against the accepted forms
(a date cell, `YYYY-MM-DD`, `YYYY-MM-DD hh:mm`, `YYMMDD`). An unrecognised code
stays as written so that the Pandera model reports it with its value.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.problems import ERROR, Problem
from pipeline.reader import RawSheet
from schemas.register import Column

ISO_DATE = r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
SHORT_DATE = r"^(\d{2})(\d{2})(\d{2})$"


def distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes (-1 for empty) and the distinct values: a register's codes and dates have few of them,
    so each is parsed once and a 1,000,000-row column costs one hashing pass."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Series(uniques, dtype=values.dtype)


def spread(codes: np.ndarray, per_unique: np.ndarray, empty) -> np.ndarray:
    """Per-unique results back onto the rows (`empty` where the cell was empty)."""
    if len(per_unique) == 0:
        return np.full(len(codes), empty, dtype=per_unique.dtype if per_unique.dtype != object else object)
    out = per_unique[np.clip(codes, 0, None)]
    return np.where(codes >= 0, out, empty) if (codes < 0).any() else out


def parse_codes(raw: RawSheet, column: Column) -> pd.Series:
    """Canonical codes as a Categorical; a value no spelling matches is kept as written (the model flags it)."""
    values = raw.frame[column.key]
    codes, uniques = distinct(values)
    labels = normalise_codes(uniques, column).fillna(uniques)
    categories = list(dict.fromkeys([*column.allowed, *labels.dropna().tolist()]))
    positions = pd.Index(categories).get_indexer(labels).astype(np.int64)
    category_codes = spread(codes, positions, -1)
    return pd.Series(pd.Categorical.from_codes(category_codes, categories=categories), index=values.index)


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
    codes, uniques = distinct(text)
    iso_text = uniques.str.extract(ISO_DATE)[0]
    iso = pd.to_datetime(iso_text, format="%Y-%m-%d", errors="coerce").astype("datetime64[ns]")
    short_unique = uniques.str.fullmatch(SHORT_DATE).fillna(False).to_numpy(dtype=bool)
    parsed = pd.Series(spread(codes, iso.to_numpy(), np.datetime64("NaT")), index=text.index,
                       dtype="datetime64[ns]")
    is_short = spread(codes, short_unique, False).astype(bool)
    if is_short.any():
        short = text[is_short].str.extract(SHORT_DATE)
        rest = short[1] + "-" + short[2]
        in_2000s = pd.to_datetime("20" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
        if century_before is not None:
            in_1900s = pd.to_datetime("19" + short[0] + "-" + rest, format="%Y-%m-%d", errors="coerce")
            before = century_before.reindex(short.index)
            too_late = in_2000s.notna() & before.notna() & (in_2000s >= before)
            in_2000s = in_2000s.where(~too_late, in_1900s)
        parsed[is_short] = in_2000s.astype("datetime64[ns]")
    bad = text.notna() & parsed.isna()
    if bad.any():
        wrong_form = bad & ~spread(codes, iso_text.notna().to_numpy(), False).astype(bool) & ~is_short
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
