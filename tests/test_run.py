"""The library entry point (`pipeline.run`): what a caller such as the web page gets back, on real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from conftest import TODAY, person, project_rows, write_register
from pipeline import run

TODAY_DATE = dt.date.fromisoformat(TODAY)
ROWS = [person("P1", inskriven="2009-01-10", utskriven="2009-05-20", orsak=1),
        person("P2", kon="M", inskriven="2009-02-01"), person("P3", inskriven="2009-05-05")]


def test_a_valid_register_returns_its_files_period_figures_and_timings(tmp_path: Path):
    outcome = run.report(write_register(tmp_path / "r.xlsx", ROWS), out=tmp_path / "out", today=TODAY_DATE)
    assert outcome.status == run.WRITTEN
    assert outcome.period == "090501-090630"  # the latest period that has ended
    assert [p.name for p in outcome.written] == ["Navigator_lagesrapport_090501-090630.xlsx",
                                                 "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx"]
    assert all(p.is_file() for p in outcome.written)
    # the figures the caller gets are the workbook's
    assert outcome.report.value("Tabell 1", "Summa", "Maj") == 3
    table_1 = openpyxl.load_workbook(outcome.written[0], data_only=True)["Tabell 1"]
    assert table_1["J9"].value == 3  # Summa, Maj
    assert {"förbereda", "läsa", "validera", "räkna", "skriva"} <= set(outcome.timings)
    assert outcome.lines[-1].startswith("Internt underlag (skickas inte till ESF): ")


def test_usage_problems_are_outcomes_not_exceptions(tmp_path: Path):
    missing = run.report(tmp_path / "finns_inte.xlsx", out=tmp_path / "out", today=TODAY_DATE)
    assert (missing.status, missing.lines) == (run.USAGE_ERROR, [f"Filen {tmp_path / 'finns_inte.xlsx'} finns inte."])
    register = write_register(tmp_path / "r.xlsx", ROWS)
    bad_period = run.report(register, "maj", tmp_path / "out", TODAY_DATE)
    assert bad_period.status == run.USAGE_ERROR and "FRÅN..TILL" in bad_period.summary
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_an_unreadable_file_is_one_problem(tmp_path: Path):
    junk = tmp_path / "junk.xlsx"
    junk.write_text("detta är ingen arbetsbok")
    outcome = run.report(junk, out=tmp_path / "out", today=TODAY_DATE)
    assert outcome.status == run.INVALID
    assert len(outcome.problems) == 1 and "kan inte läsas som en arbetsbok" in outcome.problems[0].message
    assert [p.suffix for p in outcome.written] == [".txt"]


def test_an_internal_error_is_logged_and_returned(tmp_path: Path, monkeypatch):
    import pipeline.count.report

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(pipeline.count.report, "build_report", broken)
    outcome = run.report(write_register(tmp_path / "r.xlsx", ROWS), out=tmp_path / "out", today=TODAY_DATE)
    assert outcome.status == run.INTERNAL
    assert "Ett internt fel uppstod med r.xlsx" in outcome.lines[0]
    [log] = (tmp_path / "out").glob("internt_fel_*.log")
    assert "ZeroDivisionError: a bug" in log.read_text() and str(log) in outcome.lines[0]


def test_a_batch_reports_each_register_and_one_failure_stops_none(tmp_path: Path):
    folder = tmp_path / "input"
    folder.mkdir()
    write_register(folder / "a.xlsx", ROWS)
    write_register(folder / "b.xlsx", [person(kon="X")])
    (folder / "~$a.xlsx").write_bytes(b"lock")
    plan = run.plan_batch(folder, tmp_path / "samples")
    assert [p.name for p in plan.registers] == ["a.xlsx", "b.xlsx"] and not plan.used_samples
    assert [p.name for p in plan.skipped] == ["~$a.xlsx"]
    started = []
    outcomes = run.batch(plan, out=tmp_path / "out", today=TODAY_DATE, starting=started.append)
    assert started == plan.registers
    assert [o.status for o in outcomes] == [run.WRITTEN, run.INVALID]


def test_a_batch_on_two_processes_writes_and_says_what_one_process_does(tmp_path: Path):
    folder = tmp_path / "input"
    folder.mkdir()
    later = ROWS + [person("P4", kon="M", inskriven="2009-06-01")]
    write_register(folder / "a.xlsx", ROWS)
    (folder / "b.xlsx").write_bytes((folder / "a.xlsx").read_bytes())  # a copy: the same project
    write_register(folder / "c.xlsx", later, projekt=project_rows(Diarienummer="2008-3020001", Projektnamn="Annat"))
    write_register(folder / "d.xlsx", [person(kon="X")])
    write_register(folder / "e.xlsx", later)  # the project of a and b, changed since
    plan = run.plan_batch(folder, tmp_path / "samples")
    said = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        started: list[Path] = []
        outcomes = run.batch(plan, out=out, today=TODAY_DATE, starting=started.append, jobs=jobs)
        assert started == plan.registers
        said[jobs] = [(o.register.name, o.status, [p.name for p in o.written],
                       [line.replace(str(out), "UT") for line in o.lines]) for o in outcomes]
        assert sorted(p.name for p in out.iterdir()) == sorted(n for _, _, names, _ in said[jobs] for n in names)
    assert said[1] == said[2]
    b, e = said[2][1][3], said[2][4][3]
    assert any("så ingen ny rapport skrevs" in line for line in b)  # b after a, as in the plan
    assert said[2][1][2] == []
    assert any(line.startswith("Ändringar mot Navigator_lagesrapport_090501-090630.xlsx") for line in e)
    assert [status for _, status, _, _ in said[2]] == [run.WRITTEN, run.WRITTEN, run.WRITTEN, run.INVALID,
                                                       run.WRITTEN]


def test_the_template_is_written_and_never_overwritten(tmp_path: Path):
    first, second = run.template(tmp_path), run.template(tmp_path)
    assert (first.name, second.name) == ("registermall.xlsx", "registermall_v2.xlsx")
    assert openpyxl.load_workbook(first).sheetnames[1:] == ["Deltagare", "Projekt", "Perioder", "Arbetsgivarkontakter"]


def test_a_process_set_up_for_reports_imports_no_test_tools_and_keeps_its_imports_out_of_full_collections():
    """`run.prepare` (a run, a batch worker, a web worker) imports neither hypothesis nor pytest, which Pandera
    would import where they are installed (a quarter of a second), and freezes what the imports made, once:
    a process reporting register after register would otherwise scan those hundred thousand objects at each
    full collection (a second of a 200-register batch)."""
    import subprocess
    import sys

    script = ("import gc, sys; from pipeline import run; run.prepare(); first = gc.get_freeze_count(); "
              "run.prepare(); print(first, gc.get_freeze_count(), 'hypothesis' in sys.modules, "
              "'pytest' in sys.modules); import hypothesis")  # still importable after
    shown = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           cwd=Path(__file__).resolve().parents[1]).stdout.split()
    assert shown[2:] == ["False", "False"]
    first, again = int(shown[0]), int(shown[1])
    assert first > 10_000  # pandas, pyarrow and Pandera
    assert again == first  # frozen once: later reports' objects stay collectable


def test_a_process_set_up_for_reports_gives_pyarrow_the_system_allocator_unless_told_otherwise():
    """`run.prepare` lets pyarrow take its memory from malloc, as fastexcel does (a large register's columns
    are then encoded in the memory fastexcel has just freed), and leaves a pool chosen by
    ARROW_DEFAULT_MEMORY_POOL as it is."""
    import os
    import subprocess
    import sys

    script = ("import pyarrow; from pipeline import run; run.prepare(); "
              "print(pyarrow.default_memory_pool().backend_name)")

    def backend(**env) -> str:
        environment = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"} | env
        return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1], env=environment).stdout.strip()

    assert backend() == "system"
    assert backend(ARROW_DEFAULT_MEMORY_POOL="mimalloc") == "mimalloc"
