"""The library entry point: run a report, a batch or the template, and return what happened.

`report()` reads, validates, counts and writes one register and returns an `Outcome`:
its status, the files written, every problem, the period used, the report itself (its
figures), the Swedish lines a user is to read, and the time each phase took. It raises
nothing a user should see: a usage problem, an unreadable file and an internal error
are outcomes too (an internal error's details go to a new `internt_fel_*.log` in the output
folder, never on screen). The command line (`pipeline.cli`) and a web page print or show
outcomes; neither decides anything.

This module imports neither pandas nor Pandera when it is imported: `report` starts
loading the register first (`pipeline.read.loading`, on the calling thread) and imports
them on a helper thread while fastexcel parses.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import os
import re
import tempfile
import threading
import time
import traceback
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from pipeline import __version__
from pipeline.problems import ERROR, WARNING, Problem, RegisterInvalid, RegisterUnreadable, UsageError
from pipeline.read import loading
from pipeline.read.loading import READABLE_SUFFIXES

WRITTEN, INVALID, USAGE_ERROR, INTERNAL = 0, 1, 2, 3
INTERRUPTED = 130  # the shell's status for a run stopped by Ctrl+C
INTERNAL_LOG = "internt_fel"  # a log of its own per error: internt_fel_<time>_<random>.log


@dataclass
class Outcome:
    """What became of one register."""

    register: Path
    status: int  # WRITTEN, INVALID, USAGE_ERROR or INTERNAL
    summary: str  # a few words, for the batch's closing table
    period: str = ""  # the period's label, yymmdd-yymmdd
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # errors, or the warnings and notices of a report
    lines: list[str] = field(default_factory=list)  # what the user is told, in Swedish, in order
    report: object = None  # the counted report (pipeline.count.report.Report), when one was written
    changes: object = None  # Ändringar against an earlier report (pipeline.count.changes.Changes), if any
    months_changed: list[str] = field(default_factory=list)  # what to send SCB again, a sentence per month
    compared: list[Path] = field(default_factory=list)  # the earlier report and internal workbook compared with
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase of the main thread


class _Phases:
    """Times the steps of one run into a dict."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


# --- one register ------------------------------------------------------------------------

def report(register: Path, period: str | None = None, out: Path = Path("output"), today: date | None = None,
           previous: Path | None = None, before_writing: Callable[[str], None] | None = None,
           rerun: bool = False, pdf: bool = False) -> Outcome:
    """Validate and report one register into `out`; `period` is `START..END` (or the form's
    `yymmdd-yymmdd`), by default the latest period of `Perioder` that has ended. Ändringar compares with
    `previous`, or else with the newest earlier report of the project in `out`. `before_writing` is called
    with the project's Diarienummer once the register is counted, before the folder is searched and the
    files are written (a batch run by several processes waits there for its turn). A register whose very
    bytes already gave a report of the same period in `out` is said to have, and nothing is written, unless
    `rerun` (or `previous` is named). With `pdf`, a PDF copy of the report is written beside it (LibreOffice
    prints it; without LibreOffice nothing is done and the usage problem says how to get it)."""
    register, out = Path(register), Path(out)
    today = today or date.today()
    phases = _Phases()
    try:
        outcome = _guarded(lambda: _report(register, period, out, today, previous, phases, before_writing, rerun,
                                           pdf), register, out)
    finally:
        loading.discard(register)
    outcome.timings = phases.seconds
    return outcome


