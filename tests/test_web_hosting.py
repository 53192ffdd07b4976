"""The page as IT hosts it, against real servers on loopback: host names (DNS rebinding played by a
`Host` header), another origin (a second local server on another port), the token and its session,
the proxy's headers, a worker killed with SIGKILL mid-report, Swedish answers to malformed requests,
and a flood of slow connections."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import HTTPServer, SimpleHTTPRequestHandler
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, SAMPLE, Server, spawned_workers
from pipeline.web.app import Download, Store
from pipeline.web.guard import SESSION_COOKIE, Access
from pipeline.web.work import UPLOAD_PREFIX

FILE = {"fil": ("register.xlsx", SAMPLE.read_bytes(), "application/octet-stream")}


@pytest.fixture(scope="module")
def guarded():
    server = Server(workers=1, access=Access(token="hemligt-lösen", sessions=True, hosts=("esf.kommun.se",)),
                    uvicorn_options={"proxy_headers": True, "forwarded_allow_ips": "127.0.0.1"})
    yield server
    server.stop()


def test_only_the_loopback_names_and_the_allowed_ones_are_answered(web):
    for host in ("attacker.example", "attacker.example:80", "127.0.0.1.nip.io", "[::2]"):
        refused = httpx.get(web.url + "/", headers={"Host": host})
        assert refused.status_code == 400, host
        assert "svarar inte på den här adressen" in refused.json()["meddelande"]
        assert "default-src 'none'" in refused.headers["content-security-policy"]
    for host in (f"127.0.0.1:{web.port}", f"localhost:{web.port}", "localhost"):
        assert httpx.get(web.url + "/", headers={"Host": host}).status_code == 200


def test_an_allowed_intranet_name_is_answered(guarded):
    assert httpx.get(guarded.url + "/inloggning", headers={"Host": "esf.kommun.se"}).status_code == 200
    assert httpx.get(guarded.url + "/inloggning", headers={"Host": "annan.kommun.se"}).status_code == 400


class _ForeignSite:
    """A second local server on another port: the page of another origin."""

    def __enter__(self):
        self.server = HTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        return self

    def __exit__(self, *exc):
        self.server.shutdown()


def test_a_post_from_another_origin_is_refused_in_swedish(web):
    with _ForeignSite() as foreign:
        assert httpx.get(foreign.origin + "/").status_code in (200, 404)  # it is a real site
        for headers in ({"Origin": foreign.origin}, {"Referer": foreign.origin + "/sida.html"}, {"Origin": "null"}):
            refused = httpx.post(web.url + "/rapport", files=FILE, headers=headers, timeout=60)
            assert refused.status_code == 403, headers
            assert refused.json()["meddelande"].startswith("Formuläret kom från en annan webbplats")
    same = httpx.post(web.url + "/rapport", files=FILE, headers={"Origin": web.url}, timeout=60)
    assert same.status_code == 200 and same.json()["status"] == "skriven"


def test_on_the_network_the_token_is_exchanged_for_a_session_and_downloads_are_bound_to_it(guarded):
    url = guarded.url
    assert httpx.get(url + "/").status_code == 303  # to the login page
    assert "Lösenord" in httpx.get(url + "/inloggning").text
    assert httpx.get(url + "/static/page.css").status_code == 200
    refused = httpx.post(url + "/rapport", files=FILE, timeout=60)
    assert refused.status_code == 401 and "inte inloggad" in refused.json()["meddelande"]
    assert httpx.get(url + "/mall").status_code == 401
    assert httpx.get(url + "/?token=fel").status_code == 403
    wrong = httpx.post(url + "/inloggning", data={"token": "fel"}, headers={"Origin": url})
    assert wrong.status_code == 403 and "Lösenordet stämmer inte" in wrong.text and 'href="/inloggning"' in wrong.text
    assert "default-src 'none'" in wrong.headers["content-security-policy"]

    login = httpx.get(url + "/?token=hemligt-lösen")
    assert login.status_code == 303 and login.headers["location"] == "/"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie  # plain HTTP here
    with httpx.Client(base_url=url, cookies=login.cookies, timeout=60) as anna:
        assert anna.get("/").status_code == 200
        answer = anna.post("/rapport", files=FILE, headers={"Origin": url}).json()
        assert answer["status"] == "skriven"
        address = answer["filer"][0]["adress"]
        assert anna.get(address).status_code == 200
    by_form = httpx.post(url + "/inloggning", data={"token": "hemligt-lösen"}, headers={"Origin": url})
    assert by_form.status_code == 303
    with httpx.Client(base_url=url, cookies=by_form.cookies) as other:
        assert other.get(address).status_code == 404  # another session's download
    assert httpx.get(url + address).status_code == 401
    assert httpx.get(url + address, cookies={SESSION_COOKIE: "gissat"}).status_code == 401


def test_behind_single_sign_on_every_browser_gets_a_session_of_its_own():
    server = Server(workers=1, access=Access(token=None, sessions=True))  # --proxy ... --utan-losenord
    try:
        with httpx.Client(base_url=server.url, timeout=60) as anna, httpx.Client(base_url=server.url) as bo:
            first = anna.get("/")
            assert first.status_code == 200 and SESSION_COOKIE in first.headers["set-cookie"]
            answer = anna.post("/rapport", files=FILE).json()
            assert anna.get(answer["filer"][0]["adress"]).status_code == 200
            assert bo.get(answer["filer"][0]["adress"]).status_code == 404
    finally:
        server.stop()


def test_behind_a_trusted_https_proxy_the_cookie_is_secure(guarded):
    login = httpx.get(guarded.url + "/?token=hemligt-lösen", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" in login.headers["set-cookie"]


def _upload_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob(f"{UPLOAD_PREFIX}{os.getpid()}-*"))


def _kill_the_worker_once_it_has_the_register(before: set[Path], times: int) -> None:
    """SIGKILL the worker process that is reporting, `times` times (each once the register is on disk)."""
    for _ in range(times):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            holding = [f for f in _upload_folders() - before if any(f.glob("*.xlsx"))]
            if holding:
                break
            time.sleep(0.01)
        workers = sorted(spawned_workers())
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.3)
        while any(any(f.glob("*.xlsx")) for f in _upload_folders() - before):  # emptied for the retry
            time.sleep(0.01)
            if time.monotonic() > deadline:
                break


def test_a_worker_killed_mid_report_leaves_nothing_on_disk():
    """Killed once, the upload is tried again and reported; killed twice, it is answered in Swedish. Either way
    the server, which outlives its workers, removes the upload's folder."""
    before = _upload_folders()
    server = Server(workers=1)
    try:
        for kills, status in ((1, "skriven"), (2, "fel")):
            answers = []
            sender = threading.Thread(target=lambda: answers.append(httpx.post(server.url + "/rapport", files=FILE,
                                                                               timeout=180)))
            sender.start()
            _kill_the_worker_once_it_has_the_register(before, kills)
            sender.join(timeout=180)
            assert answers and answers[0].json()["status"] == status, kills
            if status == "fel":
                assert answers[0].json()["meddelande"].startswith("Registret kunde inte läsas: verktyget avbröts")
            assert _upload_folders() - before == set()
        assert httpx.post(server.url + "/rapport", files=FILE, timeout=120).json()["status"] == "skriven"
    finally:
        server.stop()


