"""Command line: argument parsing, printing and exit statuses over the library (`pipeline.run`).

`main()` is run by one entry point, `pipeline.__main__.command`: the installed `esf-rapport`
command, `python -m pipeline` and the Makefile's targets. `report` (one register), `batch` (what `make report` runs),
`template`, `serve`, `webb` (the page, opened in the default browser), `sample` and `readme`.
Exit status of `report`: 0 written, 1 the register is invalid or unreadable (the problems
printed and written to an error file in the output folder), 2 a usage error, 3 an internal
error. Every message and the help are Swedish; no traceback reaches the user, and a console
that cannot show a character (a Windows console in code page 850 or 1252) shows a look-alike.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from pipeline import run
from pipeline.console import SwedishParser, program_name
from pipeline.read import loading
from pipeline.web import serving
from pipeline.problems import UsageError, visible_controls
from pipeline.run import INTERRUPTED, USAGE_ERROR, WRITTEN



def build_parser(prog: str | None = None) -> SwedishParser:
    parser = SwedishParser(prog=prog or program_name(), description=(
        "ESF-lägesrapport från deltagarregistret. Starta webbsidan med 'webb', eller skriv rapporten för ett "
        "register med 'report'."))
    commands = parser.add_subparsers(dest="command", required=True, parser_class=SwedishParser,
                                     title="kommandon", metavar="KOMMANDO")
    report = commands.add_parser("report", help="Skriv rapporten för ett register.")
    report.add_argument("register", type=Path, help="registerfilen (.xlsx, .xls eller .ods)")
    report.add_argument("--period", help="rapportperioden FRÅN..TILL, t.ex. 2009-05-01..2009-06-30 "
                                         "(standard: den senaste avslutade perioden i Perioder)")
    report.add_argument("--out", type=Path, default=Path("output"), help="utdatamappen (standard: output)")
    report.add_argument("--previous", type=Path, help="en tidigare rapport att jämföra med (standard: den "
                                                     "senaste för samma diarienummer i utdatamappen)")
    report.add_argument("--igen", action="store_true", help="skriv en ny rapport även om samma register redan gett "
                                                           "en för perioden i utdatamappen")
    report.add_argument("--pdf", action="store_true", help="skriv också en PDF-kopia av rapporten (kräver LibreOffice)")
    report.add_argument("--today", help=argparse.SUPPRESS)
    report.add_argument("--timings", action="store_true", help=argparse.SUPPRESS)
    batch = commands.add_parser("batch", help="Skriv rapporter för alla register i en mapp (det som make report gör).")
    batch.add_argument("--input", type=Path, default=Path("input"), help="mappen med register (standard: input)")
    batch.add_argument("--samples", type=Path, default=run.samples_folder(),
                       help="exempelregistren som används när mappen är tom (standard: verktygets egna)")
    batch.add_argument("--period", help="rapportperioden FRÅN..TILL för alla register")
    batch.add_argument("--out", type=Path, default=Path("output"), help="utdatamappen (standard: output)")
    batch.add_argument("--today", help=argparse.SUPPRESS)
    batch.add_argument("--jobs", type=int, help="hur många register som körs samtidigt (standard: en per "
                                                "processorkärna; 1 kör dem ett i taget)")
    sample = commands.add_parser("sample", help="Skriv det syntetiska exempelregistret.")
    sample.add_argument("--out", type=Path, default=Path("input_samples/navigator_register.xlsx"))
    sample.add_argument("--rows", type=int, default=72)
    sample.add_argument("--profil", default="2007-2013", help="programperioden: 2007-2013 eller 2021-2027 (ESF+)")
    template = commands.add_parser("template", help="Skriv en tom registermall med listor och datumkontroller.")
    template.add_argument("--out", type=Path, default=Path("output"), help="mapp eller filnamn (.xlsx)")
    template.add_argument("--profil", default="2007-2013", help="programperioden: 2007-2013 eller 2021-2027 (ESF+)")
    commands.add_parser("readme", help="Uppdatera docs/register.md från schemas/ (för utvecklare).")
    serving.add_arguments(commands.add_parser("serve", help="Starta webbsidan för andra att använda (make serve)."),
                          commands.add_parser("webb", help="Starta webbsidan på den egna datorn och öppna den i "
                                                            "webbläsaren."))
    return parser


def print_lines(outcome: run.Outcome) -> None:
    for line in outcome.lines:
        print(visible_controls(line))  # a register's text never moves the cursor or colours the terminal


def run_batch(args, today: date) -> int:
    plan = run.plan_batch(args.input, args.samples)
    for path, why in plan.skipped.items():
        print(f"Hoppar över {path.name} ({why}).")
    if plan.created:
        print(f"Mappen {args.input}/ fanns inte och är nu skapad. Lägg registret där och kör kommandot igen.")
    if plan.used_samples:
        print(f"Inga register i {args.input}/; använder exemplen i {args.samples}/.")
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"--jobs ska vara ett heltal från 1 och uppåt, inte {args.jobs}.")
    outcomes = run.batch(plan, args.period or None, args.out, today,
                         starting=lambda register: print(f"== {register.name}", flush=True),
                         done=lambda outcome: (print_lines(outcome), print(flush=True)), jobs=args.jobs)
    print("Sammanställning:")
    for o in outcomes:
        # the file to open next: the report, or for an invalid register its marked copy
        written = next((p.name for p in o.written if p.suffix == ".xlsx"), "")
        print(f"  {o.register.name:40} {o.period or '-':15} {o.summary:40} {written}")
    return max(o.status for o in outcomes)


def main(argv: list[str] | None = None, prog: str | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        parser = build_parser(prog)
        if not argv:  # the command alone: what it can do, in Swedish
            parser.print_help()
            return WRITTEN
        args = parser.parse_args(argv)
        today = date.fromisoformat(args.today) if getattr(args, "today", None) else date.today()
        if args.command == "report":
            outcome = run.report(args.register, args.period, args.out, today, args.previous, rerun=args.igen,
                                 pdf=args.pdf)
            print_lines(outcome)
            if args.timings:
                timings = outcome.timings | {f"(bakom: {name})": s for name, s in loading.SECONDS.items()}
                print("Tider: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items()))
            return outcome.status
        if args.command == "batch":
            return run_batch(args, today)
        if args.command == "sample":
            from pipeline.tools.sample import generate, generate_plus, write_register

            if args.profil.strip() not in ("2007-2013", "2021-2027"):
                raise UsageError(f"Programperioden {args.profil!r} finns inte. Välj 2007-2013 eller 2021-2027.")
            made = generate(args.rows) if args.profil.strip() == "2007-2013" else generate_plus(args.rows)
            print(write_register(made, args.out))
            return WRITTEN
        if args.command == "template":
            print(f"Registermallen är skriven: {run.template(args.out, args.profil)}")
            return WRITTEN
        if args.command in ("serve", "webb"):
            serving.serve_as_asked(args)
            return WRITTEN
        if args.command == "readme":
            from pipeline.tools.docs import REFERENCE, update_reference

            if not REFERENCE.is_file():
                raise UsageError("Kommandot readme är för den som utvecklar verktyget: kör det i en kopia av "
                                 f"källkoden, där {REFERENCE.as_posix()} finns.")
            print(f"{REFERENCE.as_posix()} uppdaterad." if update_reference() else
                  f"{REFERENCE.as_posix()} var redan aktuell.")
            return WRITTEN
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        # every file is written whole or not at all (pipeline.write.files), so nothing half-written is left
        print("Avbrutet. Det som redan var klart finns i utdatamappen; inget halvskrivet har lämnats kvar.",
              file=sys.stderr)
        return INTERRUPTED
    return USAGE_ERROR
