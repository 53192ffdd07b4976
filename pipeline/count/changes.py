"""`Ändringar`: an earlier report's figures recounted from today's register, and what changed.

An earlier report is found in the output folder by its `Om rapporten` sheet (same
`Diarienummer`), or named with `--previous`. Its period is counted again from
today's register and every figure of its `Siffror` that now comes out different is
listed, so that a register edited after a report was sent never goes unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.period import Period
from schemas import form

KEY = ["Tabell", "Rad", "Kolumn", "Kön"]
CHANGE_COLUMNS = [*KEY, "Tidigare värde", "Nytt värde"]


@dataclass
class EarlierReport:
    path: Path
    case_number: str
    period: Period
    created: str  # "YYYY-MM-DD HH:MM", as the report says it
    version: int


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


def read_about(path: Path) -> EarlierReport | None:
    """The identity of a report workbook from its `Om rapporten` sheet, or None if it is none."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(path)
        if form.ABOUT not in reader.sheet_names or form.FIGURES not in reader.sheet_names:
            return None
        rows = reader.load_sheet(form.ABOUT, header_row=None, dtypes="string").to_pandas()
    except Exception:  # noqa: BLE001 - any file that is no readable report is simply not an earlier report
        return None
    about = dict(zip(rows.iloc[:, 0], rows.iloc[:, 1])) if rows.shape[1] >= 2 else {}
    period = str(about.get(form.ABOUT_PERIOD) or "")
    if form.ABOUT_CASE_NUMBER not in about or "(" not in period:
        return None
    label = period.rsplit("(", 1)[1].rstrip(")")
    try:
        start, end = (pd.to_datetime(part, format="%y%m%d") for part in label.split("-"))
    except ValueError:
        return None
    version = int(path.stem.rsplit("_v", 1)[1]) if "_v" in path.stem and path.stem.rsplit("_v", 1)[1].isdigit() else 1
    return EarlierReport(path, str(about[form.ABOUT_CASE_NUMBER]).strip(), Period(start, end),
                         str(about.get(form.ABOUT_CREATED) or ""), version)


def find_earlier(folder: Path, case_number: str, period: Period) -> EarlierReport | None:
    """The newest report of the same period if there is one, else the newest of an earlier period."""
    reports = [r for r in (read_about(p) for p in sorted(folder.glob("*.xlsx")) if not p.name.startswith((".", "~$")))
               if r is not None and r.case_number == case_number.strip()]
    same = [r for r in reports if r.period == period]
    earlier = [r for r in reports if r.period.end < period.start]
    candidates = same or earlier
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r.period.end, r.created, r.version, r.path.stat().st_mtime))


def read_figures(path: Path) -> pd.DataFrame:
    import fastexcel

    figures = fastexcel.read_excel(path).load_sheet(form.FIGURES, dtypes={"Värde": "float", "Tabell": "string", "Rad": "string", "Kolumn": "string", "Kön": "string"}).to_pandas()
    return figures[form.FIGURE_COLUMNS].fillna({c: "" for c in KEY}).astype({c: str for c in KEY})


def compare(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Every figure whose value differs, or that exists on one side only."""
    merged = old.merge(new, on=KEY, how="outer", suffixes=(" old", " new"), validate="one_to_one")
    before, after = merged["Värde old"], merged["Värde new"]
    differs = before.isna() ^ after.isna() | ((before - after).abs() > 1e-9)
    return (merged[differs.fillna(False)]
            .rename(columns={"Värde old": "Tidigare värde", "Värde new": "Nytt värde"})[CHANGE_COLUMNS]
            .reset_index(drop=True))