def test_an_upload_beside_one_whose_worker_is_killed_is_still_reported(tmp_path: Path):
    """Two uploads on two workers; one worker is killed mid-report, which breaks the whole pool: both uploads are
    tried again in a new one and reported. The registers are large enough (some seconds each) to be under way
    together: the sample is reported before the second upload has arrived."""
    from pipeline.tools.sample import generate, write_register

    large = write_register(generate(40_000), tmp_path / "stort.xlsx").read_bytes()
    files = {"fil": ("register.xlsx", large, "application/octet-stream")}
    before = _upload_folders()
    server = Server(workers=2)
    try:
        answers = []
        senders = [threading.Thread(target=lambda: answers.append(httpx.post(server.url + "/rapport", files=files,
                                                                             timeout=180))) for _ in range(2)]
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len([f for f in _upload_folders() - before if any(f.glob("*.xlsx"))]) < 2:
            time.sleep(0.005)
        os.kill(min(spawned_workers()), signal.SIGKILL)
        for sender in senders:
            sender.join(timeout=180)
        assert [a.json()["status"] for a in answers] == ["skriven", "skriven"]
        assert _upload_folders() - before == set()
    finally:
        server.stop()


def test_a_restarted_server_sweeps_the_folders_of_one_that_was_killed_and_trusts_no_proxy_unasked():
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{gone.stdout.strip()}-"))
    (stale / "register.xlsx").write_bytes(b"personuppgifter")
    live = Path(tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-"))  # this process's: still in use
    server = Server(workers=1, access=Access(token="t", sessions=True))  # no proxy named: proxy_headers off
    try:
        assert not stale.exists() and live.exists()
        login = httpx.get(server.url + "/?token=t", headers={"X-Forwarded-Proto": "https"})
        assert login.status_code == 303 and "Secure" not in login.headers["set-cookie"]
    finally:
        server.stop()
        live.rmdir()


def test_malformed_and_oversized_requests_are_answered_in_swedish_with_the_security_headers(web):
    cases = [
        (httpx.post(web.url + "/rapport", content=b"--x\r\nskrap", timeout=30,
                    headers={"Content-Type": "multipart/form-data"}), 400, "kom inte fram som en fil"),
        (httpx.post(web.url + "/rapport", content=b"--x\r\nskrap", timeout=30,
                    headers={"Content-Type": "multipart/form-data; boundary=x"}), 400, "Välj en registerfil"),
        (httpx.post(web.url + "/rapport", content=b"a=b", timeout=30,
                    headers={"Content-Type": "application/x-www-form-urlencoded"}), 400, "Välj en registerfil"),
        (_declared_too_large(web), 413, "Filen är för stor"),
        (httpx.post(web.url + "/rapport", files=FILE, data={"period": "2009" * 250}, timeout=60), 400,
         "Rapportperioden ska skrivas FRÅN..TILL"),
        (httpx.post(web.url + "/rapport", files=FILE, data={"period": "2009" * 1_250_000}, timeout=60), 400,
         "kom inte fram som en fil"),
    ]
    for response, status, message in cases:
        assert response.status_code == status and message in response.json()["meddelande"], response.text[:200]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert len(response.content) < 2000  # nothing echoed back


def _declared_too_large(web) -> httpx.Response:
    """A POST that declares a body beyond the limit (sent by hand: httpx sends no body shorter than declared)."""
    with socket.create_connection(("127.0.0.1", web.port), timeout=30) as connection:
        connection.sendall(b"POST /rapport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; "
                           b"boundary=x\r\nContent-Length: 999999999\r\nConnection: close\r\n\r\n--x")
        raw = b""
        while chunk := connection.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return httpx.Response(int(lines[0].split()[1]), headers=headers, content=body)


def test_the_store_of_finished_files_is_capped_oldest_first():
    store = Store(keep_seconds=600, keep_bytes=2_500)
    tokens = [store.put([Download(f"{i}.xlsx", b"x" * 1_000)]) for i in range(4)]
    assert [store.get(t, 0) is not None for t in tokens] == [False, False, True, True]
    assert store.held() <= 2_500


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serving(port: int, *options: str, **popen) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--port", str(port), *options], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    for _ in range(600):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(process.communicate(timeout=10))


def test_slow_and_dropped_connections_are_closed_quietly_and_a_normal_request_is_answered():
    port = _free_port()
    process = _serving(port, "--sidhuvud-sekunder", "1", "--kropp-sekunder", "2")
    slow = []
    try:
        for _ in range(300):  # a request whose headers never end
            connection = socket.create_connection(("127.0.0.1", port))
            connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Langsam: ")
            slow.append(connection)
        time.sleep(2)
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        for connection in slow[:20]:
            connection.settimeout(5)
            assert connection.recv(100) == b""  # closed by the server
        for _ in range(20):  # a client that drops its upload half-way
            with socket.create_connection(("127.0.0.1", port)) as connection:
                connection.sendall(b"POST /rapport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
                                   b"Content-Type: multipart/form-data; boundary=x\r\n\r\n--x\r\nContent-Disposition: "
                                   b"form-data; name=\"fil\"; filename=\"r.xlsx\"\r\n\r\nPK")
        with socket.create_connection(("127.0.0.1", port)) as trickle:  # headers in time, the body never whole
            trickle.sendall(b"POST /rapport HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\nContent-Type: "
                            b"multipart/form-data; boundary=x\r\n\r\n--x\r\n")
            trickle.settimeout(10)
            started = time.monotonic()
            assert trickle.recv(100) == b"" and time.monotonic() - started < 8
    finally:
        for connection in slow:
            connection.close()
        process.send_signal(signal.SIGINT)
        printed, errors = process.communicate(timeout=60)
    assert errors.strip() == "", errors[-2000:]  # no traceback for a slow or dropped client, nothing logged
    assert printed.rstrip().endswith("Webbsidan är stoppad.")


def test_running_out_of_open_files_logs_a_few_lines_and_the_page_recovers():
    import resource

    port = _free_port()
    process = _serving(port, preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (160, 160)))
    held = []
    try:
        for _ in range(400):
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        time.sleep(1.5)
        for connection in held:
            connection.close()
        time.sleep(1.2)  # asyncio waits a second before it accepts again
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        printed, errors = process.communicate(timeout=60)
    assert 1 <= errors.count("Too many open files") <= 3, errors[-3000:]  # once a minute, not once a connection


