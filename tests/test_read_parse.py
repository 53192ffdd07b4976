"""Reader and parser on tiny workbooks written to disk: what each reads, where, and what it types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DELTAGARE_HEADERS, person, write_register
from pipeline.check import parse
from pipeline.problems import Problem
from pipeline.check.validate import structure_problems
from pipeline.read.reader import read_register
from schemas.register import DELTAGARE, ESF_2007, KONTAKTER, normalise_label, normalise_labels


def test_the_reader_keeps_excel_coordinates_and_reports_what_the_header_row_holds(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person("P1"), [None] * 10, person("P2") + ["anteckning"]],
                          headers=DELTAGARE_HEADERS + ["Anteckning"], origin=(3, 2))
    read = read_register(path)
    raw = read.sheets["Deltagare"]
    assert read.missing == []
    assert raw.header_row == 3
    assert raw.letters["person_id"] == "B" and raw.letters["coach"] == "K"
    assert list(raw.frame.index) == [4, 6]  # the blank row 5 is skipped, and counted
    assert raw.blank_rows == 1
    assert raw.cell("gender", 6) == "C6"
    assert raw.headers.unknown == [("L3", "Anteckning")]
    assert raw.headers.missing == [] and raw.headers.repeated == []
    assert list(raw.frame["person_id"]) == ["P1", "P2"]


def test_the_reader_names_missing_sheets_and_columns_without_judging(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person()[:4] + person()[5:]],
                          headers=[h for h in DELTAGARE_HEADERS if h != "Ersättning"])
    wb = openpyxl.load_workbook(path)
    del wb["Perioder"]
    wb.save(path)
    read = read_register(path)
    assert [s.name for s in read.missing] == ["Perioder"]
    # the reader maps the columns of every profile; only those every profile requires are missing to it
    assert read.sheets["Deltagare"].headers.missing == []
    assert "person_id" in read.sheets["Deltagare"].letters and "benefit" not in read.sheets["Deltagare"].letters
    assert read.sheets["Deltagare"].problems == []  # rules are validation's
    # which columns the register lacks is validation's to say, by the register's profile
    problems = structure_problems(read, ESF_2007)
    assert [p.message for p in problems if "saknas i rubrikraden" in p.message] == [
        "Kolumnen Ersättning saknas i rubrikraden (rad 1)."]


def test_cells_are_read_as_stripped_text(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person(" P1 ", kon="  kv ", orsak=3.0, utskriven="2009-03-01")])
    frame = read_register(path).sheets["Deltagare"].frame
    assert frame.at[2, "person_id"] == "P1" and frame.at[2, "gender"] == "kv"
    assert frame.at[2, "reason"] == "3"  # a number cell holding 3.0 reads as Excel shows it
    assert frame.at[2, "enrolled"] == "2009-01-10 00:00:00"  # a date cell, typed by the parser


def test_dates_in_every_accepted_form_and_each_bad_one_named(tmp_path: Path):
    row = person("P1")
    cells = [dt.datetime(2009, 5, 3), "2009-05-04", "2009-05-05 08:30", "090506", "2009-02-30", "5/6/09", 39934]
    rows = [row[:5] + [value] + row[6:] for value in cells]
    raw = read_register(write_register(tmp_path / "r.xlsx", rows)).sheets["Deltagare"]
    problems: list[Problem] = []
    dates = parse.parse_dates(raw, DELTAGARE.column("enrolled"), problems)
    assert list(dates[:4]) == [pd.Timestamp(f"2009-05-0{d}") for d in (3, 4, 5, 6)]
    assert dates[4:].isna().all()
    assert [(p.cell, p.value) for p in problems] == [("F6", "2009-02-30"), ("F7", "5/6/09"), ("F8", "39934")]
    assert "finns inte i kalendern" in problems[0].message and "tvetydigt" in problems[1].message
    assert "ett tal, inte ett datum" in problems[2].message


def test_a_birth_date_in_the_forms_short_form_takes_the_century_before_the_enrolment(tmp_path: Path):
    row = person("P1", inskriven="2009-01-10")
    raw = read_register(write_register(tmp_path / "r.xlsx", [row[:2] + ["700310"] + row[3:]])).sheets["Deltagare"]
    frame = parse.parse_enrolments(raw, [])
    assert frame.at[2, "birth_date"] == pd.Timestamp("1970-03-10")


def test_codes_in_any_accepted_spelling_and_unknown_ones_kept_as_written(tmp_path: Path):
    rows = [["2009-01-05", "A", typ] for typ in ("företag", " Egen  kommun ", "Kyrka")]
    raw = read_register(write_register(tmp_path / "r.xlsx", [person()], kontakter=rows)).sheets["Arbetsgivarkontakter"]
    types = parse.parse_codes(raw, KONTAKTER.column("type"))
    assert list(types) == ["Företag", "Egen kommun", "Kyrka"]


def test_an_id_typed_as_a_number_is_that_id(tmp_path: Path):
    raw = read_register(write_register(tmp_path / "r.xlsx", [person(17), person("17.5")])).sheets["Deltagare"]
    assert list(parse.parse_text(raw, DELTAGARE.column("person_id"))) == ["17", "17.5"]


@pytest.mark.parametrize("kind, text, value", [
    ("date", "2008-05-01", pd.Timestamp("2008-05-01")), ("date", "080501", pd.Timestamp("2008-05-01")),
    ("date", "2008-02-30", None), ("count", "135", 135.0), ("count", "135 st", 135.0), ("count", "135.0", 135.0),
    ("count", "många", None), ("share", "70 %", 0.7), ("share", "0,7", 0.7), ("share", "0.28", 0.28),
    ("share", "170 %", None), ("text", "  Navigator ", "Navigator"), ("text", "", None),
])
def test_projekt_values_are_typed_by_their_kind(kind, text, value):
    assert parse.parse_project_value(kind, text) == value


def test_decomposed_unicode_is_the_same_text(tmp_path: Path):
    """Headers, codes and names pasted in decomposed form (NFD) look the same and are read as the same."""
    import unicodedata

    nfd = lambda text: unicodedata.normalize("NFD", text)  # noqa: E731
    headers = [nfd(h) for h in DELTAGARE_HEADERS]
    contacts = [["2009-01-05", "Skånska Bygg AB", "Företag"], ["2009-02-05", nfd("Skånska Bygg AB"), nfd("Företag")]]
    path = write_register(tmp_path / "r.xlsx", [person(fodd=nfd("Utrikes"), ers=nfd("Försörjningsstöd"))],
                          headers=headers, kontakter=contacts)
    assert nfd("Kön") != "Kön"
    read = read_register(path)
    raw = read.sheets["Deltagare"]
    assert raw.headers.missing == [] and raw.headers.unknown == []
    organisations = read.sheets["Arbetsgivarkontakter"].frame["organisation"]
    assert organisations.nunique() == 1
    assert list(parse.parse_codes(raw, DELTAGARE.column("benefit"))) == ["Försörjningsstöd"]


def _rewritten(path: Path, change) -> Path:
    """A copy of a workbook whose sheet XML is rewritten by `change` (bytes -> bytes)."""
    import zipfile

    target = path.with_name(f"omskriven_{path.name}")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as copy:
        for item in source.infolist():
            data = source.read(item.filename)
            copy.writestr(item, change(data) if item.filename.startswith("xl/worksheets/sheet") else data)
    return target


def test_error_cells_are_found_in_namespaced_xml_with_attributes_in_any_order(tmp_path: Path):
    """As .NET writers save: `<x:c t="e" r="D2">`. The error cell and the uncalculated formula are named,
    and the header row is still row 3."""
    import re as regex

    from pipeline.read.xlsx_scan import first_value_rows, scan_sheets

    path = write_register(tmp_path / "r.xlsx", [person(), person("P2")], origin=(3, 1))
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["D4"] = "#N/A"
    wb["Deltagare"]["E5"] = '=IF(1,"Försörjningsstöd")'
    wb.save(path)

    def dotnet(xml: bytes) -> bytes:
        xml = xml.replace(b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
                          b'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"')
        xml = regex.sub(rb"<(/?)(\w+)([ >/])", rb"<\1x:\2\3", xml)
        return regex.sub(rb'<x:c r="([A-Z]+\d+)"([^>]*?)(/?)>', rb'<x:c\2 r="\1"\3>', xml)

    rewritten = _rewritten(path, dotnet)
    assert b"<x:c t=" in __import__("zipfile").ZipFile(rewritten).read("xl/worksheets/sheet1.xml")
    found = {(c.cell, c.kind) for c in scan_sheets(rewritten).hidden["Deltagare"]}
    assert found == {("D4", "error"), ("E5", "formula")}
    assert first_value_rows(rewritten)["Deltagare"] == 3


def test_a_text_formula_whose_result_is_empty_is_an_empty_cell(tmp_path: Path):
    """LibreOffice saves `=IF(G30="";"";1)` with an empty result as `t="str"` and `<v></v>`."""
    from pipeline.read.xlsx_scan import scan_sheets

    path = write_register(tmp_path / "r.xlsx", [person()])
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["I2"] = '=IF(1,"","Arbete")'
    wb.save(path)
    empty_text = _rewritten(path, lambda xml: xml.replace(b'<c r="I2"><f>', b'<c r="I2" t="str"><f>'))
    assert scan_sheets(empty_text).hidden.get("Deltagare", []) == []
    assert [c.cell for c in scan_sheets(path).hidden["Deltagare"]] == ["I2"]  # no stored result at all: named


def test_the_header_row_is_found_under_a_title(tmp_path: Path):
    """A title (merged or not), an empty string or a space above the table: the header is the first row
    holding the required headers, and a notice says which row was taken."""
    path = write_register(tmp_path / "r.xlsx", [person("P1"), person("P2", kon="M")], origin=(4, 1))
    wb = openpyxl.load_workbook(path)
    ws = wb["Deltagare"]
    ws["A1"] = "Deltagarregister Navigator 2009"
    ws.merge_cells("A1:D1")
    ws["B2"] = " "
    ws["C3"] = ""
    wb.save(path)
    raw = read_register(path).sheets["Deltagare"]
    assert raw.header_row == 4 and raw.headers.rows_above >= 1
    assert list(raw.frame.index) == [5, 6] and list(raw.frame["person_id"]) == ["P1", "P2"]
    from pipeline import run as library

    outcome = library.report(path, None, tmp_path / "out", dt.date(2026, 11, 25))
    assert outcome.status == library.WRITTEN, outcome.lines
    notice = [p for p in outcome.problems if p.place == "Deltagare!4:4"]
    assert notice and notice[0].message.startswith("Rubrikraden är rad 4.")


def test_a_merged_range_reads_as_its_value_in_every_cell_it_covers(tmp_path: Path):
    """Deltagar-ID, Kön, Födelsedatum and Född merged down a person's two enrolments, as coaches do."""
    from pipeline import run as library

    rows = [person("P1", inskriven="2008-06-01", utskriven="2008-08-01", orsak=3), person("P1", inskriven="2009-01-10"),
            person("P2", kon="M")]
    path = write_register(tmp_path / "r.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    for column in "ABCD":
        wb["Deltagare"].merge_cells(f"{column}2:{column}3")
    wb.save(path)
    raw = read_register(path).sheets["Deltagare"]
    assert list(raw.frame["person_id"]) == ["P1", "P1", "P2"] and list(raw.frame["gender"]) == ["K", "K", "M"]
    outcome = library.report(path, None, tmp_path / "out", dt.date(2026, 11, 25))
    assert outcome.status == library.WRITTEN, outcome.lines
    assert outcome.report.value("Resultat", "Personer inskrivna mer än en gång", "Utfall") == 1
    notices = {p.place: p.message for p in outcome.problems}
    assert notices["Deltagare!A2:A3"] == "Det sammanfogade området A2:A3 läses som sitt värde i varje cell det täcker."


def test_a_problem_inside_a_merged_range_is_marked_on_its_first_cell(tmp_path: Path):
    from pipeline import run as library

    path = write_register(tmp_path / "r.xlsx", [person("P1", kon="X", inskriven="2008-06-01", utskriven="2008-08-01",
                                                       orsak=3), person("P1", kon="X", inskriven="2009-01-10")])
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"].merge_cells("B2:B3")
    wb.save(path)
    outcome = library.report(path, None, tmp_path / "out", dt.date(2026, 11, 25))
    assert outcome.status == library.INVALID  # and not an internal error: the marked copy is written
    marked = openpyxl.load_workbook(next(p for p in outcome.written if p.suffix == ".xlsx"))["Deltagare"]
    assert "Kön har ett värde som inte är tillåtet" in marked["B2"].comment.text
    assert {p.place for p in outcome.problems if p.severity == "Fel"} == {"Deltagare!B2", "Deltagare!B3"}


def test_an_excel_tables_totals_row_is_not_an_enrolment(tmp_path: Path):
    from openpyxl.worksheet.table import Table

    from pipeline import run as library

    path = write_register(tmp_path / "r.xlsx", [person("P1"), person("P2", kon="M")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Deltagare"]
    ws["A4"], ws["B4"] = "Summa", "=SUBTOTAL(103,B2:B3)"
    table = Table(displayName="Deltagarna", ref="A1:J4")
    table.totalsRowCount = 1
    ws.add_table(table)
    wb.save(path)
    raw = read_register(path).sheets["Deltagare"]
    assert list(raw.frame.index) == [2, 3] and raw.totals == [4] and raw.blank_rows == 0
    outcome = library.report(path, None, tmp_path / "out", dt.date(2026, 11, 25))
    assert outcome.status == library.WRITTEN, outcome.lines
    assert any(p.place == "Deltagare!4:4" and "summarad" in p.message for p in outcome.problems)
    assert outcome.report.value("Tabell 4", "Summa / respektive period", "Inskrivna sedan starten") == 2


def test_a_numeric_id_reads_as_its_number_format_shows_it(tmp_path: Path):
    """44 in a cell formatted `000` is shown as 044 in Excel, so it is the ID 044: the same person as a
    coach's `044` typed as text (here: two overlapping enrolments of one person, an error naming both)."""
    path = write_register(tmp_path / "r.xlsx", [person("044"), person(44, kon="M"), person(7, kon="M",
                                                                                            inskriven="2009-02-01")])
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["A3"].number_format = "000"
    wb["Deltagare"]["A4"].number_format = "000"
    wb.save(path)
    raw = read_register(path).sheets["Deltagare"]
    assert list(raw.frame["person_id"]) == ["044", "044", "007"]
    from pipeline import run as library

    outcome = library.report(path, None, tmp_path / "out", dt.date(2026, 11, 25))
    assert any(p.place == "Deltagare!F3" and "Deltagar-ID 044 är redan inskriven på rad 2" in p.message
               for p in outcome.problems)


# the spaces, cases and forms a coach's text may hold: every Unicode space Python's str.isspace knows, the letters
# whose casefold is not their lower case, and a decomposed ö
FOLDING_CHARACTERS = ["a", "B", "ö", "o", "\u0308", "ß", "ẞ", "ﬁ", "Σ", "ς", "İ", "K", "1", "-"] + [
    chr(c) for c in range(0x3100) if chr(c).isspace()]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(st.sampled_from(FOLDING_CHARACTERS), max_size=10)), max_size=30))
