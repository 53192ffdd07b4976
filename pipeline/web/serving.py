"""Starting the web page: its socket, the server, its limits, and (for `esf-rapport webb`) the browser.

The socket is bound before the server starts, so that a port in use is told in Swedish, and
`webb` can take another free port when 8000 is taken; the default browser is opened with the
standard library's `webbrowser` once the page answers.

On anything but loopback the page asks for a token (printed at start with the address that
holds it, or given by the operator in `ESF_WEBB_TOKEN`) and answers only the host names the
operator allows (`pipeline.web.guard`). Behind the municipality's HTTPS proxy, `--proxy ADDRESS`
trusts that proxy's `X-Forwarded-*` headers (never anyone's by default), and with single sign-on
in front the token can be left out (`--utan-losenord`, only together with `--proxy`).

A flood of connections does not stop it: at most `MAX_CONNECTIONS` at once (more are answered
503), a connection that has not sent its request's headers within `HEADER_SECONDS` or its body
within `BODY_SECONDS` is closed, the process may open as many files as the system lets it, and
each kind of failure is logged at most once a minute, with how many were left out.
"""

from __future__ import annotations

import logging
import os
import time

from pipeline.problems import UsageError
from pipeline.web.guard import LOOPBACK_HOSTS, Access

MAX_CONNECTIONS = 200
HEADER_SECONDS = 10.0
BODY_SECONDS = 300.0  # 50 MB over a slow line
LOG_EVERY_SECONDS = 60.0


class OncePerMinute(logging.Filter):
    """Each kind of log record (logger and message template) passes once a minute; the next one that passes
    says how many were left out."""

    def __init__(self, seconds: float = LOG_EVERY_SECONDS):
        super().__init__()
        self.seconds, self.last, self.left_out = seconds, {}, {}

    def filter(self, record: logging.LogRecord) -> bool:
        kind = (record.name, str(record.msg)[:200])
        now = time.monotonic()
        if now - self.last.get(kind, -self.seconds) < self.seconds:
            self.left_out[kind] = self.left_out.get(kind, 0) + 1
            return False
        self.last[kind] = now
        if self.left_out.get(kind):
            record.msg = f"{record.msg} (och {self.left_out.pop(kind)} likadana under den senaste minuten)"
        record.exc_info = record.exc_info if record.levelno >= logging.ERROR and kind not in self.left_out else None
        return True


def throttle_logs(seconds: float = LOG_EVERY_SECONDS) -> OncePerMinute:
    once = OncePerMinute(seconds)
    for name in ("uvicorn", "uvicorn.error", "asyncio"):
        logging.getLogger(name).addFilter(once)
    return once


def open_files_as_the_system_allows() -> None:
    """Raise the limit of open files to the hard limit (POSIX; Windows has no such limit to raise)."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))
        except (ValueError, OSError):
            pass


def timed_protocol(header_seconds: float, body_seconds: float):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request's headers or body come too slowly."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class Timed(H11Protocol):
        def connection_made(self, transport):
            super().connection_made(transport)
            self._deadline = self.loop.call_later(header_seconds, self._too_slow)
            self._waiting_for = "headers"

        def _too_slow(self):
            if not self.transport.is_closing():
                self.transport.close()

        def handle_events(self):
            super().handle_events()
            if self._waiting_for == "headers" and self.cycle is not None:
                self._deadline.cancel()
                self._deadline = self.loop.call_later(body_seconds, self._too_slow)
                self._waiting_for = "body"
            if self._waiting_for == "body" and self.cycle is not None and not self.cycle.more_body:
                self._deadline.cancel()
                self._waiting_for = ""

        def connection_lost(self, exc):
            self._deadline.cancel()
            super().connection_lost(exc)

    return Timed


def listening_socket(host: str, port: int, any_free: bool = False):
    """The page's socket, bound here so that a port in use is told in Swedish (`any_free`: another free port
    is taken instead)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        return socket.create_server((host, port), family=family)
    except OSError as exc:
        if any_free:
            return socket.create_server((host, 0), family=family)
        raise UsageError(f"Webbsidan kan inte starta på {host}, port {port}: porten används redan av ett annat "
                         f"program, eller adressen finns inte på den här datorn. Välj en annan port med --port. "
                         f"({exc.strerror or exc})") from None


