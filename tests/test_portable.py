"""Windows and macOS by construction, tested here on Linux by forcing their paths.

The writing steps that other systems take (a named temporary given its name by a hard link, or
by a rename that never replaces: `ESF_PORTABLE`), the batch on spawned workers (`ESF_START_METHOD`),
Windows' file names and path length, a file held by Excel, a console in code page 850 or 1252, and
`esf-rapport webb` opening the default browser.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from conftest import ROOT, SAMPLE, TODAY, person, project_rows, write_register
from pipeline import run
from pipeline.cli import main
from pipeline.write import files

TODAY_DATE = dt.date.fromisoformat(TODAY)
REPORT = "Navigator_lagesrapport_090501-090630.xlsx"
WORKLIST = REPORT.replace("lagesrapport", "INTERNT_uppfoljning_90_dagar")


@pytest.mark.parametrize("step", ["link", "rename"])
def test_the_portable_writing_steps_keep_every_promise(step: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ESF_PORTABLE", step)
    out = tmp_path / "out"
    out.mkdir()
    outside = tmp_path / "utanfor.xlsx"
    (out / REPORT).symlink_to(outside)  # a planted link where the first report would go
    first = run.report(SAMPLE, out=out, today=TODAY_DATE)
    second = run.report(SAMPLE, out=out, today=TODAY_DATE, rerun=True)
    assert first.status == second.status == run.WRITTEN, first.lines
    assert [p.name for p in first.written] == [REPORT.replace(".xlsx", "_v2.xlsx"), WORKLIST.replace(".xlsx", "_v2.xlsx")]
    assert second.written[0].name == REPORT.replace(".xlsx", "_v3.xlsx")  # never overwritten
    assert not outside.exists() and (out / REPORT).is_symlink()  # never written through
    for path in first.written + second.written:
        openpyxl.load_workbook(path)  # whole
        assert path.stat().st_mode & 0o777 == 0o666 & ~_umask()  # an ordinary file, as the first step makes
    assert [p.name for p in out.iterdir() if p.name.startswith(".")] == []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_rename_step_never_replaces_a_file(tmp_path: Path):
    source, target = tmp_path / "ny", tmp_path / "finns"
    source.write_text("ny")
    target.write_text("gammal")
    with pytest.raises(FileExistsError):
        files.rename_new(source, target)
    assert target.read_text() == "gammal" and source.exists()
    files.rename_new(source, tmp_path / "ledig")
    assert (tmp_path / "ledig").read_text() == "ny" and not source.exists()


@pytest.mark.parametrize("step", ["link", "rename"])
def test_a_killed_run_of_a_portable_step_leaves_nothing_after_the_next_run(step: str, tmp_path: Path):
    """A named temporary can outlive a SIGKILL; the next run into the folder removes it, as its writer is gone."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline", "report", str(SAMPLE), "--out", str(out), "--today", TODAY]
    env = os.environ | {"ESF_PORTABLE": step}
    for delay in (0.8, 1.2):
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout
    names = [p.name for p in out.iterdir()]
    assert not [n for n in names if n.startswith(".")]
    for report in [n for n in names if "_lagesrapport_" in n]:
        assert report.replace("lagesrapport", "INTERNT_uppfoljning_90_dagar") in names
        openpyxl.load_workbook(out / report)


def test_a_temporary_of_a_live_writer_is_left_alone(tmp_path: Path):
    alive = tmp_path / f"{files.TEMPORARY_PREFIX}{os.getpid()}-abc.xlsx"
    alive.write_bytes(b"skrivs just nu")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{files.TEMPORARY_PREFIX}{gone.stdout.strip()}-def.xlsx"
    dead.write_bytes(b"halv")
    files.sweep_stale_temporaries(tmp_path)
    assert alive.exists() and not dead.exists()


def test_file_names_are_valid_on_windows():
    assert files.windows_safe("CON.xlsx") == "_CON.xlsx"
    assert files.windows_safe("nul") == "_nul" and files.windows_safe("com1.tar.gz") == "_com1.tar.gz"
    assert files.windows_safe("register. ") == "register"
    assert files.windows_safe('a:b?c*"d<e>|f.xlsx') == "a_b_c__d_e__f.xlsx"
    assert files.windows_safe("Deltagare Östersund (2).xlsx") == "Deltagare Östersund (2).xlsx"
    assert files.windows_safe("CONSOLE.xlsx") == "CONSOLE.xlsx"  # only the device names themselves


def test_a_template_named_as_a_windows_device_gets_a_name_windows_takes(tmp_path: Path):
    written = run.template(tmp_path / "con.xlsx")
    assert written.name == "_con.xlsx" and openpyxl.load_workbook(written)


def test_a_path_longer_than_windows_takes_is_a_swedish_message(tmp_path: Path, capsys):
    deep = tmp_path
    while len(str(deep)) < files.WINDOWS_PATH_MAX - 30:
        deep = deep / "OneDrive - Krokoms kommun ESF-projekt"
    assert main(["report", str(SAMPLE), "--out", str(deep), "--today", TODAY]) == run.USAGE_ERROR
    printed = capsys.readouterr().out
    assert f"och Windows tar högst {files.WINDOWS_PATH_MAX}" in printed and "--out" in printed
    assert list(deep.iterdir()) == []


