"""Command line: `report` (one register), `batch` (what `make report` runs) and `sample`.

Exit status of `report`: 0 written, 1 the register is invalid or unreadable (the
problems printed and written to an error file in the output folder), 2 a usage
error. Every message is Swedish; no traceback reaches the user (an unexpected
error is logged to a file in the output folder and reported in one line, status 3).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import traceback
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pipeline import __version__
from pipeline.read import loading
from pipeline.read.loading import READABLE_SUFFIXES
from pipeline.check.problems import ERROR, WARNING, Problem, RegisterInvalid, RegisterUnreadable

USAGE_ERROR, INVALID, WRITTEN, INTERNAL = 2, 1, 0, 3
PHASES: dict[str, float] = {}


class phase:
    """Times a step of the run into PHASES (printed with --timings)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        import time

        self.start = time.perf_counter()

    def __exit__(self, *exc):
        import time

        PHASES[self.name] = PHASES.get(self.name, 0.0) + time.perf_counter() - self.start


class UsageError(Exception):
    pass


class SwedishParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own messages are English
        raise UsageError(f"Felaktigt kommando: {message}. Se 'python -m pipeline --help'.")


@dataclass
class Outcome:
    register: Path
    status: int
    summary: str
    period: str = ""
    written: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def parse_period(text: str):
    """`2009-05-01..2009-06-30` (or the form's `090501-090630`) as two pandas Timestamps."""
    import pandas as pd

    m = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*\.\.\s*(\d{4}-\d{2}-\d{2})\s*", text) or \
        re.fullmatch(r"\s*(\d{6})-(\d{6})\s*", text)
    if m:
        form = "%Y-%m-%d" if "-" in m.group(1) else "%y%m%d"
        start = pd.to_datetime(m.group(1), format=form, errors="coerce")
        end = pd.to_datetime(m.group(2), format=form, errors="coerce")
        if not pd.isna(start) and not pd.isna(end) and start <= end:
            return start, end
    raise UsageError(f"Perioden {text!r} ska skrivas FRÅN..TILL, t.ex. 2009-05-01..2009-06-30.")


def check_output_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".skrivtest"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise UsageError(f"Det går inte att skriva i utdatamappen {folder}.") from None


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run_report(register: Path, period_text: str | None, out: Path, today: date,
               previous: Path | None = None) -> Outcome:
    """Validate and report one register. Raises UsageError for a usage problem."""
    loading.start(register)  # fastexcel starts on the register while the rest of the program imports
    try:
        return _run_report(register, period_text, out, today, previous)
    finally:
        loading.discard(register)


def _run_report(register: Path, period_text: str | None, out: Path, today: date, previous: Path | None) -> Outcome:
    with phase("förbereda"):  # pandas and Pandera import while the register loads
        from pipeline.read.reader import read_register
        from pipeline.check.validate import choose_period, validate_register, warm_up

    if not register.exists():
        raise UsageError(f"Filen {register} finns inte.")
    if register.is_dir():
        raise UsageError(f"{register} är en mapp, inte en registerfil.")
    chosen = parse_period(period_text) if period_text else None
    check_output_folder(out)
    earlier = None
    if previous is not None:
        from pipeline.count.changes import read_about

        earlier = read_about(previous) if previous.is_file() else None
        if earlier is None:
            raise UsageError(f"{previous} är ingen rapport från det här verktyget (bladen Om rapporten och "
                             "Siffror saknas).")
    # While fastexcel loads the register (started above, see pipeline.read.loading), this thread gets the
    # rest ready: the modules that count and write, Pandera's set-up and the register's checksum.
    with phase("förbereda"):
        import pipeline.count.report  # noqa: F401
        import pipeline.write.worklist  # noqa: F401
        import pipeline.write.workbook  # noqa: F401
        warm_up()
        digest = sha256(register)
    try:
        with phase("läsa"):
            sheets = read_register(register)
        with phase("validera"):
            reg = validate_register(sheets, today)
        period = choose_period(reg.periods, chosen, today)
    except RegisterUnreadable as exc:
        return invalid(register, out, [Problem(ERROR, "", "", "", str(exc))], 0, readable=False)
    except RegisterInvalid as exc:
        with phase("skriva fel"):
            return invalid(register, out, exc.problems, exc.rows_read, sheets=exc.sheets)
    return write_report(register, digest, reg, period, out, earlier)


