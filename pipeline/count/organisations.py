"""ESF+ 2021-2027: the organisations supported (EECO18, EECO19) of a period.

Each organisation (a distinct organisation number, as `pipeline.check.validate` keys it)
counts once, by its first support (the earliest `Första stöd` of its rows), and by the type
its rows state (one, as validation makes sure). The sheet is taken as it stood at the
period end: rows whose first support is after it are not counted. The figures have no
gender: in `Siffror` they are `Tabell` Indikatorer, `Kön` empty, beside the count of all
organisations supported, against which Kontroller holds them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.check.parse import holds
from pipeline.count.figures import Long, rows_figures
from pipeline.period import Period
from schemas import form_plus as fp


def organisations(frame: pd.DataFrame | None, period: Period) -> pd.DataFrame:
    """One row per organisation supported by the period end: its type and its first support."""
    if frame is None or frame.empty:
        return pd.DataFrame({"type": pd.Categorical([]), "first_support": pd.Series([], dtype="datetime64[ns]")})
    counted = frame[(frame["first_support"] <= period.end).to_numpy(dtype=bool)]
    by_number = counted.groupby(counted["org_key"].to_numpy(), sort=False)
    return pd.DataFrame({"type": by_number["type"].first(), "first_support": by_number["first_support"].min()})


def organisation_figures(supported: pd.DataFrame, period: Period) -> Long:
    """EECO18, EECO19 and all organisations supported, for Perioden (first support in the period) and Sedan
    starten (by the period end), in the long form of the indicators."""
    first = supported["first_support"]
    within = ((first >= period.start) & (first <= period.end)).to_numpy(dtype=bool)
    rows = []
    for name, chosen in [*((i.code, holds(supported[i.column], i.values)) for i in fp.ORGANISATION_INDICATORS),
                         (fp.ORGANISATIONS_SUPPORTED, np.ones(len(supported), dtype=bool))]:
        rows += [(name, fp.COLUMNS[0], "", float((chosen & within).sum())), (name, fp.COLUMNS[1], "", float(chosen.sum()))]
    return rows_figures(fp.INDICATORS, rows)