def _report(register: Path, period_text: str | None, out: Path, today: date, previous: Path | None,
            phase: _Phases, before_writing: Callable[[str], None] | None = None, rerun: bool = False,
            pdf: bool = False) -> Outcome:
    if not register.exists():
        raise UsageError(f"Filen {register} finns inte.")
    if register.is_dir():
        raise UsageError(f"{register} är en mapp, inte en registerfil.")
    if period_text:
        period_dates(period_text)  # its calendar is checked once pandas is imported, below
    if pdf:
        from pipeline.write.pdf import require_libreoffice

        require_libreoffice()  # before any work: without LibreOffice the option cannot be kept
    check_output_folder(out)
    # fastexcel loads the register on this thread (see pipeline.read.loading) while a helper thread imports the
    # modules that read, count and write, and lets Pandera set itself up
    with _prepared_beside(phase):
        with phase("fastexcel"):
            loading.start(register)
    from pipeline.check.validate import choose_period, reported_period_problems, validate_register
    from pipeline.read.reader import read_register

    chosen = parse_period(period_text) if period_text else None
    earlier = None
    if previous is not None:
        from pipeline.read.earlier import read_about

        earlier = read_about(previous) if previous.is_file() else None
        if earlier is None:
            raise UsageError(f"{previous} är ingen rapport från det här verktyget (bladen Om rapporten och "
                             "Siffror saknas).")
    try:
        with phase("läsa"):
            read = read_register(register)
        with phase("validera"):
            reg = validate_register(read, today)
        period = choose_period(reg.periods, chosen, today)
        late = reported_period_problems(read, reg, period)
        if late:
            raise RegisterInvalid(reg.problems + late, reg.rows_read, read.sheets)  # which sorts them
    except RegisterUnreadable as exc:
        return _invalid(register, out, [Problem(ERROR, "", "", "", str(exc))], 0, readable=False)
    except RegisterInvalid as exc:
        with phase("skriva fel"):
            return _invalid(register, out, exc.problems, exc.rows_read, sheets=exc.sheets, content=read.content)
    return _write_report(register, read.sha256, reg, period, out, earlier, phase, before_writing,
                         rerun or previous is not None, pdf)


@contextmanager
def _prepared_beside(phase: _Phases):
    """`prepare()` on a helper thread while the body runs (the load of the register), the first time in a
    process: its imports then cost the run nothing but the second core. Once a process has prepared, doing it
    again is quick and done here, after the body. The phase `förbereda` is what this thread spends on it (the
    wait for the helper); the helper's own time is `loading.SECONDS["förbereda"]`."""
    if _PREPARED:
        yield
        with phase("förbereda"):
            prepare()
        return
    failed: list[BaseException] = []

    def get_ready() -> None:
        started = time.perf_counter()
        try:
            prepare()
        except BaseException as exc:  # noqa: BLE001 - raised on this thread, below
            failed.append(exc)
        loading.SECONDS["förbereda"] = time.perf_counter() - started

    helper = threading.Thread(target=get_ready, daemon=True)
    helper.start()
    try:
        yield
    finally:
        with phase("förbereda"):
            helper.join()
    if failed:
        raise failed[0]


def prepare() -> None:
    """Import what a written report needs and let Pandera set itself up: done while fastexcel loads the
    register, and once per worker process of the web page and of a batch, before its first register.

    The first time, the objects made so far (the modules of pandas, pyarrow and Pandera, Pandera's
    schemas: about a hundred thousand) are frozen out of the cyclic garbage collector's full passes
    (`gc.freeze`); they live as long as the process. A process that reports register after register
    otherwise scanned them all at every full pass: thirteen times in a batch of 200 registers, a second
    of its time. Frozen objects are still freed when nothing refers to them any more.

    pyarrow is also set to take its memory from the system's allocator (`malloc`), as fastexcel does, unless
    `ARROW_DEFAULT_MEMORY_POOL` says otherwise: a large register's columns are then encoded in the memory that
    fastexcel has just freed, where pyarrow's own allocator (mimalloc) asked the system for fresh pages, each
    costing microseconds on a virtual machine (a fifth of a second after loading a million rows)."""
    import pyarrow

    import pipeline.count.report  # noqa: F401 - imported ahead
    import pipeline.write.workbook  # noqa: F401 - imported ahead
    import pipeline.write.worklist  # noqa: F401 - imported ahead
    from pipeline.check.validate import warm_up

    warm_up()
    if not _PREPARED:  # once per process (asking gc.get_freeze_count() would walk the frozen objects: 8 ms)
        if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
            pyarrow.set_memory_pool(pyarrow.system_memory_pool())
        gc.freeze()
        _PREPARED.append(True)


_PREPARED: list[bool] = []


def period_dates(text: str) -> tuple[str, str]:
    """The two dates of `2009-05-01..2009-06-30` (or the form's `090501-090630`) as written: a period written
    otherwise is refused before the register is loaded (this needs no pandas)."""
    m = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*", text) or \
        re.fullmatch(r"\s*(\d{6})-(\d{6})\s*", text)
    if not m:
        raise UsageError(f"Perioden {text!r} ska skrivas FRÅN..TILL, t.ex. 2009-05-01..2009-06-30.")
    return m.group(1), m.group(2)


