"""The same register as .xlsx, .ods and .xls, messy or clean, gives the same figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from pipeline.read.reader import read_register
from pipeline.count.report import build_report
from pipeline.period import Period
from pipeline.check.validate import validate_register

FIXTURES = ROOT / "tests" / "fixtures"


def figures_of(path: Path) -> pd.DataFrame:
    register = validate_register(read_register(path), pd.Timestamp("2026-11-25").date())
    period = Period(pd.Timestamp("2009-05-01"), pd.Timestamp("2009-06-30"))
    return build_report(register, period).figures.sort_values(["Tabell", "Rad", "Kolumn", "Kön"], ignore_index=True)


@pytest.fixture(scope="module")
def clean_figures(tmp_path_factory) -> pd.DataFrame:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return figures_of(module.write_clean(tmp_path_factory.mktemp("clean") / "clean.xlsx"))


@pytest.mark.parametrize("name", ["messy.xlsx", "messy.ods", "messy.xls"])
def test_messy_twins_in_every_format_give_the_clean_figures(name: str, clean_figures: pd.DataFrame):
    figures = figures_of(FIXTURES / name)
    pd.testing.assert_frame_equal(figures, clean_figures)
    assert clean_figures["Värde"].sum() > 0


def test_messy_register_notices_its_extra_column_and_counts_its_blank_row():
    register = validate_register(read_register(FIXTURES / "messy.xlsx"), pd.Timestamp("2026-11-25").date())
    assert register.rows_read == 9
    assert register.blank_rows == 1
    notices = [p for p in register.problems if p.severity == "Notis"]
    assert [(p.sheet, p.cell, p.value) for p in notices] == [("Deltagare", "M4", "Anteckning")]


@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_error_cells_are_named_in_every_format(suffix: str, tmp_path):
    """`#N/A` in Utskriven and Utskrivningsorsak: in .ods and .xls fastexcel reads it as empty, which would
    count the person as still enrolled. Every format names the same two cells."""
    import datetime as dt

    from pipeline import run

    outcome = run.report(FIXTURES / f"felceller.{suffix}", out=tmp_path, today=dt.date(2026, 11, 25))
    assert outcome.status == run.INVALID, outcome.lines
    errors = [(p.place, p.value) for p in outcome.problems if p.severity == "Fel"]
    assert errors == [("Deltagare!I6", "#N/A"), ("Deltagare!J6", "#N/A")]
