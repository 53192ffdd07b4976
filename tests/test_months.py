"""The monthly list for SCB (`Månadsunderlag`) and the months changed since the last internal workbook of the
project (`Ändrade månader`), in both profiles: registers written to disk, reported twice into one folder, and
the internal workbooks opened and read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from conftest import person, plus_person, write_plus_register, write_register
from pipeline import run

TODAY = dt.date(2026, 11, 25)
PLUS_PERIOD = "2024-01-01..2024-06-30"


def sheet_rows(path: Path, name: str) -> list[tuple]:
    """A sheet of the internal workbook from its header row (row 3) on, dates as ÅÅÅÅ-MM-DD."""
    ws = openpyxl.load_workbook(path)[name]
    return [tuple(f"{v:%Y-%m-%d}" if isinstance(v, dt.datetime) else v for v in row)
            for row in ws.iter_rows(min_row=3, values_only=True)]


def internal(outcome: run.Outcome) -> Path:
    assert outcome.status == run.WRITTEN, outcome.lines
    return outcome.written[1]


def plus_rows() -> list[list]:
    return [plus_person("P1", kon="K", born_on="1990-03-10", inskriven="2024-01-15", utskriven="2024-03-20",
                        situation="Arbete"),
            plus_person("P2", kon="M", born_on="1985-07-01", inskriven="2024-03-05", status="Inaktiv"),
            plus_person("P1", inskriven="2024-05-02", entry=False)]


def test_the_monthly_list_has_every_start_and_end_by_date_and_a_row_for_a_quiet_month(tmp_path: Path):
    """Hand-made: January a start, February nothing, March a start and an end (by date: the start on the 5th
    first), April nothing, May P1's re-enrolment (its entry columns from P1's first row), June nothing."""
    path = write_plus_register(tmp_path / "r.xlsx", plus_rows())
    rows = sheet_rows(internal(run.report(path, PLUS_PERIOD, tmp_path / "ut", TODAY)), "Månadsunderlag")
    header = rows[0]
    assert header[:8] == ("Månad", "Händelse", "Datum", "Deltagar-ID", "Kön", "Födelsedatum",
                          "Arbetsmarknadsstatus", "Utbildningsnivå")
    assert "Coach" not in header
    body = [row[:7] for row in rows[1:]]
    assert body == [
        ("2024-01", "Start", "2024-01-15", "P1", "K", "1990-03-10", "Arbetslös"),
        ("2024-02", "Ingen start eller slut", None, None, None, None, None),
        ("2024-03", "Start", "2024-03-05", "P2", "M", "1985-07-01", "Inaktiv"),
        ("2024-03", "Slut", "2024-03-20", "P1", "K", "1990-03-10", None),
        ("2024-04", "Ingen start eller slut", None, None, None, None, None),
        ("2024-05", "Start", "2024-05-02", "P1", "K", "1990-03-10", "Arbetslös"),
        ("2024-06", "Ingen start eller slut", None, None, None, None, None),
    ]
    changed = sheet_rows(internal(run.report(path, PLUS_PERIOD, tmp_path / "ut2", TODAY)), "Ändrade månader")
    assert changed[1][0].startswith("Det finns inget tidigare internt underlag för projektet")


def test_two_runs_into_one_folder_name_the_months_changed(tmp_path: Path):
    """A first run; then nothing changed; then a date moved (March to April), an enrolment added to an old month
    (February) and a row deleted (P1's re-enrolment in May): each month named, on screen and in the workbook."""
    out = tmp_path / "ut"
    path = write_plus_register(tmp_path / "r.xlsx", plus_rows())
    internal(run.report(path, PLUS_PERIOD, out, TODAY))

    same_rows = plus_rows()
    same_rows[0][-1] = "Coach Ny"  # the register saved again with another coach: no month changes
    same = run.report(write_plus_register(tmp_path / "r1.xlsx", same_rows), PLUS_PERIOD, out, TODAY)
    assert same.months_changed == []
    assert "Inga redan rapporterade månader har ändrats sedan underlaget 240630." in same.lines
    assert sheet_rows(internal(same), "Ändrade månader")[1][0] == (
        "Inga redan rapporterade månader har ändrats sedan underlaget 240630.")

    rows = plus_rows()
    rows[1] = plus_person("P2", kon="M", born_on="1985-07-01", inskriven="2024-04-05", status="Inaktiv")  # moved
    rows[2] = plus_person("P3", kon="M", born_on="2000-01-01", inskriven="2024-02-10")  # added; P1's May row gone
    changed_path = write_plus_register(tmp_path / "r2.xlsx", rows)
    outcome = run.report(changed_path, PLUS_PERIOD, out, TODAY)
    sentences = [f"Månaden {m} har ändrats sedan underlaget 240630: skicka den och alla senare redan rapporterade "
                 "månader till SCB igen." for m in ("2024-02", "2024-03", "2024-04", "2024-05")]
    assert outcome.months_changed == sentences
    assert all(s in outcome.lines for s in sentences)
    assert not any("P2" in line or "P3" in line for line in outcome.months_changed)  # no IDs on screen
    assert [row[:2] for row in sheet_rows(internal(outcome), "Ändrade månader")[1:]] == [
        (s[8:15], s) for s in sentences]


def test_the_list_is_made_in_the_2007_2013_profile_too_and_only_this_projects_list_is_compared(tmp_path: Path):
    out = tmp_path / "ut"
    rows = [person("P1", inskriven="2009-01-10", utskriven="2009-02-20", orsak="1"),
            person("P2", fodd="Utrikes", inskriven="2009-02-01")]
    first = internal(run.report(write_register(tmp_path / "a.xlsx", rows), "2009-01-01..2009-02-28", out, TODAY))
    listed = sheet_rows(first, "Månadsunderlag")
    assert listed[0] == ("Månad", "Händelse", "Datum", "Deltagar-ID", "Kön", "Födelsedatum", "Född", "Ersättning")
    assert [row[:2] + row[6:] for row in listed[1:]] == [
        ("2009-01", "Start", "Inrikes", "Försörjningsstöd"), ("2009-02", "Start", "Utrikes", "Försörjningsstöd"),
        ("2009-02", "Slut", None, None)]
    # another project (another Diarienummer) in the same folder is never compared with
    from conftest import project_rows
    other = write_register(tmp_path / "b.xlsx", rows[:1], projekt=project_rows(Diarienummer="2009-999"))
    outcome = run.report(other, "2009-01-01..2009-02-28", out, TODAY)
    assert outcome.months_changed == []
    assert sheet_rows(internal(outcome), "Ändrade månader")[1][0].startswith("Det finns inget tidigare internt")


def test_an_earlier_period_reported_again_is_compared_only_over_the_months_it_covers(tmp_path: Path):
    out = tmp_path / "ut"
    path = write_plus_register(tmp_path / "r.xlsx", plus_rows() + [plus_person("P9", inskriven="2024-09-10")])
    internal(run.report(path, "2024-07-01..2024-12-31", out, TODAY))
    again = run.report(path, PLUS_PERIOD, out, TODAY)  # the first half again, after the second half's list
    assert again.months_changed == []  # September's start is after this period: not a change