def test_a_report_in_a_onedrive_folder_with_spaces_and_swedish_letters(tmp_path: Path):
    folder = tmp_path / "Anna Öberg" / "OneDrive - Krokoms kommun" / "ESF" / "Vägen vidare"
    folder.mkdir(parents=True)
    register = folder / "Deltagare – Åre 2009.xlsx"
    register.write_bytes(SAMPLE.read_bytes())
    outcome = run.report(register, out=folder / "Rapporter för ESF", today=TODAY_DATE)
    assert outcome.status == run.WRITTEN and outcome.written[0].parent == folder / "Rapporter för ESF"
    invalid = write_register(folder / "Fel – Östersund.xlsx", [person(kon="X")])
    refused = run.report(invalid, out=folder / "Rapporter för ESF", today=TODAY_DATE)
    assert refused.status == run.INVALID
    assert sorted(p.name for p in refused.written) == ["Fel_Ostersund_INTERNT_fel.txt", "Fel_Ostersund_INTERNT_fel.xlsx"]


def _held(error_at: str):
    """A write refused as Windows refuses one while Excel holds the file (a sharing violation)."""
    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Processen kan inte komma åt filen eftersom den används av en annan "
                                            "process", error_at)
    return refuse


def test_an_output_held_by_excel_is_a_swedish_message_naming_the_file(tmp_path: Path, monkeypatch, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(files, "_write_unnamed", _held(str(out / REPORT)))
    assert main(["report", str(SAMPLE), "--out", str(out), "--today", TODAY]) == run.USAGE_ERROR
    printed = capsys.readouterr()
    assert f"Filen {WORKLIST} i {out} kan inte skrivas: den är öppen i ett annat program (till exempel Excel)" \
        in printed.out
    assert "Stäng filen och kör igen" in printed.out and "Traceback" not in printed.out + printed.err
    assert list(out.iterdir()) == []


def test_a_register_held_by_another_program_is_a_swedish_message(tmp_path: Path, monkeypatch, capsys):
    register = tmp_path / "register.xlsx"
    register.write_bytes(SAMPLE.read_bytes())
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: _held(str(self))() if self == register else real(self))
    assert main(["report", str(register), "--out", str(tmp_path / "out"), "--today", TODAY]) == run.INVALID
    printed = capsys.readouterr().out
    assert "Filen register.xlsx kan inte öppnas: ett annat program (till exempel Excel eller OneDrive) håller " \
           "den låst" in printed
    assert "Traceback" not in printed


@pytest.mark.parametrize("code_page", ["cp850", "cp1252"])
def test_a_windows_console_prints_every_message(code_page: str, tmp_path: Path):
    """Characters the code page lacks (a dash, a Polish letter, an emoji a coach typed) become look-alikes."""
    env = os.environ | {"PYTHONIOENCODING": code_page}
    valid = write_register(tmp_path / "register.xlsx", [person()],
                           projekt=project_rows(Projektnamn="Vägen – framåt för Łukasz 🙂"))
    invalid = write_register(tmp_path / "fel.xlsx", [person(kon="X–Ł")])
    for register, status in ((valid, 0), (invalid, 1)):
        done = subprocess.run([sys.executable, "-m", "pipeline", "report", str(register), "--out",
                               str(tmp_path / "ut"), "--today", TODAY], cwd=ROOT, capture_output=True, env=env)
        printed = done.stdout.decode(code_page) + done.stderr.decode(code_page)
        assert done.returncode == status, printed
        assert "Traceback" not in printed and "UnicodeEncodeError" not in printed
        dash = "–" if code_page == "cp1252" else "-"  # code page 1252 has the dash, 850 has not
        if status == 0:
            assert f"Rapport för Vägen {dash} framåt för ?ukasz ?, period" in printed
        else:
            assert f"(värde: 'X{dash}?')" in printed and "Registret fel.xlsx har 1 fel" in printed
    helped = subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=ROOT, capture_output=True, env=env)
    assert helped.returncode == 0 and "Användning" in helped.stdout.decode(code_page)


def test_webb_starts_the_page_and_opens_it_in_the_default_browser(tmp_path: Path):
    opened = tmp_path / "oppnad.txt"
    browser = tmp_path / "webblasare.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    with __import__("socket").socket() as taken:  # 8000 may be in use: a taken port gives way to a free one
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.Popen([sys.executable, "-m", "pipeline", "webb", "--port", str(port)], cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=os.environ | {"BROWSER": f"{browser} %s", "PYTHONPATH": str(ROOT)})
        try:
            for _ in range(600):
                if opened.exists() and opened.read_text().strip() or process.poll() is not None:
                    break
                time.sleep(0.1)
            address = opened.read_text().strip()
            assert address.startswith("http://127.0.0.1:") and not address.startswith(f"http://127.0.0.1:{port}/")
            page = httpx.get(address, timeout=10)
            assert page.status_code == 200 and "Skapa rapport" in page.text
        finally:
            process.send_signal(signal.SIGINT)
            printed, errors = process.communicate(timeout=60)
    assert f"Webbsidan startar på http://127.0.0.1:" in printed and "Traceback" not in printed + errors