def parse_period(text: str):
    """`2009-05-01..2009-06-30` (or the form's `090501-090630`) as two pandas Timestamps."""
    from pipeline.check.parse import parse_date_value

    dates = period_dates(text)
    start, end = parse_date_value(dates[0]), parse_date_value(dates[1])
    for written, value in zip(dates, (start, end)):
        if value is None:
            raise UsageError(f"Perioden {text.strip()!r}: {written} är inget datum som finns i kalendern. "
                             "Kontrollera dag och månad.")
    if start > end:
        raise UsageError(f"Perioden {text.strip()!r} börjar efter att den slutar. Skriv FRÅN..TILL.")
    return start, end


FULL = (errno.ENOSPC, errno.EDQUOT)  # no room on the disk, or in the user's quota


def full_message(folder: Path) -> str:
    return (f"Utdatamappen {folder} är full: det finns inte plats för rapporten. Frigör utrymme och kör igen; "
            "inget halvskrivet har lämnats kvar.")


def check_output_folder(folder: Path) -> None:
    """The folder exists and takes a new file (one of this run's own, never a name that may be a link)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".skrivtest-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if exc.errno in FULL:
            raise UsageError(full_message(folder)) from None
        raise UsageError(f"Det går inte att skriva i utdatamappen {folder}.") from None


def _invalid(register: Path, out: Path, problems: list[Problem], rows_read: int, readable: bool = True,
             sheets: dict | None = None, content: bytes = b"") -> Outcome:
    """Every problem, written (as text, and as a marked copy of the register) to the output folder."""
    from pipeline.write.error_workbook import write_error_workbook
    from pipeline.write.files import ERRORS_KIND, safe_name, write_set

    errors = [p for p in problems if p.severity == ERROR]
    header_row = sheets["Deltagare"].header_row if sheets and "Deltagare" in sheets else 0
    bad_rows = {p.row for p in errors if p.sheet == "Deltagare" and p.row > header_row}  # the header is no row read
    lines = [f"Registret {register.name} har {len(errors)} fel; ingen rapport skrevs.",
             f"Rader lästa i Deltagare: {rows_read}, rader med fel: {len(bad_rows)}, rader räknade: 0 "
             "(ingen rapport skrivs förrän alla fel är rättade).", ""]
    lines += [p.text() for p in problems]
    text = "\n".join(lines) + "\n"
    stem = f"{safe_name(register.stem)}_{ERRORS_KIND}"
    writers = {".txt": lambda f: f.write(text.encode("utf-8"))}
    if readable:
        writers[".xlsx"] = lambda f: write_error_workbook(register, problems, f, rows_read, sheets or {}, content)
    summary = f"ogiltigt, {len(errors)} fel" if readable else "oläsligt (ingen arbetsbok som kan läsas)"
    try:
        paths = write_set(out, [stem] * len(writers), list(writers), list(writers.values()))
    except OSError as exc:
        if exc.errno not in FULL:
            raise
        # the problems are still told on screen; nothing half-written is left
        return Outcome(register, USAGE_ERROR, "utdatamappen är full", problems=problems,
                       lines=lines + [full_message(out)])
    lines.append("Felen finns också i " + " och ".join(str(p) for p in paths) + ".")
    return Outcome(register, INVALID, summary, written=paths, problems=problems, lines=lines)


def _changes_since(reg, earlier):
    """Ändringar: the earlier report (named, or found in the output folder) recounted from today's register, or
    None."""
    import pandas as pd

    from pipeline.count.changes import Changes, compare
    from pipeline.read.earlier import read_figures
    from pipeline.count.report import build_report

    if earlier is None:
        return None
    if earlier.case_number != reg.project.case_number.strip():
        return Changes(earlier, pd.DataFrame(), f"Den tidigare rapporten gäller diarienummer {earlier.case_number}, "
                                                "inte detta projekt; ingen jämförelse gjordes.")
    known = ((reg.periods["start"] == earlier.period.start) & (reg.periods["end"] == earlier.period.end)).any()
    if not known:
        return Changes(earlier, pd.DataFrame(), f"Perioden {earlier.period.label} finns inte längre i bladet "
                                                "Perioder; ingen jämförelse gjordes.")
    recounted = build_report(reg, earlier.period).figures
    return Changes(earlier, compare(read_figures(earlier.path), recounted))


def _months_changed(reg, months, period, out: Path):
    """`Ändrade månader`: the months of the monthly list that differ from the newest earlier internal workbook of
    this project in `out` (a frame of them, the sheet's title, what it says without rows, a sentence per month
    for the screen, and the workbook compared with)."""
    import pandas as pd

    from pipeline.count.months import MONTH, changed_months, changed_sentence
    from pipeline.read.earlier import find_earlier_list
    from pipeline.write.files import PLUS_WORKLIST_KIND, WORKLIST_KIND

    project = reg.project.name
    earlier = find_earlier_list(out, reg.project.case_number, (WORKLIST_KIND, PLUS_WORKLIST_KIND))
    if earlier is None:
        return (pd.DataFrame({MONTH: [], "Att göra": []}), f"INTERNT – {project}: ändrade månader",
                "Det finns inget tidigare internt underlag för projektet i utdatamappen, så inga månader har "
                "jämförts. Skicka månaderna till SCB som vanligt.", [], None)
    # the months both lists cover: an earlier period reported again is not compared with later months
    changed = changed_months(months, earlier.rows, min(earlier.last_month, f"{period.end:%Y-%m}"))
    sentences = [changed_sentence(month, earlier.label) for month in changed]
    return (pd.DataFrame({MONTH: changed, "Att göra": sentences}),
            f"INTERNT – {project}: månader som ändrats sedan underlaget {earlier.label} ({earlier.path.name})",
            f"Inga redan rapporterade månader har ändrats sedan underlaget {earlier.label}.", sentences, earlier.path)


def _already_reported(register: Path, digest: str, reg, period, found) -> Outcome | None:
    """The same register (its SHA-256) and period already gave the report `found` in the output folder: said,
    and nothing written."""
    if found is None or found.period != period or found.sha256 != digest:
        return None
    line = (f"Registret {register.name} är detsamma (samma SHA-256) som det som gav {found.path.name} för period "
            f"{period.label}, så ingen ny rapport skrevs. Flytta eller ta bort {found.path.name} om du vill skapa "
            "rapporten igen.")
    return Outcome(register, WRITTEN, "redan rapporterad, ingen ny fil", period.label, [], reg.problems, [line])


def _write_report(register: Path, digest: str, reg, period, out: Path, earlier, phase: _Phases,
                  before_writing: Callable[[str], None] | None = None, rerun: bool = False,
                  pdf: bool = False) -> Outcome:
    import io
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.count.report import (
        build_report, period_enrolments, period_persons, period_register, worklist as worklist_of,
    )
    from pipeline.read.reader import PARALLEL_ROWS
    from pipeline.write.files import PLUS_REPORT_KIND, PLUS_WORKLIST_KIND, REPORT_KIND, WORKLIST_KIND, safe_name, write_set
    from pipeline.write.workbook import RunInfo, write_workbook
    from pipeline.count.months import month_list
    from pipeline.read.earlier import find_earlier
    from pipeline.write.worklist import FOLLOW_UP_90, SITUATIONS, finish_package, worklist_package
    from schemas.register import ESF_2007

    with ThreadPoolExecutor(max_workers=1) as pool:
        with phase("räkna"):
            current = period_register(reg, period)
            people = period_persons(reg, current, period)
            listed = worklist_of(reg, current, period, people)

            def internal():
                """The internal workbook's monthly list, and the workbook made with it (but its last sheet)."""
                months = month_list(current, period, reg.profile)
                return months, worklist_package(listed, period, reg.project.name,
                                                FOLLOW_UP_90 if reg.profile is ESF_2007 else SITUATIONS, months,
                                                reg.project.case_number)

            # a long register's internal workbook is made (by numpy, pyarrow and zlib, mostly outside the GIL)
            # while the tables are counted; a short one's when it is written, as handing work to a thread costs
            # more than it saves
            made = pool.submit(internal).result if len(current) > PARALLEL_ROWS else internal
            # the tables' preparation after the worklist has started: it is not needed for the list
            counted = build_report(reg, period, period_enrolments(reg, period, current), people)
        if before_writing:
            before_writing(reg.project.case_number)
        with phase("jämföra"):
            # the earlier report named (`--previous`), or the newest of the project in the folder, searched once
            earlier = earlier or find_earlier(out, reg.project.case_number, period)
            if not rerun and (already := _already_reported(register, digest, reg, period, earlier)) is not None:
                return already
            changes = _changes_since(reg, earlier)
            months, package = made()
            changed, title, said, months_changed, list_path = _months_changed(reg, months, period, out)
        notes = [f"{p.severity}: {p.place}: {p.message}" for p in reg.problems]
        run = RunInfo(register.name, digest, datetime.now().replace(microsecond=0), __version__, notes)
        project = safe_name(reg.project.name)
        kinds = (REPORT_KIND, WORKLIST_KIND) if reg.profile is ESF_2007 else (PLUS_REPORT_KIND, PLUS_WORKLIST_KIND)
        stems = [f"{project}_{kind}_{period.label}" for kind in kinds]
        with phase("skriva"):
            workbook = io.BytesIO()
            write_workbook(counted, run, workbook, changes)
            files = [(stems[0], ".xlsx", workbook.getvalue()),
                     (stems[1], ".xlsx", finish_package(package, changed, title, said))]
            unprinted = None
            if pdf:
                from pipeline.write.pdf import PdfFailed, workbook_pdf

                try:  # one set, one version: the PDF is named as the report it copies
                    files.append((stems[0], ".pdf", workbook_pdf(f"{stems[0]}.xlsx", workbook.getvalue())))
                except PdfFailed as exc:
                    unprinted = str(exc)
            paths = write_set(out, [s for s, _, _ in files], [x for _, x, _ in files],
                              [lambda f, content=content: f.write(content) for _, _, content in files])
    later = int((reg.enrolments["enrolled"].to_numpy(dtype="datetime64[ns]") > period.end.to_datetime64()).sum())
    lines = [problem.text() for problem in reg.problems]
    lines += [f"Rader lästa i Deltagare: {reg.rows_read}, rader med fel: 0, rader räknade: {reg.rows_read - later} "
              f"(tomma rader som hoppades över: {reg.blank_rows})."]
    if later:
        lines.append(f"{later} {'inskrivning ligger' if later == 1 else 'inskrivningar ligger'} efter periodens slut "
                     f"({period.end:%Y-%m-%d}) och räknas inte i denna rapport.")
    lines += months_changed or ([said] if changed is not None else [])
    lines += [f"Rapport för {reg.project.name}, period {period.label}: {paths[0]}",
              f"Internt underlag (skickas inte till ESF): {paths[1]}"]
    lines += [f"PDF-kopia av rapporten (för diariet): {paths[2]}"] if len(paths) > 2 else []
    lines += [unprinted] if unprinted else []
    if changes is not None:
        lines.append(f"Ändringar mot {changes.earlier.path.name}: {changes.summary}")
        if changes.earlier.sha256 == digest:
            same_period = changes.earlier.period == period
            lines.append(f"Registret är detsamma som det som gav {changes.earlier.path.name} (samma SHA-256)"
                         + (": den nya rapporten är en kopia av den förra." if same_period else
                            "; bara perioden är en annan."))
    outcome = Outcome(register, WRITTEN, "skriven", period.label, paths, reg.problems, lines, counted, changes,
                      months_changed, [p for p in (changes and changes.earlier.path, list_path) if p])
    failed = counted.failed_checks
    if unprinted and failed.empty:
        outcome.status, outcome.summary = USAGE_ERROR, "skriven, men utan PDF"
        return outcome
    if not failed.empty:
        lines.append("INTERNT FEL: följande kontroller stämmer inte. Rapporten är skriven men ska inte skickas; "
                     "kontakta den som underhåller verktyget.")
        lines += [f"  {row.Kontroll}: {row.Exempel}" for row in failed.itertuples(index=False)]
        outcome.status, outcome.summary = INTERNAL, "skriven, men kontroller stämmer inte"
        return outcome
    warnings = sum(p.severity == WARNING for p in reg.problems)
    outcome.summary += f", {warnings} varningar" if warnings else ""
    return outcome


