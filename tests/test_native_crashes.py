"""The reading library's native code never ends the tool: files that made fastexcel panic or made the
allocator abort the process, written to disk as the programs that make them write them, and a process
killed or aborted while it reads one register of a batch."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import ROOT, SAMPLE, TODAY, distinct_copy
from pipeline import run
from pipeline.read import xlsx_scan

FIXTURES = ROOT / "tests" / "fixtures"
TODAY_DATE = dt.date.fromisoformat(TODAY)


@pytest.fixture(scope="module")
def large(tmp_path_factory) -> Path:
    """A register long enough to be read while a test watches the process reading it."""
    from pipeline.tools.sample import generate, write_register

    return write_register(generate(20_000), tmp_path_factory.mktemp("stort") / "stort.xlsx")


@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_a_sheet_with_only_its_header_row_reads_as_empty_in_every_format(suffix: str, tmp_path: Path):
    """A new project's Arbetsgivarkontakter with no contact yet: .ods and .xls (LibreOffice's) made fastexcel
    panic with 'invalid range bounds'."""
    outcome = run.report(FIXTURES / f"inga_kontakter.{suffix}", out=tmp_path, today=TODAY_DATE)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert outcome.report.value("Resultat", "Arbetsgivarkontakter", "Utfall") == 0
    assert outcome.report.value("Resultat", "Arbetsgivarkontakter", "Mål") == 60


@pytest.mark.parametrize("suffix", ["xlsx", "ods", "xls"])
def test_an_esf_plus_register_with_a_header_only_sheet_reads_in_every_format(suffix: str, tmp_path: Path):
    outcome = run.report(FIXTURES / f"esf_plus_inga_kontakter.{suffix}", out=tmp_path, today=TODAY_DATE)
    assert outcome.status == run.WRITTEN, outcome.lines
    assert outcome.period == "260101-260630"


def _far_register(tmp_path: Path, dimension: bool = True, value: bool = True) -> Path:
    """The sample with something in XFD1048576 of Arbetsgivarkontakter (Ctrl+End and a keystroke), as
    openpyxl writes it; `dimension=False` takes out the `<dimension>` some writers leave out; `value=False`
    leaves the far cell formatted but empty."""
    wb = openpyxl.load_workbook(SAMPLE)
    far = wb["Arbetsgivarkontakter"]["XFD1048576"]
    if value:
        far.value = "x"
    else:
        far.number_format = "0.00"
    path = tmp_path / "langt_ut.xlsx"
    wb.save(path)
    if not dimension:
        stripped = tmp_path / "utan_dimension.xlsx"
        with zipfile.ZipFile(path) as source, zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename.startswith("xl/worksheets/"):
                    data = re.sub(rb"<dimension [^>]*/>", b"", data)
                target.writestr(item, data)
        return stripped
    return path


@pytest.mark.parametrize("dimension", [True, False])
def test_a_value_far_out_in_a_sheet_is_a_swedish_error_naming_the_cell(dimension: bool, tmp_path: Path):
    """Loaded, it aborted the process within a second (SIGABRT, exit 134): it is refused before the load."""
    register = _far_register(tmp_path, dimension=dimension)
    done = subprocess.run([sys.executable, "-m", "pipeline", "report", str(register), "--out", str(tmp_path / "ut"),
                           "--today", TODAY], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == run.INVALID, (done.returncode, done.stdout, done.stderr[-2000:])
    assert ("Bladet Arbetsgivarkontakter har ett värde långt utanför tabellen, i cell XFD1048576: bladet blir då "
            "17 179 869 184 celler stort") in done.stdout
    assert "ta bort innehållet med Delete" in done.stdout and done.stderr == ""


def test_a_far_cell_that_is_only_formatted_is_no_problem(tmp_path: Path):
    """Its `<dimension>` claims the whole sheet, but fastexcel holds only cells with a value."""
    register = _far_register(tmp_path, value=False)
    assert b"XFD1048576" in zipfile.ZipFile(register).read("xl/worksheets/sheet4.xml")
    assert xlsx_scan.too_far_out(register.open("rb")) == []
    assert run.report(register, out=tmp_path / "ut", today=TODAY_DATE).status == run.WRITTEN


def test_a_panic_anywhere_in_the_native_reader_is_an_internal_error_not_a_traceback(tmp_path: Path, monkeypatch):
    """pyo3 raises a Rust panic as PanicException, a BaseException: it ends this register only, with a log."""
    panic = type("PanicException", (BaseException,), {})

    def panicking(*args, **kwargs):
        raise panic("invalid range bounds")

    import pipeline.read.reader
    monkeypatch.setattr(pipeline.read.reader, "read_sheet", panicking)
    outcome = run.report(SAMPLE, out=tmp_path, today=TODAY_DATE)
    assert outcome.status == run.INTERNAL and outcome.lines[0].startswith("Ett internt fel uppstod med")
    [log] = tmp_path.glob("internt_fel_*.log")
    assert "invalid range bounds" in log.read_text()


def _descendants(root: int) -> set[int]:
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
    found, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in found} - found
        grew, found = bool(more), found | more
    return found - {root}


def _holding(pids: set[int], target: Path) -> set[int]:
    holding = set()
    for pid in pids:
        try:
            if any(os.readlink(fd) == str(target) for fd in Path(f"/proc/{pid}/fd").iterdir()):
                holding.add(pid)
        except OSError:
            continue
    return holding


def test_a_process_killed_while_it_reads_one_register_stops_no_other_report(large: Path, tmp_path: Path):
    """Each process that opens b.xlsx is killed (as a native crash or the system's out-of-memory killer would end
    it), in the batch's pool and again when b is tried alone: a and c are still reported, b is named in Swedish."""
    import signal
    import time

    inbox, out = tmp_path / "input", tmp_path / "out"
    inbox.mkdir()
    for i, name in enumerate(("a.xlsx", "c.xlsx")):
        distinct_copy(SAMPLE, inbox / name, i)
    doomed = inbox / "b.xlsx"
    doomed.write_bytes(large.read_bytes())
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "batch", "--input", str(inbox), "--out", str(out),
                                "--today", TODAY, "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    killed: set[int] = set()
    deadline = time.monotonic() + 240
    while process.poll() is None and time.monotonic() < deadline:
        for pid in _holding(_descendants(process.pid), doomed) - killed:
            os.kill(pid, signal.SIGKILL)
            killed.add(pid)
        time.sleep(0.01)
    printed, errors = process.communicate(timeout=60)
    assert len(killed) >= 2, printed  # in the pool, then alone
    assert process.returncode == run.INTERNAL, (printed, errors)
    summary = printed.split("Sammanställning:")[1]
    assert re.search(r"a\.xlsx\s+090501-090630\s+skriven", summary) and re.search(r"c\.xlsx\s+090501-090630\s+skriven",
                                                                                    summary)
    assert re.search(r"b\.xlsx\s+-\s+avbröts \(krasch\)", summary)
    assert "Registret b.xlsx kunde inte läsas: läsningen avbröts två gånger av systemet" in printed
    assert "Traceback" not in printed + errors
    [log] = out.glob("internt_fel_*.log")
    assert "b.xlsx" in log.read_text()


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_a_single_run_whose_reading_process_aborts_ends_with_exit_3_and_a_log(start_method: str, large: Path,
                                                                             tmp_path: Path):
    """SIGABRT, as the allocator sends when a native library asks for more than there is, to the process that
    reads the register: the run watching it (a fork, or on Windows a child process) says so in Swedish."""
    import signal
    import time

    register = tmp_path / "stort.xlsx"
    register.write_bytes(large.read_bytes())
    out = tmp_path / "ut"
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "report", str(register), "--out", str(out), "--today",
                                TODAY], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=os.environ | {"ESF_START_METHOD": start_method})
    aborted = set()
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and not aborted:
        for pid in _holding(_descendants(process.pid), register):
            os.kill(pid, signal.SIGABRT)
            aborted.add(pid)
        time.sleep(0.01)
    printed, errors = process.communicate(timeout=60)
    assert aborted and process.pid not in aborted
    assert process.returncode == run.INTERNAL, (printed, errors)
    assert printed.startswith("Registret stort.xlsx kunde inte läsas: läsningen avbröts av systemet")
    assert "Traceback" not in printed + errors
    [log] = out.glob("internt_fel_*.log")
    assert "SIGABRT" in log.read_text() and str(log) in printed
    assert [p.name for p in out.iterdir()] == [log.name]  # nothing half-written


def test_a_developer_command_outside_a_checkout_is_a_swedish_message(tmp_path: Path):
    """`esf-rapport readme` in a coach's folder (no docs/register.md there) printed a traceback."""
    done = subprocess.run([sys.executable, "-m", "pipeline", "readme"], cwd=tmp_path, capture_output=True, text=True,
                          env=os.environ | {"PYTHONPATH": str(ROOT)})
    assert done.returncode == run.USAGE_ERROR and "Traceback" not in done.stdout + done.stderr
    assert done.stderr.startswith("Kommandot readme är för den som utvecklar verktyget")


def test_an_unexpected_error_of_any_command_is_a_swedish_line_and_a_log(tmp_path: Path, monkeypatch, capsys):
    import tempfile

    from pipeline.supervise import internal_error

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    try:
        raise ZeroDivisionError("ett fel")
    except ZeroDivisionError:
        status = internal_error()
    assert status == run.INTERNAL
    said = capsys.readouterr().err
    [log] = tmp_path.glob("internt_fel_*.log")
    assert said.startswith(f"Ett internt fel uppstod. Detaljerna finns i {log}")
    assert "ZeroDivisionError: ett fel" in log.read_text()
