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
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    wb.set_properties({"title": "INTERNT – uppföljning 90 dagar", "comments": "Internt dokument. Skickas inte till ESF."})
    ws = wb.add_worksheet("INTERNT uppföljning")
    bold = wb.add_format({"bold": True, "font_size": 12, "font_color": "#9C0006"})
    header = wb.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
    date = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.set_column(0, len(worklist.columns) - 1, 20)
    ws.freeze_panes(3, 0)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, f"INTERNT – skickas inte till ESF. {project_name}: uppföljning 90 dagar som ska "
                          f"göras, per {period.end:%Y-%m-%d}.", bold)
    ws.write_row(2, 0, list(worklist.columns), header)
    if worklist.empty:
        ws.write_string(3, 0, "Inga uppföljningar att göra.")
    epoch = pd.Timestamp("1899-12-30")
    columns = []
    for name in worklist.columns:  # each column as plain Python values of one kind, so the loop below stays cheap
        values = worklist[name]
        if name in ("Utskriven", "Uppföljning senast"):
            columns.append(("date", ((pd.to_datetime(values) - epoch).dt.days).tolist()))
        elif name == "Rad i registret":
            columns.append(("number", values.astype("int64").tolist()))
        else:
            columns.append(("text", [None if pd.isna(v) else str(v) for v in values]))
    for r, row in enumerate(zip(*(values for _, values in columns)), start=3):
        for c, ((kind, _), value) in enumerate(zip(columns, row)):
            if value is None:
                continue
            if kind == "text":
                ws.write_string(r, c, value)
            elif kind == "date":
                ws.write_number(r, c, value, date)
            else:
                ws.write_number(r, c, value)
    wb.close()
