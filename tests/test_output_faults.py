"""Faults a shared output folder really has: planted links, a name taken by a dangling link, runs at
once, a full disk, a write that fails half-way. Never a write outside --out, never a half set of files."""

from __future__ import annotations

import datetime as dt
import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE, TODAY, children_of, distinct_copy, person, write_register
from pipeline import run
from pipeline.cli import main
from pipeline.write import files

TODAY_DATE = dt.date.fromisoformat(TODAY)
REPORT = "Navigator_lagesrapport_090501-090630.xlsx"


def test_links_planted_in_the_output_folder_are_never_written_through(tmp_path: Path, monkeypatch):
    outside = tmp_path / "utanfor.txt"
    outside.write_text("orört")
    out = tmp_path / "out"
    out.mkdir()
    for name in (".skrivtest", "internt_fel.log", ".tmp-esf-x.xlsx"):
        (out / name).symlink_to(outside)
    assert run.report(SAMPLE, out=out, today=TODAY_DATE).status == run.WRITTEN

    def broken(*args, **kwargs):
        raise ZeroDivisionError("ett fel")

    import pipeline.count.report
    monkeypatch.setattr(pipeline.count.report, "build_report", broken)
    assert run.report(SAMPLE, out=out, today=TODAY_DATE).status == run.INTERNAL
    assert outside.read_text() == "orört"
    assert all((out / name).is_symlink() for name in (".skrivtest", "internt_fel.log", ".tmp-esf-x.xlsx"))


def test_a_name_taken_by_a_dangling_link_is_skipped(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / REPORT.replace(".xlsx", "_v2.xlsx")).symlink_to(tmp_path / "finns_inte")
    first = run.report(SAMPLE, out=out, today=TODAY_DATE)
    second = run.report(SAMPLE, out=out, today=TODAY_DATE, rerun=True)
    assert first.written[0].name == REPORT
    assert second.written[0].name == REPORT.replace(".xlsx", "_v3.xlsx")  # v2 is a link's: taken
    assert not (tmp_path / "finns_inte").exists()


def test_eight_runs_at_once_into_one_folder_each_get_their_own_version(tmp_path: Path):
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "report", str(SAMPLE), "--out", str(out), "--today", TODAY, "--igen"]
    runs = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for _ in range(8)]
    outputs = [p.communicate(timeout=300)[0] for p in runs]
    assert [p.returncode for p in runs] == [0] * 8, outputs
    reports = sorted(p.name for p in out.glob("*_lagesrapport_*.xlsx"))
    assert len(reports) == 8 and len(sorted(out.glob("*_INTERNT_uppfoljning_*.xlsx"))) == 8
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def test_a_full_disk_is_a_clear_message_and_leaves_nothing(tmp_path: Path, monkeypatch, capsys):
    def full(fd, content):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files, "_write_all", full)
    out = tmp_path / "out"
    assert main(["report", str(SAMPLE), "--out", str(out), "--today", TODAY]) == 2
    printed = capsys.readouterr().out
    assert f"Utdatamappen {out} är full" in printed and "Traceback" not in printed
    assert list(out.iterdir()) == []
    invalid = write_register(tmp_path / "fel.xlsx", [person(kon="X")])
    assert main(["report", str(invalid), "--out", str(out), "--today", TODAY]) == 2
    printed = capsys.readouterr().out
    assert "Fel: Deltagare!B2 (värde: 'X')" in printed and "är full" in printed  # the problems are still told
    assert list(out.iterdir()) == []


def test_a_set_whose_second_file_fails_leaves_neither(tmp_path: Path, monkeypatch):
    written = []
    real = files.write_new

    def second_fails(path, content):
        if written:
            raise OSError(errno.EIO, "Input/output error")
        written.append(path)
        return real(path, content)

    monkeypatch.setattr(files, "write_new", second_fails)
    outcome = run.report(SAMPLE, out=tmp_path / "out", today=TODAY_DATE)
    assert outcome.status == run.INTERNAL
    assert written and not written[0].exists()  # the worklist, linked first, is taken back
    assert [p.name for p in (tmp_path / "out").iterdir() if "lagesrapport" in p.name] == []


def test_no_temporary_file_is_left_anywhere(tmp_path: Path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "pipeline", "report", str(SAMPLE), "--out", str(out), "--today",
                           TODAY], cwd=ROOT, capture_output=True, text=True, env=os.environ | {"TMPDIR": str(scratch)})
    assert done.returncode == 0, done.stdout
    assert list(scratch.iterdir()) == []  # xlsxwriter works in memory
    assert sorted(p.name for p in out.iterdir()) == sorted([REPORT, REPORT.replace(
        "lagesrapport", "INTERNT_uppfoljning_90_dagar")])


