"""The golden file of the ESF workbook: a readable snapshot of every sheet of the sample's report.

`snapshot(path)` describes a workbook as text, one line per fact: each sheet's page
setup, frozen panes, column widths and merged ranges, then every cell that holds a
value or a format, with its value (the cached result of a formula too), its formula
and its format (number format, bold, italic, indent, fill, wrap, alignment, border),
and the ranges each chart draws. The time of the run is masked, since it is the one
thing that differs between two runs of the same register.

`make golden` writes the snapshot of the sample register's report to
`tests/golden/`; `tests/test_golden.py` compares a fresh report with it, so that a
change of the workbook is always made on purpose.
"""

from __future__ import annotations

import re
import sys
import tempfile
import zipfile
from pathlib import Path

from schemas import form

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "input_samples" / "navigator_register.xlsx"
GOLDEN = ROOT / "tests" / "golden" / "navigator_lagesrapport_090501-090630.txt"
GOLDEN_PERIOD = "2009-05-01..2009-06-30"
GOLDEN_TODAY = "2026-11-25"
MASKED_ROWS = (form.ABOUT_CREATED, form.ABOUT_VERSION)  # differ from run to run and from release to release


def _format(cell) -> str:
    parts = []
    if cell.number_format != "General":
        parts.append(f"num={cell.number_format}")
    font = cell.font
    for flag, name in ((font.b, "bold"), (font.i, "italic")):
        if flag:
            parts.append(name)
    if font.sz and float(font.sz) != 10:
        parts.append(f"size={float(font.sz):g}")
    if font.color is not None and font.color.rgb not in (None, "FF000000") and isinstance(font.color.rgb, str):
        parts.append(f"colour={font.color.rgb}")
    if cell.fill is not None and cell.fill.fill_type == "solid":
        parts.append(f"fill={cell.fill.fgColor.rgb}")
    alignment = cell.alignment
    if alignment.horizontal:
        parts.append(f"align={alignment.horizontal}")
    if alignment.wrap_text:
        parts.append("wrap")
    if alignment.indent:
        parts.append(f"indent={alignment.indent:g}")
    if cell.border is not None and cell.border.left is not None and cell.border.left.style:
        parts.append(f"border={cell.border.left.style}")
    return " ".join(parts)


def _charts(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as package:
        names = sorted(n for n in package.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n))
        lines = []
        for name in names:
            xml = package.read(name).decode("utf-8")
            title = re.findall(r"<a:t>([^<]*)</a:t>", xml)
            ranges = re.findall(r"<c:f>([^<]*)</c:f>", xml)
            minimum = re.findall(r'<c:min val="([^"]*)"', xml)
            lines.append(f"chart {name.rsplit('/', 1)[1]}: titles={title} ranges={ranges} axis_min={minimum}")
        return lines


def snapshot(path: Path) -> str:
    import openpyxl

    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path)
    lines = [f"sheets: {values.sheetnames}"]
    for ws in values.worksheets:
        wf = formulas[ws.title]
        setup = ws.page_setup
        fit = ws.sheet_properties.pageSetUpPr
        lines += ["", f"== {ws.title}",
                  f"print: orientation={setup.orientation} paper={setup.paperSize} "
                  f"fit={bool(fit and fit.fitToPage)} width={setup.fitToWidth} height={setup.fitToHeight} "
                  f"repeat={ws.print_title_rows} freeze={ws.freeze_panes}",
                  "widths: " + " ".join(f"{k}={d.width:g}" for k, d in sorted(ws.column_dimensions.items())
                                        if d.width),
                  "heights: " + " ".join(f"{k}={d.height:g}" for k, d in sorted(ws.row_dimensions.items())
                                         if d.height),
                  "merged: " + " ".join(sorted(str(m) for m in ws.merged_cells.ranges))]
        for row in ws.iter_rows():
            masked = ws.title == form.ABOUT and row[0].value in MASKED_ROWS
            for cell in row:
                if cell.value is None and not cell.has_style:
                    continue
                value = "<maskerat>" if masked and cell.column == 2 else cell.value
                formula = wf[cell.coordinate].value
                formula_text = f" formula={formula}" if isinstance(formula, str) and formula.startswith("=") else ""
                style = _format(cell)
                if value is None and not style:
                    continue
                lines.append(f"{cell.coordinate} {value!r}{formula_text}" + (f" [{style}]" if style else ""))
    lines += ["", *_charts(path)]
    return "\n".join(lines) + "\n"


def sample_report(folder: Path) -> Path:
    """The sample register's report for the golden period, written through the command line."""
    from pipeline.cli import main

    out = folder / "out"
    status = main(["report", str(SAMPLE), "--period", GOLDEN_PERIOD, "--out", str(out), "--today", GOLDEN_TODAY])
    if status != 0:
        raise SystemExit(f"the sample's report failed with status {status}")
    return next(out.glob("*_lagesrapport_*.xlsx"))


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        text = snapshot(sample_report(Path(folder)))
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    changed = not GOLDEN.exists() or GOLDEN.read_text(encoding="utf-8") != text
    GOLDEN.write_text(text, encoding="utf-8")
    print(f"{GOLDEN.relative_to(ROOT)} {'written' if changed else 'unchanged'}.")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
