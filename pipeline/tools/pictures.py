"""`make pictures`: the pictures in the README and the Swedish guide, made from the real output.

- `docs/tabell1.png`: Table 1 of the sample's report as LibreOffice prints it.
- `docs/mall.png`: the `Deltagare` sheet of the coaches' template, with three rows filled in.
- `docs/felbok.png`: the `Fel` sheet of the error workbook of a register with three mistakes.
- `docs/webbsida.png`: the web page with the sample's report, as headless Chromium shows it.
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

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "input_samples" / "navigator_register.xlsx"
PLUS_SAMPLE = ROOT / "input_samples" / "vagen_vidare_register.xlsx"
DOCS = ROOT / "docs"
RESOLUTION, PAD_X, PAD_Y = 110, 30, 6  # pixels per inch of a printed sheet; points of margin around its text


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
            driver.find_element(By.ID, "fil").send_keys(str(SAMPLE))
            driver.find_element(By.ID, "skapa").click()
            WebDriverWait(driver, 60).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#resultat .ruta")))
            height = driver.execute_script("return document.body.scrollHeight")
            driver.set_window_size(1200, min(height + 40, 2600))
            driver.save_screenshot(str(target))
        finally:
            driver.quit()


def filled_template(folder: Path) -> Path:
    """The template with the sample's first rows typed in, as a coach starts."""
    import openpyxl

    from pipeline import run

    path = run.template(folder)
    sample = openpyxl.load_workbook(SAMPLE)["Deltagare"]
    wb = openpyxl.load_workbook(path)
    for r, row in enumerate(sample.iter_rows(min_row=2, max_row=4, values_only=True), start=2):
        for c, value in enumerate(row, start=1):
            cell = wb["Deltagare"].cell(r, c, value)
            if hasattr(value, "year"):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def invalid_register(folder: Path) -> Path:
    """The sample with three mistakes a coach makes: an unknown code, an exit without a reason, an
    impossible date."""
    import openpyxl

    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Deltagare"]
    ws["B3"] = "Kvinna?"
    exited = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 7).value is not None)
    ws.cell(exited, 8).value = None
    ws["F6"] = "2009-02-30"
    path = folder / "navigator_register.xlsx"
    wb.save(path)
    return path


def main() -> int:
    from pipeline import run

    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        outcome = run.report(SAMPLE, "2009-05-01..2009-06-30", folder / "ut")
        sheet_picture(outcome.written[0], "Tabell 1", DOCS / "tabell1.png", folder)
        sheet_picture(filled_template(folder / "mall"), "Deltagare", DOCS / "mall.png", folder)
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
