"""Shared test helpers: registers written to disk with openpyxl, and small inline frames."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from pathlib import Path

import hypothesis  # noqa: F401 - before Pandera, which then sets itself up with it, as the tests use it too
import openpyxl
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.check.validate import derive_groups  # noqa: E402
from schemas.register import PROJECT_ITEMS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_BROWSER = (shutil.which("chromium"), shutil.which("chromedriver"))
CHROMIUM = _BROWSER if all(_BROWSER) else None  # Debian's chromium and chromium-driver, for the browser test
SAMPLE = ROOT / "input_samples" / "navigator_register.xlsx"
TODAY = "2026-11-25"

DELTAGARE_HEADERS = ["Deltagar-ID", "Kön", "Födelsedatum", "Född", "Ersättning", "Inskriven", "Utskriven",
                     "Utskrivningsorsak", "Uppföljning 90 dagar", "Coach"]
PERIODS = [("2008-05-01", "2008-07-31"), ("2008-08-01", "2008-09-30"), ("2008-10-01", "2008-12-31"),
           ("2009-01-01", "2009-02-28"), ("2009-03-01", "2009-04-30"), ("2009-05-01", "2009-06-30")]


def d(text: str | None):
    return None if text is None else dt.datetime.fromisoformat(text)


def person(pid="P1", kon="K", born_on="1970-03-10", fodd="Inrikes", ers="Försörjningsstöd",
           inskriven="2009-01-10", utskriven=None, orsak=None, uppfoljning=None, coach="Coach Test") -> list:
    """One Deltagare row as a coach would type it (dates as date cells)."""
    return [pid, kon, d(born_on), fodd, ers, d(inskriven), d(utskriven), orsak, uppfoljning, coach]


def project_rows(**overrides) -> list[list]:
    values = {i.label: i.example for i in PROJECT_ITEMS} | {"Projektslut": "2011-04-30"} | overrides
    return [[label, value] for label, value in values.items()]


def write_register(path: Path, deltagare: list[list], *, projekt: list[list] | None = None,
                   perioder: list[tuple] | None = None, kontakter: list[list] | None = None,
                   headers: list[str] | None = None, origin: tuple[int, int] = (1, 1)) -> Path:
    """A register on disk; `origin` (row, column) is where each table's header row starts."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)

    def sheet(name: str, header: list[str], rows: list[list]):
        ws = wb.create_sheet(name)
        r0, c0 = origin
        for j, h in enumerate(header):
            ws.cell(r0, c0 + j, h)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if value is not None:
                    cell = ws.cell(r0 + i, c0 + j, value)
                    if isinstance(value, str) and value.startswith("="):
                        cell.data_type = "s"  # text a coach typed, not a formula
                    if isinstance(value, dt.datetime):
                        cell.number_format = "yyyy-mm-dd"

    sheet("Deltagare", headers or DELTAGARE_HEADERS, deltagare)
    sheet("Projekt", ["Uppgift", "Värde"], projekt if projekt is not None else project_rows())
    sheet("Perioder", ["Från", "Till"], [[d(a), d(b)] for a, b in (perioder or PERIODS)])
    sheet("Arbetsgivarkontakter", ["Datum", "Organisation", "Typ"],
          kontakter if kontakter is not None else [[d("2009-01-05"), "Bygg AB", "Företag"]])
    wb.save(path)
    return path


def enrolments(*rows: dict) -> pd.DataFrame:
    """A typed enrolment frame, as validation returns it, from short dicts (for table unit tests)."""
    defaults = dict(person_id="P1", gender="K", birth_date="1970-03-10", born="Inrikes", benefit="Försörjningsstöd",
                    enrolled="2009-01-10", exited=None, reason=None, follow_up=None, coach="C")
    frame = pd.DataFrame([defaults | r for r in rows])
    frame.index = range(2, 2 + len(frame))
    frame = frame.astype({k: "string" for k in ("person_id", "gender", "born", "benefit", "reason", "follow_up", "coach")})
    for k in ("birth_date", "enrolled", "exited"):
        frame[k] = pd.to_datetime(frame[k]).astype("datetime64[ns]")
    return frame.assign(**derive_groups(frame))


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    target = tmp_path / "navigator_register.xlsx"
    target.write_bytes(SAMPLE.read_bytes())
    return target


class Server:
    """The web page served by uvicorn on a free loopback port, in a thread of the test process."""

    def __init__(self, uvicorn_options: dict | None = None, **options):
        import socket
        import threading

        import uvicorn

        from pipeline.web.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(**options), host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, **({"proxy_headers": False} | (uvicorn_options or {})))
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        for _ in range(600):  # the workers import pandas and Pandera before the server answers
            if self.server.started:
                return
            time.sleep(0.1)
        raise RuntimeError("the web page did not start")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def web():
    server = Server()
    yield server
    server.stop()


