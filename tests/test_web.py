"""The web page over HTTP: every route, on real registers, against a real server (uvicorn on loopback).

The report the page hands out is opened and checked against what the page showed; an
invalid register's problems are the library's; junk and oversized files get the Swedish
message; two uploads at once each get their own files; nothing of an upload stays on disk.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import threading
import time
from pathlib import Path

import httpx
import openpyxl
import pytest

from conftest import ROOT, SAMPLE, Server, person, spawned_workers, write_register

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(web, path: Path, period: str | None = None, name: str | None = None) -> httpx.Response:
    data = {"period": period} if period else {}
    files = {"fil": (name or path.name, path.read_bytes(), "application/octet-stream")}
    return httpx.post(f"{web.url}/rapport", files=files, data=data, timeout=120)


def test_the_page_is_swedish_self_contained_and_strict(web):
    page = httpx.get(web.url + "/")
    assert page.status_code == 200 and '<html lang="sv">' in page.text
    assert "Skapa rapport" in page.text and page.text.index("Registermall för ESF+ 2021-2027") < page.text.index("Registermall för ESF 2007-2013")
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    for asset in ("/static/page.js", "/static/page.css"):
        response = httpx.get(web.url + asset)
        assert response.status_code == 200 and response.headers["content-security-policy"] == policy
        assert not re.search(r"https?://", response.text), asset  # nothing from another origin: works offline
    assert not re.search(r"(src|href)=\"https?://", page.text)
    assert "<script>" not in page.text and "style=" not in page.text  # no inline script or style


def test_a_valid_register_gives_its_figures_and_the_report_to_download(web):
    response = upload(web, SAMPLE)
    assert response.status_code == 200
    answer = response.json()
    assert answer["status"] == "skriven" and answer["projekt"] == "Navigator"
    assert answer["period"] == "2009-05-01 – 2009-06-30 (090501-090630)"  # the latest ended, as the CLI takes
    assert [p["vald"] for p in answer["perioder"]] == [False] * 5 + [True]
    table = answer["tabell1"]
    assert table["kolumner"] == ["Jan", "Feb", "Mars", "April", "Maj", "Juni"]
    report, worklist = answer["filer"]
    assert report["namn"] == "Navigator_lagesrapport_090501-090630.xlsx" and not report["internt"]
    assert worklist["internt"] and "INTERNT" in worklist["namn"]
    downloaded = httpx.get(web.url + report["adress"])
    assert downloaded.headers["content-type"] == XLSX
    assert f'filename="{report["namn"]}"' in downloaded.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(downloaded.content), data_only=True)["Tabell 1"]
    shown = {row["etikett"]: row["värden"] for row in table["rader"]}
    for r in range(3, 9):  # every group row and the per-gender sum, month by month, as the page showed them
        label = sheet.cell(r, 1).value
        assert [sheet.cell(r, c).value for c in range(2, 14)] == shown[label]
    assert [sheet.cell(9, c).value for c in range(2, 14, 2)] == shown["Summa"]
    assert {n["namn"]: n["värde"] for n in answer["nyckeltal"]}["Inskrivna sedan starten"] == 68


def test_an_esf_plus_register_gives_its_indicators_and_the_report_to_download(web):
    answer = upload(web, ROOT / "input_samples" / "vagen_vidare_register.xlsx").json()
    assert answer["status"] == "skriven" and answer["projekt"] == "Vägen vidare"
    table = answer["tabell1"]
    assert table["titel"] == "Indikatorer" and table["par"] == ["Kvinnor", "Män", "Ickebinära", "Totalt"]
    assert [row["etikett"][:6] for row in table["rader"]][:2] == ["EECO01", "EECO02"]
    report, worklist = answer["filer"]
    assert "_indikatorer_" in report["namn"] and not report["internt"] and worklist["internt"]
    sheet = openpyxl.load_workbook(io.BytesIO(httpx.get(web.url + report["adress"]).content))["Indikatorer"]
    shown = {row["etikett"][:6]: row["värden"] for row in table["rader"]}
    first = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "EECO01")
    assert [sheet.cell(first, c).value for c in (3, 4, 5, 7, 8, 9)] == [shown["EECO01"][i] for i in (0, 1, 2, 4, 5, 6)]
    headline = {n["namn"]: n["värde"] for n in answer["nyckeltal"]}
    assert headline["Deltagare sedan starten"] == shown["EECO01"][7]
    organisations = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "EECO18")
    assert shown["EECO18"] == [None, None, None, sheet.cell(organisations, 6).value,
                               None, None, None, sheet.cell(organisations, 10).value]  # no gender: the total alone
    assert headline["Organisationer som fått stöd, sedan starten"] == 14


def test_another_period_of_the_register_can_be_chosen(web):
    answer = upload(web, SAMPLE, period="2009-01-01..2009-02-28").json()
    assert answer["status"] == "skriven" and answer["period"].endswith("(090101-090228)")
    assert [p["vald"] for p in answer["perioder"]] == [False, False, False, True, False, False]


def test_an_invalid_register_lists_every_problem_and_its_marked_copy(web, tmp_path: Path):
    path = write_register(tmp_path / "fel.xlsx", [person(kon="X"), person("P2", utskriven="2009-03-01")])
    answer = upload(web, path).json()
    assert answer["status"] == "ogiltig"
    assert answer["meddelande"].startswith("Registret fel.xlsx har 2 fel; ingen rapport skrevs.")
    assert [(p["typ"], p["plats"], p["värde"]) for p in answer["problem"]] == [
        ("Fel", "Deltagare!B2", "X"), ("Fel", "Deltagare!H3", "")]
    assert answer["problem"][0]["meddelande"] == "Kön har ett värde som inte är tillåtet. Skriv K eller M."
    marked = next(f for f in answer["filer"] if f["namn"].endswith(".xlsx"))
    assert marked["namn"] == "fel_INTERNT_fel.xlsx" and marked["internt"]
    copy = openpyxl.load_workbook(io.BytesIO(httpx.get(web.url + marked["adress"]).content))
    assert copy.sheetnames[0] == "Fel" and "Kön" in copy["Deltagare"]["B2"].comment.text


@pytest.mark.parametrize("name, content, message", [
    ("inget.xlsx", b"detta ar ingen arbetsbok", "kan inte läsas som en arbetsbok"),
    ("tom.xlsx", b"", "är tom (0 byte)"),
    ("losen.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, "lösenordsskyddad"),
])
def test_junk_gets_the_clis_message_and_the_page_stays_usable(web, tmp_path: Path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    answer = upload(web, path).json()
    assert answer["status"] == "oläslig" and message in answer["meddelande"] and answer["filer"] == []
    assert upload(web, SAMPLE).json()["status"] == "skriven"


def test_a_file_beyond_the_limit_is_refused_in_swedish(tmp_path: Path):
    server = Server(workers=1, max_upload=10_000)
    try:
        response = upload(server, SAMPLE)  # 12 kB
        assert response.status_code == 413
        assert response.json()["meddelande"].startswith("Filen är för stor")
    finally:
        server.stop()


def test_a_download_is_gone_after_its_time(tmp_path: Path):
    server = Server(workers=1, keep_seconds=0)
    try:
        answer = upload(server, SAMPLE).json()
        gone = httpx.get(server.url + answer["filer"][0]["adress"])
        assert gone.status_code == 404 and "sparas i tio minuter" in gone.text
    finally:
        server.stop()


def test_two_uploads_at_once_each_get_their_own_files(web, tmp_path: Path):
    answers: list[dict] = [{}, {}]

    def send(i: int):
        answers[i] = upload(web, SAMPLE).json()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first, second = (a["filer"][0]["adress"] for a in answers)
    assert first != second
    assert all(httpx.get(web.url + address).status_code == 200 for address in (first, second))


def test_a_large_register_does_not_hold_up_a_small_one(web, tmp_path: Path):
    from pipeline.tools.sample import generate, write_register as write_sample

    large = write_sample(generate(40_000, seed=3, last_day="2011-04-30"), tmp_path / "stort.xlsx")
    finished: list[str] = []

    def send(path: Path, label: str):
        upload(web, path)
        finished.append(label)

    big = threading.Thread(target=send, args=(large, "stort"))
    big.start()
    send(SAMPLE, "litet")
    big.join()
    assert finished == ["litet", "stort"]


def test_the_template_link(web):
    response = httpx.get(web.url + "/mall")
    assert response.status_code == 200 and 'filename="registermall.xlsx"' in response.headers["content-disposition"]
    assert openpyxl.load_workbook(io.BytesIO(response.content)).sheetnames[1] == "Deltagare"
    plus = httpx.get(web.url + "/mall/esf-plus")
    assert plus.status_code == 200 and 'filename="registermall_2021-2027.xlsx"' in plus.headers["content-disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(plus.content))
    assert workbook.sheetnames == ["Instruktioner", "Deltagare", "Projekt", "Perioder", "Organisationer"]
    assert "Arbetsmarknadsstatus" in [c.value for c in workbook["Deltagare"][1]]
    assert 'href="/mall/esf-plus"' in httpx.get(web.url + "/").text


def test_nothing_of_an_upload_stays_on_disk(web, tmp_path: Path):  # (a killed worker: test_web_hosting)
    before = set(Path(tempfile.gettempdir()).glob("esf-webb-*"))
    upload(web, write_register(tmp_path / "r.xlsx", [person(kon="X")]))
    upload(web, SAMPLE)
    assert set(Path(tempfile.gettempdir()).glob("esf-webb-*")) == before


def test_a_filename_cannot_escape(web, tmp_path: Path):
    answer = upload(web, SAMPLE, name="../../etc/passwd.xlsx").json()
    assert answer["status"] == "skriven"
    assert not Path("/etc/passwd_INTERNT_fel.txt").exists()


def test_a_worker_that_died_while_idle_is_replaced_before_the_next_upload(tmp_path: Path):
    import os
    import signal

    before = spawned_workers()
    server = Server(workers=1)
    try:
        for pid in spawned_workers() - before:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)  # the pool notices
        assert upload(server, SAMPLE).json()["status"] == "skriven"  # the innocent upload: a new worker took it
        assert upload(server, SAMPLE).json()["status"] == "skriven"
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice saknas: apt-get install -y libreoffice-calc-nogui")
def test_the_page_gives_the_report_as_a_pdf_where_libreoffice_is_installed(web):
    answer = upload(web, SAMPLE).json()
    pdf = httpx.get(web.url + answer["pdf"], timeout=200)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert 'filename="Navigator_lagesrapport_090501-090630.pdf"' in pdf.headers["content-disposition"]
    assert httpx.get(web.url + answer["pdf"].replace("/0", "/7")).status_code == 404


def test_more_earlier_files_than_the_page_compares_with_are_refused_in_swedish(web):
    files = [("fil", ("register.xlsx", SAMPLE.read_bytes(), "application/octet-stream"))] + [
        ("tidigare", (f"r{i}.xlsx", b"PK", "application/octet-stream")) for i in range(5)]
    answer = httpx.post(f"{web.url}/rapport", files=files, timeout=60)
    assert answer.status_code == 400
    assert answer.json()["meddelande"].startswith("Välj högst 4 tidigare filer att jämföra med")
