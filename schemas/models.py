"""Pandera schemas of the parsed register, generated from the declarations in `schemas.register`.

Each schema checks the columns of one parsed sheet of one profile: codes (Categoricals,
holding any unrecognised value as written) within their allowed values, and required
cells present. A column recorded at the person's entry (ESF+) may be empty on a later
enrolment, so the schema lets it be empty; that it is there on the first enrolment is a
rule between rows (`pipeline.check.validate`). Failure cases carry the frame's index (the
Excel row) and the column (its key, as `schemas.register` declares it), which validation
turns into cell references and Swedish messages.

The schemas judge cells, not types: the parser (`pipeline.check.parse`) makes each
column's type itself (codes and texts as Categoricals, dates as datetime64) and records
every cell it cannot type, so a dtype check here could only fail on a bug of ours, and
on an everyday register it cost Pandera as much as every check of the cells together.
"""

from __future__ import annotations

import importlib.util
import sys
from contextlib import contextmanager

import numpy as np
import pandas as pd

from schemas.register import KONTAKTER, ORGANISATIONER, PROFILES, Column, Sheet, categories_in


@contextmanager
def without_hypothesis():
    """Pandera imported and set up (its backends, on the first validation) without hypothesis. Pandera imports
    hypothesis, where it is installed, only to synthesise data, which this tool never asks of it; the project's
    environment has it for the tests, and importing it (pytest with it) would take a quarter of a second of
    every process's start, however the tool is started (the command line, the library, a worker). A process
    that has imported hypothesis already (the tests) keeps it, and it can still be imported after."""
    hidden = "hypothesis" not in sys.modules
    if hidden:
        sys.modules["hypothesis"] = None  # an import of it fails, as where it is not installed
    try:
        yield
    finally:
        if hidden and "hypothesis" in sys.modules and sys.modules["hypothesis"] is None:
            del sys.modules["hypothesis"]


with without_hypothesis():
    import pandera.pandas as pa
    from pandera.errors import SchemaErrors  # noqa: F401 - for validation, imported here, as above

if "geopandas" not in sys.modules and importlib.util.find_spec("geopandas") is None:
    # Pandera asks for geopandas at each column it validates; a failed import is not remembered, so each asking
    # searched the import path again (a hundredth of a small register's report). Recorded as absent, as it is.
    sys.modules["geopandas"] = None


def column_schema(column: Column) -> pa.Column:
    checks = [allowed_values(column.allowed)] if column.kind == "code" else []
    return pa.Column(None, checks, nullable=not column.required or column.at_entry, coerce=False)


def allowed_values(allowed) -> pa.Check:
    """Pandera's check that each value is one of `allowed`, judged once per category of a Categorical (as the
    parser makes every code column) and given to the rows by their codes: Pandera's own `isin` hashes every
    row, a fifth of a second at a million rows. An empty cell passes here; `nullable` judges it."""
    listed, allowed = list(allowed), frozenset(allowed)

    def within(values: pd.Series) -> pd.Series:
        if not isinstance(values.dtype, pd.CategoricalDtype):
            return values.isin(listed) | values.isna()
        per_code = np.append(categories_in(values.cat.categories, allowed), True)  # code -1 (empty): True
        return pd.Series(per_code[values.cat.codes.to_numpy()], index=values.index, copy=False)

    # ignore_na=False: `within` passes the empty cells itself, which spares Pandera a copy of the column without them
    return pa.Check(within, name="isin", error=f"isin({listed})", ignore_na=False)


_SCHEMAS: dict[int, pa.DataFrameSchema] = {}


def sheet_schema(sheet: Sheet) -> pa.DataFrameSchema:
    """The parsed sheet, one row per row of the register, indexed by Excel row; made once per process."""
    if id(sheet) not in _SCHEMAS:
        _SCHEMAS[id(sheet)] = _schema(sheet)
    return _SCHEMAS[id(sheet)]


def _schema(sheet: Sheet) -> pa.DataFrameSchema:
    # named by the columns' keys, as the parsed frame is: renaming the frame to the headers cost more than
    # Pandera's check of a small sheet's column
    return pa.DataFrameSchema({column.key: column_schema(column) for column in sheet.columns}, strict=True,
                              name=sheet.name)


def all_schemas() -> list[tuple[Sheet, pa.DataFrameSchema]]:
    """Every sheet with a schema, of every profile (for warming Pandera up)."""
    sheets = [profile.deltagare for profile in PROFILES.values()] + [KONTAKTER, ORGANISATIONER]
    return [(sheet, sheet_schema(sheet)) for sheet in sheets]
