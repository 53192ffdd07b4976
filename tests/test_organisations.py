"""ESF+ Organisationer: the organisations supported (EECO18, EECO19), validated by cell and counted once each by
their first support, on registers written to disk and read back through the same code the user runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import plus_person, plus_project_rows, write_plus_register
from pipeline import run
from pipeline.check.validate import luhn_check_digit, organisation_key
from pipeline.count.organisations import organisation_figures, organisations
from pipeline.period import Period
from pipeline.problems import ERROR

TODAY = dt.date(2026, 11, 25)
HEADERS = ["Organisationsnummer", "Namn", "Typ", "Första stöd"]
# valid numbers (their last digit is the Luhn check digit of the other nine)
KOMMUN, REGION, FIRMA, BOLAG, FORENING = "212000-2411", "232100-0016", "556036-0793", "5569158123", "802002-4280"


def with_organisations(path: Path, rows: list[list], headers=HEADERS) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb.create_sheet("Organisationer")
    ws.append(headers)
    for row in rows:
        ws.append([dt.datetime.fromisoformat(v) if isinstance(v, str) and v[:2] == "20" and len(v) == 10 and
                   v[4] == "-" else v for v in row])
    wb.save(path)
    return path


def register(tmp_path: Path, rows: list[list] | None, **goals) -> Path:
    path = write_plus_register(tmp_path / "r.xlsx", [plus_person()], projekt=plus_project_rows(**goals))
    return path if rows is None else with_organisations(path, rows)


def figures_of(outcome: run.Outcome) -> dict:
    ws = openpyxl.load_workbook(outcome.written[0], read_only=True)["Siffror"]
    return {(r, k): v for t, r, k, g, v in ws.iter_rows(min_row=2, values_only=True) if t == "Indikatorer" and not g}


def test_numbers_are_keyed_without_hyphen_or_16_prefix_and_judged_by_their_check_digit():
    assert [luhn_check_digit(n) for n in ("212000241", "556036079", "802002428")] == [1, 3, 0]
    assert organisation_key("212000-2411") == organisation_key("2120002411") == organisation_key("16212000-2411") \
        == ("2120002411", None)
    key, message = organisation_key("212000-2412")
    assert key is None and "ska den sista vara 1, inte 2" in message
    key, message = organisation_key("21200-2411")
    assert key is None and "NNNNNN-NNNN" in message


def test_each_organisation_counts_once_by_its_first_support(tmp_path: Path):
    """Hand-counted. Period 2025-01-01..2025-06-30. The kommun is supported in 2024 and again in the period (one
    organisation, first support 2024: Sedan starten only), written once with and once without its hyphen; the
    region first in the period; the small firm in the period, then again after the period end; the company
    (Stort företag) counts only among all organisations; the association's first support is after the period
    end (not yet counted)."""
    path = register(tmp_path, [
        [KOMMUN, "Kommunen", "Kommun", "2024-03-01"],
        ["2120002411", "Kommunen", "Offentlig förvaltning", "2025-02-01"],
        [REGION, "Regionen", "Region", "2025-03-15"],
        [FIRMA, "Firman", "Mikroföretag", "2025-06-30"],
        [FIRMA, "Firman", "Mikroföretag", "2025-09-01"],
        [BOLAG, "Bolaget", "Stort företag", "2024-11-11"],
        [FORENING, "Föreningen", "Ideell organisation", "2025-07-01"],
    ])
    outcome = run.report(path, "2025-01-01..2025-06-30", tmp_path / "ut", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert outcome.report.failed_checks.empty
    got = figures_of(outcome)
    assert (got[("EECO18", "Perioden")], got[("EECO18", "Sedan starten")]) == (1, 2)
    assert (got[("EECO19", "Perioden")], got[("EECO19", "Sedan starten")]) == (1, 1)
    assert (got[("Organisationer som fått stöd", "Perioden")], got[("Organisationer som fått stöd", "Sedan starten")]) \
        == (2, 4)
    indikatorer = [[c for c in row if c is not None] for row in
                   openpyxl.load_workbook(outcome.written[0])["Indikatorer"].iter_rows(values_only=True)]
    heading = indikatorer.index(["Organisationer som fått stöd"])
    assert indikatorer[heading + 1][:4] == ["EECO18", "Antal offentliga förvaltningar eller offentliga tjänster som "
                                            "fått stöd", 1, 2]
    lines = [row[0] for row in openpyxl.load_workbook(outcome.written[0])["Textförslag"].iter_rows(values_only=True)]
    assert lines[lines.index("Organisationer som fått stöd") + 1:][:1] == ["Sedan starten har projektet gett stöd till 4 organisationer, varav 2 under perioden. Av dem sedan "
                    "starten är 2 offentliga förvaltningar eller offentliga tjänster (EECO18) och 1 mikroföretag eller "
                    "små och medelstora företag (EECO19)."]


def test_the_counting_function_alone():
    frame = pd.DataFrame({"org_key": pd.array(["1", "1", "2", "3"], dtype="string"),
                          "type": pd.Categorical(["Offentlig förvaltning"] * 2 + ["Litet företag", "Annan"]),
                          "first_support": pd.to_datetime(["2024-05-01", "2024-01-10", "2024-02-01", "2024-08-01"])})
    figures = organisation_figures(organisations(frame, Period(pd.Timestamp("2024-01-01"),
                                                                pd.Timestamp("2024-06-30"))),
                                   Period(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30")))
    got = {(r, k): v for r, k, v in zip(figures["Rad"], figures["Kolumn"], figures["Värde"])}
    assert got == {("EECO18", "Perioden"): 1, ("EECO18", "Sedan starten"): 1, ("EECO19", "Perioden"): 1,
                   ("EECO19", "Sedan starten"): 1, ("Organisationer som fått stöd", "Perioden"): 2,
                   ("Organisationer som fått stöd", "Sedan starten"): 2}
    assert organisation_figures(organisations(None, Period(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30"))),
                                Period(pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-30")))["Värde"].sum() == 0


def test_every_rule_of_the_sheet_names_its_cell_all_at_once(tmp_path: Path):
    path = register(tmp_path, [
        ["212000-2412", "Fel kontrollsiffra", "Kommun", "2024-03-01"],
        ["21200-24", "Fel form", "Kommun", "2024-03-01"],
        [FIRMA, "Firman", "Mikroföretag", "2024-03-01"],
        ["16" + FIRMA, "Firman igen", "Medelstort företag", "2024-04-01"],
        [REGION, "Regionen", "Sjukhus", "2024-03-01"],
        [BOLAG, "Tidigt", "Stort företag", "2023-12-31"],
        [FORENING, "Sent", "Ideell organisation", "2026-12-01"],
        [KOMMUN, None, "Kommun", None],
    ])
    outcome = run.report(path, "2024-01-01..2024-06-30", tmp_path / "ut", TODAY)
    assert outcome.status == run.INVALID
    said = {p.place: p.message for p in outcome.problems if p.severity == ERROR}
    assert said["Organisationer!A2"].startswith("Kontrollsiffran stämmer inte")
    assert "NNNNNN-NNNN" in said["Organisationer!A3"]
    assert said["Organisationer!C5"] == (
        f"Organisationsnummer 16{FIRMA} har Typ Mikroföretag i C4. En organisation har en typ: rätta den ena av "
        "cellerna.")
    assert "Skriv Offentlig förvaltning, Mikroföretag" in said["Organisationer!C6"]
    assert said["Organisationer!D7"] == "Första stöd ligger före Projektstart (2024-01-01)."
    assert said["Organisationer!D8"].startswith("Första stöd ligger efter dagens datum")
    assert said["Organisationer!B9"] == "Namn saknas. Fyll i text."
    assert said["Organisationer!D9"].startswith("Första stöd saknas.")


def test_without_the_sheet_both_are_zero_and_om_rapporten_says_so(tmp_path: Path):
    outcome = run.report(register(tmp_path, None), "2024-01-01..2024-06-30", tmp_path / "ut", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert not [p for p in outcome.problems if "Organisationer" in p.sheet]
    got = figures_of(outcome)
    assert got[("EECO18", "Sedan starten")] == got[("EECO19", "Sedan starten")] == 0
    about = " ".join(str(c) for row in openpyxl.load_workbook(outcome.written[0])["Om rapporten"].iter_rows(
        values_only=True) for c in row if c)
    assert "Registret har inget blad Organisationer, så EECO18 och EECO19 är 0." in about
    assert "SCB räknar deltagarna från befolkningsregistren" in about
    assert "Ett intyg om deltagande är ingen kvalifikation." in about


@pytest.mark.parametrize("headers", [["Org.nr", "Organisation", "Typ", "Första stödet"], HEADERS])
def test_goals_are_set_against_the_organisations_under_the_aliases(headers, tmp_path: Path):
    path = register(tmp_path, [[KOMMUN, "Kommunen", "Kommun", "2024-03-01"],
                               [FIRMA, "Firman", "Litet företag", "2024-03-01"]],
                    EECO18="4", EECO19="1")
    wb = openpyxl.load_workbook(path)
    for c, header in enumerate(headers, start=1):
        wb["Organisationer"].cell(1, c, header)
    wb.save(path)
    outcome = run.report(path, "2024-01-01..2024-06-30", tmp_path / "ut", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    resultat = {row[0]: row[2:5] for row in openpyxl.load_workbook(outcome.written[0])["Resultat"].iter_rows(
        min_row=4, values_only=True)}
    assert resultat["EECO18"] == (1, 4, 0.25) and resultat["EECO19"] == (1, 1, 1)


def test_in_a_2007_2013_register_the_sheet_is_a_notice_and_not_read(tmp_path: Path):
    from conftest import person, write_register

    path = with_organisations(write_register(tmp_path / "r.xlsx", [person()]), [["x", "y", "z", "w"]])
    outcome = run.report(path, None, tmp_path / "ut", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert [p.message for p in outcome.problems if p.sheet == "Organisationer"] == [
        "Bladet Organisationer används inte i programperiod 2007-2013 och läses inte."]
