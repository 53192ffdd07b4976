"""The web page in a real browser: Debian's Chromium, driven by Selenium, against the page on loopback.

Upload the sample register, read Table 1 off the page, download the report through the
browser and check its figures; upload an invalid register and read the problem table;
upload junk. Where Chromium and its driver are not installed the tests are skipped, and
the test run says so loudly (see `conftest.py`), with the command that installs them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from conftest import CHROMIUM, SAMPLE, person, write_register

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium saknas: apt-get install -y chromium chromium-driver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from pipeline.tools.browsing import chromium

    downloads = tmp_path_factory.mktemp("hamtat")
    driver = chromium(tmp_path_factory.mktemp("profil"), downloads=downloads)
    driver.downloads = downloads
    yield driver
    driver.quit()


def send(browser, web, path: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(web.url + "/")
    browser.find_element(By.ID, "fil").send_keys(str(path))
    button = browser.find_element(By.ID, "skapa")
    assert button.is_enabled()
    button.click()
    return WebDriverWait(browser, 60).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#resultat .ruta")))


def test_upload_read_table_1_and_download_the_report(browser, web):
    from selenium.webdriver.common.by import By

    box = send(browser, web, SAMPLE)
    assert box.find_element(By.TAG_NAME, "h2").text == "Rapporten för Navigator är klar."
    rows = browser.find_elements(By.CSS_SELECTOR, "table.tabell1 tr")
    cells = [[c.text for c in row.find_elements(By.CSS_SELECTOR, "th, td")] for row in rows]
    assert cells[0][:3] == ["Tabell 1:", "Jan", "Feb"] and cells[1][:3] == ["Deltagare respektive månad", "kv", "m"]
    options = [o.text for o in browser.find_elements(By.CSS_SELECTOR, "#period option")]
    assert len(options) == 6 and browser.find_element(By.ID, "period").get_attribute("value") == "2009-05-01..2009-06-30"
    link = browser.find_element(By.LINK_TEXT, "Navigator_lagesrapport_090501-090630.xlsx")
    link.click()
    target = browser.downloads / "Navigator_lagesrapport_090501-090630.xlsx"
    for _ in range(100):
        if target.exists():
            break
        time.sleep(0.1)
    sheet = openpyxl.load_workbook(target, data_only=True)["Tabell 1"]
    page = {row[0]: row[1:] for row in cells[2:]}
    for r in range(3, 9):
        assert [int(sheet.cell(r, c).value) for c in range(2, 14)] == [int(v) for v in page[sheet.cell(r, 1).value]]


def test_an_invalid_register_shows_its_problem_table(browser, web, tmp_path: Path):
    from selenium.webdriver.common.by import By

    path = write_register(tmp_path / "fel.xlsx", [person(kon="X"), person("P2", utskriven="2009-03-01")])
    box = send(browser, web, path)
    assert box.find_element(By.TAG_NAME, "h2").text == "Registret behöver rättas"
    rows = [[c.text for c in r.find_elements(By.TAG_NAME, "td")]
            for r in browser.find_elements(By.CSS_SELECTOR, "table.problem tr")[1:]]
    assert rows[0][:3] == ["Fel", "Deltagare!B2", "X"]
    assert rows[1][:2] == ["Fel", "Deltagare!H3"] and "Utskrivningsorsak saknas" in rows[1][3]
    assert browser.find_element(By.LINK_TEXT, "fel_INTERNT_fel.xlsx").get_attribute("href").startswith(web.url)


def test_junk_gets_a_message_and_the_page_stays_usable(browser, web, tmp_path: Path):
    from selenium.webdriver.common.by import By

    junk = tmp_path / "skrap.xlsx"
    junk.write_text("inte en arbetsbok")
    box = send(browser, web, junk)
    assert box.find_element(By.TAG_NAME, "h2").text == "Registret kunde inte läsas"
    assert "kan inte läsas som en arbetsbok" in box.text
    assert send(browser, web, SAMPLE).find_element(By.TAG_NAME, "h2").text.startswith("Rapporten för")


def test_chromium_is_the_debian_package():
    assert shutil.which("chromium") == CHROMIUM[0]


def test_on_the_network_a_person_logs_in_uploads_and_downloads(tmp_path_factory):
    """The page as IT hosts it: the login form, then the upload and a download bound to the browser's session."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from conftest import Server
    from pipeline.tools.browsing import chromium
    from pipeline.web.guard import Access

    server = Server(workers=1, access=Access(token="kommunens-lösen", sessions=True))
    downloads = tmp_path_factory.mktemp("hamtat_natet")
    driver = chromium(tmp_path_factory.mktemp("profil_natet"), downloads=downloads)
    try:
        driver.get(server.url + "/")
        assert driver.current_url == server.url + "/inloggning"
        driver.find_element(By.ID, "token").send_keys("fel")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        # the page source, not an element: the page is replaced while it is waited for
        WebDriverWait(driver, 30).until(lambda d: "Lösenordet stämmer inte" in d.page_source)
        driver.get(server.url + "/inloggning")
        driver.find_element(By.ID, "token").send_keys("kommunens-lösen")
        driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(driver, 30).until(lambda d: d.current_url == server.url + "/")  # the page, once logged in
        driver.downloads = downloads
        box = send(driver, server, SAMPLE)
        assert box.find_element(By.TAG_NAME, "h2").text == "Rapporten för Navigator är klar."
        driver.find_element(By.LINK_TEXT, "Navigator_lagesrapport_090501-090630.xlsx").click()
        target = downloads / "Navigator_lagesrapport_090501-090630.xlsx"
        for _ in range(100):
            if target.exists():
                break
            time.sleep(0.1)
        assert openpyxl.load_workbook(target)["Tabell 1"]
    finally:
        driver.quit()
        server.stop()


