"""The same register as .xlsx, .ods and .xls, messy or clean, gives the same figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from pipeline.read.reader import read_register
from pipeline.count.report import build_report
from pipeline.period import Period
from pipeline.check.validate import validate_register

FIXTURES = ROOT / "tests" / "fixtures"


def figures_of(path: Path) -> pd.DataFrame:
    register = validate_register(read_register(path), pd.Timestamp("2026-11-25").date())
    period = Period(pd.Timestamp("2009-05-01"), pd.Timestamp("2009-06-30"))
    return build_report(register, period).figures.sort_values(["Tabell", "Rad", "Kolumn", "Kön"], ignore_index=True)


@pytest.fixture(scope="module")
def clean_figures(tmp_path_factory) -> pd.DataFrame:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return figures_of(module.write_clean(tmp_path_factory.mktemp("clean") / "clean.xlsx"))


@pytest.mark.parametrize("name", ["messy.xlsx", "messy.ods", "messy.xls"])
def test_messy_twins_in_every_format_give_the_clean_figures(name: str, clean_figures: pd.DataFrame):
    figures = figures_of(FIXTURES / name)
    pd.testing.assert_frame_equal(figures, clean_figures)
    assert clean_figures["Värde"].sum() > 0


def test_messy_register_notices_its_extra_column_and_counts_its_blank_row():
    register = validate_register(read_register(FIXTURES / "messy.xlsx"), pd.Timestamp("2026-11-25").date())
    assert register.rows_read == 9
    assert register.blank_rows == 1
    notices = [p for p in register.problems if p.severity == "Notis"]
    assert [(p.sheet, p.cell, p.value) for p in notices] == [("Deltagare", "M4", "Anteckning")]


@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_error_cells_are_named_in_every_format(suffix: str, tmp_path):
    """`#N/A` in Utskriven and Utskrivningsorsak: in .ods and .xls fastexcel reads it as empty, which would
    count the person as still enrolled. Every format names the same two cells."""
    import datetime as dt

    from pipeline import run

    outcome = run.report(FIXTURES / f"felceller.{suffix}", out=tmp_path, today=dt.date(2026, 11, 25))
    assert outcome.status == run.INVALID, outcome.lines
    errors = [(p.place, p.value) for p in outcome.problems if p.severity == "Fel"]
    assert errors == [("Deltagare!I6", "#N/A"), ("Deltagare!J6", "#N/A")]


def _as_sheetjs_writes_it(target: Path, stamp) -> Path:
    """The sample with every date cell of Deltagare a `t="d"` cell holding an ISO date-time with a zone, as web
    exports built on SheetJS write them; `stamp(day)` writes one."""
    import datetime as dt
    import re
    import zipfile

    def cell(match) -> bytes:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(match.group(3)))
        return b'<c r="%s"%s t="d"><v>%s</v></c>' % (match.group(1), match.group(2), stamp(day).encode())

    with zipfile.ZipFile(ROOT / "input_samples" / "navigator_register.xlsx") as source, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as written:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, changed = re.subn(rb'<c r="([A-Z]+\d+)"( s="2")><v>(\d+)</v></c>', cell, data)
                assert changed > 100
            written.writestr(item, data)
    return target


@pytest.mark.parametrize("stamp", [
    lambda day: f"{day}T00:00:00.000Z",  # midnight in UTC
    lambda day: f"{day}T00:00:00+01:00",
    # Swedish midnight written in UTC: the evening before (22:00 in summer time, 23:00 in winter)
    lambda day: (__import__("datetime").datetime(day.year, day.month, day.day,
                 tzinfo=__import__("zoneinfo").ZoneInfo("Europe/Stockholm"))
                 .astimezone(__import__("datetime").timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")),
], ids=["utc-midnatt", "plus-en-timme", "svensk-midnatt-i-utc"])
def test_date_cells_with_a_time_zone_read_as_the_days_they_name(stamp, tmp_path: Path):
    register = _as_sheetjs_writes_it(tmp_path / "webbexport.xlsx", stamp)
    expected = figures_of(ROOT / "input_samples" / "navigator_register.xlsx")
    pd.testing.assert_frame_equal(figures_of(register), expected)


XML_2003 = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Deltagare"><Table>
  <Row><Cell><Data ss:Type="String">Deltagar-ID</Data></Cell><Cell><Data ss:Type="String">Kön</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">P1</Data></Cell><Cell><Data ss:Type="String">K</Data></Cell></Row>
 </Table></Worksheet>
</Workbook>
"""
HTML_TABLE = """<html xmlns:x="urn:schemas-microsoft-com:office:excel">
<head><meta http-equiv="Content-Type" content="application/vnd.ms-excel; charset=utf-8"></head>
<body><table><tr><th>Deltagar-ID</th><th>Kön</th></tr><tr><td>P1</td><td>K</td></tr></table></body></html>
"""