def test_stale_named_temporaries_of_a_killed_run_are_swept(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".tmp-esf-abc.xlsx"
    stale.write_bytes(b"halv")
    old = stale.stat().st_mtime - files.STALE_SECONDS - 10
    os.utime(stale, (old, old))
    fresh = out / ".tmp-esf-def.xlsx"  # perhaps another run's, still writing
    fresh.write_bytes(b"in progress")
    run.report(SAMPLE, out=out, today=TODAY_DATE)
    assert not stale.exists() and fresh.exists()


def test_long_register_and_project_names_give_short_enough_file_names(tmp_path: Path):
    from conftest import project_rows

    long_project = "Ett projekt med ett mycket långt namn " * 8
    register = write_register(tmp_path / ("r" * 240 + ".xlsx"), [person()], projekt=project_rows(Projektnamn=long_project))
    written = run.report(register, out=tmp_path / "out", today=TODAY_DATE)
    assert written.status == run.WRITTEN, written.lines
    invalid = write_register(tmp_path / ("f" * 240 + ".xlsx"), [person(kon="X")])
    refused = run.report(invalid, out=tmp_path / "out", today=TODAY_DATE)
    assert refused.status == run.INVALID and all(p.exists() for p in refused.written)
    assert all(len(p.name) <= 120 for p in written.written + refused.written)


def test_a_run_killed_at_any_moment_leaves_only_complete_outputs(tmp_path: Path):
    """SIGKILL at moments spread over a run: no temporary file, no half file, no report without its worklist."""
    import signal
    import time

    import openpyxl

    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "report", str(SAMPLE), "--out", str(out), "--today", TODAY]
    for delay in (0.3, 0.7, 0.9, 1.1, 1.4, 2.0):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    names = [p.name for p in out.iterdir()] if out.exists() else []
    assert not [n for n in names if n.startswith(".")]
    reports = [n for n in names if "_lagesrapport_" in n]
    for report in reports:
        assert report.replace("lagesrapport", "INTERNT_uppfoljning_90_dagar") in names
        openpyxl.load_workbook(out / report)  # whole


# enough registers that a batch is still under way seconds after its first report (a warm worker reports one in
# about 50 ms: forty were done before a signal sent at the first report arrived, now and then); a batch that must
# end, its rest reported in a new pool after a worker was killed, takes fewer
BATCH_UNDER_WAY, BATCH_TO_END = 200, 40


def _batch_under_way(tmp_path: Path, registers: int, **popen) -> tuple[subprocess.Popen, Path]:
    """`registers` copies of the sample in a batch on two worker processes, once its first report is written."""
    import time

    inbox, out = tmp_path / "input", tmp_path / "out"
    inbox.mkdir()
    for i in range(registers):
        distinct_copy(SAMPLE, inbox / f"register_{i:02d}.xlsx", i)
    command = [sys.executable, "-m", "pipeline", "batch", "--input", str(inbox), "--out", str(out), "--today", TODAY,
               "--jobs", "2"]
    # Ctrl+C reaches the batch however the tests were started (a shell's background job ignores it, and a
    # child inherits that)
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_ctrl_c_as_a_terminal_sends_it, **popen)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and any(out.glob("*_lagesrapport_*"))):
        time.sleep(0.05)
    return process, out


def _ctrl_c_as_a_terminal_sends_it() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_ctrl_c_stops_a_batch_on_every_core_with_a_swedish_message_and_whole_files(start_method: str,
                                                                                   tmp_path: Path):
    """Ctrl+C as a terminal sends it, to the batch and its worker processes at once; with spawned workers too,
    as Windows starts them."""
    import signal

    process, out = _batch_under_way(tmp_path, BATCH_UNDER_WAY, start_new_session=True,
                                    env=os.environ | {"ESF_START_METHOD": start_method})
    os.killpg(process.pid, signal.SIGINT)
    printed, errors = process.communicate(timeout=60)
    assert process.returncode == 130, (printed, errors)
    assert errors.strip() == ("Avbrutet. Det som redan var klart finns i utdatamappen; inget halvskrivet har "
                              "lämnats kvar.")
    assert "Traceback" not in printed + errors and "Sammanställning" not in printed
    names = [p.name for p in out.iterdir()]
    assert not [n for n in names if n.startswith(".")]
    reports = [n for n in names if "_lagesrapport_" in n]
    assert 0 < len(reports) < BATCH_UNDER_WAY  # stopped part-way
    for report in reports:
        worklist = report.replace("lagesrapport", "INTERNT_uppfoljning_90_dagar")
        assert worklist in names


def test_a_batch_whose_worker_is_killed_still_reports_every_register(tmp_path: Path):
    """A worker process stopped from outside (the system out of memory): the batch reports the rest in a new
    pool, and the register the worker had reported again alone."""
    import signal

    process, out = _batch_under_way(tmp_path, BATCH_TO_END)
    workers = children_of(process.pid)
    assert workers
    os.kill(workers[0], signal.SIGKILL)
    printed, errors = process.communicate(timeout=120)
    assert process.returncode == 0, (printed, errors)
    assert "Traceback" not in printed + errors
    summary = printed.split("Sammanställning:")[1].splitlines()[1:]
    assert len(summary) == BATCH_TO_END and all(" skriven " in line for line in summary)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]