def test_labels_fold_in_bulk_exactly_as_one_by_one(texts):
    """`normalise_labels` (pyarrow, for many distinct texts) and `normalise_label` (one text) are one rule."""
    folded = normalise_labels(pd.Series(texts, dtype="string")).tolist()
    assert [None if f is pd.NA else f for f in folded] == [None if t is None else normalise_label(t) for t in texts]


_XML_TEXT = st.text(st.sampled_from('<fx:e t=\'"/>\n\tvc'), max_size=20)
_FORMULA_OR_ERROR_CELL = st.one_of(  # every form the scan's full pattern finds
    st.builds(lambda prefix, after: f"<{prefix}f{after}", st.sampled_from(["", "x:", "ns_1:"]),
              st.sampled_from([" ", "\t", "\n", "\r", "\f", "/", ">"])),
    st.builds(lambda q1, q2: f"t={q1}e{q2}", st.sampled_from(['"', "'"]), st.sampled_from(['"', "'"])))


@settings(max_examples=300, deadline=None)
@given(_XML_TEXT, st.one_of(st.just(""), _FORMULA_OR_ERROR_CELL), _XML_TEXT)
def test_the_scan_passes_over_only_windows_without_a_formula_or_an_error_cell(before, cell, after):
    """The fast hints of the sheet scan hold whenever the full pattern does: a window they pass over has no
    formula element and no error cell."""
    from pipeline.read.xlsx_scan import _FORMULA_OR_ERROR, _FORMULA_OR_ERROR_HINTS, _contains

    window = (before + cell + after).encode()
    assert _contains(window, _FORMULA_OR_ERROR) or not cell
    if _contains(window, _FORMULA_OR_ERROR):
        assert any(_contains(window, hint) for hint in _FORMULA_OR_ERROR_HINTS)