def _guarded(action: Callable[[], Outcome], register: Path, out: Path) -> Outcome:
    """Run one register so that nothing it does can stop the others or show a traceback."""
    try:
        return action()
    except UsageError as exc:
        return Outcome(register, USAGE_ERROR, str(exc), lines=[str(exc)])
    except OSError as exc:
        if exc.errno not in FULL:
            return _internal(register, out)
        return Outcome(register, USAGE_ERROR, "utdatamappen är full", lines=[full_message(out)])
    except Exception:  # noqa: BLE001 - the last line of defence: log the details, say it in Swedish
        return _internal(register, out)
    except BaseException as exc:  # a panic of the reading library's native code is no Exception
        if not loading.is_panic(exc):
            raise
        return _internal(register, out)


def write_log(out: Path, details: str) -> str:
    """`details` in a new `internt_fel_*.log` of `out` (never through a link); where, in Swedish."""
    try:
        out.mkdir(parents=True, exist_ok=True)  # (a run that ended abruptly may not have made it yet)
        fd, log = tempfile.mkstemp(prefix=f"{INTERNAL_LOG}_{datetime.now():%Y%m%d-%H%M%S}_", suffix=".log", dir=out)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp: O_EXCL, never through a link
            handle.write(details)
        return f"Detaljerna finns i {log}"
    except OSError:
        return "Detaljerna kunde inte sparas"