def _xlsb(path: Path) -> Path:
    """The parts an .xlsb package holds (Excel's binary workbook): its sheets are BIFF12 records, not XML."""
    import zipfile

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Override PartName="/xl/workbook.bin" ContentType="application/'
                         'vnd.ms-excel.sheet.binary.macroEnabled.main"/></Types>')
        package.writestr("xl/workbook.bin", b"\x83\x01\x00")
        package.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    return path


@pytest.mark.parametrize("name, write, said", [
    ("export.xls", lambda p: p.write_text(XML_2003, encoding="utf-8"), "är ett XML-kalkylblad (Excel 2003 XML)"),
    ("export.xls", lambda p: p.write_text(HTML_TABLE, encoding="utf-8"), "är en webbsida (en HTML-tabell) med ändelsen .xls"),
    ("register.xlsb", _xlsb, "är en binär Excel-arbetsbok (.xlsb), som verktyget inte läser"),
], ids=["xml-2003", "html-tabell", "xlsb"])
def test_a_file_of_another_kind_is_told_as_what_it_is_and_how_to_save_it(name, write, said, tmp_path: Path):
    import datetime as dt

    from pipeline import run

    path = tmp_path / name
    write(path)
    outcome = run.report(path, out=tmp_path / "ut", today=dt.date(2026, 11, 25))
    assert outcome.status == run.INVALID
    [message] = [p.message for p in outcome.problems]
    assert said in message and "Spara som och filformatet Excel-arbetsbok (*.xlsx)" in message
    plan = run.plan_batch(tmp_path, tmp_path / "inga")
    assert path in plan.registers  # a batch reports it too, and says the same


def test_a_chart_sheet_in_the_register_prints_nothing_but_swedish(tmp_path: Path):
    import subprocess
    import sys

    import openpyxl
    from openpyxl.chart import BarChart, Reference

    wb = openpyxl.load_workbook(ROOT / "input_samples" / "navigator_register.xlsx")
    chart = BarChart()
    chart.add_data(Reference(wb["Perioder"], min_col=1, min_row=1, max_row=4))
    wb.create_chartsheet("Diagram").add_chart(chart)
    wb.save(tmp_path / "med_diagram.xlsx")
    done = subprocess.run([sys.executable, "-m", "pipeline", "report", str(tmp_path / "med_diagram.xlsx"), "--out",
                           str(tmp_path / "ut"), "--today", "2026-11-25"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert "Rapport för Navigator" in done.stdout


@pytest.mark.parametrize("name", ["prefix_id.xlsx", "prefix_id.ods", "prefix_id.xls"])
def test_ids_typed_as_numbers_under_a_format_that_adds_a_letter_read_as_shown_in_every_format(
        name: str, clean_figures: pd.DataFrame):
    """A1's first enrolment holds the number 1 formatted `"A"0`, its second the text A1 (LibreOffice saved the .ods
    and .xls): read as shown they are one person, and the register is the clean one, figure for figure."""
    pd.testing.assert_frame_equal(figures_of(FIXTURES / name), clean_figures)
