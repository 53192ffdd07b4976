"""Textförslag: sentence builders on hand-made figures, and the sentences against the report's cells."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings

from conftest import TODAY
from pipeline.count import text
from pipeline.cli import main
from pipeline.count.report import build_report
from schemas.form import GROUP_LABELS
from schemas import form
from test_properties import registers


def lookup(values: dict[tuple, float]):
    def f(table, row, column, gender=""):
        return values.get((table, row, column, gender), 0.0)
    return f


def test_numbers_up_to_twelve_in_words_at_the_start_of_a_sentence():
    assert text.number(12, start=True) == "Tolv"
    assert text.number(13, start=True) == "13"
    assert text.number(3) == "3"
    assert text.count(1, "kvinna", "kvinnor", start=True) == "En kvinna"
    assert text.count(1, "företag", "företag", start=True, neuter=True) == "Ett företag"
    assert text.count(2, "kvinna", "kvinnor") == "2 kvinnor"
    assert text.count(0, "deltagare", "deltagare", start=True) == "Inga deltagare"
    assert text.percent(0.125) == "13 %" and text.percent(0.4349) == "43 %"
    assert text.listing(["a", "b", "c"]) == "a, b och c"


def test_participants_per_month_with_the_re_enrolled():
    f = lookup({(form.T1, form.T1_SUM, "Maj", ""): 22, (form.T1, form.T1_SUM, "Juni", ""): 23,
                (form.RESULTS, "Återinskrivna bland deltagarna", "Utfall", ""): 7})
    assert text.participants_per_month(f, [("Maj", 5), ("Juni", 6)]) == \
        "Projektet hade 22 deltagare i maj och 23 i juni. Under perioden var 7 deltagare återinskrivna."
    f = lookup({(form.T1, form.T1_SUM, "Maj", ""): 1, (form.RESULTS, "Återinskrivna bland deltagarna", "Utfall", ""): 1})
    assert text.participants_per_month(f, [("Maj", 5)]) == \
        "Projektet hade 1 deltagare i maj. Under perioden var en deltagare återinskriven."


def test_new_enrolments_with_genders_groups_and_re_enrolments():
    label = "090501-090630"
    f = lookup({(form.T4, form.T4_SUM, label, ""): 3, (form.T4, form.T4_SUM_GENDER, label, "kv"): 1,
                (form.T4, form.T4_SUM_GENDER, label, "m"): 2, (form.T4, GROUP_LABELS[0], label, "kv"): 1,
                (form.T4, GROUP_LABELS[3], label, "m"): 2,
                (form.RESULTS, "Återinskrivna bland nyinskrivna under perioden", "Utfall", ""): 1})
    assert text.new_in_period(f, label) == (
        "Tre nya deltagare, 1 kvinna och 2 män, skrevs in under perioden. Per målgrupp: inrikesfödda ungdomar med "
        "försörjningsstöd 1 kvinna; utrikesfödda 25-64 år med försörjningsstöd 2 män. "
        "En av dem var en återinskrivning.")
    f = lookup({(form.T4, form.T4_SUM, label, ""): 3, (form.T4, form.T4_SUM_GENDER, label, "m"): 3,
                (form.T4, GROUP_LABELS[3], label, "m"): 3})
    assert text.new_in_period(f, label).startswith("Tre nya deltagare, alla män, skrevs in under perioden.")
    assert text.new_in_period(lookup({}), label) == "Inga nya deltagare skrevs in under perioden."


def test_exits_of_the_period_by_group_and_reason_and_none():
    f = lookup({(form.T2, form.T2_PERIOD, form.PERIOD_COLUMN, ""): 1, (form.REASONS, "2-Studier", form.PERIOD_COLUMN, ""): 1,
                (form.T2, form.T2_PERIOD_GENDER, form.PERIOD_COLUMN, "m"): 1,
                (form.RESULTS, "Utskrivna under perioden", GROUP_LABELS[1], "m"): 1})
    assert text.exits_in_period(f) == (
        "En deltagare, en man, skrevs ut under perioden. Per målgrupp: utrikesfödda ungdomar med "
        "introduktionsersättning 1 man. Orsaken var studier (1).")
    assert text.exits_in_period(lookup({})) == "Inga deltagare skrevs ut under perioden."


def test_goal_sentences_and_follow_up():
    f = lookup({(form.RESULTS, "Nyinskrivna deltagare", "Utfall", ""): 58, (form.RESULTS, "Nyinskrivna deltagare", "Mål", ""): 135,
                (form.RESULTS, "Nyinskrivna deltagare", "Andel av mål", ""): 58 / 135})
    assert text.participant_goal(f, *text.GOAL_SENTENCES[0]) == \
        "Sedan starten har 58 deltagare skrivits in, 43 % av målet på 135."
    row = "I arbete 90 dagar efter utskrivning"
    f = lookup({(form.RESULTS, "Utskrivna mer än 90 dagar", "Utfall", ""): 12, (form.RESULTS, row, "Utfall", ""): 3,
                (form.RESULTS, row, "Andel", ""): 0.25, (form.RESULTS, row, "Mål", ""): 0.28,
                (form.RESULTS, "Ej uppföljda", "Utfall", ""): 1})
    assert text.follow_up(f) == ("Tolv deltagare har varit utskrivna i mer än 90 dagar. Av dem var 3 (25 %) i arbete "
                                 "90 dagar efter utskrivningen, mot målet 28 %. En är ännu inte uppföljd.")
    assert text.follow_up(lookup({})) == "Ingen deltagare har ännu varit utskriven i mer än 90 dagar."


def test_two_shares_of_a_whole_add_up_to_100():
    assert text.complementary_percents(13 / 40, 27 / 40) == (33, 67)  # 32.5 and 67.5: not 33 and 68
    assert text.complementary_percents(0.5, 0.5) == (50, 50)
    assert text.complementary_percents(1 / 3, 2 / 3) == (33, 67)
    f = lookup({(form.RESULTS, form.WOMEN, form.OUTCOME, ""): 13, (form.RESULTS, form.MEN, form.OUTCOME, ""): 27,
                (form.RESULTS, form.WOMEN, form.SHARE, ""): 13 / 40, (form.RESULTS, form.MEN, form.SHARE, ""): 27 / 40,
                (form.RESULTS, form.WOMEN, form.GOAL, ""): 0.5})
    assert text.women_and_men(f) == ("Av inskrivningarna sedan starten avser 13 (33 %) kvinnor och 27 (67 %) män; "
                                     "målet för andelen kvinnor är 50 %.")


def test_participants_are_told_apart_from_persons():
    f = lookup({(form.RESULTS, form.PARTICIPANTS, form.OUTCOME, ""): 25, (form.RESULTS, form.PERSONS_IN_PERIOD,
                form.OUTCOME, ""): 24, (form.RESULTS, form.PARTICIPANTS, form.OUTCOME, "kv"): 13,
                (form.RESULTS, form.PARTICIPANTS, form.OUTCOME, "m"): 12})
    assert text.participants_in_period(f)[0] == (
        "Under perioden hade projektet 25 deltagare (inskrivningar), 13 kvinnor och 12 män. De var 24 olika "
        "personer: den som skrivs in igen räknas en gång för varje inskrivning.")


def test_contacts_and_project_time():
    f = lookup({(form.RESULTS, "Arbetsgivarkontakter", "Utfall", ""): 2, (form.RESULTS, "Arbetsgivarkontakter", "Mål", ""): 60,
                (form.RESULTS, "Arbetsgivarkontakter", "Andel av mål", ""): 2 / 60, (form.RESULTS, "Företag", "Utfall", ""): 1,
                (form.RESULTS, "Egen kommun", "Utfall", ""): 1})
    assert text.contacts_by_type(f) == ("Sedan starten har projektet haft kontakt med 2 olika arbetsgivare, 3 % av "
                                        "målet på 60 st: 1 företag och 1 inom den egna kommunen.")
    f = lookup({(form.RESULTS, "Projekttid", "Utfall", ""): 1, (form.RESULTS, "Projekttid", "Mål", ""): 36,
                (form.RESULTS, "Projekttid", "Andel av mål", ""): 1 / 36})
    assert text.project_time(f) == "En månad av projektets 36 månader har gått (3 %)."


def test_sentences_carry_the_figures_of_the_tables(sample_copy: Path, tmp_path: Path):
    out = tmp_path / "out"
    assert main(["report", str(sample_copy), "--out", str(out), "--today", TODAY]) == 0
    path = out / "Navigator_lagesrapport_090501-090630.xlsx"
    wb = openpyxl.load_workbook(path, data_only=True)
    sentences = [r[0] for r in wb["Textförslag"].iter_rows(min_row=4, values_only=True) if r[0]]
    headings = {"Deltagare", "Inskrivna och utskrivna", "Deltagare och aktiviteter", "Resultat: projekttid"}
    assert headings <= set(sentences)
    t1 = wb["Tabell 1"]
    may, june = int(t1["J9"].value), int(t1["L9"].value)
    assert f"Projektet hade {may} deltagare i maj och {june} i juni" in sentences[1]
    figs = pd.read_excel(path, sheet_name="Siffror", keep_default_na=False).set_index(["Tabell", "Rad", "Kolumn", "Kön"])["Värde"]
    whole = lambda share: text.whole_percent(share)  # noqa: E731
    goal = [s for s in sentences if s.startswith("Sedan starten har") and "deltagare skrivits in" in s][0]
    enrolled = int(figs[('Tabell 4', 'Summa / respektive period', 'Inskrivna sedan starten', '')])
    assert goal.startswith(f"Sedan starten har {enrolled} deltagare skrivits in, ")
    assert f"{whole(figs[('Resultat', 'Nyinskrivna deltagare', 'Andel av mål', '')])} %" in goal
    exits = [s for s in sentences if s.startswith("Sedan starten har") and "skrivits ut" in s][0]
    reasons = wb["Utskrivningsorsak"]
    assert f"arbete {reasons['D3'].value} ({whole(reasons['E3'].value)} %)" in exits
    women = [s for s in sentences if "kvinnor och" in s and "inskrivningarna" in s][0]
    assert f"avser {int(figs[('Resultat', 'Kvinnor', 'Utfall', '')])} " in women
    shares = [int(n) for n in re.findall(r"\((\d+) %\)", women)]
    assert sum(shares) == 100  # the two shares of one whole add up
    checks = pd.read_excel(path, sheet_name="Kontroller").set_index("Kontroll")
    textcheck = checks.loc["Textförslag: varje tal i texten är en siffra i rapporten"]
    assert textcheck["Resultat"] == "OK" and textcheck["Jämförelser"] > 40
    summary = [r[1] for r in wb["Sammanfattning"].iter_rows(values_only=True) if r[0] == "Textförslag"]
    assert summary and "Textförslag" in summary[0]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_no_number_in_the_text_that_is_not_a_figure(case):
    register, period = case
    report = build_report(register, period)
    allowed = text.allowed_numbers(report.figures)
    for _, sentence in report.text:
        assert sentence.endswith(".")
        assert not re.search(r"(?<![\d,])1 (kvinnor|män|personer)\b", sentence), sentence
        for n in text.numbers_in(sentence):
            assert n in allowed, (n, sentence)