def _internal(register: Path, out: Path) -> Outcome:
    """An unexpected error: its details in a log of this run's own (a new file, never through a link)."""
    where = write_log(out, f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {register}\n{traceback.format_exc()}\n")
    message = f"Ett internt fel uppstod med {register.name}. {where}; kontakta den som underhåller verktyget."
    return Outcome(register, INTERNAL, "internt fel", lines=[message])


# --- a folder of registers ------------------------------------------------------------------

def written_by_this_tool(path: Path) -> bool:
    """A report, worklist or error list this tool wrote (by its name, or by the author in its document
    properties), which is never a register, even when --out points into input/."""
    from pipeline.write.files import (
        ERRORS_KIND, PLUS_REPORT_KIND, PLUS_WORKLIST_KIND, REPORT_KIND, TOOL_AUTHOR, WORKLIST_KIND,
    )

    # (not the template: a coach fills it in and may keep its name)
    if any(f"_{kind}" in path.stem for kind in (REPORT_KIND, WORKLIST_KIND, PLUS_REPORT_KIND, PLUS_WORKLIST_KIND,
                                                  ERRORS_KIND)):
        return True
    try:
        with zipfile.ZipFile(path) as package:
            return TOOL_AUTHOR.encode() in package.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


NOT_A_REGISTER = "låsfil, dold fil eller inte en registerfil"
OWN_FILE = "en fil som verktyget självt har skrivit"


def registers_in(folder: Path) -> tuple[list[Path], dict[Path, str]]:
    """Registers in a folder, and the files skipped with why, in Swedish (lock files, hidden files, other
    types, and files this tool wrote itself)."""
    if not folder.is_dir():
        return [], {}
    found, skipped = [], {}
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            continue
        if path.name.startswith(("~$", ".")) or path.suffix.lower() not in (*READABLE_SUFFIXES, ".xlsb"):
            skipped[path] = NOT_A_REGISTER
        elif written_by_this_tool(path):
            skipped[path] = OWN_FILE
        else:
            found.append(path)
    return found, skipped


def samples_folder() -> Path:
    """The sample registers, one per programme period: inside the installed package (`pipeline/samples/`,
    put there by the wheel), or in a checkout its `input_samples/`."""
    package = Path(__file__).resolve().parent
    installed = package / "samples"
    return installed if installed.is_dir() else package.parent / "input_samples"


@dataclass
class BatchPlan:
    registers: list[Path]  # in name order
    skipped: dict[Path, str]  # files of the input folder that are no register, with why (Swedish)
    used_samples: bool  # the input folder had no register, so the samples are reported
    created: bool = False  # the input folder was not there, and has been made


def plan_batch(input_dir: Path, samples_dir: Path) -> BatchPlan:
    """The registers of `input_dir` (made, if it is not there yet), or when it has none those of
    `samples_dir`. Raises UsageError when neither folder has a register."""
    created = not Path(input_dir).exists()
    if created:
        try:
            Path(input_dir).mkdir(parents=True)
        except OSError:
            created = False
    registers, skipped = registers_in(Path(input_dir))
    used_samples = not registers
    if used_samples:
        registers, _ = registers_in(Path(samples_dir))
    if not registers:
        raise UsageError(f"Det finns inga register i {input_dir}/ eller {samples_dir}/.")
    return BatchPlan(registers, skipped, used_samples, created)


def batch(plan: BatchPlan, period: str | None = None, out: Path = Path("output"), today: date | None = None,
          starting: Callable[[Path], None] | None = None,
          done: Callable[[Outcome], None] | None = None, jobs: int | None = None) -> list[Outcome]:
    """Report every register of the plan, each on its own: one that fails never stops the others.
    `starting` and `done` are called around each register, in the plan's order.

    The registers are reported in `jobs` worker processes (by default one per core this process may use),
    side by side; `jobs=1` one after the other, in one worker. The files and words are the same either way:
    a register compares and writes only after every register of its project before it in the plan
    (`_Turns`). This process reads no register itself, so that nothing a register does (a native library
    that aborts or panics, the system killing a worker for its memory) can stop the batch: when a worker
    dies, the registers that had not started go on in a new pool, and each one that was being reported is
    reported again in a process of its own (`_alone`), where only the register that ends that process too
    fails, named, with a log. A batch's outcomes carry no `report` or `changes`."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    today = today or date.today()
    jobs = max(1, min(jobs or available_cores(), len(plan.registers)))
    context = multiprocessing.get_context(start_method())
    others = set(multiprocessing.active_children())  # a caller's own processes, which are not the batch's
    pools: list[ProcessPoolExecutor] = []
    turns: list[_Turns] = []  # one per pool: a worker that died may have left its pool's condition unusable
    futures: list = [None] * len(plan.registers)
    owners: list = [None] * len(plan.registers)  # the pool each register's future is in

    def submit_from(first: int) -> None:
        """A new pool for every register from `first` on that has not started (all of them, at first)."""
        current = _Turns(context, len(plan.registers), turns[-1] if turns else None)
        turns.append(current)
        pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_batch_worker_ready, initargs=(current,))
        pools.append(pool)
        with _workers_ignore_ctrl_c():  # spawned workers are started by the first submits
            for i in range(first, len(plan.registers)):
                if current.state[i] == _Turns.PENDING:
                    futures[i] = pool.submit(_batch_worker_report, i, plan.registers[i], period, out, today)
                    owners[i] = pool

    def result(i: int) -> Outcome:
        while True:
            try:
                return futures[i].result()
            except BrokenProcessPool:  # a worker died: this register's, or another's
                if owners[i] is pools[-1]:
                    # the registers that had not started go on in a new pool, with turns of its own: the broken
                    # pool's condition may wait forever on a worker that died waiting on it
                    submit_from(i)
                if turns[-1].state[i] == _Turns.PENDING:
                    continue  # submitted again, above or when an earlier register found the pool broken
                outcome = _alone(context, plan.registers[i], period, out, today)
                turns[-1].ended(i)
                return outcome

    try:
        submit_from(0)
        return _in_order(plan.registers, map(result, range(len(plan.registers))), starting, done)
    except BaseException:  # Ctrl+C: the workers stop too, now (a file is written whole or not at all)
        for pool in pools:
            pool.shutdown(wait=False, cancel_futures=True)
        for worker in set(multiprocessing.active_children()) - others:
            worker.terminate()
            worker.join()
        raise
    finally:
        for pool in pools:
            pool.shutdown(wait=True)


def _alone(context, register: Path, period: str | None, out: Path, today: date) -> Outcome:
    """One register reported in a process of its own; an outcome that names it if that process dies too."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with _workers_ignore_ctrl_c():
        pool = ProcessPoolExecutor(1, mp_context=context, initializer=_alone_ready)
        future = pool.submit(_report_alone, register, period, out, today)
    try:
        return future.result()
    except BrokenProcessPool:
        return crashed(register, out)
    finally:
        pool.shutdown(wait=True)


def crashed(register: Path, out: Path, how: str = "", times: int = 2) -> Outcome:
    """A register whose process ended abruptly (`times` times): killed by the system (out of memory) or by a
    native library that aborted; said in Swedish, with a log of its own."""
    details = (f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {register}\nThe process that reported this register ended "
               f"abruptly {'once' if times == 1 else 'twice'} {how}: killed by the system (out of memory) or by a "
               "native library that aborted or crashed while reading it.\n")
    where = write_log(out, details)
    message = (f"Registret {register.name} kunde inte läsas: läsningen avbröts {'av' if times == 1 else 'två gånger av'} "
               "systemet (till exempel för att minnet tog slut, eller för att läsbiblioteket kraschade på filen). "
               f"{where}; kontakta den som underhåller verktyget."
               + (" De andra registren påverkades inte." if times > 1 else ""))
    return Outcome(register, INTERNAL, "avbröts (krasch)", lines=[message])


def start_method() -> str:
    """How a batch starts its worker processes. Forked workers start at once (from the command line, which has
    no thread of its own yet); a process that runs threads (a test, a server) spawns fresh ones instead, as
    forking it could copy a held lock, and so does every system without fork (Windows). ESF_START_METHOD=spawn
    chooses spawn here too: the tests run the batch as Windows runs it."""
    chosen = os.environ.get("ESF_START_METHOD", "")
    if chosen in ("spawn", "forkserver", "fork") and (chosen != "fork" or hasattr(os, "fork")):
        return chosen
    return "fork" if threading.active_count() == 1 and hasattr(os, "fork") else "spawn"


@contextmanager
def _workers_ignore_ctrl_c():
    """Worker processes started in this block ignore Ctrl+C until they are ready (`_batch_worker_ready`), so
    that a Ctrl+C while a spawned worker is still importing ends it quietly, by the batch, instead of with a
    traceback of its own. (A POSIX child inherits an ignored signal; on Windows the block changes nothing.)"""
    import signal

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _in_order(registers: list[Path], outcomes, starting, done) -> list[Outcome]:
    """Each register's outcome, taken from `outcomes` (an iterator, in the same order) between `starting`
    and `done`."""
    taken = []
    for register in registers:
        if starting:
            starting(register)
        taken.append(next(outcomes))
        if done:
            done(taken[-1])
    return taken


def available_cores() -> int:
    """The cores this process may run on (a container or `taskset` may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no sched_getaffinity on this system
        return os.cpu_count() or 1


class _Turns:
    """Whose turn it is to compare and write in a batch run by several processes, so that the outcome is
    the same as one register after the other: a counted register waits until every register before it in
    the plan has either ended or counted another project, so that it finds the reports of its own project
    written before it (two copies of one register: the second is said to be a copy of the first)."""

    PENDING, COUNTED, ENDED, STARTED = 0, 1, 2, 3

    def __init__(self, context, registers: int, earlier: _Turns | None = None):
        self.condition = context.Condition()
        self.state = context.Array("b", registers, lock=False)
        self.project = context.Array("q", registers, lock=False)  # a number for each register's Diarienummer
        if earlier is not None:  # where the registers of a pool whose worker died had come (read without its lock)
            self.state[:], self.project[:] = earlier.state[:], earlier.project[:]

    def counted(self, index: int, case_number: str) -> None:
        key = int.from_bytes(hashlib.blake2b(case_number.strip().encode(), digest_size=7).digest(), "big")
        with self.condition:
            self.project[index], self.state[index] = key, self.COUNTED
            self.condition.notify_all()
            while not all(self.state[j] == self.ENDED or (self.state[j] == self.COUNTED and self.project[j] != key)
                          for j in range(index)):
                self.condition.wait()

    def started(self, index: int) -> None:
        with self.condition:
            self.state[index] = self.STARTED

    def ended(self, index: int) -> None:
        with self.condition:
            self.state[index] = self.ENDED
            self.condition.notify_all()


_TURNS: list[_Turns] = []  # a batch worker's


def _batch_worker_ready(turns: _Turns) -> None:
    """A batch worker: Ctrl+C ends it at once and quietly, as it ends any command line tool (the batch
    itself says so); imports made once."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    _TURNS.append(turns)
    prepare()


def _batch_worker_report(index: int, register: Path, period: str | None, out: Path, today: date) -> Outcome:
    turns = _TURNS[0]
    turns.started(index)
    try:
        outcome = report(register, period, out, today, before_writing=lambda case: turns.counted(index, case))
    finally:
        turns.ended(index)
    return _without_figures(outcome)


def _alone_ready() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _report_alone(register: Path, period: str | None, out: Path, today: date) -> Outcome:
    return _without_figures(report(register, period, out, today))


def _without_figures(outcome: Outcome) -> Outcome:
    """A batch's outcome keeps what is said and written, not the register's frames: two hundred registers'
    worth of them would only make the batch slower (and a worker's would have to be copied back)."""
    outcome.report = outcome.changes = None
    return outcome


# --- the template ---------------------------------------------------------------------------

def template(target: Path, profile: str | None = None) -> Path:
    """Write the empty register for coaches into a folder (as `registermall.xlsx`, or
    `registermall_2021-2027.xlsx` for ESF+) or to a `.xlsx` name; `profile` is the programme period
    (`2007-2013` by default). Raises UsageError for an unknown profile or a folder that cannot be written."""
    from pipeline.write.files import windows_safe, write_set
    from pipeline.write.template import write_template
    from schemas.register import DEFAULT_PROFILE, PROFILES

    chosen = PROFILES.get((profile or DEFAULT_PROFILE.name).strip())
    if chosen is None:
        raise UsageError(f"Programperioden {profile!r} finns inte. Välj {' eller '.join(PROFILES)}.")
    default_stem = "registermall" if chosen is DEFAULT_PROFILE else f"registermall_{chosen.name}"
    target = Path(target)
    folder, stem = (target.parent, windows_safe(target.stem)) if target.suffix.lower() == ".xlsx" \
        else (target, default_stem)
    check_output_folder(folder)
    [path] = write_set(folder, [stem], ".xlsx", [lambda f: write_template(f, chosen)])
    return path