def serve(host: str, port: int, open_browser: bool = False, allowed_hosts: tuple[str, ...] = (),
          proxy: str | None = None, without_token: bool = False, header_seconds: float = HEADER_SECONDS,
          body_seconds: float = BODY_SECONDS) -> None:
    import secrets
    import threading
    import webbrowser

    import uvicorn

    from pipeline.web.app import create_app

    network = host not in LOOPBACK_HOSTS
    if without_token and not proxy:
        raise UsageError("--utan-losenord går bara tillsammans med --proxy: utan lösenord måste kommunens proxy med "
                         "inloggning stå framför webbsidan.")
    token = None
    if network and not without_token:
        token = os.environ.get("ESF_WEBB_TOKEN") or secrets.token_urlsafe(24)
    own = () if host in ("0.0.0.0", "::") else (host,)
    access = Access(hosts=(*allowed_hosts, *own), token=token, sessions=network)
    sock = listening_socket(host, port, any_free=open_browser)
    port = sock.getsockname()[1]
    open_files_as_the_system_allows()
    throttle_logs()
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    if network:
        print(f"VARNING: webbsidan tar emot anslutningar från andra datorer ({host}). Register som laddas upp "
              "innehåller personuppgifter: använd bara ett skyddat nätverk, som kommunens intranät.")
        names = ", ".join(access.hosts) or "inga (ange datorns namn med --tillat-vard)"
        print(f"Webbsidan svarar på adresserna 127.0.0.1, localhost och {names}.")
        if token and "ESF_WEBB_TOKEN" not in os.environ:
            print(f"Lösenordet är {token}. Ge det bara till dem som ska använda webbsidan.")
    print(f"Webbsidan startar på {address} (avsluta med Ctrl+C).", flush=True)
    if token:
        print(f"Öppna den med {address}?token={token}", flush=True)
    # no access log: a path names no person, but nothing of an upload belongs in a log
    server = uvicorn.Server(uvicorn.Config(
        create_app(access=access), access_log=False, log_level="warning", http=timed_protocol(header_seconds,
                                                                                              body_seconds),
        limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5, proxy_headers=proxy is not None,
        forwarded_allow_ips=proxy or "", server_header=False))

    def open_when_started() -> None:
        deadline = time.monotonic() + 120  # the workers import pandas first: seconds on a slow computer
        while not server.started and not server.should_exit and time.monotonic() < deadline:
            time.sleep(0.1)
        if server.started:
            if not webbrowser.open(address):
                print(f"Öppna {address} i webbläsaren.", flush=True)

    if open_browser:
        threading.Thread(target=open_when_started, daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn has stopped the page, then passes Ctrl+C on
        pass
    print("Webbsidan är stoppad.", flush=True)


def add_arguments(serve, webb) -> None:
    """The command line's options of `serve` (the page for others) and `webb` (the page for oneself)."""
    import argparse

    serve.add_argument("--host", default="127.0.0.1", help="adressen att lyssna på (standard: 127.0.0.1, bara den "
                                                           "egna datorn)")
    serve.add_argument("--port", type=int, default=8000, help="porten (standard: 8000)")
    serve.add_argument("--tillat-vard", action="append", default=[], metavar="NAMN",
                       help="ett namn som webbsidan nås med i nätverket, t.ex. esf.kommun.se (kan upprepas)")
    serve.add_argument("--proxy", metavar="ADRESS", help="lita på X-Forwarded-huvudena från kommunens proxy på ADRESS")
    serve.add_argument("--utan-losenord", action="store_true", help="inget lösenord (bara med --proxy, när proxyn "
                                                                    "sköter inloggningen)")
    serve.add_argument("--sidhuvud-sekunder", type=float, default=HEADER_SECONDS, help=argparse.SUPPRESS)
    serve.add_argument("--kropp-sekunder", type=float, default=BODY_SECONDS, help=argparse.SUPPRESS)
    webb.add_argument("--port", type=int, default=8000, help="porten (standard: 8000, eller en ledig om 8000 används)")


def serve_as_asked(args) -> None:
    if args.command == "webb":
        serve("127.0.0.1", args.port, open_browser=True)
    else:
        serve(args.host, args.port, allowed_hosts=tuple(args.tillat_vard), proxy=args.proxy,
              without_token=args.utan_losenord, header_seconds=args.sidhuvud_sekunder, body_seconds=args.kropp_sekunder)
