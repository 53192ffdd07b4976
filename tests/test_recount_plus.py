"""ESF+: the report's every indicator against an independent, slow recount, and the Kontroller identities as
properties.

The recount reads the register file with openpyxl and counts person by person in plain
Python, from the words of the ESF+ specification alone, sharing no code with the
pipeline. It is compared figure by figure with the workbook's `Siffror`, for every period.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import run
from pipeline.count.checks import FAILED
from pipeline.tools.sample import generate_plus, write_register

TODAY = dt.date(2026, 11, 25)
# the spellings the generator writes besides the canonical values
SPELLINGS = {"kvinna": "K", "Egenföretagare": "Sysselsatt", "Gymnasial": "ISCED 3-4"}
GENDER = {"K": "kv", "M": "m", "Ickebinär": "ickebinär"}
ENTRY_TESTS = {
    "EECO02": ("Arbetsmarknadsstatus", {"Arbetslös", "Långtidsarbetslös"}),
    "EECO03": ("Arbetsmarknadsstatus", {"Långtidsarbetslös"}),
    "EECO04": ("Arbetsmarknadsstatus", {"Inaktiv"}),
    "EECO05": ("Arbetsmarknadsstatus", {"Sysselsatt"}),
    "EECO09": ("Utbildningsnivå", {"ISCED 0-2"}),
    "EECO10": ("Utbildningsnivå", {"ISCED 3-4"}),
    "EECO11": ("Utbildningsnivå", {"ISCED 5-8"}),
    "EECO12": ("Funktionsnedsättning", {"Ja"}),
    "EECO13": ("Medborgarskap", {"Tredjeland", "Statslös"}),
    "EECO14": ("Utländsk bakgrund", {"Ja"}),
    "EECO15": ("Minoritet", {"Ja"}),
    "EECO16": ("Hemlöshet", {"Ja"}),
    "EECO17": ("Landsbygd", {"Ja"}),
}
LEAVING_TESTS = {
    "EECR01": ("Situation vid avslut", "Arbetssökande"),
    "EECR02": ("Situation vid avslut", "Studier"),
    "EECR03": ("Kvalifikation vid avslut", "Ja"),
    "EECR04": ("Situation vid avslut", "Arbete"),
}


def as_date(value) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


def six_months_later(day: dt.date) -> dt.date:
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def read_rows(path: Path) -> list[dict]:
    ws = openpyxl.load_workbook(path, read_only=True)["Deltagare"]
    rows = ws.iter_rows(values_only=True)
    headers = next(rows)
    out = []
    for number, values in enumerate(rows, start=2):
        row = {h: (SPELLINGS.get(v, v) if isinstance(v, str) else as_date(v)) for h, v in zip(headers, values)}
        out.append(row | {"_row": number})
    return out


def recount(rows: list[dict], start: dt.date, end: dt.date) -> dict[tuple[str, str, str], int]:
    """Every indicator by (Rad, Kolumn, Kön), person by person."""
    by_person = defaultdict(list)
    for row in rows:
        if row["Inskriven"] <= end:
            by_person[row["Deltagar-ID"]].append(row)
    counts: dict[tuple[str, str, str], int] = defaultdict(int)

    def add(code: str, column: str, gender: str) -> None:
        counts[(code, column, gender)] += 1
        counts[(code, column, "")] += 1

    for enrolments in by_person.values():
        enrolments.sort(key=lambda r: (r["Inskriven"], r["_row"]))
        first, last = enrolments[0], enrolments[-1]
        gender = GENDER[first["Kön"]]
        columns = ["Sedan starten"] + (["Perioden"] if start <= first["Inskriven"] <= end else [])
        age = age_on(first["Födelsedatum"], first["Inskriven"])
        chosen = {"EECO01"} | {code for code, (header, values) in ENTRY_TESTS.items() if first[header] in values}
        chosen |= {"EECO06"} if age < 18 else set()
        chosen |= {"EECO07"} if 18 <= age <= 29 else set()
        chosen |= {"EECO08"} if age >= 55 else set()
        if first["Funktionsnedsättning"] == "Vill ej svara":
            chosen.add("Vill ej svara: funktionsnedsättning")
        if first["Minoritet"] == "Vill ej svara":
            chosen.add("Vill ej svara: minoritet")
        for code in chosen:
            for column in columns:
                add(code, column, gender)
        if len(enrolments) > 1:
            add("Personer med mer än en inskrivning", "Sedan starten", gender)
            if any(start <= r["Inskriven"] <= end for r in enrolments[1:]):
                add("Personer med mer än en inskrivning", "Perioden", gender)
        exits = [r["Utskriven"] if r["Utskriven"] and r["Utskriven"] <= end else None for r in enrolments]
        if any(e is None for e in exits):
            continue  # not left
        leaving = exits[-1]
        columns = ["Sedan starten"] + (["Perioden"] if start <= leaving <= end else [])
        left = {"Deltagare som lämnat insatsen"}
        left |= {code for code, (header, wanted) in LEAVING_TESTS.items() if last[header] == wanted}
        if last["Situation vid avslut"] in (None, "Okänd"):
            left.add("Avslutade utan känd situation vid avslut")
        if last["Situation vid avslut"] == "Annat":
            left.add("Avslutade med annan situation vid avslut")
        for code in left:
            for column in columns:
                add(code, column, gender)
        point = six_months_later(leaving)
        if point <= end:
            columns = ["Sedan starten"] + (["Perioden"] if start <= point else [])
            passed = {"Sex månader efter avslut har passerats"}
            passed |= {"EECR05"} if last["Situation 6 månader"] == "Arbete" else set()
            passed |= {"EECR06"} if last["Förbättrad situation 6 månader"] == "Ja" else set()
            passed |= {"Uppföljning 6 månader saknas"} if last["Situation 6 månader"] is None else set()
            for code in passed:
                for column in columns:
                    add(code, column, gender)
    return counts


PUBLIC = {"Offentlig förvaltning", "Kommun", "Region", "Myndighet", "Offentlig"}
SMALL_OR_MEDIUM = {"Mikroföretag", "Litet företag", "Medelstort företag"}


def recount_organisations(path: Path, start: dt.date, end: dt.date) -> dict[tuple[str, str, str], int]:
    """EECO18, EECO19 and all organisations supported, organisation by organisation: a number with or without
    its hyphen or 16 prefix is one organisation, counted by its earliest Första stöd up to the period end."""
    sheet = openpyxl.load_workbook(path, read_only=True)["Organisationer"]
    first: dict[str, dt.date] = {}
    kind: dict[str, str] = {}
    for number, _, typ, support in sheet.iter_rows(min_row=2, values_only=True):
        digits = str(number).replace("-", "")
        digits = digits[2:] if len(digits) == 12 else digits
        support = as_date(support)
        if support <= end:
            first[digits] = min(first.get(digits, support), support)
            kind[digits] = typ
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for digits, day in first.items():
        rows = ["Organisationer som fått stöd"] + (["EECO18"] if kind[digits] in PUBLIC else []) + (
            ["EECO19"] if kind[digits] in SMALL_OR_MEDIUM else [])
        for row in rows:
            counts[(row, "Sedan starten", "")] += 1
            if start <= day:
                counts[(row, "Perioden", "")] += 1
    return counts


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return write_register(generate_plus(10_000, seed=11), tmp_path_factory.mktemp("plus") / "register.xlsx")


def test_every_indicator_of_every_period_equals_an_independent_recount(generated: Path, tmp_path: Path):
    rows = read_rows(generated)
    assert len(rows) == 10_000
    periods = openpyxl.load_workbook(generated, read_only=True)["Perioder"]
    checked = 0
    for start, end in list(periods.iter_rows(min_row=2, values_only=True)):
        start, end = as_date(start), as_date(end)
        outcome = run.report(generated, f"{start}..{end}", tmp_path, TODAY)
        assert outcome.status == run.WRITTEN, outcome.lines[:5]
        siffror = openpyxl.load_workbook(outcome.written[0], read_only=True)["Siffror"]
        reported = {(r, k, g or ""): v for t, r, k, g, v in siffror.iter_rows(min_row=2, values_only=True)
                    if t == "Indikatorer"}
        expected = recount(rows, start, end) | recount_organisations(generated, start, end)
        assert {key: v for key, v in reported.items() if v} == dict(expected), f"period {start}..{end}"
        checked += len(reported)
    assert checked > 1000


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), size=st.integers(1, 400), last=st.sampled_from(
    ["2023-03-31", "2024-06-30", "2025-12-31", "2026-06-30"]), which=st.integers(0, 10))
def test_the_kontroller_identities_hold_for_any_register_and_period(seed, size, last, which):
    """Property: for a generated register of any size and any of its periods, every check of Kontroller holds
    (EECO01 = EECO02 + EECO04 + EECO05, EECO09-11 sum to EECO01, totals = kv + m + ickebinär, Perioden ≤
    Sedan starten, results within the persons who left)."""
    from pipeline.check.validate import Register, Project
    from pipeline.count.report import build_report
    from pipeline.period import Period
    from pipeline.check.validate import age_at
    from schemas.register import ESF_PLUS

    made = generate_plus(size, seed=seed, last_day=last, variants=False)
    frame = made.deltagare.copy()
    for key in frame.columns:
        if key in ("birth_date", "enrolled", "exited"):
            frame[key] = pd.to_datetime(frame[key]).astype("datetime64[ns]")
        else:
            frame[key] = frame[key].astype("category")
    frame["gender"] = frame["gender"].cat.set_categories(["K", "M", "Ickebinär"])
    frame = frame.assign(age=age_at(frame["birth_date"], frame["enrolled"]))
    frame.index = range(2, 2 + len(frame))
    periods = made.perioder
    chosen = periods.iloc[which % len(periods)]
    project = Project("P", "1", "O", pd.Timestamp("2023-01-01"), pd.Timestamp("2027-06-30"),
                      {"goal_EECO01": 100.0, "goal_EECR05": 10.0})
    register = Register(project, periods, frame, pd.DataFrame(), len(frame), 0, [], ESF_PLUS)
    counted = build_report(register, Period(chosen["start"], chosen["end"]))
    failed = counted.checks[counted.checks["Resultat"] == FAILED]
    assert failed.empty, failed.to_string()
    assert len(counted.checks) >= 20
