"""The golden file: the sample register's ESF workbook, cell by cell and format by format.

The snapshot (`pipeline.tools.golden`) holds every value, formula, format, merged range,
column width, page setup and chart range of the report. A change of the workbook is made
on purpose with `make golden`, which rewrites `tests/golden/`, and reviewed in its diff.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from pipeline.tools.golden import GOLDEN, sample_report, snapshot


def test_the_sample_report_equals_the_golden_file(tmp_path: Path):
    expected = GOLDEN.read_text(encoding="utf-8")
    actual = snapshot(sample_report(tmp_path))
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                                 "golden", "now", n=1))[:80])
        raise AssertionError("The workbook differs from tests/golden/ (run `make golden` if the change is "
                             f"intended):\n{diff}")


def test_the_snapshot_sees_a_changed_cell(tmp_path: Path):
    import openpyxl

    report = sample_report(tmp_path)
    before = snapshot(report)
    wb = openpyxl.load_workbook(report)
    wb["Tabell 1"]["B3"].number_format = "0.00"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    added = [line for line in difflib.unified_diff(before.splitlines(), snapshot(changed).splitlines())
             if line.startswith("+B3 ")]
    assert any("num=0.00" in line for line in added)