def invalid(register: Path, out: Path, problems: list[Problem], rows_read: int, readable: bool = True,
            sheets: dict | None = None) -> Outcome:
    """Print every problem and write them (text, and a marked copy of the register) to the output folder."""
    from pipeline.write.error_workbook import write_error_workbook
    from pipeline.write.files import ERRORS_KIND, safe_name, write_set

    errors = [p for p in problems if p.severity == ERROR]
    bad_rows = {p.row for p in errors if p.sheet == "Deltagare" and p.row}
    lines = [f"Registret {register.name} har {len(errors)} fel; ingen rapport skrevs.",
             f"Rader lästa i Deltagare: {rows_read}, rader med fel: {len(bad_rows)}, rader räknade: 0 "
             "(ingen rapport skrivs förrän alla fel är rättade).", ""]
    lines += [p.text() for p in problems]
    text = "\n".join(lines) + "\n"
    stem = f"{safe_name(register.stem)}_{ERRORS_KIND}"
    writers = {".txt": lambda p: p.write_text(text, encoding="utf-8")}
    if readable:
        writers[".xlsx"] = lambda p: write_error_workbook(register, problems, p, rows_read, sheets or {})
    paths = write_set(out, [stem] * len(writers), list(writers), list(writers.values()))
    print(text, end="")
    print("Felen finns också i " + " och ".join(str(p) for p in paths) + ".")
    summary = f"ogiltigt, {len(errors)} fel" if readable else "oläsligt (ingen arbetsbok som kan läsas)"
    return Outcome(register, INVALID, summary, written=paths, problems=problems)


def changes_since(reg, period, out: Path, earlier):
    """Ändringar: the earlier report of this project recounted from today's register, or None."""
    import pandas as pd

    from pipeline.count.changes import Changes, compare, find_earlier, read_figures
    from pipeline.count.report import build_report

    earlier = earlier or find_earlier(out, reg.project.case_number, period)
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


def write_report(register: Path, digest: str, reg, period, out: Path, earlier=None) -> Outcome:
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.write.files import REPORT_KIND, WORKLIST_KIND, safe_name, write_set
    from pipeline.count.report import build_report, follow_up_worklist, period_enrolments
    from pipeline.write.worklist import worklist_package
    from pipeline.write.workbook import RunInfo, write_workbook

    with ThreadPoolExecutor(max_workers=1) as pool:
        with phase("räkna"):
            enrolments = period_enrolments(reg, period)
            # the worklist file is made (by pyarrow and zlib, outside the GIL) while the tables are counted
            worklist = pool.submit(worklist_package, follow_up_worklist(enrolments, period), period,
                                   reg.project.name)
            report = build_report(reg, period, enrolments)
        with phase("jämföra"):
            changes = changes_since(reg, period, out, earlier)
        notes = [f"{p.severity}: {p.place}: {p.message}" for p in reg.problems]
        run = RunInfo(register.name, digest, datetime.now().replace(microsecond=0), __version__, notes)
        project = safe_name(reg.project.name)
        stems = [f"{project}_{REPORT_KIND}_{period.label}", f"{project}_{WORKLIST_KIND}_{period.label}"]
        with phase("skriva"):
            paths = write_set(out, stems, ".xlsx", [
                lambda p: write_workbook(report, run, p, changes),
                lambda p: p.write_bytes(worklist.result()),
            ])
    for problem in reg.problems:
        print(problem.text())
    print(f"Rader lästa i Deltagare: {reg.rows_read}, rader med fel: 0, rader räknade: {reg.rows_read} "
          f"(tomma rader som hoppades över: {reg.blank_rows}).")
    print(f"Rapport för {reg.project.name}, period {period.label}: {paths[0]}")
    print(f"Internt underlag (skickas inte till ESF): {paths[1]}")
    if changes is not None:
        print(f"Ändringar mot {changes.earlier.path.name}: {changes.summary}")
    failed = report.failed_checks
    if not failed.empty:
        print("INTERNT FEL: följande kontroller stämmer inte. Rapporten är skriven men ska inte skickas; "
              "kontakta den som underhåller verktyget.")
        for row in failed.itertuples(index=False):
            print(f"  {row.Kontroll}: {row.Exempel}")
        return Outcome(register, INTERNAL, "skriven, men kontroller stämmer inte", period.label, paths)
    warnings = sum(p.severity == WARNING for p in reg.problems)
    summary = "skriven" + (f", {warnings} varningar" if warnings else "")
    return Outcome(register, WRITTEN, summary, period.label, paths, reg.problems)


def registers_in(folder: Path) -> tuple[list[Path], list[Path]]:
    """Registers in a folder, and the files skipped (lock files, hidden files, other types)."""
    if not folder.is_dir():
        return [], []
    found, skipped = [], []
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            continue
        if path.name.startswith(("~$", ".")) or path.suffix.lower() not in READABLE_SUFFIXES:
            skipped.append(path)
        else:
            found.append(path)
    return found, skipped


