"""Validation: a register on disk that breaks exactly one rule, run through the library (`pipeline.run`);
the outcome's status and its `Problem` objects (cell, value, message) are checked. The command line's
printing of the same problems is covered by `test_the_command_line_prints_every_problem`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from conftest import DELTAGARE_HEADERS, TODAY, person, project_rows, write_register
from pipeline import run as library
from pipeline.problems import ERROR, NOTICE, WARNING, Problem
from pipeline.cli import main


def run(path: Path, today: str = TODAY, period: str | None = None) -> library.Outcome:
    return library.report(path, period, path.parent / "out", dt.date.fromisoformat(today))


def at(outcome: library.Outcome, place: str, severity: str = ERROR, saying: str = "") -> Problem:
    """The problem of that severity at that place (`Deltagare!F17`, or a sheet's name) whose message
    starts with `saying`."""
    found = [p for p in outcome.problems
             if p.place == place and p.severity == severity and p.message.startswith(saying)]
    assert found, f"no {severity} at {place}: {[p.text() for p in outcome.problems]}"
    return found[0]


OK_ROW = person("P9", inskriven="2009-02-01")

ERROR_CASES = {
    "required value missing": ([person(kon=None)], "Deltagare!B2", "Kön saknas"),
    "value outside the accepted set": ([person(kon="X")], "Deltagare!B2 (värde: 'X')", "inte är tillåtet"),
    "impossible date": ([person(inskriven=None) [:5] + ["2009-02-30"] + person()[6:]], "Deltagare!F2",
                        "finns inte i kalendern"),
    "number in a date column": ([person()[:5] + [39934] + person()[6:]], "Deltagare!F2", "ett tal, inte ett datum"),
    "ambiguous date": ([person()[:5] + ["09/05/01"] + person()[6:]], "Deltagare!F2", "tvetydigt"),
    "exit before enrolment": ([person(utskriven="2009-01-05", orsak=1)], "Deltagare!G2",
                              "Utskriven ligger före Inskriven"),
    "exit without reason": ([person(utskriven="2009-03-05")], "Deltagare!H2", "Utskrivningsorsak saknas"),
    "reason without exit": ([person(orsak=2)], "Deltagare!H2", "Utskriven saknas"),
    "age under 16": ([person(born_on="1994-01-01")], "Deltagare!C2", "är 15 år; projektet tar emot 16-64 år"),
    "age over 64": ([person(born_on="1940-01-01")], "Deltagare!C2", "är 69 år"),
    "Inrikes with introduktionsersättning": ([person(ers="Introduktionsersättning")], "Deltagare!E2",
                                             "ingen målgrupp"),
    "young Utrikes with försörjningsstöd": ([person(born_on="1990-01-01", fodd="Utrikes")], "Deltagare!E2",
                                            "ingen målgrupp"),
    "overlapping enrolments": ([person(inskriven="2009-01-10", utskriven="2009-03-01", orsak=1),
                                person(inskriven="2009-02-15")], "Deltagare!F3",
                               "redan inskriven på rad 2 (inskriven 2009-01-10, utskriven 2009-03-01)"),
    "re-enrolment on the exit day overlaps": ([person(inskriven="2009-01-10", utskriven="2009-03-01", orsak=1),
                                               person(inskriven="2009-03-01")], "Deltagare!F3", "redan inskriven"),
    "enrolments disagree on Kön": ([person(inskriven="2008-06-01", utskriven="2008-08-01", orsak=3),
                                    person(kon="M")], "Deltagare!B3", "samma Kön"),
    "enrolments disagree on Födelsedatum": ([person(inskriven="2008-06-01", utskriven="2008-08-01", orsak=3),
                                             person(born_on="1971-03-10")], "Deltagare!C3", "samma Födelsedatum"),
    "enrolments disagree on Född": ([person(inskriven="2008-06-01", utskriven="2008-08-01", orsak=3),
                                     person(fodd="Utrikes")], "Deltagare!D3", "samma Född"),
    "enrolment before Projektstart": ([person(inskriven="2008-04-30")], "Deltagare!F2", "före Projektstart"),
    "follow-up without exit": ([person(uppfoljning="Arbete")], "Deltagare!I2", "inte utskriven"),
    "Deltagar-ID missing": ([[None] + person()[1:]], "Deltagare!A2", "Deltagar-ID saknas"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_each_rule_names_its_cell(case: str, tmp_path: Path):
    rows, place, message = ERROR_CASES[case]
    outcome = run(write_register(tmp_path / "r.xlsx", [*rows, OK_ROW]))
    assert outcome.status == library.INVALID
    cell, _, value = place.partition(" (värde: ")
    problem = at(outcome, cell)
    assert message in problem.message
    if value:
        assert problem.value == value.removesuffix(")").strip("'")
    assert not list((tmp_path / "out").glob("*lagesrapport*"))


def test_missing_sheet_and_missing_column_are_named(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person()[:4] + person()[5:]],
                          headers=[h for h in DELTAGARE_HEADERS if h != "Ersättning"])
    wb = openpyxl.load_workbook(path)
    del wb["Arbetsgivarkontakter"]
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.INVALID
    assert at(outcome, "Arbetsgivarkontakter").message.startswith("Bladet Arbetsgivarkontakter saknas")
    assert at(outcome, "Deltagare!1:1").message == "Kolumnen Ersättning saknas i rubrikraden (rad 1)."


def test_duplicate_header_is_an_error_and_an_extra_column_a_notice(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person() + ["F", "x"]],
                          headers=DELTAGARE_HEADERS + ["kön", "Anteckning"])
    outcome = run(path)
    assert outcome.status == library.INVALID
    repeated = at(outcome, "Deltagare!K1")
    assert repeated.value == "kön" and repeated.message.startswith("Kolumnen Kön finns två gånger (även i B1)")
    unknown = at(outcome, "Deltagare!L1", NOTICE)
    assert unknown.value == "Anteckning" and unknown.message.startswith("Okänd kolumn")


@pytest.mark.parametrize("perioder, place, message", [
    ([("2008-05-01", "2008-07-31"), ("2008-08-05", "2008-09-30")], "Perioder!A3", "glapp"),
    ([("2008-05-01", "2008-07-31"), ("2008-07-15", "2008-09-30")], "Perioder!A3", "överlappning"),
    ([("2008-06-01", "2008-07-31")], "Perioder!A2", "börja på Projektstart (2008-05-01)"),
    ([("2008-05-01", "2008-04-30")], "Perioder!B2", "Till ligger före Från"),
])
def test_perioder_rules(perioder, place, message, tmp_path: Path):
    outcome = run(write_register(tmp_path / "r.xlsx", [person(inskriven="2008-06-10")], perioder=perioder),
                  period="2008-05-01..2008-07-31")
    assert outcome.status == library.INVALID
    assert message in at(outcome, place).message


def test_projekt_values_are_checked(tmp_path: Path):
    rows = project_rows(**{"Mål andel kvinnor": "femtio", "Projektstart": "2008-13-01"})
    rows = [r for r in rows if r[0] != "Diarienummer"]
    outcome = run(write_register(tmp_path / "r.xlsx", [person()], projekt=rows))
    assert outcome.status == library.INVALID
    assert at(outcome, "Projekt").message.startswith("Uppgiften Diarienummer saknas")
    assert at(outcome, "Projekt!B10").value == "femtio"
    assert at(outcome, "Projekt!B10").message.startswith("Mål andel kvinnor måste vara en andel")
    assert at(outcome, "Projekt!B4").value == "2008-13-01"
    assert at(outcome, "Projekt!B4").message.startswith("Projektstart måste vara ett datum")


def test_excel_error_cells_and_formulas_without_value_are_named(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person(), person("P2")])
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["D2"] = "#N/A"  # openpyxl stores this as an error cell
    wb["Deltagare"]["E3"] = '=IF(1,"Försörjningsstöd")'  # a formula never calculated
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare!D2").value == "#N/A"
    assert at(outcome, "Deltagare!D2").message.startswith("Cellen innehåller Excel-felet #N/A")
    assert at(outcome, "Deltagare!E3").message.startswith("Cellen innehåller en formel utan sparat värde")


def test_warnings_still_give_the_report(tmp_path: Path):
    rows = [person(inskriven="2009-05-01", utskriven="2009-06-01", orsak=1, uppfoljning="Arbete"),
            person("P2", inskriven="2009-07-20"),
            person("P3", inskriven="2009-02-01", utskriven="2010-01-15", orsak=5)]
    path = write_register(tmp_path / "r.xlsx", rows, projekt=project_rows(Projektslut="2009-12-31"))
    outcome = run(path, today="2009-07-15", period="2009-05-01..2009-06-30")
    assert outcome.status == library.WRITTEN, outcome.lines
    assert at(outcome, "Deltagare!F3", WARNING) == Problem(WARNING, "Deltagare", "F3", "2009-07-20",
                                                           "Datumet ligger efter dagens datum (2009-07-15).")
    assert at(outcome, "Deltagare!G4", WARNING, "Utskriven ligger efter Projektslut").value == "2010-01-15"
    assert at(outcome, "Deltagare!I2", WARNING, "Uppföljningen är ifylld trots att det har gått mindre än 90").value \
        == "Arbete"
    about = openpyxl.load_workbook(next((tmp_path / "out").glob("*lagesrapport*.xlsx")))["Om rapporten"]
    notes = [row[1] for row in about.iter_rows(values_only=True) if row[1] and str(row[1]).startswith("Varning")]
    assert "Varning: Deltagare!G4: Datumet ligger efter dagens datum (2009-07-15)." in notes
    assert len(notes) == 4
    assert not any("2010-01-15" in n for n in notes)  # values may identify; only places and messages


def test_many_mistakes_are_all_reported_at_once_sorted_with_a_summary(tmp_path: Path):
    rows = [
        person("A1", kon="X", inskriven=None)[:5] + ["2009-02-30"] + person()[6:],  # two columns wrong in one row
        person("A2", born_on="1940-01-01"),
        person("A3", ers="Introduktionsersättning"),
        person("A4", utskriven="2009-01-01", orsak=1),
        person("A5", utskriven="2009-03-01"),
        person("A6", orsak=4),
        person("A7", uppfoljning="Studier"),
        person("A8", inskriven="2008-01-01"),
        person("A9", kon=None),
        person("A10")[:3] + ["Någonstans"] + person()[4:],
        person("A11")[:7] + [9, None] + person()[9:],
        person("A12")[:5] + ["12/05/2009"] + person()[6:],
        None,  # a blank row, skipped and counted
        person("A13"),
    ]
    rows = [r if r is not None else [None] * 10 for r in rows]
    path = write_register(tmp_path / "r.xlsx", rows)
    before = path.read_bytes()
    outcome = run(path)
    assert outcome.status == library.INVALID
    errors = [p for p in outcome.problems if p.severity == ERROR]
    for place in ("B2", "F2", "C3", "E4", "G5", "H6", "H7", "I8", "F9", "B10", "D11", "H12", "F13"):
        at(outcome, f"Deltagare!{place}")
    assert [p.row for p in errors] == sorted(p.row for p in errors)
    assert "Rader lästa i Deltagare: 13, rader med fel: 12, rader räknade: 0" in outcome.lines[1]
    assert path.read_bytes() == before


def test_error_workbook_marks_each_cell_with_its_message(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person(kon="X"), person("P2", utskriven="2009-03-01"),
                                                person("=HYPERLINK(\"x\")", kon="=1+1")])
    outcome = run(path)
    assert outcome.status == library.INVALID
    assert tmp_path / "out" / "r_INTERNT_fel.xlsx" in outcome.written
    wb = openpyxl.load_workbook(tmp_path / "out" / "r_INTERNT_fel.xlsx")
    assert wb.sheetnames[0] == "Fel"
    listing = list(wb["Fel"].iter_rows(values_only=True))
    assert listing[0] == ("Typ", "Blad", "Cell", "Värde", "Problem")
    assert ("Fel", "Deltagare", "B2", "X") in [row[:4] for row in listing]
    assert wb["Fel"]["C2"].hyperlink.location == "'Deltagare'!B2" or wb["Fel"]["C2"].hyperlink.target.endswith("B2")
    marked = wb["Deltagare"]["B2"]
    assert marked.fill.start_color.rgb.endswith("FFC7CE")
    assert "Kön har ett värde som inte är tillåtet" in marked.comment.text
    assert "Utskrivningsorsak saknas" in wb["Deltagare"]["H3"].comment.text
    values = [c.value for row in wb["Fel"].iter_rows() for c in row]
    assert "=1+1" in values  # the register's text is written as text, never as a formula
    assert all(c.data_type != "f" for row in wb["Fel"].iter_rows() for c in row)


def test_date_text_forms_are_each_read_once(tmp_path: Path):
    rows = [person("P1")[:2] + ["700310"] + person()[3:5] + ["2009-01-10 08:30"] + person()[6:],
            person("P2")[:2] + ["050310"] + person()[3:]]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    # 700310 is 1970 (2070 would be after the enrolment); 050310 is 2005, a three-year-old
    assert outcome.status == library.INVALID
    assert "är 3 år; projektet" in at(outcome, "Deltagare!C3").message
    assert not {"Deltagare!C2", "Deltagare!F2"} & {p.place for p in outcome.problems}


def test_codes_in_every_accepted_spelling(tmp_path: Path):
    rows = [person("P1", kon=" kvinna ", orsak="1-Arbete", utskriven="2009-05-03", uppfoljning=None),
            person("P2", kon="man", orsak=" studier", utskriven="2009-05-03"),
            person("P3", kon="KV", orsak=3.0, utskriven="2009-05-03"),
            person("P4", kon="m", orsak="5 - Projekt fullföljt", utskriven="2009-05-03")]
    outcome = run(write_register(tmp_path / "r.xlsx", rows), period="2009-05-01..2009-06-30")
    assert outcome.status == library.WRITTEN, outcome.lines


def test_a_date_cell_with_a_time_is_that_date(tmp_path: Path):
    row = person()
    row[5] = dt.datetime(2009, 5, 3, 13, 45)
    outcome = run(write_register(tmp_path / "r.xlsx", [row]), period="2009-05-01..2009-06-30")
    assert outcome.status == library.WRITTEN, outcome.lines
    figs = openpyxl.load_workbook(next((tmp_path / "out").glob("*lagesrapport*.xlsx")), data_only=True)["Tabell 4"]
    assert [c.value for c in figs[7]][12] == 1  # Inrikesfödda 25-64, 090501-090630, kv


def test_an_empty_deltagare_sheet_gives_a_report_of_zeros(tmp_path: Path):
    outcome = run(write_register(tmp_path / "r.xlsx", [], kontakter=[]))
    assert outcome.status == library.WRITTEN, outcome.lines
    assert at(outcome, "Deltagare", NOTICE).message.startswith("Bladet har inga inskrivningar ännu")
    assert outcome.report.value("Tabell 4", "Summa / respektive period", "Inskrivna sedan starten") == 0


def test_a_large_registers_error_copy_keeps_the_header_and_the_problem_rows(tmp_path: Path):
    from pipeline.write.error_workbook import WHOLE_COPY_MAX_ROWS, write_error_workbook
    from pipeline.problems import RegisterInvalid
    from pipeline.read.reader import read_register
    from pipeline.check.validate import validate_register

    path = write_register(tmp_path / "r.xlsx", [person("P1"), person("P2", kon="X"), person("P3")], origin=(2, 2))
    with pytest.raises(RegisterInvalid) as caught:
        validate_register(read_register(path))
    out = tmp_path / "fel.xlsx"
    write_error_workbook(path, caught.value.problems, out, WHOLE_COPY_MAX_ROWS + 1, caught.value.sheets)
    wb = openpyxl.load_workbook(out)
    ws = wb["Deltagare"]
    assert ws["B2"].value == "Deltagar-ID" and ws["C2"].value == "Kön"
    assert ws["B4"].value == "P2" and ws["C4"].value == "X"
    assert ws["C4"].fill.start_color.rgb.endswith("FFC7CE")
    assert "Kön har ett värde som inte är tillåtet" in ws["C4"].comment.text
    assert ws["B3"].value is None and ws["B5"].value is None  # rows without problems are left out
    assert wb.sheetnames[0] == "Fel"
    assert [c.value for c in wb["Fel"][2]][:4] == ["Fel", "Deltagare", "C4", "X"]
    assert wb["Fel"]["C2"].hyperlink.location == "'Deltagare'!C4"


def test_a_date_cell_far_outside_excels_range_is_named_not_a_crash(tmp_path: Path, capsys):
    path = write_register(tmp_path / "r.xlsx", [person(), person("P2"), person("P3", kon="X")])
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"]["F3"] = -1e15  # keeps the cell's date format: fastexcel cannot convert it
    wb.save(path)
    code = main(["report", str(path), "--out", str(tmp_path / "out"), "--today", TODAY])
    out = capsys.readouterr().out
    assert code == 1
    assert "Fel: Deltagare!F3: Datumcellen har ett värde långt utanför Excels datumområde" in out
    assert "Fel: Deltagare!B4 (värde: 'X')" in out  # the other rows are still read and checked
    assert "Traceback" not in out


def test_the_command_line_prints_every_problem(tmp_path: Path, capsys):
    path = write_register(tmp_path / "r.xlsx", [person(kon="X"), person("P2", utskriven="2009-03-01")])
    code = main(["report", str(path), "--out", str(tmp_path / "out"), "--today", TODAY])
    out = capsys.readouterr().out
    assert code == 1
    assert out.splitlines()[0] == "Registret r.xlsx har 2 fel; ingen rapport skrevs."
    assert "Fel: Deltagare!B2 (värde: 'X'): Kön har ett värde som inte är tillåtet. Skriv K eller M." in out
    assert "Fel: Deltagare!H3: Utskrivningsorsak saknas trots att Utskriven är ifylld (G3). Ange orsak 1-5." in out
    assert out.rstrip().endswith("r_INTERNT_fel.xlsx.")


def test_an_open_enrolment_that_overlaps_is_told_in_whole_swedish(tmp_path: Path):
    outcome = run(write_register(tmp_path / "r.xlsx", [person(inskriven="2009-01-10"), person(inskriven="2009-02-15")]))
    assert at(outcome, "Deltagare!F3").message == (
        "Deltagar-ID P1 är redan inskriven på rad 2 (inskriven 2009-01-10, ännu inte utskriven). En återinskrivning "
        "måste börja efter föregående utskrivning.")


def test_a_missing_enrolment_date_of_the_last_person_beside_a_re_enrolment_is_its_own_error(tmp_path: Path):
    # found by the corruption property: the persons' counts once ended before the last person's code
    rows = [person("P1", inskriven="2008-06-01", utskriven="2008-10-01", orsak=1), person("P1", inskriven="2009-01-05"),
            person("P3", inskriven=None)]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.INVALID, outcome.lines
    assert at(outcome, "Deltagare!F4").message.startswith("Inskriven saknas.")


def test_an_empty_contacts_sheet_is_a_sheet_without_contacts(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person()])
    wb = openpyxl.load_workbook(path)
    del wb["Arbetsgivarkontakter"]
    wb.create_sheet("Arbetsgivarkontakter")  # no header, no rows
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.WRITTEN, outcome.lines
    assert at(outcome, "Arbetsgivarkontakter", NOTICE).message.startswith("Bladet Arbetsgivarkontakter är tomt")
    assert outcome.report.value("Resultat", "Arbetsgivarkontakter", "Utfall") == 0


def test_ids_that_look_alike_are_named_with_both_cells(tmp_path: Path):
    rows = [person("N-044", inskriven="2008-06-01", utskriven="2008-07-01", orsak=3), person("n-044"),
            person("044", kon="M", inskriven="2008-06-02"), person(44, kon="M", inskriven="2009-03-03"),
            person(" 0 4 4 ", kon="M", inskriven="2009-05-05"), person("P9", inskriven="2009-02-01")]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare!A3").message.startswith("Deltagar-ID n-044 ser ut som N-044 (A2) men är skrivet")
    assert at(outcome, "Deltagare!A5").message.startswith("Deltagar-ID 44 ser ut som 044 (A4)")
    assert at(outcome, "Deltagare!A6").value == "0 4 4"
    assert "Deltagare!A7" not in {p.place for p in outcome.problems}


def test_invisible_characters_pasted_with_an_id_make_no_second_person(tmp_path: Path):
    """A zero-width space or a byte-order mark (Unicode category Cf) comes along when an ID is pasted from a web
    page or a mail; Excel shows nothing. The person leaves and comes back: one person, two enrolments."""
    rows = [person("P1", inskriven="2008-06-01", utskriven="2008-07-01", orsak=3),
            person("\u200bP1", inskriven="2009-01-10"), person("P2\ufeff", kon="M", inskriven="2009-02-01"),
            person("P2", kon="M", inskriven="2008-06-02", utskriven="2008-08-01", orsak=3)]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.WRITTEN, outcome.lines
    ids = outcome.report.register.enrolments["person_id"]
    assert sorted(ids.astype(str).unique()) == ["P1", "P2"]


def test_an_id_written_with_another_dash_is_a_look_alike_naming_both_cells(tmp_path: Path):
    rows = [person("N-008", inskriven="2008-06-01", utskriven="2008-07-01", orsak=3),
            person("N\u2013008", inskriven="2009-01-10"), person("N\u2011009", kon="M", inskriven="2009-02-01")]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare!A3").message.startswith(
        "Deltagar-ID N\u2013008 ser ut som N-008 (A2) men är skrivet på ett annat sätt (versaler, mellanslag, "
        "bindestreck")
    assert "Deltagare!A4" not in {p.place for p in outcome.problems}  # alone, its dash is no problem


def test_a_follow_up_without_the_column_utskriven_is_said_plainly(tmp_path: Path):
    headers = [h for h in DELTAGARE_HEADERS if h != "Utskriven"]
    row = person(uppfoljning="Arbete")
    del row[DELTAGARE_HEADERS.index("Utskriven")]
    outcome = run(write_register(tmp_path / "r.xlsx", [row], headers=headers))
    messages = [p.message for p in outcome.problems]
    assert not [m for m in messages if "saknas är tom" in m]
    assert any("Uppföljning 90 dagar är ifylld men personen är inte utskriven (kolumnen Utskriven saknas)." in m
               for m in messages), messages


FOLLOWED = [person("P1", inskriven="2008-06-01", utskriven="2008-07-01", orsak=1, uppfoljning="Arbete"),
            person("P2", kon="M", inskriven="2008-06-02", utskriven="2008-08-01", orsak=2, uppfoljning="Studier"),
            person("P3", inskriven="2009-01-10")]


def _with_header(tmp_path: Path, name: str, header: str) -> Path:
    headers = [header if h == "Uppföljning 90 dagar" else h for h in DELTAGARE_HEADERS]
    path = write_register(tmp_path / name, FOLLOWED, headers=headers)
    wb = openpyxl.load_workbook(path)  # wrapped as Excel shows a header typed with Alt+Enter
    wb["Deltagare"].cell(1, DELTAGARE_HEADERS.index("Uppföljning 90 dagar") + 1).alignment = \
        openpyxl.styles.Alignment(wrap_text=True)
    wb.save(path)
    return path


@pytest.mark.parametrize("header", ["Uppföljning\nefter 90 dagar", "Upp-\nföljning 90\ndagar", "UPPFÖLJNING  EFTER 90 DAGAR"])
def test_a_header_wrapped_with_alt_enter_and_worded_as_people_say_it_is_the_column(header: str, tmp_path: Path):
    canonical = run(_with_header(tmp_path, "ratt.xlsx", "Uppföljning 90 dagar"))
    wrapped = run(_with_header(tmp_path, "radbruten.xlsx", header))
    assert wrapped.status == library.WRITTEN, wrapped.lines
    assert not [p for p in wrapped.problems if "Okänd kolumn" in p.message]
    pd_equal = wrapped.report.figures.equals(canonical.report.figures)
    assert pd_equal and canonical.report.value("Resultat", "I arbete 90 dagar efter utskrivning", "Utfall") > 0


def test_an_unknown_header_that_seems_to_be_a_missing_column_is_an_error_naming_both(tmp_path: Path):
    outcome = run(_with_header(tmp_path, "r.xlsx", "Uppföljning 3 mån"))
    assert outcome.status == library.INVALID
    problem = at(outcome, "Deltagare!I1")
    assert problem.value == "Uppföljning 3 mån"
    assert problem.message.startswith("Rubriken liknar kolumnen Uppföljning 90 dagar, som saknas")


def test_an_unknown_header_beside_the_column_it_resembles_is_only_a_notice(tmp_path: Path):
    path = _with_header(tmp_path, "r.xlsx", "Uppföljning 90 dagar")
    wb = openpyxl.load_workbook(path)
    wb["Deltagare"].cell(1, len(DELTAGARE_HEADERS) + 1, "Uppföljning kommentar")
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.WRITTEN
    assert at(outcome, "Deltagare!K1", NOTICE).message == "Okänd kolumn; den läses inte."


def test_two_sheets_whose_names_differ_only_by_case_or_spaces_are_an_error(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person()])
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Deltagare"])
    copy.title = "deltagare "
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare").message.startswith(
        "Registret har flera blad som heter Deltagare: 'Deltagare' och 'deltagare '.")


@pytest.mark.parametrize("dropped, row, place, message", [
    ("Utskriven", person(orsak="1"), "Deltagare!G2",
     "Utskrivningsorsak är ifylld men Utskriven saknas (kolumnen Utskriven saknas). Fyll i utskrivningsdatum eller "
     "töm orsaken."),
    ("Utskrivningsorsak", person(utskriven="2009-03-01"), "Deltagare!1:1",
     "Kolumnen Utskrivningsorsak saknas i rubrikraden (rad 1). Utskrivningsorsak saknas trots att Utskriven är "
     "ifylld (G2). Ange orsak 1-5."),
])
def test_an_optional_column_the_register_lacks_is_named_where_a_rule_needs_it(dropped, row, place, message,
                                                                              tmp_path: Path):
    """`Utskriven` and `Utskrivningsorsak` are optional columns: a row that needs the one it lacks is the coach's to
    fix, never an internal error."""
    i = DELTAGARE_HEADERS.index(dropped)
    path = write_register(tmp_path / "r.xlsx", [row[:i] + row[i + 1:]],
                          headers=DELTAGARE_HEADERS[:i] + DELTAGARE_HEADERS[i + 1:])
    outcome = run(path)
    assert outcome.status == library.INVALID, outcome.lines
    assert at(outcome, place).message == message


@pytest.mark.parametrize("as_categorical", [True, False])
def test_the_model_flags_a_code_outside_its_values_and_a_missing_required_one(as_categorical):
    """The schema's check of a code column judges a Categorical (as the parser makes every code column) by its
    categories, and any other column value by value: the same rows fail either way; an empty cell fails as
    missing (the column is required), not as a value outside the list."""
    import pandas as pd

    from schemas.models import SchemaErrors, sheet_schema
    from schemas.register import KONTAKTER

    types = pd.Series(["Företag", "Fax", None, "Landsting", "Fax"], index=[2, 3, 4, 5, 6])
    frame = pd.DataFrame({"date": pd.to_datetime(["2009-01-01"] * 5).to_numpy(), "organisation": ["A"] * 5,
                          "type": types.astype("category") if as_categorical else types}, index=types.index)
    with pytest.raises(SchemaErrors) as raised:
        sheet_schema(KONTAKTER).validate(frame, lazy=True)
    cases = raised.value.failure_cases
    found = sorted((int(i), "missing" if check == "not_nullable" else str(value))
                   for i, check, value in zip(cases["index"], cases["check"], cases["failure_case"]))
    assert found == [(3, "Fax"), (4, "missing"), (6, "Fax")]


def test_participants_on_a_second_sheet_are_an_error_naming_both_sheets(tmp_path: Path):
    """A sheet per year, `Deltagare` and `Deltagare 2009` with the same header: only one would be counted."""
    path = write_register(tmp_path / "r.xlsx", [person("P1", inskriven="2008-06-01")])
    wb = openpyxl.load_workbook(path)
    later = wb.create_sheet("Deltagare 2009")
    later.append(DELTAGARE_HEADERS)
    for row in (person("P2", inskriven="2009-01-10"), person("P3", kon="M", inskriven="2009-02-01")):
        later.append(row)
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.INVALID
    problem = at(outcome, "Deltagare 2009")
    assert problem.message.startswith("Bladet Deltagare 2009 har samma kolumner som Deltagare, men bara bladet "
                                      "Deltagare läses.")


def test_a_visible_copy_beside_a_hidden_original_names_both_and_says_which_is_read(tmp_path: Path):
    """Excel names a copied sheet `Deltagare (2)`; the stale original was hidden, not deleted."""
    path = write_register(tmp_path / "r.xlsx", [person("P1", inskriven="2008-06-01")])
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb["Deltagare"])
    copy.title = "Deltagare (2)"
    copy.append(person("P2", inskriven="2009-01-10"))
    wb["Deltagare"].sheet_state = "hidden"
    wb.active = wb.sheetnames.index("Deltagare (2)")
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare (2)").message.startswith("Bladet Deltagare (2) har samma kolumner som Deltagare")
    assert at(outcome, "Deltagare", NOTICE).message.startswith("Bladet Deltagare är dolt i arbetsboken, och det är "
                                                               "det bladet som läses.")


@pytest.mark.parametrize("number_format", ['"N-"000', "\\N\\-000"])
def test_a_number_format_that_adds_a_prefix_reads_the_id_as_it_is_shown(number_format: str, tmp_path: Path):
    """A coach types 8 and sees N-008: the ID is N-008, the same person as a later enrolment typed as text."""
    rows = [person(8, inskriven="2008-06-01", utskriven="2008-07-01", orsak=3), person("N-008", inskriven="2009-01-10"),
            person(12, kon="M", inskriven="2009-02-01")]
    path = write_register(tmp_path / "r.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    for cell in ("A2", "A4"):
        wb["Deltagare"][cell].number_format = number_format
    wb.save(path)
    outcome = run(path)
    assert outcome.status == library.WRITTEN, outcome.lines
    assert sorted(outcome.report.register.enrolments["person_id"].astype(str).unique()) == ["N-008", "N-012"]


def test_one_personnummer_in_different_forms_is_a_look_alike_and_personnummer_are_warned_of(tmp_path: Path):
    """19510417-1235, 510417-1235 and 195104171235 are one person (check digit 5 holds); 510417-1234 is none."""
    rows = [person("19510417-1235", born_on="1951-04-17", inskriven="2008-06-01", utskriven="2008-07-01", orsak=3),
            person("510417-1235", born_on="1951-04-17", inskriven="2009-01-10"),
            person("195104171235", born_on="1951-04-17", inskriven="2009-03-01"),
            person("510417-1234", kon="M", born_on="1951-04-17", inskriven="2009-02-01")]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.INVALID
    assert at(outcome, "Deltagare!A3").message.startswith(
        "Deltagar-ID 510417-1235 är samma personnummer som 19510417-1235 (A2), skrivet på ett annat sätt")
    assert at(outcome, "Deltagare!A4").message.startswith("Deltagar-ID 195104171235 är samma personnummer")
    assert "Deltagare!A5" not in {p.place for p in outcome.problems if p.severity == ERROR}
    warned = at(outcome, "Deltagare!A2", WARNING)
    assert warned.message.startswith("Deltagar-ID är ett personnummer på 3 rader. Personnumren hamnar i de interna")


def test_personnummer_written_alike_are_one_person_with_a_warning(tmp_path: Path):
    rows = [person("19510417-1235", born_on="1951-04-17", inskriven="2008-06-01", utskriven="2008-07-01", orsak=3),
            person("19510417-1235", born_on="1951-04-17", inskriven="2009-01-10")]
    outcome = run(write_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == library.WRITTEN, outcome.lines
    assert at(outcome, "Deltagare!A2", WARNING).message.startswith("Deltagar-ID är ett personnummer på 2 rader")
