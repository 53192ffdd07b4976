"""The tool as a person installs it: a wheel built from the checkout, installed into a new virtual
environment outside it, and the `esf-rapport` command run from a folder that is not the checkout.

The new environment takes the pinned dependencies from the test environment's site-packages
(a `.pth` line), so that nothing is downloaded; the tool itself comes from the wheel alone.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import openpyxl
import pytest

from conftest import ROOT, SAMPLE
from pipeline import __version__

BUILT_FROM = ("pyproject.toml", "README.md", "pipeline", "schemas", "input_samples")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel, and a virtual environment with it installed: {"wheel", "bin", "python"}."""
    source = tmp_path_factory.mktemp("kalla")
    for name in BUILT_FROM:  # a copy, so that the build leaves nothing in the checkout
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--no-index", "--wheel-dir", str(dist), str(source)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    [wheel] = dist.glob("*.whl")
    venv = tmp_path_factory.mktemp("miljo") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / ("python.exe" if os.name == "nt" else "python")
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "beroenden.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # the pinned dependencies
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index",
                           str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {"wheel": wheel, "bin": bin_dir, "python": python, "site": site}


def outside_env() -> dict:
    """The environment of a person's shell: no PYTHONPATH that could reach the checkout."""
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}


def esf(installed: dict, *args: str, cwd: Path, **options) -> subprocess.CompletedProcess:
    return subprocess.run([str(installed["bin"] / "esf-rapport"), *args], cwd=cwd, capture_output=True,
                          text=True, env=outside_env() | options.pop("env", {}), timeout=300, **options)


def test_the_wheel_is_pure_python_and_holds_every_module_the_page_and_the_samples(installed):
    wheel = installed["wheel"]
    assert wheel.name == f"esf_lagesrapport-{__version__}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(ROOT).as_posix() for folder in ("pipeline", "schemas")
               for p in (ROOT / folder).rglob("*.py")}
    assert modules - names == set()
    static = {f"pipeline/web/static/{p.name}" for p in (ROOT / "pipeline" / "web" / "static").iterdir()}
    assert static <= names and {f"pipeline/samples/{p.name}" for p in (ROOT / "input_samples").glob("*.xlsx")} <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "esf-rapport = pipeline.__main__:command" in zipfile.ZipFile(wheel).read(entry_points).decode()
    assert not [n for n in names if n.startswith("tests/")]


def test_the_installed_command_reports_from_any_folder(installed, tmp_path: Path):
    where = subprocess.run([str(installed["python"]), "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=tmp_path, capture_output=True, text=True, env=outside_env(), check=True)
    assert Path(where.stdout.strip()).is_relative_to(installed["site"])  # the wheel's copy, not the checkout's

    helped = esf(installed, cwd=tmp_path)
    assert helped.returncode == 0 and "Användning: esf-rapport" in helped.stdout and "webb" in helped.stdout

    folder = tmp_path / "OneDrive - Krokoms kommun" / "ESF" / "Anna Öberg"
    folder.mkdir(parents=True)
    register = folder / "Deltagare Östersund 2009.xlsx"
    register.write_bytes(SAMPLE.read_bytes())
    done = esf(installed, "report", str(register), "--out", str(folder / "rapporter"), "--period",
               "2009-05-01..2009-06-30", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    report = folder / "rapporter" / "Navigator_lagesrapport_090501-090630.xlsx"
    assert f"Rapport för Navigator, period 090501-090630: {report}" in done.stdout
    tabell_1 = openpyxl.load_workbook(report, data_only=True)["Tabell 1"]
    assert tabell_1["A1"].value  # a workbook with its tables

    # the batch with the samples inside the package, on spawned workers as on Windows
    batch = esf(installed, "batch", "--jobs", "2", "--today", "2026-11-25", cwd=tmp_path,
                env={"ESF_START_METHOD": "spawn"})
    assert batch.returncode == 0, batch.stdout + batch.stderr
    assert f"Inga register i input/; använder exemplen i {installed['site'] / 'pipeline' / 'samples'}/." \
        in batch.stdout
    assert sorted(p.name for p in (tmp_path / "output").glob("*.xlsx") if "INTERNT" not in p.name) == [
        "Navigator_lagesrapport_090501-090630.xlsx", "Vagen_vidare_indikatorer_260101-260630.xlsx"]
    assert batch.stderr == ""  # no traceback, no warning of a worker or of multiprocessing


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen) -> httpx.Response:
    for _ in range(600):  # the workers import pandas before the page answers
        if process.poll() is not None:
            raise AssertionError(process.communicate())
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("the page did not answer")


def test_the_installed_command_serves_the_page(installed, tmp_path: Path):
    port = free_port()
    process = subprocess.Popen([str(installed["bin"] / "esf-rapport"), "serve", "--port", str(port)], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=outside_env())
    try:
        url = f"http://127.0.0.1:{port}"
        page = wait_for(url + "/", process)
        assert page.status_code == 200 and "Skapa rapport" in page.text
        assert httpx.get(url + "/static/page.js").status_code == 200
        answer = httpx.post(url + "/rapport", files={"fil": ("register.xlsx", SAMPLE.read_bytes())}, timeout=120,
                            headers={"Origin": url}).json()
        assert answer["status"] == "skriven" and answer["projekt"] == "Navigator"
        report = httpx.get(url + answer["filer"][0]["adress"])
        assert openpyxl.load_workbook(io.BytesIO(report.content))["Tabell 1"]
        template = httpx.get(url + "/mall/esf-plus")
        assert "Deltagare" in openpyxl.load_workbook(io.BytesIO(template.content)).sheetnames
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl+C
        printed, errors = process.communicate(timeout=60)
    assert f"Webbsidan startar på {url}/" in printed
    assert "Traceback" not in printed + errors
    assert list(tmp_path.iterdir()) == []  # the page writes nothing where it was started
