"""`make bench`: the report's speed and memory on generated registers, beside a bare read.

For each size a seeded register is generated once and cached in `.bench/` (outside
git). The report runs as a whole process, the way a user runs it, three times; so
does a bare fastexcel read of the same file in a process of its own (and, up to
100,000 rows, pandas' default `read_excel` with openpyxl). The medians, the peak
memory (RSS) and the ratio are printed and written to `docs/bench_results.md`,
with the machine and where the time of the largest report goes.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

CACHE = Path(".bench")
RESULTS = Path("docs/bench_results.md")
GENERATOR_VERSION = 2  # bump when pipeline/tools/sample.py changes what it writes
BAD_CELLS = 10_000
BENCH_TODAY = date(2026, 11, 28)  # the samples' reports as of a fixed day: the same period, the same work, every run

# each measured command runs under this wrapper, whose only child is the command: its
# RUSAGE_CHILDREN peak is that command's peak RSS
_WRAPPER = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True); "
            "w = time.perf_counter() - t; "
            "print(p.returncode, w, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(p.stdout)")
_BARE_READ = ("import fastexcel, sys; r = fastexcel.read_excel(sys.argv[1]); "
              "[r.load_sheet(s).to_arrow() for s in r.sheet_names]")
_PANDAS_READ = "import pandas, sys; pandas.read_excel(sys.argv[1], sheet_name=None)"


def register_path(rows: int, bad: int = 0, plus: bool = False) -> Path:
    suffix = f"_bad{bad}" if bad else ""
    return CACHE / f"register_{'plus_' if plus else ''}{rows}{suffix}_g{GENERATOR_VERSION}.xlsx"


def ensure_register(rows: int, bad: int = 0, plus: bool = False) -> Path:
    """A cached generated register: 2007-2013, or with `plus` an ESF+ 2021-2027 one."""
    from pipeline.tools.sample import corrupt, generate, generate_plus, write_register

    path = register_path(rows, bad, plus)
    if not path.exists():
        print(f"  genererar {path} ...", flush=True)
        register = generate_plus(rows, seed=rows) if plus else generate(rows, seed=rows, last_day="2011-04-30")
        if bad:
            register = corrupt(register, bad)
        temporary = path.with_suffix(".tmp.xlsx")
        write_register(register, temporary, constant_memory=True)
        temporary.rename(path)
    return path


def measure(command: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, output) of one whole process."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *command], capture_output=True, text=True, check=True)
    first, _, output = done.stdout.partition("\n")
    _, wall, peak_kb = first.split()
    return float(wall), int(peak_kb) / 1024, output


def medians(runs: int, commands: dict) -> dict[str, tuple[float, float, str]]:
    """For each named command: median wall time, largest peak RSS and last output of `runs` runs.

    The commands take turns (report, bare read, report, ...), so that a slow minute of a shared
    machine weighs on both sides of the ratio alike. A command may be a function of a fresh empty
    folder (each report run writes into its own, so none sees another's report and compares
    itself with it).
    """
    results: dict[str, list] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            with tempfile.TemporaryDirectory() as folder:
                results[name].append(measure(command(folder) if callable(command) else command))
    return {name: (statistics.median(r[0] for r in got), max(r[1] for r in got), got[-1][2])
            for name, got in results.items()}


def bench(sizes: list[int], runs: int, bad_size: int | None, plus_size: int | None = None) -> list[dict]:
    rows = []
    cases = [(n, 0, False) for n in sizes] + ([(bad_size, BAD_CELLS, False)] if bad_size else []) + (
        [(plus_size, 0, True)] if plus_size else [])
    for n, bad, plus in cases:
        path = ensure_register(n, bad, plus)
        label = f"{n:,}".replace(",", " ") + (f" ({bad:,} felaktiga celler)".replace(",", " ") if bad else "") + (
            " ESF+" if plus else "")
        print(f"{label}: rapport och läsning, {runs} gånger var ...", flush=True)
        commands = {
            "report": lambda out: [sys.executable, "-m", "pipeline", "report", str(path), "--out", out, "--timings"],
            "bare": [sys.executable, "-c", _BARE_READ, str(path)],
        }
        if n <= 100_000 and not bad:
            commands["pandas"] = [sys.executable, "-c", _PANDAS_READ, str(path)]
        measured = medians(runs, commands)
        wall, peak, output = measured["report"]
        timings = next((line for line in output.splitlines() if line.startswith("Tider:")), "")
        expected = "ogiltigt" if bad else "Rapport för"
        if (bad and "har " not in output) or (not bad and expected not in output):
            raise SystemExit(f"Rapporten för {path} misslyckades:\n{output[-2000:]}")
        bare = measured["bare"][0]
        pandas_read = measured["pandas"][0] if "pandas" in measured else None
        rows.append({"rows": label, "report_s": wall, "peak_mb": peak, "bare_s": bare,
                     "bare_peak_mb": measured["bare"][1], "ratio": wall / bare, "pandas_s": pandas_read,
                     "timings": timings.removeprefix("Tider: ")})
        print(f"  {format_row(rows[-1])}", flush=True)
    return rows


PHASES_TEXT = """\
The last column is the report's own timing of its last run (`--timings`). The main thread's
phases follow each other: `fastexcel` (the register loaded: `Deltagare` on the main thread, and a
small register's other sheets and its scan after it), `förbereda` (prepare: waiting for the helper
thread that imports pandas and Pandera and lets Pandera set itself up meanwhile; in a process that has
reported before, that set-up done again, quickly), `läsa` (read: each column made a Categorical of its
text), `validera` (validate), `räkna` (count), `jämföra` (the search of the output folder for an earlier
report) and `skriva` (write), or `skriva fel` (the error list and error workbook). The `(bakom: ...)`
entries ran on other threads beside the load: `förbereda` the helper's imports, and for a register over
1 MB the scan of the sheet XML for error cells and formulas (after which the other sheets are loaded with
a reader of their own: `övriga blad`, beside `Deltagare`), which decompresses with zlib and searches with
RE2 in pyarrow (first for two rare-byte hints of a formula or an error cell, which pass over a sheet
without either several times faster than the full pattern), both outside the GIL, and the register's
checksum. So a report costs the load of `Deltagare` plus what follows it (read, validate, count,
write). `Deltagare` is loaded on the main thread, not on a thread of its own, because of the memory
fastexcel asks for: millions of small allocations, which glibc serves on a new thread from an arena of
that thread's own, whose heap grows a page at a time with an `mprotect` call each (50 000 of them at a
million rows, against 2 400 on the main thread, whose heap grows by `brk` with room to spare): a
quarter of a second of system time, and more on a busy host. Loading `Deltagare` is then about the bare
read (it reads every date cell as text, which costs its conversion to Arrow 0.1 to 0.3 s at a million
rows more than the bare read's inferred date type); on a busy minute it takes longer than the bare read,
as the scan and the imports beside it compete with it for the cores while the bare read runs alone.
fastexcel releases the GIL while it parses (the imports run then), but asks for it again and again while
it converts to Arrow, and not at all while its own copy of the cells is freed (75 ms at a million rows):
that is done while pyarrow encodes the columns on two threads, which do not need the GIL. Look-alike IDs
are folded by pyarrow on the other core from the start of validation, and the worklist, listed from the
register as it stood at the period end before the tables' preparation, is made by pyarrow and zlib in a
thread while the tables are counted. Threads are used only where there is something to do beside them:
the helper in a fresh process (beside the load), the scan and checksum for a file over 1 MB, and the
look-alike IDs and the worklist from 20 000 rows. So a small register in a process that has reported
before (a batch worker, the web page) is reported in one thread: handing its work between threads cost
a tenth of its time.

A small register's time (the warm, in-process lines) goes into fixed costs per call, not into
its rows: reading opens the package and scans its XML, validation is the typing of each column,
Pandera on two frames and the rules between cells, rows and persons (pandas' overhead per call on
70 rows), counting builds Coded arrays once (`tables.prepare`, straight from the parsed frame) and
then a few numpy calls per table, each table's figures as plain arrays joined once (a pandas frame per
table cost a tenth of the counting; the frame of all figures is made only for a comparison with an
earlier report), plus the checks and the text over plain rows of the few hundred figures, and
writing (about two fifths) is xlsxwriter's
cell by cell XML of ten sheets, `Siffror` alone 1 500 cells (about 3.6 microseconds a cell, its
zip a tenth of that), and the two fsyncs that make the files durable before they are linked into
place. Under a sampling profiler (py-spy), xlsxwriter is three tenths of a small report and pandas'
own code a third, spread over some hundred calls; no single call of ours is more than a few per cent.
Where a small sheet's work was a pandas call per column or per value, it is plain Python or numpy over
the distinct values: a calendar of each date when there are fewer dates than days between them (the
birth dates of 70 rows span decades), the target groups as one lookup of the Född and Ersättning
codes, Pandera's check of a code column on its categories (and in place: it copies nothing), a
column's few distinct texts checked for blanks and ASCII, date texts made day numbers and numpy dates
at once (each distinct text parsed once per process: a worker meets the same dates register after
register), the 90-day follow-up dates, the periods' order and the month labels in numpy or lists.
Pandera asks for geopandas at every column it validates; as it is not installed, the tool records it
as absent once, instead of each asking searching the import path again. A process that
reports register after register freezes what its imports made out of the garbage collector's full
passes (`run.prepare`), which otherwise scanned a hundred thousand objects of pandas and Pandera
thirteen times in 200 registers; and Pandera is imported without hypothesis (installed here for the
tests) however the tool is started, not only from the command line. A batch pays the
same per register, plus a search of the output folder for an earlier report of the project: each
file there is looked at once per process (by its path and inode, which the folder's listing gives),
and only the reports whose properties name the project are opened. It runs a worker process per
core, and a register compares and writes only after the registers of its project before it, so its
files and words are those of one process. The floor of the batch reads each register with fastexcel
and writes two small workbooks: no validation, counting or checks."""

HEADER = ("| enrolments | report (s) | peak RSS (MB) | bare fastexcel read (s) | report / read "
          "| pandas read_excel (s) | where the report's time goes |\n|---|---|---|---|---|---|---|")


def format_row(row: dict) -> str:
    pandas_read = f"{row['pandas_s']:.2f}" if row["pandas_s"] is not None else "–"
    return (f"| {row['rows']} | {row['report_s']:.2f} | {row['peak_mb']:.0f} | {row['bare_s']:.2f} | "
            f"{row['ratio']:.2f} | {pandas_read} | {row['timings']} |")


def machine() -> str:
    cpu = ""
    if Path("/proc/cpuinfo").exists():
        found = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = found.group(1) if found else ""
    memory = ""
    if Path("/proc/meminfo").exists():
        found = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        memory = f", {int(found.group(1)) / 1024 / 1024:.0f} GiB" if found else ""
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}, {platform.system()}"


# the floor of a batch: each register read by fastexcel and two small workbooks written, in one process
_BATCH_FLOOR = """
import sys, tempfile, fastexcel, xlsxwriter
from pathlib import Path
with tempfile.TemporaryDirectory() as out:
    for i, path in enumerate(sorted(Path(sys.argv[1]).glob("*.xlsx"))):
        reader = fastexcel.read_excel(str(path))
        sheets = [reader.load_sheet(name).to_arrow() for name in reader.sheet_names]
        for kind in ("a", "b"):
            wb = xlsxwriter.Workbook(f"{out}/{i}{kind}.xlsx")
            ws = wb.add_worksheet()
            for r, row in enumerate(sheets[0].slice(0, 10).to_pylist()):
                ws.write_row(r, 0, [str(v) for v in row.values()])
            wb.close()
"""


def ensure_batch(copies: int) -> Path:
    """`copies` registers, each the sample's register as its own project (its own name and case number)."""
    from pipeline.tools.sample import generate, write_register

    folder = CACHE / f"batch_{copies}_g{GENERATOR_VERSION}"
    if not folder.exists():
        print(f"  genererar {copies} register i {folder} ...", flush=True)
        temporary = folder.with_suffix(".tmp")
        temporary.mkdir(parents=True, exist_ok=True)
        register = generate(72)
        for i in range(copies):
            register.projekt.loc[register.projekt["item"] == "Projektnamn", "value"] = f"Projekt {i + 1:03d}"
            register.projekt.loc[register.projekt["item"] == "Diarienummer", "value"] = f"2008-{i + 1:07d}"
            write_register(register, temporary / f"projekt_{i + 1:03d}.xlsx")
        temporary.rename(folder)
    return folder


def batch_case(copies: int, runs: int) -> dict:
    """`pipeline batch` over `copies` sample registers, as a user runs it (on every core) and on one worker process
    (`--jobs 1`), against the floor, taking turns."""
    folder = ensure_batch(copies)
    print(f"{copies} register i en körning: batch, batch på en process och golv, {runs} gånger var ...", flush=True)

    def batch(jobs: list[str]):
        return lambda out: [sys.executable, "-m", "pipeline", "batch", "--input", str(folder), "--samples",
                            str(folder), "--out", out, "--today", BENCH_TODAY.isoformat(), *jobs]

    measured = medians(runs, {"batch": batch([]), "one": batch(["--jobs", "1"]),
                              "floor": [sys.executable, "-c", _BATCH_FLOOR, str(folder)]})
    for name in ("batch", "one"):
        if measured[name][2].count("skriven") < copies:
            raise SystemExit(f"Batchen skrev inte alla rapporter:\n{measured[name][2][-2000:]}")
    (wall, peak, _), (one, one_peak, _), floor = measured["batch"], measured["one"], measured["floor"][0]
    result = {"registers": copies, "batch_s": wall, "peak_mb": peak, "floor_s": floor, "ratio": wall / floor,
              "one_s": one, "one_peak_mb": one_peak, "one_ratio": one / floor, "cores": _cores()}
    print(f"  batch {wall:.2f} s, på en process {one:.2f} s, golv {floor:.2f} s: {wall / floor:.1f} och "
          f"{one / floor:.1f} gånger golvet", flush=True)
    return result


def _cores() -> int:
    from pipeline.run import available_cores

    return available_cores()


def warm_latency(register: Path, runs: int = 20) -> dict:
    """One small register reported again and again in this process once it is warm (what a worker of the web
    page pays per upload): the median of the whole report and of each phase, in milliseconds."""
    from pipeline import run

    run.prepare()
    seconds, phases = [], {}
    for i in range(runs + 3):  # the first three warm up
        with tempfile.TemporaryDirectory() as out:
            started = time.perf_counter()
            outcome = run.report(register, None, Path(out), BENCH_TODAY)
            if i >= 3:
                seconds.append(time.perf_counter() - started)
                for name, spent in outcome.timings.items():
                    phases.setdefault(name, []).append(spent)
        if outcome.status != run.WRITTEN:
            raise SystemExit(f"Rapporten för {register} misslyckades: {outcome.lines[:3]}")
    return {"register": register.name, "median_ms": statistics.median(seconds) * 1000,
            "phases": {name: statistics.median(spent) * 1000 for name, spent in phases.items()}}


def web_latency(requests: int = 20) -> dict:
    """The web page's answer to the sample register (68 enrolments), once its server is warm: the
    median and the slowest of `requests` uploads, each the whole HTTP request from another process."""
    import httpx

    from pipeline.tools.browsing import served

    sample = Path("input_samples/navigator_register.xlsx")
    files = {"fil": (sample.name, sample.read_bytes())}
    with served() as url:
        httpx.post(f"{url}/rapport", files=files, timeout=60).raise_for_status()  # the first one warms up
        seconds = []
        for _ in range(requests):
            started = time.perf_counter()
            answer = httpx.post(f"{url}/rapport", files=files, timeout=60).json()
            seconds.append(time.perf_counter() - started)
            if answer["status"] != "skriven":
                raise SystemExit(f"Webbsidan svarade inte med en rapport: {answer}")
    return {"median_ms": statistics.median(seconds) * 1000, "max_ms": max(seconds) * 1000, "requests": requests}


WARM_REGISTERS = ("navigator_register.xlsx", "vagen_vidare_register.xlsx")


def write_results(rows: list[dict], runs: int, path: Path, web: dict | None = None,
                  batched: dict | None = None, warm: list[dict] = ()) -> str:
    table = "\n".join([HEADER, *(format_row(r) for r in rows)])
    for case in warm:
        phases = ", ".join(f"{name} {ms:.1f} ms" for name, ms in case["phases"].items())
        table += (f"\n\n**Warm, in-process**: `{case['register']}` reported in {case['median_ms']:.0f} ms (median of "
                  f"the runs after three to warm up; what a worker of the web page pays per upload): {phases}.")
    if batched is not None:
        table += (f"\n\n**Batch** of {batched['registers']} copies of the sample register (each its own project) in "
                  f"one `pipeline batch` run, as `make report` runs it (a worker process per core, here "
                  f"{batched['cores']}): {batched['batch_s']:.2f} s (peak RSS of the largest process "
                  f"{batched['peak_mb']:.0f} MB), against a floor of {batched['floor_s']:.2f} s for reading each with "
                  f"fastexcel and writing two small xlsxwriter workbooks in one process: {batched['ratio']:.1f} times "
                  f"the floor. On one worker process (`--jobs 1`): {batched['one_s']:.2f} s, {batched['one_ratio']:.1f} "
                  f"times the floor.")
    web_text = "" if web is None else (
        f"\n\n**Web page** (`make serve`), warm: the sample register (68 enrolments) uploaded and answered with "
        f"its report in {web['median_ms']:.0f} ms (median of {web['requests']} requests; slowest "
        f"{web['max_ms']:.0f} ms), each a whole HTTP request from another process.")
    text = (f"# Benchmark results\n\nMeasured by `make bench` on {date.today():%Y-%m-%d}, on {machine()}. "
            f"Median of {runs} runs of whole processes (start-up and imports count for both), the report and "
            f"the bare read taking turns; peak RSS is the largest of the runs.\n\n{table}{web_text}\n\n"
            f"{PHASES_TEXT}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    readme = Path("docs") / "performance.md"  # the page that quotes the latest results
    if path == RESULTS and readme.exists():
        begin, end = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
        current = readme.read_text(encoding="utf-8")
        if begin in current and end in current:
            head, rest = current.split(begin, 1)
            readme.write_text(f"{head}{begin}\n{text.split(chr(10), 2)[2].strip()}\n{end}{rest.split(end, 1)[1]}",
                              encoding="utf-8")
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bad-size", type=int, default=1_000_000, help="0 to skip the register with bad cells")
    parser.add_argument("--plus-size", type=int, default=1_000_000, help="an ESF+ 2021-2027 register (0 to skip)")
    parser.add_argument("--batch", type=int, default=200, help="copies of the sample in one batch run (0 to skip)")
    parser.add_argument("--warm-runs", type=int, default=20, help="in-process reports of each sample (0 to skip)")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--web-requests", type=int, default=20, help="uploads to time on the web page (0 to skip)")
    args = parser.parse_args(argv)
    CACHE.mkdir(exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    started = time.perf_counter()
    rows = bench(sizes, args.runs, args.bad_size or None, args.plus_size or None)
    batched = batch_case(args.batch, args.runs) if args.batch else None
    warm = [warm_latency(Path("input_samples") / name, args.warm_runs) for name in WARM_REGISTERS] \
        if args.warm_runs else []
    web = web_latency(args.web_requests) if args.web_requests else None
    table = write_results(rows, args.runs, args.results, web, batched, warm)
    print(f"\n{table}\n\nSkrivet till {args.results} ({time.perf_counter() - started:.0f} s).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