def test_serving_on_the_network_prints_the_token_and_asks_for_it(capsys):
    """`esf-rapport serve --host` on an address that is not loopback's name (127.0.0.2 plays the intranet's)."""
    from pipeline.cli import main

    assert main(["serve", "--utan-losenord"]) == 2
    assert "--utan-losenord går bara tillsammans med --proxy" in capsys.readouterr().err
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--host", "127.0.0.2", "--port", str(port),
                                "--tillat-vard", "esf.kommun.se"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True,
                               env={k: v for k, v in os.environ.items() if k != "ESF_WEBB_TOKEN"})
    try:
        printed = ""
        while "?token=" not in printed:  # the lines come before the page answers
            line = process.stdout.readline()
            assert line, process.communicate(timeout=10)
            printed += line
        address = printed.split("Öppna den med ")[1].split()[0]
        assert address.startswith(f"http://127.0.0.2:{port}/?token=") and len(address.split("=")[1]) >= 32
        assert "Webbsidan svarar på adresserna 127.0.0.1, localhost och esf.kommun.se, 127.0.0.2." in printed
        base = f"http://127.0.0.2:{port}"
        for _ in range(600):
            try:
                first = httpx.get(base + "/", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert first.status_code == 303 and first.headers["location"] == "/inloggning"
        login = httpx.get(address)
        assert login.status_code == 303 and SESSION_COOKIE in login.headers["set-cookie"]
        assert httpx.get(base + "/", cookies=login.cookies).status_code == 200
        assert httpx.get(base + "/", cookies=login.cookies, headers={"Host": "esf.kommun.se"}).status_code == 200
        assert httpx.get(base + "/", cookies=login.cookies, headers={"Host": "annan.example"}).status_code == 400
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=60)
