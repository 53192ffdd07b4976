"""`make pictures`: the pictures in the README and the Swedish guide, made from the real output.

- `docs/tabell1.png`: Table 1 of the sample's report as LibreOffice prints it.
- `docs/mall.png`: the `Deltagare` sheet of the ESF+ template with three rows filled in, one cell chosen, and
  that cell's dropdown and input message as the template declares them (drawn by Chromium from the template's
  own cells and data validation: LibreOffice prints neither).
- `docs/felbok.png`: the `Fel` sheet of the error workbook of a register with five mistakes.
- `docs/webbsida.png`: the web page with the ESF+ sample's report, as headless Chromium shows it.
- `docs/indikatorer.png`: the `Indikatorer` sheet of the ESF+ sample's report as LibreOffice prints it.

Needs LibreOffice (`libreoffice-calc-nogui`), poppler (`pdftoppm`) and Chromium with its driver
(`chromium`, `chromium-driver`), all Debian packages.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from pipeline.tools.browsing import chromium, served
from pipeline.write.style import HEADER as HEADER_COLOUR

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "input_samples" / "navigator_register.xlsx"
PLUS_SAMPLE = ROOT / "input_samples" / "vagen_vidare_register.xlsx"
DOCS = ROOT / "docs"
RESOLUTION, PAD_X, PAD_Y = 150, 30, 8  # pixels per inch of a printed sheet; points of margin around its text


def sheet_picture(workbook: Path, sheet: str, target: Path, folder: Path) -> None:
    """One sheet of a workbook printed by LibreOffice, its first page as a PNG."""
    import openpyxl

    wb = openpyxl.load_workbook(workbook)
    for name in wb.sheetnames:
        if name != sheet:
            del wb[name]
    single = folder / f"{sheet.replace(' ', '_')}.xlsx"
    wb.save(single)
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(single)],
                   check=True, capture_output=True, timeout=180)
    pdf = single.with_suffix(".pdf")
    # the page cropped to its text, by the words' boxes (in points) that pdftotext reports
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], check=True,
                           capture_output=True, text=True, timeout=60).stdout
    words = [tuple(float(v) for v in found) for found in re.findall(
        r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', boxes)]
    words = [w for w in words if 40 < w[1] < 540]  # the sheet's text, not its page header and footer
    left, top = min(w[0] for w in words) - PAD_X, min(w[1] for w in words) - PAD_Y
    right, bottom = max(w[2] for w in words) + PAD_X, max(w[3] for w in words) + PAD_Y
    scale = RESOLUTION / 72
    crop = [str(round(v * scale)) for v in (left, top, right - left, bottom - top)]
    subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", "1", "-l", "1", "-singlefile",
                    "-x", crop[0], "-y", crop[1], "-W", crop[2], "-H", crop[3], str(pdf),
                    str(target.with_suffix(""))], check=True, timeout=60)


def page_picture(target: Path, folder: Path) -> None:
    """The web page after the sample register was sent, as headless Chromium shows it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    with served() as url:
        driver = chromium(folder / "profil", window=(1200, 1700))
        try:
            driver.get(url + "/")
            driver.find_element(By.ID, "fil").send_keys(str(PLUS_SAMPLE))
            driver.find_element(By.ID, "skapa").click()
            WebDriverWait(driver, 60).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#resultat .ruta")))
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1200, min(height + 40, 2600))
            driver.save_screenshot(str(target))
        finally:
            driver.quit()


