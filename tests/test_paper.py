"""On paper: every printed sheet of every workbook the tool writes says what it is and prints on A4, legibly.

The workbooks are written through the same code the user runs and read back with openpyxl:
headers and footers, paper, orientation, print areas, scales and page breaks. The PDF copy is
printed by LibreOffice where it is installed (CI installs it).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, SAMPLE, person, write_register
from pipeline import run
from pipeline.write.style import MIN_PRINT_SCALE, page_breaks

TODAY = dt.date(2026, 11, 25)
PLUS_SAMPLE = ROOT / "input_samples" / "vagen_vidare_register.xlsx"


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """Both profiles' report and internal workbook, an error workbook (a marked copy and a rebuilt one), and
    both templates."""
    out = tmp_path_factory.mktemp("papper")
    found = {}
    for key, register in (("2007", SAMPLE), ("plus", PLUS_SAMPLE)):
        outcome = run.report(register, out=out / key, today=TODAY)
        assert outcome.status == run.WRITTEN, outcome.lines
        found[f"report {key}"], found[f"internal {key}"] = outcome.written
    invalid = write_register(out / "fel.xlsx", [person(kon="X")] + [person(f"P{i}") for i in range(2, 80)])
    found["errors"] = run.report(invalid, out=out / "fel", today=TODAY).written[1]
    found["template 2007"] = run.template(out / "mallar")
    found["template plus"] = run.template(out / "mallar", "2021-2027")
    return found


def test_every_printed_sheet_of_every_workbook_has_its_header_footer_and_a4(workbooks):
    for what, path in workbooks.items():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            where = f"{what}: {ws.title}"
            assert str(ws.page_setup.paperSize) == "9", where
            assert ws.page_setup.orientation == "landscape", where
            assert ws.oddFooter.left.text == "&A" and ws.oddFooter.right.text == "Sida &P av &N", where
            left, right = ws.oddHeader.left.text, ws.oddHeader.right.text
            assert left and right, where
            if what.startswith("report"):
                assert left.startswith(("Navigator – ESF-lägesrapport", "Vägen vidare – ESF+ indikatorer")), where
                assert right.startswith("Period ") or ws.title == "Siffror", where
            elif what.startswith("internal"):
                assert left.startswith("INTERNT – ") and right.startswith("Period "), where
            elif what == "errors":
                assert left == "INTERNT – fel att rätta i registret" and right == "fel.xlsx", where
            else:
                assert left.startswith("Deltagarregister, programperiod") and right == "Registermall", where


def test_siffror_is_left_out_of_what_prints_and_says_so(workbooks):
    for key in ("report 2007", "report plus"):
        ws = openpyxl.load_workbook(workbooks[key])["Siffror"]
        assert ws.print_area == "'Siffror'!$A$1:$E$1"
        assert "skrivs inte ut" in ws["A1"].comment.text
        assert ws.oddHeader.right.text == "Siffror är underlag för andra program och skrivs inte ut"
        assert [c.value for c in ws[1]] == ["Tabell", "Rad", "Kolumn", "Kön", "Värde"]  # for machines, unchanged


def test_tabell_4_of_many_periods_prints_legibly_over_pages_that_repeat_its_labels(tmp_path: Path):
    """Eleven two-month periods: one page wide it would print at about 5 pt. Instead it prints at 80 % or more,
    its row labels and goals on every page, each page breaking between two kv/m pairs."""
    periods = [(f"{y}-{m:02d}-01", f"{y}-{m + 1:02d}-{30 if m + 1 in (4, 6, 9, 11) else 28 if m + 1 == 2 else 31}")
               for y in (2008, 2009) for m in range(1, 12, 2)][2:] + [("2010-01-01", "2010-02-28")]
    register = write_register(tmp_path / "r.xlsx", [person(inskriven="2008-05-10")], perioder=periods)
    outcome = run.report(register, "2010-01-01..2010-02-28", tmp_path / "ut", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    ws = openpyxl.load_workbook(outcome.written[0])["Tabell 4"]
    assert not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.scale >= MIN_PRINT_SCALE
    assert ws.print_title_cols == "$A:$B"
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks and all((b - 2) % 2 == 0 for b in breaks)  # after the labels and the goal, whole pairs


def test_headings_are_never_left_alone_at_a_page_foot():
    # four rows fill a page of 100 points; a heading (row 3) that would end a page starts the next
    assert page_breaks([25, 25, 25, 20, 25, 25], {3}, usable=100) == [3]
    assert page_breaks([25, 25, 20, 25, 25], {2}, usable=100) == [4]  # room for the heading and its row
    assert page_breaks([30, 20, 30, 30, 30], {1: 3}, usable=100) == [1, 4]  # a short section kept whole
    assert page_breaks([40, 40, 40], set(), usable=100, repeated=30) == [2]


def test_textforslag_and_indikatorer_break_before_headings_only_where_needed(workbooks):
    for key, sheet in (("report 2007", "Textförslag"), ("report plus", "Indikatorer"), ("report plus", "Textförslag")):
        ws = openpyxl.load_workbook(workbooks[key])[sheet]
        rows = [b.id for b in ws.row_breaks.brk]
        for row in rows:  # a break is after a whole section: the row before the page's first is never a heading
            before = ws.cell(row, 1).value or ws.cell(row, 2).value
            assert before is None or not ws.cell(row, 1).font.bold or ws.cell(row + 1, 1).font.bold, (key, sheet, row)


def test_andringar_prints_landscape_one_page_wide(tmp_path: Path):
    register = write_register(tmp_path / "r.xlsx", [person()])
    out = tmp_path / "ut"
    run.report(register, out=out, today=TODAY)
    write_register(register, [person(), person("P2", kon="M")])
    ws = openpyxl.load_workbook(run.report(register, out=out, today=TODAY).written[0])["Ändringar"]
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0 and str(ws.page_setup.paperSize) == "9"


def test_the_internal_workbooks_print_a_grid_and_one_meaning_per_column(workbooks):
    for key in ("internal 2007", "internal plus"):
        wb = openpyxl.load_workbook(workbooks[key])
        assert wb.sheetnames[1:] == ["Månadsunderlag", "Ändrade månader"]
        for ws in wb.worksheets[:2]:  # (Ändrade månader has no table without an earlier workbook)
            for cell in ws[4]:
                if cell.value is not None or ws.title == "Månadsunderlag":
                    assert cell.border.left.style == "thin" and cell.alignment.horizontal == "left", (key, cell)
    header = [c.value for c in openpyxl.load_workbook(workbooks["internal plus"]).active[3]]
    assert header == ["Rad i registret", "Deltagar-ID", "Coach", "Utskriven", "Att fylla i", "Fylls i senast",
                      "Uppföljning från"]


def test_the_error_workbook_prints_each_register_sheet_with_its_header_row_repeated(workbooks):
    wb = openpyxl.load_workbook(workbooks["errors"])
    for ws in wb.worksheets:
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert wb["Deltagare"].print_title_rows == "$1:$1" and wb["Fel"].print_title_rows == "$1:$1"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice saknas: apt-get install -y libreoffice-calc-nogui")
def test_a_pdf_copy_for_the_diarium_is_printed_beside_the_report(tmp_path: Path):
    outcome = run.report(PLUS_SAMPLE, out=tmp_path, today=TODAY, pdf=True)
    assert outcome.status == run.WRITTEN, outcome.lines
    report, _, pdf = outcome.written
    assert pdf.name == report.with_suffix(".pdf").name
    content = pdf.read_bytes()
    assert content.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page[^s]", content)) >= 6  # every sheet
    assert f"PDF-kopia av rapporten (för diariet): {pdf}" in outcome.lines


def test_without_libreoffice_the_pdf_option_says_how_to_get_it_and_writes_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ESF_SOFFICE", "")
    outcome = run.report(SAMPLE, out=tmp_path / "ut", today=TODAY, pdf=True)
    assert outcome.status == run.USAGE_ERROR
    assert outcome.lines[-1].startswith("En PDF-kopia skrivs av LibreOffice, som inte finns på den här datorn. "
                                        "Installera LibreOffice (gratis från www.libreoffice.org")
    assert not (tmp_path / "ut").exists() or not list((tmp_path / "ut").iterdir())