def test_the_page_leads_with_the_esf_plus_template_and_names_both(browser, web):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(web.url + "/")
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "header a")]
    assert links == ["Registermall för ESF+ 2021-2027", "Registermall för ESF 2007-2013"]
    where = browser.find_element(By.ID, "var-registret-finns")
    WebDriverWait(browser, 10).until(lambda d: where.text.startswith("Webbsidan körs på den här datorn"))


def test_by_keyboard_alone_one_visible_control_chooses_the_file(browser, web):
    """Tab from the top: every stop is on screen with a focus ring; the file is chosen by one button, which a
    screen reader announces with the drop zone's text; the hidden file input takes no stop."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1200, 900)
    browser.get(web.url + "/")
    stops = []
    for _ in range(8):  # bounded: the page has four stops before the disabled button
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
        if focused.tag_name == "body":
            break
        ident = focused.get_attribute("id") or focused.tag_name
        if ident in stops:
            break
        stops.append(ident)
        inside = browser.execute_script(
            "const r = arguments[0].getBoundingClientRect();"
            "return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth;", focused)
        ring = browser.execute_script("return getComputedStyle(arguments[0]).outlineStyle;", focused)
        assert inside and ring != "none", (ident, inside, ring)
    assert stops[:4] == ["mall-plus", "mall", "valj", "summary"], stops
    assert "fil" not in stops
    button = browser.find_element(By.ID, "valj")
    assert button.tag_name == "button" and button.text == "Välj registerfil"
    described = [browser.find_element(By.ID, i).text for i in button.get_attribute("aria-describedby").split()]
    assert described[0].startswith("Dra registerfilen hit")


def test_warnings_are_counted_in_the_heading_and_shown_before_the_tables(browser, web, tmp_path: Path):
    from selenium.webdriver.common.by import By

    rows = [person("P1", inskriven="2009-01-10", utskriven="2011-05-30", orsak="1"), person("P2")]
    path = write_register(tmp_path / "varning.xlsx", rows, perioder=[("2008-05-01", "2011-06-30")])
    send(browser, web, path)
    boxes = browser.find_elements(By.CSS_SELECTOR, "#resultat .ruta")
    headings = [b.find_element(By.TAG_NAME, "h2").text for b in boxes]
    assert headings[0] == "Rapporten för Navigator är klar, med en varning att se över."
    assert headings[1].startswith("Att se över: en varning")
    assert headings.index("Tabell 1") > 1  # the tables after the warnings
    assert sum(h == "Varningar och notiser" for h in headings) == 0  # said once, as the count
    assert "Hämta filerna" in boxes[0].text


def test_at_phone_width_nothing_spills_off_the_screen(browser, web, tmp_path: Path):
    from selenium.webdriver.common.by import By

    browser.set_window_size(400, 900)
    try:
        long_name = tmp_path / ("Registret_for_projektet_med_ett_mycket_langt_namn_" * 2 + ".xlsx")
        write_register(long_name, [person(kon="X", coach="Coach " + "Långnamn" * 12), person("P2", orsak="9")])
        for path in (long_name, SAMPLE):
            send(browser, web, path)
            width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth];")
            assert width[0] <= width[1], (path.name, width)
        tips = [t.is_displayed() for t in browser.find_elements(By.CSS_SELECTOR, ".rulla-tips")]
        assert tips == [True]  # Table 1 scrolls sideways, and says so
        browser.set_window_size(1400, 900)
        browser.execute_script("window.dispatchEvent(new Event('resize'))")
        assert [t.is_displayed() for t in browser.find_elements(By.CSS_SELECTOR, ".rulla-tips")] == [False]
    finally:
        browser.set_window_size(1200, 900)


def test_the_previous_report_and_worklist_added_to_the_upload_give_changes_and_months(browser, web, tmp_path: Path):
    """Downloaded from a first upload, given with a corrected register: Ändringar and the months for SCB."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    first = write_register(tmp_path / "register.xlsx", [person("P1", inskriven="2009-05-10"), person("P2")])
    send(browser, web, first)
    earlier = []
    for name in ("Navigator_lagesrapport_090501-090630.xlsx", "Navigator_INTERNT_uppfoljning_90_dagar_090501-090630.xlsx"):
        browser.find_element(By.LINK_TEXT, name).click()
        target = browser.downloads / name
        for _ in range(100):
            if target.exists() and target.stat().st_size:
                break
            time.sleep(0.1)
        earlier.append(target)
    again = write_register(tmp_path / "register_rattat.xlsx", [person("P1", inskriven="2009-05-12"), person("P2"),
                                                               person("P3", inskriven="2009-03-03")])
    browser.get(web.url + "/")
    browser.find_element(By.CSS_SELECTOR, "#jamfor summary").click()
    browser.find_element(By.ID, "tidigare").send_keys("\n".join(str(p) for p in earlier))
    browser.find_element(By.ID, "fil").send_keys(str(again))
    browser.find_element(By.ID, "skapa").click()
    box = WebDriverWait(browser, 60).until(
        lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "#resultat .ruta")
                        if b.find_element(By.TAG_NAME, "h2").text == "Jämfört med tidigare filer"), None))
    said = box.text
    assert "Ändringar mot Navigator_lagesrapport_090501-090630.xlsx" in said
    assert "Månaden 2009-03 har ändrats sedan underlaget 090630" in said and "Månaden 2009-05" in said
    assert "P3" not in said and "P1" not in said
