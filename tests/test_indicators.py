"""ESF+ 2021-2027: each common indicator on tiny registers written to disk and reported through the library,
with the figures read back from the workbook's `Siffror` and hand-counted expectations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

import pandas as pd

from conftest import plus_person, plus_project_rows, write_plus_register
from pipeline import run
from pipeline.count.indicators import indicators, persons
from pipeline.period import Period

TODAY = dt.date(2026, 11, 25)
FIRST_HALF_2024 = "2024-01-01..2024-06-30"
SECOND_HALF_2024 = "2024-07-01..2024-12-31"
FIRST_HALF_2025 = "2025-01-01..2025-06-30"
SECOND_HALF_2025 = "2025-07-01..2025-12-31"


def siffror(path: Path) -> dict[tuple[str, str, str, str], float]:
    ws = openpyxl.load_workbook(path, read_only=True)["Siffror"]
    rows = ws.iter_rows(min_row=2, values_only=True)
    return {(t, r, k, g or ""): v for t, r, k, g, v in rows}


def report(tmp_path: Path, rows: list[list], period: str, name: str = "r", **kwargs) -> dict:
    path = write_plus_register(tmp_path / f"{name}.xlsx", rows, **kwargs)
    outcome = run.report(path, period, tmp_path / f"out_{name}", TODAY)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert outcome.report.failed_checks.empty
    return siffror(outcome.written[0])


def value(figures: dict, row: str, column: str = "Sedan starten", gender: str = "") -> float:
    return figures[("Indikatorer", row, column, gender)]


def test_a_person_enrolled_twice_is_one_participant_counted_at_the_first_entry(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-02-01", utskriven="2024-03-01", situation="Arbetssökande"),
            plus_person("P1", inskriven="2024-08-01", entry=False),
            plus_person("P2", kon="M", inskriven="2024-09-01", status="Inaktiv")]
    figures = report(tmp_path, rows, SECOND_HALF_2024)
    assert value(figures, "EECO01") == 2
    assert value(figures, "EECO01", "Perioden") == 1  # P1 entered in the first half: only P2 is new
    assert value(figures, "EECO01", "Perioden", "m") == 1 and value(figures, "EECO01", "Perioden", "kv") == 0
    assert value(figures, "EECO02") == 1 and value(figures, "EECO04") == 1
    assert value(figures, "Personer med mer än en inskrivning") == 1
    assert value(figures, "Personer med mer än en inskrivning", "Perioden") == 1


def test_a_person_who_re_enrols_has_not_left_until_the_new_enrolment_ends(tmp_path: Path):
    first = plus_person("P1", inskriven="2024-02-01", utskriven="2024-03-01", situation="Arbetssökande")
    open_again = plus_person("P1", inskriven="2024-05-01", entry=False)
    figures = report(tmp_path, [first, open_again], FIRST_HALF_2024, "open")
    assert value(figures, "Deltagare som lämnat insatsen") == 0
    assert value(figures, "EECR01") == 0  # the first exit's situation does not count: P1 has not left
    ended = plus_person("P1", inskriven="2024-05-01", utskriven="2024-06-10", situation="Arbete",
                        kvalifikation="Ja", entry=False)
    figures = report(tmp_path, [first, ended], FIRST_HALF_2024, "ended")
    assert value(figures, "Deltagare som lämnat insatsen", "Perioden") == 1
    assert value(figures, "EECR04") == 1 and value(figures, "EECR01") == 0  # the final exit row counts
    assert value(figures, "EECR03") == 1


def test_an_exit_after_the_period_end_is_not_yet_made(tmp_path: Path):
    rows = [plus_person("P1", inskriven="2024-02-01", utskriven="2024-07-15", situation="Arbete")]
    figures = report(tmp_path, rows, FIRST_HALF_2024)
    assert value(figures, "Deltagare som lämnat insatsen") == 0 and value(figures, "EECR04") == 0


@pytest.mark.parametrize("exit_date, point_in", [
    ("2024-08-31", "2025-02-28"),  # 31 August: the six-month point is the last day of February
    ("2023-08-31", "2024-02-29"),  # in a leap year, 29 February
    ("2024-06-30", "2024-12-30"),
])
def test_the_six_month_point_is_the_same_day_or_the_months_last_day(tmp_path: Path, exit_date, point_in):
    point = pd.Timestamp(point_in)
    start = pd.Timestamp("2023-01-01") if exit_date < "2024" else pd.Timestamp("2024-01-01")
    frame = pd.DataFrame({
        "person_id": pd.Categorical(["P1"]), "gender": pd.Categorical(["K"], categories=["K", "M", "Ickebinär"]),
        "enrolled": pd.to_datetime([start]), "exited": pd.to_datetime([exit_date]), "age": pd.array([30], "Int64"),
        **{k: pd.Categorical([v]) for k, v in (("labour_status", "Sysselsatt"), ("education", "ISCED 3-4"),
                                               ("disability", "Nej"), ("citizenship", "Sverige"),
                                               ("foreign_background", "Nej"), ("minority", "Nej"),
                                               ("homeless", "Nej"), ("rural", "Nej"), ("exit_situation", "Arbete"),
                                               ("qualification", "Nej"), ("situation_6m", "Arbete"),
                                               ("improved_6m", "Ja"))}})

    def counted(end) -> tuple[float, float]:
        period = Period(start, end)
        figs = pd.DataFrame(indicators(persons(frame, period), period)).set_index(["Rad", "Kolumn", "Kön"])["Värde"]
        return figs[("EECR05", "Sedan starten", "")], figs[("EECR06", "Sedan starten", "")]

    assert counted(point - pd.Timedelta(days=1)) == (0, 0)
    assert counted(point) == (1, 1)


def test_the_age_boundaries_at_entry(tmp_path: Path):
    entry = "2024-03-01"
    rows = [plus_person("A17", born_on="2006-03-02", inskriven=entry),  # 18 tomorrow: under 18
            plus_person("A18", born_on="2006-03-01", inskriven=entry),  # 18 on the entry day
            plus_person("A29", born_on="1994-03-02", inskriven=entry),
            plus_person("A30", born_on="1994-03-01", inskriven=entry),
            plus_person("A54", born_on="1969-03-02", inskriven=entry),
            plus_person("A55", born_on="1969-03-01", inskriven=entry),
            plus_person("L28", born_on="1996-02-29", inskriven="2024-02-28"),  # 27: 28 only on 29 February
            plus_person("L19", born_on="2004-02-29", inskriven="2024-02-28")]  # 20 only on 29 February
    figures = report(tmp_path, rows, FIRST_HALF_2024)
    assert value(figures, "EECO06") == 1  # A17
    assert value(figures, "EECO07") == 4  # A18, A29, L28 (27), L19
    assert value(figures, "EECO08") == 1  # A55


def test_a_29_february_birthday_is_reached_on_1_march_in_other_years(tmp_path: Path):
    rows = [plus_person("F1", born_on="2008-02-29", inskriven="2026-02-28"),  # still 17
            plus_person("F2", born_on="2008-02-29", inskriven="2026-03-01")]  # 18
    periods = [("2026-01-01", "2026-06-30")]
    figures = report(tmp_path, rows, "2026-01-01..2026-06-30", perioder=periods,
                     projekt=plus_project_rows()[:3] + [["Projektstart", "2026-01-01"], ["Projektslut", "2027-12-31"],
                                                        ["Programperiod", "2021-2027"]])
    assert value(figures, "EECO06") == 1 and value(figures, "EECO07") == 1


def test_vill_ej_svara_is_no_yes_and_is_counted_beside(tmp_path: Path):
    rows = [plus_person("P1", funktion="Vill ej svara", minoritet="Vill ej svara"),
            plus_person("P2", kon="Ickebinär", funktion="Ja", minoritet="Ja"),
            plus_person("P3", kon="M")]
    figures = report(tmp_path, rows, FIRST_HALF_2024)
    assert value(figures, "EECO12") == 1 and value(figures, "EECO15") == 1
    assert value(figures, "EECO12", gender="ickebinär") == 1
    assert value(figures, "Vill ej svara: funktionsnedsättning") == 1
    assert value(figures, "Vill ej svara: minoritet", gender="kv") == 1
    assert value(figures, "EECO01", gender="ickebinär") == 1 and value(figures, "EECO01") == 3


def test_entry_columns_count_each_value_by_its_indicator(tmp_path: Path):
    rows = [plus_person("P1", status="Långtidsarbetslös", utbildning="Förgymnasial", medborgare="Statslös",
                        utlandsk="Ja", hemlos="Ja", landsbygd="Ja"),
            plus_person("P2", status="Egenföretagare", utbildning="Högskola", medborgare="Tredjeland"),
            plus_person("P3", status="Arbetslös", utbildning="Gymnasial", medborgare="EU/EES")]
    figures = report(tmp_path, rows, FIRST_HALF_2024)
    expected = {"EECO02": 2, "EECO03": 1, "EECO04": 0, "EECO05": 1, "EECO09": 1, "EECO10": 1, "EECO11": 1,
                "EECO13": 2, "EECO14": 1, "EECO16": 1, "EECO17": 1}
    assert {code: value(figures, code) for code in expected} == expected


def test_result_indicators_count_leavings_in_the_period_and_six_month_points(tmp_path: Path):
    rows = [plus_person("P1", status="Sysselsatt", utskriven="2024-03-31", situation="Arbete", kvalifikation="Ja",
                        sex_man="Arbete", forbattrad="Ja"),  # six-month point 2024-09-30
            plus_person("P2", utskriven="2024-08-15", situation="Studier", kvalifikation="Nej"),
            plus_person("P3", utskriven="2024-09-01", situation="Okänd"),
            plus_person("P4", utskriven="2024-10-01", situation="Arbetssökande"),
            plus_person("P5", utskriven="2024-04-10", situation="Annat")]  # point 2024-10-10, not followed up
    figures = report(tmp_path, rows, SECOND_HALF_2024)
    assert value(figures, "Deltagare som lämnat insatsen", "Perioden") == 3
    assert value(figures, "Deltagare som lämnat insatsen") == 5
    assert value(figures, "EECR04") == 1 and value(figures, "EECR04", "Perioden") == 0
    assert value(figures, "EECR02", "Perioden") == 1 and value(figures, "EECR01", "Perioden") == 1
    assert value(figures, "Avslutade utan känd situation vid avslut", "Perioden") == 1
    assert value(figures, "EECR05", "Perioden") == 1 and value(figures, "EECR06", "Perioden") == 1
    assert value(figures, "Sex månader efter avslut har passerats", "Perioden") == 2
    assert value(figures, "Uppföljning 6 månader saknas") == 1


def test_goals_are_set_against_the_indicators_since_the_start(tmp_path: Path):
    rows = [plus_person("P1"), plus_person("P2", kon="M")]
    figures = report(tmp_path, rows, FIRST_HALF_2024, projekt=plus_project_rows(EECO01="8", EECR04="4"))
    assert figures[("Resultat", "EECO01", "Utfall", "")] == 2
    assert figures[("Resultat", "EECO01", "Andel av mål", "")] == pytest.approx(0.25)
    assert figures[("Resultat", "EECR04", "Mål", "")] == 4
    assert ("Resultat", "EECO02", "Mål", "") not in figures


def test_the_workbook_has_the_profiles_sheets_and_no_identifier(tmp_path: Path):
    rows = [plus_person("ID-SECRET-1", coach="Coach Hemlig"), plus_person("ID-SECRET-2", kon="M")]
    path = write_plus_register(tmp_path / "r.xlsx", rows)
    outcome = run.report(path, FIRST_HALF_2024, tmp_path / "out", TODAY)
    wb = openpyxl.load_workbook(outcome.written[0])
    assert wb.sheetnames == ["Sammanfattning", "Indikatorer", "Resultat", "Textförslag", "Kontroller", "Siffror",
                             "Om rapporten"]
    texts = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any("SECRET" in t or "Hemlig" in t or "1990-03-10" in t for t in texts)
    ws = wb["Indikatorer"]
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToHeight == 0  # one page wide, as many pages down as it takes
    codes = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert codes.index("EECO01") < codes.index("EECO17") < codes.index("EECR01") < codes.index("EECR06")
    labels = [ws.cell(r, 2).value for r in range(1, ws.max_row + 1)]
    headings = [str(ws.cell(r, 1).value) for r in range(1, ws.max_row + 1)]
    assert any(h.startswith("Utfallsindikatorer") for h in headings)
    assert any(h.startswith("Resultatindikatorer") for h in headings)
    assert "Vill ej svara: funktionsnedsättning" in labels
