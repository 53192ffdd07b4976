"""Pandera models of the parsed register, derived from the declarations in `schemas.register`.

The model checks each column of the parsed `Deltagare` sheet: codes (Categoricals,
holding any unrecognised value as written) within their allowed values, and required
cells present. Its failure cases carry the frame's
index (the Excel row) and the column (the Swedish header), which
`pipeline.check.validate` turns into cell references and Swedish messages.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from schemas.register import CONTACT_TYPES, DELTAGARE, KONTAKTER, Column


def column_field(column: Column, **extra) -> object:
    checks = {"isin": column.allowed} if column.kind == "code" else {}
    return pa.Field(alias=column.header, nullable=not column.required, coerce=False, **checks, **extra)


_D = {c.key: c for c in DELTAGARE.columns}
_K = {c.key: c for c in KONTAKTER.columns}


class DeltagareModel(pa.DataFrameModel):
    """The parsed `Deltagare` sheet, one row per enrolment, indexed by Excel row."""

    person_id: Series[pd.StringDtype] = column_field(_D["person_id"])
    gender: Series[pd.CategoricalDtype] = column_field(_D["gender"])
    birth_date: Series[pd.Timestamp] = column_field(_D["birth_date"])
    born: Series[pd.CategoricalDtype] = column_field(_D["born"])
    benefit: Series[pd.CategoricalDtype] = column_field(_D["benefit"])
    enrolled: Series[pd.Timestamp] = column_field(_D["enrolled"])
    exited: Series[pd.Timestamp] = column_field(_D["exited"])
    reason: Series[pd.CategoricalDtype] = column_field(_D["reason"])
    follow_up: Series[pd.CategoricalDtype] = column_field(_D["follow_up"])
    coach: Series[pd.StringDtype] = column_field(_D["coach"])

    class Config:
        strict = True


class KontakterModel(pa.DataFrameModel):
    """The parsed `Arbetsgivarkontakter` sheet."""

    date: Series[pd.Timestamp] = column_field(_K["date"])
    organisation: Series[pd.StringDtype] = column_field(_K["organisation"])
    type: Series[pd.CategoricalDtype] = pa.Field(alias=_K["type"].header, isin=list(CONTACT_TYPES))

    class Config:
        strict = True


MODELS = {DELTAGARE.name: (DELTAGARE, DeltagareModel), KONTAKTER.name: (KONTAKTER, KontakterModel)}
