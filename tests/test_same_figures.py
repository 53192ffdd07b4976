"""On a generated 10,000-enrolment register, the pipeline's Siffror equal a slow, plain count.

The reference count below loops over enrolments, persons and months in the plainest
way, straight from the counting rules, and shares no code with `pipeline.count.tables`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from conftest import TODAY
from pipeline.cli import main
from pipeline.tools.sample import generate, write_register

PERIOD_START, PERIOD_END = date(2011, 3, 1), date(2011, 4, 30)
MONTHS = ["Jan", "Feb", "Mars", "April", "Maj", "Juni", "Juli", "Aug", "Sept", "Okt", "Nov", "Dec"]
REASONS = {"1": "1-Arbete", "2": "2-Studier", "3": "3-Annan orsak", "4": "4-Okänd orsak", "5": "5-Projekt fullföljt"}
GENDER = {"k": "kv", "kvinna": "kv", "m": "m", "man": "m"}
REASON_WORDS = {"Studier": "2", "Okänd orsak": "4"}  # the generator's spellings without a digit


def as_date(value) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    text = str(value)
    return date(2000 + int(text[:2]), int(text[2:4]), int(text[4:6]))  # the generator's text dates: YYMMDD


def group_of(birth: date, enrolled: date, born: str, benefit: str) -> str:
    age = enrolled.year - birth.year - ((enrolled.month, enrolled.day) < (birth.month, birth.day))
    if age <= 24:
        return ("Inrikesfödda ungdomar 16-24 år med försörjningsstöd" if born == "Inrikes"
                else "Utrikesfödda ungdomar 16-24 år med introduktionsersättning")
    if born == "Inrikes":
        return "Inrikesfödda 25-64 år med försörjningsstöd"
    return f"Utrikesfödda 25-64 år med {benefit.lower()}"


def month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1))


def slow_count(register: Path) -> dict[tuple, float]:
    wb = openpyxl.load_workbook(register, read_only=True)
    rows = list(wb["Deltagare"].iter_rows(min_row=2, values_only=True))
    periods = [(as_date(a), as_date(b)) for a, b in wb["Perioder"].iter_rows(min_row=2, values_only=True)]
    periods = [p for p in periods if p[0] <= PERIOD_START]
    enrolments = []
    for pid, kon, birth, born, benefit, enrolled, exited, reason, follow_up, _ in rows:
        start = as_date(enrolled)
        if start > PERIOD_END:
            continue
        end = as_date(exited)
        if end is not None and end > PERIOD_END:
            end, reason, follow_up = None, None, None
        reason = None if reason is None else REASON_WORDS.get(str(reason), str(reason)[0])
        enrolments.append(dict(pid=pid, kon=GENDER[kon.lower()], start=start, end=end, reason=reason,
                               follow_up=follow_up, group=group_of(as_date(birth), start, born, benefit)))
    figures: dict[tuple, float] = defaultdict(float)
    # Tabell 1: Jan..Apr 2011, enrolled at least one day of the month
    for month in range(1, 5):
        first, last = date(2011, month, 1), month_end(2011, month)
        for e in enrolments:
            if e["start"] <= last and (e["end"] is None or e["end"] >= first):
                figures[("Tabell 1", e["group"], MONTHS[month - 1], e["kon"])] += 1
                figures[("Tabell 1", "Summa (kvinnor/män)", MONTHS[month - 1], e["kon"])] += 1
                figures[("Tabell 1", "Summa", MONTHS[month - 1], "")] += 1
    # Tabell 2: exits of the period by month
    for e in enrolments:
        if e["end"] is not None and PERIOD_START <= e["end"] <= PERIOD_END:
            month = MONTHS[e["end"].month - 1]
            figures[("Tabell 2", e["group"], month, e["kon"])] += 1
            figures[("Tabell 2", "Summa / period", "Perioden", "")] += 1
    # Tabell 4: new per period, since the start, unique persons by their first enrolment
    first_of = {}
    for e in sorted(enrolments, key=lambda e: e["start"]):
        first_of.setdefault(e["pid"], e)
    for e in enrolments:
        for a, b in periods:
            if a <= e["start"] <= b:
                figures[("Tabell 4", e["group"], f"{a:%y%m%d}-{b:%y%m%d}", e["kon"])] += 1
        figures[("Tabell 4", e["group"], "Inskrivna sedan starten", e["kon"])] += 1
    for e in first_of.values():
        figures[("Tabell 4", e["group"], "Unika sedan starten", e["kon"])] += 1
    # exit reasons
    for e in enrolments:
        if e["end"] is not None:
            figures[("Utskrivningsorsak", REASONS[e["reason"]], "Sedan starten", "")] += 1
            if e["end"] >= PERIOD_START:
                figures[("Utskrivningsorsak", REASONS[e["reason"]], "Perioden", "")] += 1
    # Resultat: participants of the period, re-enrolled, follow-up
    for e in enrolments:
        if e["end"] is None or e["end"] >= PERIOD_START:
            figures[("Resultat", "Deltagare under perioden", "Utfall", "")] += 1
            figures[("Resultat", "Deltagare under perioden", e["group"], e["kon"])] += 1
            if first_of[e["pid"]] is not e:
                figures[("Resultat", "Återinskrivna bland deltagarna", "Utfall", "")] += 1
        if e["end"] is not None and e["end"] + timedelta(days=90) <= PERIOD_END:
            figures[("Resultat", "Utskrivna mer än 90 dagar", "Utfall", "")] += 1
            figures[("Resultat", "I arbete 90 dagar efter utskrivning", "Utfall", "")] += e["follow_up"] == "Arbete"
            figures[("Resultat", "Ej uppföljda", "Utfall", "")] += e["follow_up"] is None
    figures[("Resultat", "Nyinskrivna deltagare", "Utfall", "")] = len(enrolments)
    figures[("Resultat", "Kvinnor", "Utfall", "")] = sum(e["kon"] == "kv" for e in enrolments)
    figures[("Resultat", "Personer inskrivna mer än en gång", "Utfall", "")] = sum(
        n > 1 for n in Counter(e["pid"] for e in enrolments).values())
    # employer contacts: distinct organisations by their first contact
    contacts = [(as_date(d), " ".join(str(o).split()).casefold(), t)
                for d, o, t in wb["Arbetsgivarkontakter"].iter_rows(min_row=2, values_only=True)]
    first_contact = {}
    for day, organisation, kind in sorted((c for c in contacts if c[0] <= PERIOD_END), key=lambda c: c[0]):
        first_contact.setdefault(organisation, (day, kind))
    figures[("Resultat", "Arbetsgivarkontakter", "Utfall", "")] = len(first_contact)
    for day, kind in first_contact.values():
        figures[("Resultat", kind, "Utfall", "")] += 1
        figures[("Resultat", "Nya arbetsgivarkontakter under perioden", "Utfall", "")] += day >= PERIOD_START
    return figures


@pytest.fixture(scope="module")
def register_10k(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "register_10000.xlsx"
    return write_register(generate(10_000, seed=10_000, last_day="2011-04-30"), path)


def test_pipeline_figures_equal_a_plain_count_on_10000_enrolments(register_10k: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert main(["report", str(register_10k), "--period", "2011-03-01..2011-04-30", "--out", str(out),
                 "--today", TODAY]) == 0
    [report] = out.glob("*lagesrapport*.xlsx")
    ws = openpyxl.load_workbook(report, read_only=True)["Siffror"]
    pipeline = {tuple("" if v is None else v for v in row[:4]): row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    expected = slow_count(register_10k)
    assert len(expected) > 150
    compared = 0
    for key, value in expected.items():
        assert pipeline[key] == pytest.approx(value), key
        compared += 1
    # every pipeline figure of the tables the reference covers, zeros included, agrees too
    for key, value in pipeline.items():
        if key[0] in ("Tabell 1", "Tabell 4") and key[1] not in ("Summa (kvinnor/män)", "Summa",
                                                                   "Summa nya deltagare / kön",
                                                                   "Summa / respektive period"):
            assert value == expected.get(key, 0), key
    assert compared == len(expected)
