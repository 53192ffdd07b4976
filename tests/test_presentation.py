"""What a coach and a coordinator see on screen and on paper: formats, page setup, wrapped rows, the words.

Each test opens the workbook the command line wrote and checks what a person would stumble on:
shares shown as percent, sections kept on a page, wrapped text given room, printable error lists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from conftest import TODAY, person, write_register
from pipeline import run
from pipeline.write.style import wrapped_height
from pipeline.write.error_workbook import WHOLE_COPY_MAX_ROWS

TODAY_DATE = dt.date.fromisoformat(TODAY)
ROWS = [person("P1", inskriven="2009-01-10", utskriven="2009-05-20", orsak=1),
        person("P2", kon="M", inskriven="2009-02-01", utskriven="2009-03-15", orsak=3),
        person("P3", inskriven="2009-05-05")]


def test_andringar_shows_shares_in_percent_with_a_decimal_where_whole_percent_hides_the_change(tmp_path: Path):
    register = write_register(tmp_path / "r.xlsx", ROWS)
    out = tmp_path / "out"
    run.report(register, out=out, today=TODAY_DATE)
    wb = openpyxl.load_workbook(register)
    wb["Deltagare"]["H2"] = 2
    wb.save(register)
    second = run.report(register, out=out, today=TODAY_DATE).written[0]
    ws = openpyxl.load_workbook(second)["Ändringar"]
    rows = {(ws.cell(r, 2).value, ws.cell(r, 3).value): ws.cell(r, 5) for r in range(6, ws.max_row + 1)}
    assert rows[("1-Arbete", "Sedan starten andel")].number_format == "0 %"
    assert rows[("1-Arbete", "Perioden")].number_format == "0"
    assert {str(m) for m in ws.merged_cells.ranges} == {"A2:F2"}  # the explanation spans the table


def test_a_share_change_smaller_than_a_percent_gets_a_decimal(tmp_path: Path):
    from pipeline.read.earlier import EarlierReport
    from pipeline.count.changes import Changes
    from pipeline.period import Period
    from pipeline.write.style import Formats
    import pandas as pd
    import xlsxwriter

    from pipeline.write.workbook import write_changes

    table = pd.DataFrame([["Resultat", "Kvinnor", "Andel", "", 0.441, 0.444],
                          ["Resultat", "Kvinnor", "Utfall", "", 30.0, 31.0]],
                         columns=["Tabell", "Rad", "Kolumn", "Kön", "Tidigare värde", "Nytt värde"])
    earlier = EarlierReport(tmp_path / "a.xlsx", "1", Period(pd.Timestamp("2009-05-01"), pd.Timestamp("2009-06-30")),
                            "2009-07-01 10:00", 1)
    path = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    write_changes(wb.add_worksheet("Ändringar"), Formats(wb), Changes(earlier, table))
    wb.close()
    ws = openpyxl.load_workbook(path)["Ändringar"]
    assert ws["E6"].number_format == "0.0 %" and ws["E7"].number_format == "0"


def test_resultat_prints_on_one_page_and_om_rapporten_gives_wrapped_rules_their_height(tmp_path: Path):
    report = run.report(write_register(tmp_path / "r.xlsx", ROWS), out=tmp_path / "out", today=TODAY_DATE)
    wb = openpyxl.load_workbook(report.written[0])
    result = wb["Resultat"]
    assert result.sheet_properties.pageSetUpPr.fitToPage and result.page_setup.fitToHeight in (None, 1)
    about = wb["Om rapporten"]
    rules = [r for r in range(1, about.max_row + 1) if str(about.cell(r, 2).value).startswith("• ")]
    assert rules and not any(about.cell(r, 1).value for r in rules)  # the bullet beside its text, not in column A
    for r in rules:
        text = about.cell(r, 2).value
        height = about.row_dimensions[r].height or 12.75  # (a default height, of one line, is not written)
        assert height >= wrapped_height(text, about.column_dimensions["B"].width - 1)


def test_the_fel_sheet_prints_landscape_one_page_wide_wrapped_in_both_writers(tmp_path: Path):
    from pipeline.check.validate import validate_register
    from pipeline.problems import RegisterInvalid
    from pipeline.read.reader import read_register
    from pipeline.write.error_workbook import write_error_workbook

    path = write_register(tmp_path / "r.xlsx", [person(kon="X"), person("P2", utskriven="2009-03-01")])
    copied = next(p for p in run.report(path, out=tmp_path / "out", today=TODAY_DATE).written if p.suffix == ".xlsx")
    try:
        validate_register(read_register(path))
    except RegisterInvalid as invalid:
        rebuilt = tmp_path / "rebuilt.xlsx"
        write_error_workbook(path, invalid.problems, rebuilt, WHOLE_COPY_MAX_ROWS + 1, invalid.sheets)
    for workbook in (copied, rebuilt):
        ws = openpyxl.load_workbook(workbook)["Fel"]
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToHeight == 0 and ws.freeze_panes == "A2"
        assert ws["E2"].alignment.wrap_text and ws["E2"].value.startswith("Kön har ett värde")
        assert ws.print_title_rows == "$1:$1"
