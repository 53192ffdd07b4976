"""What a worker process does for the web page: one upload reported through the library.

The upload and everything the run writes live in a temporary folder that is removed
before the worker answers; the answer is what the page shows (`describe`, in Swedish,
the CLI's words) and the finished files' bytes. Runs in the web layer's process pool,
so it imports the heavy modules once per worker (`warm_up`).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from pipeline import run
from pipeline.problems import ERROR
from pipeline.write.files import STALE_SECONDS, process_ended, windows_safe

UPLOAD_PREFIX = "esf-webb-"  # then the server's process number: esf-webb-<pid>-<random>
MAX_UPLOAD_BYTES = 50_000_000  # a register of several hundred thousand enrolments
FILE_TEXTS = {  # what each output file is, by the kind in its name
    "lagesrapport": ("Lägesrapporten (ESF 2007-2013) att skicka till ESF-rådet.", False),
    "INTERNT_uppfoljning": ("Internt underlag: uppföljningar 90 dagar som ska göras, och deltagarna per månad till "
                            "SCB. Skickas inte till ESF.", True),
    "indikatorer": ("Indikatorerna (ESF+ 2021-2027) att rapportera till ESF-rådet.", False),
    "INTERNT_att_fylla_i": ("Internt underlag: situationer vid avslut och uppföljningar 6 månader som ska fyllas i, "
                            "och deltagarna per månad till SCB. Skickas inte till ESF.", True),
    "INTERNT_fel": ("Registret med varje fel markerat, och en flik Fel med länkar till cellerna.", True),
}


NO_EARLIER_LIST = "Det finns inget tidigare internt underlag"
COMPARISON_LINES = ("Ändringar mot", "Registret är detsamma", "Månaden ", "Inga redan rapporterade", NO_EARLIER_LIST)


def warm_up() -> None:
    """Once per worker process, so that the first upload does not wait for the imports (the error
    workbook's too: a web page sees many invalid registers)."""
    import pipeline.write.error_workbook  # noqa: F401 - imported ahead

    run.prepare()


def upload_name(name: str) -> str:
    """The uploaded file's own name, without any folder and with only harmless characters."""
    base = Path(name.replace("\\", "/")).name.lstrip(".")
    cleaned = re.sub(r"[^\w .()-]", "_", base)[-120:].strip()
    return windows_safe(cleaned) if cleaned else "register.xlsx"


def report_upload(content: bytes, name: str, period: str | None, folder: str,
                  earlier: list[tuple[str, bytes]] = ()) -> tuple[dict, list[tuple[str, bytes]]]:
    """Report an uploaded register in `folder` (the server's, which removes it); what the page shows, and the
    finished files (name, bytes). `earlier` are the coach's previous report and internal workbook, put in the
    output folder as they stand in the coach's own, so that the run compares with them (Ändringar, Ändrade
    månader); a file that is neither, or of another project, is named as not compared."""
    register = Path(folder) / upload_name(name)
    register.write_bytes(content)
    out = Path(folder) / "ut"
    given = []
    if earlier:
        out.mkdir()
        for i, (earlier_name, earlier_content) in enumerate(earlier):
            target = out / upload_name(earlier_name)
            if target.exists() or target.suffix.lower() != ".xlsx":
                target = out / f"tidigare_{i + 1}.xlsx"
            target.write_bytes(earlier_content)
            given.append((earlier_name, target))
    outcome = run.report(register, period, out, rerun=True)
    files = [(path.name, path.read_bytes()) for path in outcome.written]
    answer = describe(outcome)
    if given and outcome.status in (run.WRITTEN, run.INTERNAL) and outcome.report is not None:
        used = {p.name for p in outcome.compared}
        answer["jämförelse"] += [f"Filen {shown} jämfördes inte: den är ingen rapport eller internt underlag från "
                                 "det här verktyget för samma projekt, eller så finns en nyare bland filerna."
                                 for shown, target in given if target.name not in used]
    elif not given and "jämförelse" in answer:
        answer["jämförelse"] = [line for line in answer["jämförelse"] if not line.startswith(NO_EARLIER_LIST)]
    return answer, files


def sweep_uploads(root: Path) -> None:
    """Remove the upload folders of servers that have ended (killed, or the computer turned off): a folder is
    named after the server process that made it, and none lives longer than a request (an hour at most)."""
    import shutil
    import time

    cutoff = time.time() - STALE_SECONDS
    for folder in root.glob(f"{UPLOAD_PREFIX}*"):
        try:
            if folder.is_dir() and not folder.is_symlink() and (
                    process_ended(folder.name[len(UPLOAD_PREFIX):]) or folder.stat().st_mtime < cutoff):
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


def template_bytes(profile: str | None = None) -> bytes:
    """The register template of the programme period (2007-2013 by default)."""
    with tempfile.TemporaryDirectory(prefix="esf-mall-") as folder:
        return run.template(Path(folder), profile).read_bytes()


def describe(outcome: run.Outcome) -> dict:
    """The outcome as the page shows it: words, figures, problems and files, but no path on the server."""
    files = [{"namn": path.name, **_file_text(path.name)} for path in outcome.written]
    if outcome.status == run.USAGE_ERROR:
        return {"status": "fel", "meddelande": outcome.lines[-1], "filer": []}  # the usage problem, said last
    if outcome.status == run.INTERNAL and outcome.report is None:
        return {"status": "fel", "filer": [],
                "meddelande": f"Ett internt fel uppstod med {outcome.register.name}. Kontakta den som underhåller "
                              "verktyget."}
    if outcome.status == run.INVALID:
        errors = [p for p in outcome.problems if p.severity == ERROR]
        if not any(p.sheet for p in errors):  # no workbook at all: one message
            return {"status": "oläslig", "meddelande": errors[0].message, "filer": []}
        return {"status": "ogiltig", "meddelande": " ".join(outcome.lines[:2]), "filer": files,
                "problem": [_problem(p) for p in outcome.problems]}
    return _written(outcome, files)


def _file_text(name: str) -> dict:
    if name.endswith(".txt"):
        return {"beskrivning": "Samma fel som en textlista, att läsa i vilket program som helst.", "internt": True}
    for kind, (text, internal) in FILE_TEXTS.items():
        if kind in name:
            return {"beskrivning": text, "internt": internal}
    return {"beskrivning": "", "internt": True}


def _problem(problem) -> dict:
    return {"typ": problem.severity, "plats": problem.place, "värde": problem.value, "meddelande": problem.message}


def _written(outcome: run.Outcome, files: list[dict]) -> dict:
    from pipeline.count.figures import pair_columns
    from schemas import form
    from schemas import form_plus as fp
    from schemas.register import ESF_2007

    report = outcome.report
    figs, project = report.lookup, report.register.project
    if report.register.profile is ESF_2007:
        months = pair_columns(figs, form.TABLE_1)
        rows = [{"etikett": group, "värden": [figs(form.T1, group, m, kon) for m in months for kon in form.GENDERS]}
                for group in form.GROUP_LABELS]
        rows.append({"etikett": form.T1_SUM_GENDER, "fet": True,
                     "värden": [figs(form.T1, form.T1_SUM_GENDER, m, kon) for m in months for kon in form.GENDERS]})
        rows.append({"etikett": form.T1_SUM, "fet": True, "summa": True,
                     "värden": [figs(form.T1, form.T1_SUM, m) for m in months]})
        table = {"titel": form.T1, "rubrik": list(form.TABLE_1.title), "kolumner": months, "par": list(form.GENDERS),
                 "rader": rows}
        headline = [{"namn": label, "värde": figs(t, row, column)} for label, t, row, column in form.HEADLINE]
    else:
        genders = [*fp.GENDERS, ""]
        rows = [{"etikett": f"{i.code} {i.label}", "värden": [figs(fp.INDICATORS, i.code, column, g)
                                                              for column in fp.COLUMNS for g in genders]}
                for i in fp.ALL_INDICATORS]
        # the organisations supported have no gender: their total alone (null: an empty cell)
        rows += [{"etikett": f"{i.code} {i.label}", "värden": [figs(fp.INDICATORS, i.code, column) if g == "" else None
                                                               for column in fp.COLUMNS for g in genders]}
                 for i in fp.ORGANISATION_INDICATORS]
        table = {"titel": fp.INDICATORS, "rubrik": ["Indikator", ""],
                 "kolumner": [f"{form.PERIOD_COLUMN} {report.period.label}", form.SINCE_START],
                 "par": [fp.GENDER_HEADERS[g] for g in genders], "rader": rows}
        headline = [{"namn": label, "värde": figs(fp.INDICATORS, row, column)} for label, row, column in fp.HEADLINE]
    periods = [{"värde": f"{s:%Y-%m-%d}..{e:%Y-%m-%d}", "etikett": f"{s:%Y-%m-%d} – {e:%Y-%m-%d}",
                "vald": f"{s:%y%m%d}-{e:%y%m%d}" == report.period.label}
               for s, e in zip(report.register.periods["start"], report.register.periods["end"])]
    failed = outcome.status == run.INTERNAL
    return {
        "status": "kontroller" if failed else "skriven",
        "meddelande": (" ".join(line.strip() for line in outcome.lines if line.startswith(("INTERNT FEL", "  ")))
                       if failed else f"Rapporten för {project.name} är klar."),
        "projekt": project.name, "diarienummer": project.case_number,
        "period": f"{report.period.start:%Y-%m-%d} – {report.period.end:%Y-%m-%d} ({report.period.label})",
        "perioder": periods,
        "nyckeltal": headline,
        "tabell1": table,
        "notiser": [_problem(p) for p in outcome.problems],
        "rader": [line for line in outcome.lines if line.startswith("Rader lästa")],
        # Ändringar and Ändrade månader, as the run says them (no IDs: the months' sentences name months only)
        "jämförelse": [line for line in outcome.lines if line.startswith(COMPARISON_LINES)],
        "filer": files,
    }