def template_picture(target: Path, folder: Path) -> None:
    """The ESF+ template's `Deltagare` with the sample's first rows typed in and the cell of
    `Utbildningsnivå` on the fifth row chosen: its dropdown and input message, taken from the template's
    own data validation, drawn as a spreadsheet shows them."""
    import html

    import openpyxl

    from pipeline import run

    path = run.template(folder, "2021-2027")
    ws = openpyxl.load_workbook(path)["Deltagare"]
    sample = openpyxl.load_workbook(PLUS_SAMPLE)["Deltagare"]
    shown = 7  # the columns up to Utbildningsnivå
    headers = [ws.cell(1, c).value for c in range(1, shown + 1)]
    rows = [["" if v is None else f"{v:%Y-%m-%d}" if hasattr(v, "year") else str(v) for v in row[:shown]]
            for row in sample.iter_rows(min_row=2, max_row=4, values_only=True)]
    column = headers.index("Utbildningsnivå")
    rule = next(dv for dv in ws.data_validations.dataValidation if dv.promptTitle == "Utbildningsnivå")
    choices = rule.formula1.strip('"').split(",")
    cells = "".join(f"<th>{chr(65 + c)}</th>" for c in range(shown))
    body = "<tr><td class=n>1</td>" + "".join(f"<td class=h>{html.escape(h)}</td>" for h in headers) + "</tr>"
    for r, row in enumerate(rows + [[""] * shown], start=2):
        body += f"<tr><td class=n>{r}</td>" + "".join(
            f"<td class={'vald' if (r, c) == (5, column) else 'c'}>{html.escape(v)}"
            + (_popups(choices, rule.promptTitle, rule.prompt) if (r, c) == (5, column) else "") + "</td>"
            for c, v in enumerate(row)) + "</tr>"
    page = folder / "mall.html"
    page.write_text(f"""<!DOCTYPE html><html lang="sv"><meta charset="utf-8"><style>
body {{ font: 13px Arial, sans-serif; margin: 12px; background: #fff; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #c8c8c8; padding: 3px 8px; height: 18px;
  white-space: nowrap; position: relative; }}
th, td.n {{ background: #efefef; color: #555; font-weight: normal; text-align: center; }}
td.h {{ background: #{HEADER_COLOUR}; font-weight: bold; }} td.vald {{ outline: 2px solid #217346; min-width: 150px; }}
.lista {{ position: absolute; left: -1px; top: 24px; background: #fff; border: 1px solid #888; z-index: 2;
  box-shadow: 2px 2px 4px #aaa; }} .lista div {{ padding: 3px 8px; }} .lista div:first-child {{ background: #cce4f7; }}
.pil {{ position: absolute; right: -22px; top: -1px; width: 18px; height: 24px; border: 1px solid #888;
  background: #eee; text-align: center; line-height: 24px; }}
.meddelande {{ position: absolute; left: -430px; top: 24px; width: 400px; white-space: normal; background: #ffffe1;
  border: 1px solid #888; padding: 6px 8px; z-index: 2; box-shadow: 2px 2px 4px #aaa; }}
</style><table id=blad><tr><th></th>{cells}</tr>{body}</table></html>""",
                    encoding="utf-8")
    driver = chromium(folder / "profil_mall", window=(1200, 520))
    try:
        driver.get(page.as_uri())
        driver.save_screenshot(str(target))
    finally:
        driver.quit()


def _popups(choices: list[str], title: str, prompt: str) -> str:
    import html

    listed = "".join(f"<div>{html.escape(c)}</div>" for c in choices)
    return (f"<span class=pil>▾</span><div class=lista>{listed}</div>"
            f"<div class=meddelande><b>{html.escape(title)}</b><br>{html.escape(prompt)}</div>")


def invalid_register(folder: Path) -> Path:
    """The sample with five mistakes a coach makes: an unknown code, an exit without a reason, an impossible
    date, a place of birth that is no code, and a birth date a century wrong."""
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Deltagare"]
    ws["B3"] = "Kvinna?"
    exited = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 7).value is not None)
    ws.cell(exited, 8).value = None
    ws["F6"] = "2009-02-30"
    ws["D8"] = "Norden"  # Född: neither Inrikes nor Utrikes
    ws["C10"] = "1893-05-12"  # a birth date a century too early
    path = folder / "navigator_register.xlsx"
    wb.save(path)
    return path


def main() -> int:
    from pipeline import run

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        outcome = run.report(SAMPLE, "2009-05-01..2009-06-30", folder / "ut")
        sheet_picture(outcome.written[0], "Tabell 1", DOCS / "tabell1.png", folder)
        (folder / "mall").mkdir()
        template_picture(DOCS / "mall.png", folder / "mall")
        errors = run.report(invalid_register(folder), "2009-05-01..2009-06-30", folder / "fel")
        sheet_picture(next(p for p in errors.written if p.suffix == ".xlsx"), "Fel", DOCS / "felbok.png", folder)
        page_picture(DOCS / "webbsida.png", folder)
        plus = run.report(PLUS_SAMPLE, "2026-01-01..2026-06-30", folder / "plus")
        sheet_picture(plus.written[0], "Indikatorer", DOCS / "indikatorer.png", folder)
    print("Bilderna i docs/ är ritade: tabell1.png, mall.png, felbok.png, webbsida.png och indikatorer.png.")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