@pytest.mark.parametrize("large", [False, True])
def test_a_register_loaded_in_threads_reads_as_one_loaded_where_it_is_asked_for(tmp_path: Path, monkeypatch,
                                                                                large: bool):
    """A register is loaded on the caller's thread, a large one with its checksum and scan on threads beside
    it, a small one with them in turn: the same frames, problems and checksum. A large one (`large`: every file
    counts as one here) has its other sheets loaded by the scan's thread with a reader of their own, and its
    columns encoded on two threads."""
    import hashlib
    import threading

    from pipeline.read import loading, reader

    if large:
        monkeypatch.setattr(loading, "SMALL_FILE_BYTES", 0)
        monkeypatch.setattr(reader, "PARALLEL_ROWS", 0)
    loading.SECONDS.clear()

    path = write_register(tmp_path / "r.xlsx", [person(), person("P2"), person("P3")], origin=(2, 1))
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["E4"] = '=IF(1,"Försörjningsstöd")'  # a formula without a stored value
    wb["Deltagare"].merge_cells("J3:J5")
    wb.save(path)

    load_sheet = loading.load_sheet

    def read(threaded: bool):
        monkeypatch.setattr(loading, "worth_threads", lambda _: threaded)
        beside, loaded_on = [], {}
        monkeypatch.setattr(loading, "_sha256", lambda content: beside.append(threading.current_thread())
                            or hashlib.sha256(content).hexdigest())
        monkeypatch.setattr(loading, "load_sheet", lambda reader, name: loaded_on.setdefault(
            name, threading.current_thread()) and load_sheet(reader, name))
        loading.start(path)
        assert path.resolve() in loading._STARTED
        # Deltagare on the calling thread, whose heap glibc grows in large steps (see pipeline.read.loading)
        assert loaded_on["Deltagare"] is threading.main_thread()
        return beside == [threading.main_thread()], read_register(path)

    (checksum_here, threaded), (checksum_here_too, inline) = read(True), read(False)
    assert not checksum_here and checksum_here_too  # the checksum ran beside the load, or on its thread, in turn
    assert ("fastexcel övriga blad" in loading.SECONDS) == large
    assert threaded.sha256 == inline.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert threaded.sheets.keys() == inline.sheets.keys()
    for name, raw in threaded.sheets.items():
        pd.testing.assert_frame_equal(raw.frame, inline.sheets[name].frame)
        assert raw.problems == inline.sheets[name].problems and raw.merged == inline.sheets[name].merged
    assert [p.cell for p in inline.sheets["Deltagare"].problems] == ["E4"]
    assert inline.sheets["Deltagare"].merged == [("J3:J5", "Coach Test")]
