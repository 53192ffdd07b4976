"""A small smoke run of `make bench`'s script: it generates, measures and writes its table."""

from __future__ import annotations

from pathlib import Path

from pipeline.tools import bench


def test_bench_smoke_run(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setattr(bench, "CACHE", tmp_path / "cache")
    results = tmp_path / "results.md"
    assert bench.main(["--sizes", "1500", "--runs", "1", "--bad-size", "1500", "--results", str(results),
                       "--web-requests", "2", "--plus-size", "1500", "--batch", "3", "--warm-runs", "2"]) == 0
    text = results.read_text(encoding="utf-8")
    assert "| 1 500 |" in text and "| 1 500 (10 000 felaktiga celler) |" in text
    assert "läsa" in text and "validera" in text
    row = next(line for line in text.splitlines() if line.startswith("| 1 500 |"))
    report_s, peak_mb, bare_s, ratio = (float(cell) for cell in row.split("|")[2:6])
    assert report_s > 0 and peak_mb > 50 and bare_s > 0
    assert abs(ratio - report_s / bare_s) <= 0.05 * ratio  # the table rounds each figure to 0.01
    assert "**Web page** (`make serve`), warm: the sample register (68 enrolments)" in text
    assert "| 1 500 ESF+ |" in text
    assert "**Batch** of 3 copies of the sample register" in text and "times the floor" in text
    assert "On one worker process (`--jobs 1`):" in text
    assert "**Warm, in-process**: `navigator_register.xlsx` reported in" in text and "validera" in text
    assert "**Warm, in-process**: `vagen_vidare_register.xlsx`" in text