def run_batch(input_dir: Path, samples_dir: Path, period: str | None, out: Path, today: date) -> int:
    registers, skipped = registers_in(input_dir)
    for path in skipped:
        print(f"Hoppar över {path.name} (låsfil, dold fil eller inte en registerfil).")
    if not registers:
        registers, _ = registers_in(samples_dir)
        print(f"Inga register i {input_dir}/; använder exemplet i {samples_dir}/.")
    if not registers:
        raise UsageError(f"Det finns inga register i {input_dir}/ eller {samples_dir}/.")
    outcomes = []
    for register in registers:
        print(f"== {register.name}")
        outcomes.append(guarded(lambda: run_report(register, period, out, today), register, out))
        print()
    print("Sammanställning:")
    for o in outcomes:
        written = o.written[0].name if o.written else ""
        print(f"  {o.register.name:40} {o.period or '-':15} {o.summary:40} {written}")
    return max(o.status for o in outcomes)


def guarded(action, register: Path, out: Path) -> Outcome:
    """Run one register so that nothing it does can stop the others or show a traceback."""
    try:
        return action()
    except UsageError as exc:
        print(str(exc))
        return Outcome(register, USAGE_ERROR, str(exc))
    except Exception:  # noqa: BLE001 - the last line of defence: log the details, say it in Swedish
        log = out / "internt_fel.log"
        try:
            with log.open("a", encoding="utf-8") as handle:
                handle.write(f"--- {datetime.now():%Y-%m-%d %H:%M:%S} {register}\n{traceback.format_exc()}\n")
        except OSError:
            pass
        print(f"Ett internt fel uppstod med {register.name}. Detaljerna finns i {log}; kontakta den som "
              "underhåller verktyget.")
        return Outcome(register, INTERNAL, "internt fel")


def write_template_file(target: Path) -> int:
    from pipeline.write.files import write_set
    from pipeline.write.template import write_template

    folder, stem = (target.parent, target.stem) if target.suffix.lower() == ".xlsx" else (target, "registermall")
    check_output_folder(folder)
    [path] = write_set(folder, [stem], ".xlsx", [write_template])
    print(f"Registermallen är skriven: {path}")
    return WRITTEN


def build_parser() -> SwedishParser:
    parser = SwedishParser(prog="python -m pipeline", description="ESF-lägesrapport från deltagarregistret.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=SwedishParser)
    report = commands.add_parser("report", help="Skriv rapporten för ett register.")
    report.add_argument("register", type=Path, help="registerfilen (.xlsx, .xls eller .ods)")
    report.add_argument("--period", help="rapportperioden FRÅN..TILL, t.ex. 2009-05-01..2009-06-30 "
                                         "(standard: den senaste avslutade perioden i Perioder)")
    report.add_argument("--out", type=Path, default=Path("output"), help="utdatamappen (standard: output)")
    report.add_argument("--previous", type=Path, help="en tidigare rapport att jämföra med (standard: den "
                                                     "senaste för samma diarienummer i utdatamappen)")
    report.add_argument("--today", help=argparse.SUPPRESS)
    report.add_argument("--timings", action="store_true", help=argparse.SUPPRESS)
    batch = commands.add_parser("batch", help="Skriv rapporter för alla register i en mapp (make report).")
    batch.add_argument("--input", type=Path, default=Path("input"))
    batch.add_argument("--samples", type=Path, default=Path("input_samples"))
    batch.add_argument("--period")
    batch.add_argument("--out", type=Path, default=Path("output"))
    batch.add_argument("--today", help=argparse.SUPPRESS)
    sample = commands.add_parser("sample", help="Skriv det syntetiska exempelregistret.")
    sample.add_argument("--out", type=Path, default=Path("input_samples/navigator_register.xlsx"))
    sample.add_argument("--rows", type=int, default=72)
    template = commands.add_parser("template", help="Skriv en tom registermall med listor och datumkontroller.")
    template.add_argument("--out", type=Path, default=Path("output"), help="mapp eller filnamn (.xlsx)")
    commands.add_parser("readme", help="Uppdatera README:s tabell över registrets kolumner.")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        today = date.fromisoformat(args.today) if getattr(args, "today", None) else date.today()
        if args.command == "report":
            outcome = guarded(lambda: run_report(args.register, args.period, args.out, today, args.previous),
                              args.register, args.out)
            if args.timings:
                timings = PHASES | {f"(bakom: {name})": seconds for name, seconds in loading.SECONDS.items()}
                print("Tider: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
            return outcome.status
        if args.command == "batch":
            return run_batch(args.input, args.samples, args.period or None, args.out, today)
        if args.command == "sample":
            from pipeline.tools.sample import generate, write_register

            print(write_register(generate(args.rows), args.out))
            return WRITTEN
        if args.command == "template":
            return write_template_file(args.out)
        if args.command == "readme":
            from pipeline.tools.docs import update_readme

            print("README.md uppdaterad." if update_readme(Path("README.md")) else "README.md var redan aktuell.")
            return WRITTEN
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return USAGE_ERROR
    return USAGE_ERROR
