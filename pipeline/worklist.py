"""The internal follow-up worklist: who is due for the 90-day follow-up and not yet followed up.

It names persons (`Deltagar-ID`, coach), so it is a separate file marked internal,
never part of the ESF workbook.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import xlsxwriter

from pipeline.tables import Period


def write_worklist(worklist: pd.DataFrame, period: Period, project_name: str, path: Path) -> None:
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                         "strings_to_numbers": False})
    wb.set_properties({"title": "INTERNT – uppföljning 90 dagar", "comments": "Internt dokument. Skickas inte till ESF."})
    ws = wb.add_worksheet("INTERNT uppföljning")
    bold = wb.add_format({"bold": True, "font_size": 12, "font_color": "#9C0006"})
    header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    cell = wb.add_format({"border": 1})
    date = wb.add_format({"border": 1, "num_format": "yyyy-mm-dd"})
    ws.write_string(0, 0, f"INTERNT – skickas inte till ESF. {project_name}: uppföljning 90 dagar som ska "
                          f"göras, per {period.end:%Y-%m-%d}.", bold)
    ws.write_row(2, 0, list(worklist.columns), header)
    for r, row in enumerate(worklist.itertuples(index=False), start=3):
        for c, value in enumerate(row):
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                ws.write_blank(r, c, None, cell)
            elif hasattr(value, "year"):
                ws.write_datetime(r, c, pd.Timestamp(value).to_pydatetime(), date)
            elif isinstance(value, (int, float)):
                ws.write_number(r, c, value, cell)
            else:
                ws.write_string(r, c, str(value), cell)
    if worklist.empty:
        ws.write_string(3, 0, "Inga uppföljningar att göra.", cell)
    ws.set_column(0, len(worklist.columns) - 1, 20)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    wb.close()