def pytest_terminal_summary(terminalreporter):
    if CHROMIUM is None:
        terminalreporter.write_sep("!", "NO CHROMIUM: the browser test (tests/test_browser.py) did not run", red=True)
        terminalreporter.write_line("Install Debian's Chromium and its driver, then run make test again:")
        terminalreporter.write_line("    apt-get install -y chromium chromium-driver", bold=True)
    if shutil.which("soffice") is None:
        terminalreporter.write_sep("!", "NO LIBREOFFICE: the PDF copy (tests/test_paper.py) was not printed", red=True)
        terminalreporter.write_line("Install LibreOffice's Calc, then run make test again:")
        terminalreporter.write_line("    apt-get install -y libreoffice-calc-nogui", bold=True)


# --- ESF+ 2021-2027 registers ----------------------------------------------------------------

PLUS_HEADERS = ["Deltagar-ID", "Kön", "Födelsedatum", "Inskriven", "Utskriven", "Arbetsmarknadsstatus",
                "Utbildningsnivå", "Funktionsnedsättning", "Medborgarskap", "Utländsk bakgrund", "Minoritet",
                "Hemlöshet", "Landsbygd", "Situation vid avslut", "Kvalifikation vid avslut", "Situation 6 månader",
                "Förbättrad situation 6 månader", "Coach"]
PLUS_PERIODS = [("2024-01-01", "2024-06-30"), ("2024-07-01", "2024-12-31"), ("2025-01-01", "2025-06-30"),
                ("2025-07-01", "2025-12-31")]
PLUS_ENTRY_DEFAULTS = dict(status="Arbetslös", utbildning="ISCED 3-4", funktion="Nej", medborgare="Sverige",
                           utlandsk="Nej", minoritet="Nej", hemlos="Nej", landsbygd="Nej")


def plus_person(pid="P1", kon="K", born_on="1990-03-10", inskriven="2024-02-01", utskriven=None, situation=None,
                kvalifikation=None, sex_man=None, forbattrad=None, coach="Coach Test", entry=True, **entry_values) -> list:
    """One ESF+ Deltagare row; `entry=False` leaves the entry columns empty (a re-enrolment)."""
    values = PLUS_ENTRY_DEFAULTS | entry_values
    entry_cells = [values[k] for k in PLUS_ENTRY_DEFAULTS] if entry else [None] * len(PLUS_ENTRY_DEFAULTS)
    return [pid, kon if entry else None, d(born_on), d(inskriven), d(utskriven), *entry_cells, situation,
            kvalifikation, sex_man, forbattrad, coach]


def plus_project_rows(**goals) -> list[list]:
    return [["Projektnamn", "Vägen"], ["Diarienummer", "2024/001"], ["Projektägare", "Kommunen"],
            ["Projektstart", "2024-01-01"], ["Projektslut", "2026-12-31"], ["Programperiod", "2021-2027"],
            *[[f"Mål {code}", value] for code, value in goals.items()]]


def write_plus_register(path: Path, deltagare: list[list], *, projekt: list[list] | None = None,
                        perioder: list[tuple] | None = None, headers: list[str] | None = None) -> Path:
    """An ESF+ register on disk (no Arbetsgivarkontakter: the profile has none)."""
    write_register(path, deltagare, projekt=projekt if projekt is not None else plus_project_rows(),
                   perioder=perioder or PLUS_PERIODS, headers=headers or PLUS_HEADERS)
    wb = openpyxl.load_workbook(path)
    del wb["Arbetsgivarkontakter"]
    wb.save(path)
    return path


def children_of(parent: int) -> list[int]:
    """The live child processes of `parent`, from /proc (a process's stat: pid (name) state ppid ...). A process
    that ends while it is looked at is skipped, never an error."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == parent:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


def spawned_workers() -> set[int]:
    """The worker processes this test process has spawned (not multiprocessing's resource tracker)."""
    workers = set()
    for pid in children_of(os.getpid()):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                workers.add(pid)
        except OSError:
            continue
    return workers


def distinct_copy(source: Path, target: Path, number: int) -> Path:
    """A copy of a register whose bytes differ (a zip comment), not its content: a batch reports each one, where
    a copy of the very same bytes is said to be one already reported."""
    import zipfile

    target.write_bytes(source.read_bytes())
    with zipfile.ZipFile(target, "a") as package:
        package.comment = f"kopia {number}".encode()
    return target
