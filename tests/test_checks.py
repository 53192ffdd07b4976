"""Kontroller fails when a figure is wrong: each self-check on the sample's real figures, one figure changed.

The sample register is read, validated and counted as a run does; then a single figure of
the long form is altered, as a bug in one counting function would, and the checks are run
again on the altered figures. The check that guards that figure must say FEL, and only
the figures' own checks may change.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import SAMPLE, TODAY
from pipeline.check.validate import choose_period, validate_register
from pipeline.count.checks import FAILED, OK, run_checks
from pipeline.count.report import build_report
from pipeline.read.reader import read_register
from schemas import form


@pytest.fixture(scope="module")
def sample():
    register = validate_register(read_register(SAMPLE), dt.date.fromisoformat(TODAY))
    report = build_report(register, choose_period(register.periods, None, dt.date.fromisoformat(TODAY)))
    months = report.table_1_months
    labels = form.month_labels(months)
    period_months = [labels[m] for m in report.period.months if m in labels]
    return report, period_months


def altered(figures: pd.DataFrame, key: tuple, by: float) -> pd.DataFrame:
    table, row, column, gender = key
    hit = ((figures["Tabell"] == table) & (figures["Rad"] == row) & (figures["Kolumn"] == column)
           & (figures["Kön"] == gender))
    assert hit.sum() == 1, key
    return figures.assign(Värde=figures["Värde"].where(~hit, figures["Värde"] + by))


def test_the_sample_passes_every_check(sample):
    report, _ = sample
    assert set(report.checks["Resultat"]) == {OK}


@pytest.mark.parametrize("key, check", [
    ((form.T1, form.YOUNG_DOMESTIC.label, "Maj", "kv"), "Tabell 1: Summa (kvinnor/män) = summan av målgrupperna"),
    ((form.T1, form.T1_SUM, "Juni", ""), "Tabell 1: Summa = kvinnor + män"),
    ((form.T2, form.ADULT_DOMESTIC.label, "Maj", "m"), "Tabell 2: Summa / kön = summan av målgrupperna"),
    ((form.T2, form.T2_PERIOD, form.PERIOD_COLUMN, ""), "Tabell 2: Summa / period = Utskrivningsorsak för perioden"),
    ((form.T4, form.YOUNG_FOREIGN.label, form.ENROLLED_SINCE_START, "kv"),
     "Tabell 4: perioderna summerar till Inskrivna sedan starten"),
    ((form.T4, form.ADULT_FOREIGN_SUPPORT.label, form.UNIQUE_SINCE_START, "m"),
     "Tabell 4: Unika sedan starten ≤ Inskrivna sedan starten"),
    ((form.REASONS, "1-Arbete", form.SINCE_START, ""), "Utskrivningsorsak sedan starten: Summa = summan av orsakerna 1-5"),
    ((form.RESULTS, form.WOMEN, form.OUTCOME, ""), "Resultat: Kvinnor + Män = Nyinskrivna deltagare"),
    ((form.RESULTS, form.PARTICIPANTS, form.OUTCOME, ""), "Deltagare under perioden = summan av målgrupper och kön"),
    ((form.RESULTS, "Företag", form.OUTCOME, ""), "Arbetsgivarkontakter: typerna summerar till antalet organisationer"),
])
def test_a_wrong_figure_fails_its_check(sample, key, check):
    report, period_months = sample
    wrong = altered(report.figures, key, by=5 if "Unika" in key[2] else 1)
    checks = run_checks(wrong, period_months, report.text).set_index("Kontroll")
    assert checks.at[check, "Resultat"] == FAILED
    assert checks.at[check, "Avvikelser"] >= 1 and checks.at[check, "Exempel"]


def test_a_number_in_the_text_that_is_no_figure_fails(sample):
    report, period_months = sample
    text = report.text + [("Deltagare", "Projektet hade 987654 deltagare i maj.")]
    checks = run_checks(report.figures, period_months, text).set_index("Kontroll")
    check = "Textförslag: varje tal i texten är en siffra i rapporten"
    assert checks.at[check, "Resultat"] == FAILED and "987654" in checks.at[check, "Exempel"]


def test_a_figure_written_twice_fails(sample):
    report, period_months = sample
    twice = pd.concat([report.figures, report.figures.iloc[[0]]], ignore_index=True)
    checks = run_checks(twice, period_months, report.text).set_index("Kontroll")
    assert checks.at["Siffror: ingen nyckel två gånger", "Resultat"] == FAILED
