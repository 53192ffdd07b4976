"""`Ändringar`: an earlier report's figures against the same period recounted from today's register.

The earlier report is read by `pipeline.read.earlier`; its period is counted again from
today's register (`pipeline.run`) and every figure of its `Siffror` that now comes out
different is listed here, so that a register edited after a report was sent never goes
unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
import pandas as pd

from pipeline.read.earlier import EarlierReport
from schemas.form import FIGURE_COLUMNS

KEY = FIGURE_COLUMNS[:4]  # Tabell, Rad, Kolumn, Kön
CHANGE_COLUMNS = [*KEY, "Tidigare värde", "Nytt värde"]


@dataclass
class Changes:
    earlier: EarlierReport
    table: pd.DataFrame  # CHANGE_COLUMNS; empty when nothing changed
    note: str = ""  # why no comparison could be made, if so

    @property
    def summary(self) -> str:
        if self.note:
            return self.note
        n = len(self.table)
        return "Inga ändringar." if n == 0 else f"{n} {'siffra har' if n == 1 else 'siffror har'} ändrats."


def compare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Every figure whose value differs, or that exists on one side only."""
    merged = old.merge(new, on=KEY, how="outer", suffixes=(" old", " new"), validate="one_to_one")
    before, after = merged["Värde old"], merged["Värde new"]
    differs = before.isna() ^ after.isna() | ((before - after).abs() > 1e-9)
    return (merged[differs.fillna(False)]
            .rename(columns={"Värde old": "Tidigare värde", "Värde new": "Nytt värde"})[CHANGE_COLUMNS]
            .reset_index(drop=True))
