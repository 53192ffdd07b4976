"""ESF+ 2021-2027 validation: registers on disk that break one rule of the profile, run through the library;
each problem's cell, value and Swedish message are checked, and the profile's choice itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from conftest import (
    DELTAGARE_HEADERS, PLUS_HEADERS, person, plus_person, plus_project_rows, project_rows, write_plus_register,
    write_register,
)
from pipeline import run
from pipeline.problems import ERROR, NOTICE, WARNING, UsageError

TODAY = dt.date(2026, 11, 25)
PERIOD = "2024-01-01..2024-06-30"


def outcome_of(path: Path, period: str | None = PERIOD, today: dt.date = TODAY) -> run.Outcome:
    return run.report(path, period, path.parent / "out", today)


def texts(outcome: run.Outcome, severity: str = ERROR) -> list[str]:
    return [p.text().split(": ", 1)[1] for p in outcome.problems if p.severity == severity]


def test_a_register_without_programperiod_is_2007_2013_and_ickebinar_is_no_gender_there(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person(kon="Ickebinär")])
    outcome = outcome_of(path, None)
    assert outcome.status == run.INVALID
    assert any(t.startswith("Deltagare!B2 (värde: 'Ickebinär'): Kön har ett värde") for t in texts(outcome))


def test_an_unknown_programperiod_is_named_by_its_cell(tmp_path: Path):
    path = write_register(tmp_path / "r.xlsx", [person()], projekt=project_rows() + [["Programperiod", "2014-2020"]])
    outcome = outcome_of(path, None)
    assert outcome.status == run.INVALID
    assert "Projekt!B15 (värde: '2014-2020'): Programperiod måste vara 2007-2013 eller 2021-2027." in texts(outcome)


def test_the_profiles_columns_are_required_and_the_other_profiles_are_a_notice(tmp_path: Path):
    headers = [h for h in PLUS_HEADERS if h != "Utbildningsnivå"] + ["Utskrivningsorsak"]
    row = plus_person()
    row = row[:6] + row[7:] + ["1"]
    path = write_plus_register(tmp_path / "r.xlsx", [row], headers=headers)
    outcome = outcome_of(path)
    assert outcome.status == run.INVALID
    assert "Deltagare!1:1: Kolumnen Utbildningsnivå saknas i rubrikraden (rad 1)." in texts(outcome)
    assert "Deltagare!R1 (värde: 'Utskrivningsorsak'): Kolumnen Utskrivningsorsak används inte i programperiod " \
           "2021-2027 och läses inte." in texts(outcome, NOTICE)


def test_entry_columns_are_required_on_the_first_enrolment_only(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-01-10", utskriven="2024-02-01", situation="Arbete", status=None),
            plus_person("P1", inskriven="2024-03-01", entry=False)]
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", rows))
    assert texts(outcome) == ["Deltagare!F2: Arbetsmarknadsstatus saknas. Fyll i Arbetslös, Långtidsarbetslös, "
                              "Inaktiv eller Sysselsatt på personens första inskrivning."]


def test_an_entry_value_that_differs_on_a_later_enrolment_names_both_cells(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-03-01", utskriven="2024-04-01", situation="Arbete"),
            plus_person("P1", inskriven="2024-01-10", utskriven="2024-02-01", situation="Studier", status="Inaktiv")]
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", rows))
    # the enrolment of 10 January (row 3) is the entry, so row 2 is the later one
    assert texts(outcome) == ["Deltagare!F2 (värde: 'Arbetslös'): Deltagar-ID P1 har Arbetsmarknadsstatus Inaktiv på "
                              "sin första inskrivning (F3). Uppgifterna vid inträdet hör till den första inskrivningen: "
                              "en senare inskrivning upprepar dem eller lämnar cellen tom."]


@pytest.mark.parametrize("row, place, message", [
    (plus_person(situation="Arbete"), "Deltagare!N2 (värde: 'Arbete')",
     "Situation vid avslut är ifylld men Utskriven saknas (E2). Fyll i utskrivningsdatum eller töm cellen."),
    (plus_person(utskriven="2024-03-01", situation="Arbete", kvalifikation="Ja", sex_man="Arbete",
                 forbattrad="Ja"), "Deltagare!Q2 (värde: 'Ja')",
     "Förbättrad situation 6 månader gäller bara den som var sysselsatt vid inträdet; Deltagar-ID P1 var "
     "Arbetslös (F2). Töm cellen."),
    (plus_person(status="Sysselsatt", utskriven="2024-03-01", situation="Arbete", forbattrad="Ja"),
     "Deltagare!Q2 (värde: 'Ja')",
     "Förbättrad situation 6 månader är ifylld men Situation 6 månader saknas (P2). Fyll i uppföljningen eller "
     "töm cellen."),
    (plus_person(utskriven="2024-03-01", kvalifikation="Ja", situation=None), "Deltagare!O2 (värde: 'Ja')",
     "Kvalifikation vid avslut är ifylld men Situation vid avslut saknas (N2). Fyll i båda eller töm "
     "kvalifikationen."),
    (plus_person(utskriven="2026-09-01", inskriven="2024-03-01", situation="Arbete", sex_man="Arbete"),
     "Deltagare!P2 (värde: 'Arbete')",
     "Situation 6 månader är ifylld, men sex månader efter utskrivningen (E2: 2026-09-01) är först 2027-03-01. "
     "Uppföljningen görs tidigast den dagen."),
    (plus_person(born_on="2024-03-02", inskriven="2024-03-01"), "Deltagare!C2 (värde: '2024-03-02')",
     "Födelsedatum ligger efter Inskriven (D2: 2024-03-01). Kontrollera Födelsedatum."),
    (plus_person(born_on="1923-01-01", inskriven="2024-03-01"), "Deltagare!C2 (värde: '1923-01-01')",
     "Åldern vid inträdet (D2: 2024-03-01) är 101 år, över 100 år. Kontrollera Födelsedatum."),
    (plus_person(utskriven="2024-05-01"), "Deltagare!N2",
     "Situation vid avslut saknas. Utskriven 2024-05-01 (E2) ligger minst 28 dagar före periodens slut "
     "(2024-06-30); fyll i situationen när deltagaren lämnade."),
    (plus_person(kon="X"), "Deltagare!B2 (värde: 'X')", None),  # X is Ickebinär: no error
])
def test_each_esf_plus_rule_names_its_cell(row, place, message, tmp_path: Path):
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", [row]))
    if message is None:
        assert outcome.status == run.WRITTEN, outcome.lines
        return
    assert outcome.status == run.INVALID
    assert f"{place}: {message}" in texts(outcome), texts(outcome)


def test_a_child_or_a_participant_over_64_is_a_warning_and_is_counted(tmp_path: Path):
    """ESF+ supports children (EECO06) in school and family projects: an 8-year-old, a 15-year-old and a
    person of 100 are reported, each with a warning naming the cell; only 101 is an error (above)."""
    rows = [plus_person("P1", born_on="2016-02-01", inskriven="2024-03-01"),
            plus_person("P2", born_on="2009-02-01", inskriven="2024-03-01"),
            plus_person("P3", born_on="1924-01-01", inskriven="2024-03-01"),
            plus_person("P4", born_on="1990-01-01", inskriven="2024-03-01")]
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == run.WRITTEN, outcome.lines
    warned = texts(outcome, WARNING)
    assert [t.split(":")[0] for t in warned] == ["Deltagare!C2 (värde", "Deltagare!C3 (värde", "Deltagare!C4 (värde"]
    assert "är 8 år, utanför 16-64 år. Det är tillåtet i ESF+ (barn räknas i EECO06)" in warned[0]
    figures = outcome.report.lookup
    assert figures("Indikatorer", "EECO06", "Sedan starten") == 2  # the 8- and the 15-year-old
    assert figures("Indikatorer", "EECO08", "Sedan starten") == 1


def test_a_situation_not_yet_due_is_no_error_but_is_on_the_worklist(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-02-01", utskriven="2024-06-20"),  # due 2024-07-18
            plus_person("P2", inskriven="2024-02-01", utskriven="2024-02-15", situation="Arbete")]  # six-month point 2024-08-15: not yet passed at the period end
    path = write_plus_register(tmp_path / "r.xlsx", rows)
    outcome = outcome_of(path)
    assert outcome.status == run.WRITTEN, outcome.lines
    ws = openpyxl.load_workbook(outcome.written[1])["INTERNT uppföljning"]
    cells = list(ws.iter_rows(min_row=3, values_only=True))
    assert cells[0] == ("Rad i registret", "Deltagar-ID", "Coach", "Utskriven", "Att fylla i", "Fylls i senast",
                        "Uppföljning från")  # one meaning per column
    assert [(r[0], r[1], r[4]) for r in cells[1:]] == [(2, "P1", "Situation vid avslut (28 dagar efter utskrivningen)")]
    assert cells[1][5:] == (dt.datetime(2024, 7, 18), None)
    # a period later, the six-month follow-up of P2 is due (2024-08-15) and not made; P1's situation is an error
    later = outcome_of(path, "2024-07-01..2024-12-31")
    assert later.status == run.INVALID and any(t.startswith("Deltagare!N2: Situation vid avslut saknas")
                                               for t in texts(later))


def test_the_worklist_lists_both_tasks_by_date_and_row(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-02-01", utskriven="2024-12-20"),  # situation due 2025-01-17
            plus_person("P2", inskriven="2024-01-10", utskriven="2024-02-15", situation="Arbete"),  # 6 m: 2024-08-15
            plus_person("P3", inskriven="2024-01-10", utskriven="2024-03-31", situation="Arbete"),  # 6 m: 2024-09-30
            plus_person("P4", inskriven="2024-01-10", utskriven="2024-02-15", situation="Arbete")]  # 6 m: 2024-08-15
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", rows), "2024-07-01..2024-12-31")
    assert outcome.status == run.WRITTEN, outcome.lines
    ws = openpyxl.load_workbook(outcome.written[1])["INTERNT uppföljning"]
    listed = [(r[0], r[1], r[4], r[5], r[6]) for r in ws.iter_rows(min_row=4, values_only=True)]
    six = "Uppföljning 6 månader"
    assert listed == [(3, "P2", six, None, dt.datetime(2024, 8, 15)), (5, "P4", six, None, dt.datetime(2024, 8, 15)),
                      (4, "P3", six, None, dt.datetime(2024, 9, 30)),
                      (2, "P1", "Situation vid avslut (28 dagar efter utskrivningen)", dt.datetime(2025, 1, 17), None)]


def test_make_template_for_esf_plus_has_the_profiles_lists_and_items(tmp_path: Path):
    path = run.template(tmp_path, "2021-2027")
    assert path.name == "registermall_2021-2027.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Instruktioner", "Deltagare", "Projekt", "Perioder", "Organisationer"]
    headers = [c.value for c in wb["Deltagare"][1]]
    assert headers == PLUS_HEADERS
    lists = {dv.promptTitle: dv.formula1 for dv in wb["Deltagare"].data_validations.dataValidation if dv.type == "list"}
    assert lists["Kön"] == '"K,M,Ickebinär"'
    assert lists["Arbetsmarknadsstatus"] == '"Arbetslös,Långtidsarbetslös,Inaktiv,Sysselsatt,Egenföretagare"'
    assert all(dv.showInputMessage for dv in wb["Deltagare"].data_validations.dataValidation)
    assert lists["Utbildningsnivå"] == ('"ISCED 0-2 (högst grundskola),ISCED 3-4 (gymnasium eller kortare '
                                        'eftergymnasial),ISCED 5-8 (högskola eller universitet)"')
    prompts = {dv.promptTitle: dv.prompt for dv in wb["Deltagare"].data_validations.dataValidation}
    assert "ett intyg om deltagande räknas inte" in prompts["Kvalifikation vid avslut"]
    assert "befordran (inte bara högre lön)" in prompts["Förbättrad situation 6 månader"]
    assert all(len(prompt) <= 255 for prompt in prompts.values())  # Excel's limit for an input message
    assert "2024-05-01" in prompts["Inskriven"] and "2009" not in " ".join(prompts.values())
    periods = {dv.promptTitle: dv.prompt for dv in wb["Perioder"].data_validations.dataValidation}
    assert "kvartal, till exempel 2024-01-01 till 2024-03-31" in periods["Från"]
    items = {row[0]: row[1:3] for row in wb["Projekt"].iter_rows(min_row=2, values_only=True)}
    assert items["Programperiod"][0] == "2021-2027" and "Mål EECR06" in items
    assert items["Mål EECO01"][1] == "EECO01 Totalt antal deltagare"
    assert items["Mål EECO18"][1].startswith("EECO18 Antal offentliga förvaltningar")
    assert items["Projektnamn"][1] is None
    organisations = [c.value for c in wb["Organisationer"][1]]
    assert organisations == ["Organisationsnummer", "Namn", "Typ", "Första stöd"]
    with pytest.raises(UsageError, match="Programperioden '2014-2020' finns inte"):
        run.template(tmp_path, "2014-2020")


def test_a_template_filled_in_is_reported(tmp_path: Path):
    path = run.template(tmp_path / "mall.xlsx", "2021-2027")
    wb = openpyxl.load_workbook(path)
    ws = wb["Deltagare"]
    for c, value in enumerate(plus_person(), start=1):
        ws.cell(2, c, value)
    projekt = wb["Projekt"]
    values = {"Projektnamn": "Vägen", "Diarienummer": "2024/1", "Projektägare": "Kommunen",
              "Projektstart": dt.datetime(2024, 1, 1), "Projektslut": dt.datetime(2026, 12, 31)}
    for r in range(2, projekt.max_row + 1):
        if projekt.cell(r, 1).value in values:
            projekt.cell(r, 2, values[projekt.cell(r, 1).value])
    perioder = wb["Perioder"]
    perioder.append([dt.datetime(2024, 1, 1), dt.datetime(2024, 6, 30)])
    wb.save(tmp_path / "ifylld.xlsx")
    outcome = outcome_of(tmp_path / "ifylld.xlsx")
    assert outcome.status == run.WRITTEN, outcome.lines
    assert outcome.report.value("Indikatorer", "EECO01", "Sedan starten") == 1


def test_an_invalid_esf_plus_register_gets_its_marked_copy_and_one_message_per_fault(tmp_path: Path):
    rows = [plus_person("P1", status="Okänd status", utskriven="2024-02-01", situation="Arbete"),
            plus_person("P1", inskriven="2024-03-01", utbildning="ISCED 5-8")]
    outcome = outcome_of(write_plus_register(tmp_path / "r.xlsx", rows))
    assert outcome.status == run.INVALID
    # the status outside the list is its own error, not also one of differing entry values
    assert [t.split(":")[0] for t in texts(outcome)] == ["Deltagare!F2 (värde", "Deltagare!G3 (värde"]
    marked = openpyxl.load_workbook(next(p for p in outcome.written if p.suffix == ".xlsx"))
    assert marked.sheetnames[0] == "Fel"
    cell = marked["Deltagare"]["G3"]
    assert cell.fill.fgColor.rgb.endswith("FFC7CE") and "Utbildningsnivå ISCED 3-4" in cell.comment.text


def test_a_register_of_the_other_profile_is_said_to_be_one(tmp_path: Path):
    """The usual slip: the ESF+ register without its Programperiod (or the reverse) names the missing columns
    and says which programme period the header row fits."""
    path = write_plus_register(tmp_path / "r.xlsx", [plus_person()], projekt=plus_project_rows()[:5])
    outcome = outcome_of(path)
    assert outcome.status == run.INVALID
    notice = [t for t in texts(outcome, NOTICE) if t.startswith("Deltagare!1:1")]
    assert notice == ["Deltagare!1:1: Rubrikraden har kolumnerna för programperiod 2021-2027, men registret gäller "
                      "programperiod 2007-2013 (Programperiod saknas i bladet Projekt). Skriv Programperiod 2021-2027 "
                      "i bladet Projekt om registret gäller den, eller använd registermallen för 2007-2013."]
    # the row under the header was read, and a header row is no row with errors
    assert "Rader lästa i Deltagare: 1, rader med fel: 0" in outcome.lines[1]


@pytest.mark.parametrize("dropped, row, expected", [
    ("Situation vid avslut", plus_person(utskriven="2024-03-01"),
     "Deltagare!1:1: Kolumnen Situation vid avslut saknas i rubrikraden (rad 1), men 1 utskrivning ligger minst 28 "
     "dagar före periodens slut (2024-06-30) och behöver en situation vid avslut."),
    ("Utskriven", plus_person(situation="Arbete"),
     "Deltagare!M2 (värde: 'Arbete'): Situation vid avslut är ifylld men Utskriven saknas (kolumnen Utskriven "
     "saknas). Fyll i utskrivningsdatum eller töm cellen."),
])
def test_an_optional_column_the_sheet_lacks_is_named_not_an_internal_error(dropped, row, expected, tmp_path: Path):
    position = PLUS_HEADERS.index(dropped)
    headers = PLUS_HEADERS[:position] + PLUS_HEADERS[position + 1:]
    path = write_plus_register(tmp_path / "r.xlsx", [row[:position] + row[position + 1:]], headers=headers)
    outcome = outcome_of(path)
    assert outcome.status == run.INVALID, outcome.lines
    assert texts(outcome) == [expected]


@pytest.mark.parametrize("profile, dropped", [("2021-2027", h) for h in PLUS_HEADERS]
                         + [("2007-2013", h) for h in DELTAGARE_HEADERS])
def test_any_column_left_out_is_a_swedish_problem_never_an_internal_error(profile, dropped, tmp_path: Path):
    """Every column of either profile dropped from a register whose rows fill every field: the run ends in
    problems by cell (or a report), never in an internal error."""
    if profile == "2021-2027":
        headers, rows = PLUS_HEADERS, [
            plus_person("P1", status="Sysselsatt", utskriven="2024-03-01", situation="Arbete", kvalifikation="Ja",
                        sex_man="Arbete", forbattrad="Ja"),
            plus_person("P2", kvalifikation="Ja", forbattrad="Ja", sex_man="Arbete"),
            plus_person("P1", inskriven="2024-05-01", utskriven="2024-05-10", entry=False)]
        write = write_plus_register
    else:
        headers, rows = DELTAGARE_HEADERS, [person("P1", utskriven="2009-03-01", orsak="1", uppfoljning="Arbete"),
                                            person("P2", orsak="2", uppfoljning="Arbete"),
                                            person("P1", inskriven="2009-02-01")]
        write = write_register
    i = headers.index(dropped)
    path = write(tmp_path / "r.xlsx", [row[:i] + row[i + 1:] for row in rows], headers=headers[:i] + headers[i + 1:])
    outcome = run.report(path, None if profile == "2007-2013" else "2024-01-01..2024-06-30", tmp_path / "out", TODAY)
    assert outcome.status in (run.WRITTEN, run.INVALID), outcome.lines
    assert all(p.message and p.message[0].isupper() for p in outcome.problems)


def test_situation_after_six_months_under_a_wrapped_header_worded_as_people_say_it_is_counted(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-01-10", utskriven="2024-02-01", situation="Arbete",
                        kvalifikation="Nej", sex_man="Arbete"),
            plus_person("P2", kon="M", inskriven="2024-01-15", utskriven="2024-02-10", situation="Studier",
                        kvalifikation="Nej", sex_man="Ej arbete")]
    figures = {}
    for name, header in (("ratt", "Situation 6 månader"), ("radbruten", "Situation\nefter 6 månader")):
        headers = [header if h == "Situation 6 månader" else h for h in PLUS_HEADERS]
        outcome = outcome_of(write_plus_register(tmp_path / f"{name}.xlsx", rows, headers=headers), None,
                             dt.date(2025, 12, 1))
        assert outcome.status == run.WRITTEN, outcome.lines
        assert not [p for p in outcome.problems if "Okänd kolumn" in p.message]
        figures[name] = outcome.report.figures
    assert figures["radbruten"].equals(figures["ratt"])
