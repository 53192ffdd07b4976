"""Who may use the page: the host names it answers to, the origin of a form sent to it, and a
secret when it listens on the network.

- **Host names.** Only the loopback names (`127.0.0.1`, `localhost`, `[::1]`) and those the
  operator allows (`--tillat-vard`) are answered; any other `Host` is refused, which stops a
  page elsewhere that rebinds its DNS name to this computer (DNS rebinding).
- **Origin.** A POST whose `Origin` (or, without one, `Referer`) is not the page's own is
  refused with a Swedish 403: another site's page cannot make the server work. A request
  with neither (a script, curl) is no browser's and passes.
- **A secret.** On the network (`token` set) every request but the login and the page's
  static files needs a session: the token, printed at start as Jupyter does or given by the
  operator (`ESF_WEBB_TOKEN`), is exchanged for a session cookie (`HttpOnly`,
  `SameSite=Strict`, `Secure` behind HTTPS), and each download is bound to the session that
  uploaded it. Behind the municipality's proxy with single sign-on the token can be left
  out; every browser then still gets a session of its own, and the proxy's headers are
  trusted only when the operator names the proxy (`pipeline.web.serving`).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
SESSION_COOKIE = "esf_session"
SESSION_SECONDS = 12 * 3600
MAX_SESSIONS = 10_000
LOGIN_PATH = "/inloggning"
WRONG_TOKEN_PAGE = ('<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Fel lösenord</title>'
                    '<link rel="stylesheet" href="/static/page.css"></head><body><main><h1>Lösenordet stämmer inte'
                    '</h1><p>Kontrollera lösenordet med den som sköter verktyget och <a href="/inloggning">försök '
                    'igen</a>.</p></main></body></html>')
OPEN_PREFIXES = ("/static/", LOGIN_PATH)  # no data behind them: the login page needs its style sheet


@dataclass
class Access:
    """The operator's settings: allowed host names besides loopback, the token (None: no login), and whether
    every browser gets a session (on the network, with or without a token)."""

    hosts: tuple[str, ...] = ()
    token: str | None = None
    sessions: bool = False
    _live: dict[str, float] = field(default_factory=dict)  # session -> when it ends

    def allowed_host(self, host_header: str) -> bool:
        host = host_header.strip().lower()
        if host.startswith("["):
            host = host[1:host.find("]")] if "]" in host else host
        elif host.count(":") == 1:
            host = host.split(":")[0]
        return host in LOOPBACK_HOSTS or host in {h.lower() for h in self.hosts}

    def new_session(self) -> str:
        now = time.monotonic()
        for ended in [s for s, until in self._live.items() if until <= now]:
            del self._live[ended]
        while len(self._live) >= MAX_SESSIONS:  # the oldest goes first
            del self._live[next(iter(self._live))]
        session = secrets.token_urlsafe(32)
        self._live[session] = now + SESSION_SECONDS
        return session

    def session_of(self, cookie_header: str) -> str | None:
        for part in cookie_header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE and self._live.get(value, 0) > time.monotonic():
                return value
        return None

    def token_matches(self, given: str) -> bool:
        return self.token is not None and hmac.compare_digest(given.encode(), self.token.encode())


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def same_origin(scope, headers: dict[str, str]) -> bool:
    """The POST comes from the page itself, by its Origin, or its Referer when a browser sends no Origin."""
    claimed = headers.get("origin") or headers.get("referer")
    if claimed is None:
        return True  # not a browser's form or script: no other site can be behind it
    parts = urlsplit(claimed)
    return parts.scheme == scope.get("scheme", "http") and parts.netloc.lower() == headers.get("host", "").lower()


class BodyTooLarge(Exception):
    """A request's body grew beyond the limit while it was read (raised into the route, which says so)."""


class Guard:
    """ASGI middleware that answers only the allowed hosts, same-origin posts, bodies within `max_body` bytes
    and (on the network) sessions; `refuse` answers the rest in Swedish, with the page's security headers."""

    def __init__(self, app, access: Access, refuse, max_body: int, too_large: str):
        self.app, self.access, self.refuse, self.max_body, self.too_large = app, access, refuse, max_body, too_large

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = _headers(scope)
        if not self.access.allowed_host(headers.get("host", "")):
            return await self.refuse(scope, receive, send, 400, (
                "Webbsidan svarar inte på den här adressen. Använd adressen som den som sköter verktyget har gett "
                "dig."))
        if scope["method"] not in ("GET", "HEAD") and not same_origin(scope, headers):
            return await self.refuse(scope, receive, send, 403, (
                "Formuläret kom från en annan webbplats och togs inte emot. Öppna webbsidan själv och skicka "
                "registret därifrån."))
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            return await self.refuse(scope, receive, send, 413, self.too_large)
        receive = _limited(receive, self.max_body)
        if not self.access.sessions:
            return await self.app(scope, receive, send)
        path = scope["path"]
        session = self.access.session_of(headers.get("cookie", ""))
        if path == LOGIN_PATH or (path == "/" and "token=" in scope.get("query_string", b"").decode("latin-1")):
            return await self.login(scope, receive, send)
        if session is None and self.access.token is None:  # behind single sign-on: a session of its own
            session = self.access.new_session()
            scope["esf.session"] = session
            return await self.app(scope, receive, _with_cookie(send, session, scope))
        if session is None and not path.startswith(OPEN_PREFIXES):
            if path == "/":
                return await _redirect(send, LOGIN_PATH)
            return await self.refuse(scope, receive, send, 401, (
                "Du är inte inloggad, eller så har inloggningen gått ut. Öppna webbsidan igen med adressen och "
                "lösenordet från den som sköter verktyget."))
        scope["esf.session"] = session
        return await self.app(scope, receive, send)

    async def login(self, scope, receive, send):
        """GET /?token=… (the address printed at start) or the login form's POST: a session, then the page."""
        given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
        if scope["method"] == "POST":
            body, more = b"", True
            while more and len(body) < 10_000:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
            given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0]
        if given and self.access.token_matches(given.strip()):
            session = self.access.new_session()
            return await _redirect(_with_cookie(send, session, scope), "/")
        if scope["method"] == "GET" and not given:
            return await self.app(scope, receive, send)  # the login page itself
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": WRONG_TOKEN_PAGE.encode()})


def _limited(receive, max_body: int):
    read = 0

    async def receiving():
        nonlocal read
        message = await receive()
        read += len(message.get("body", b""))
        if read > max_body:
            raise BodyTooLarge
        return message

    return receiving


def _with_cookie(send, session: str, scope):
    secure = "; Secure" if scope.get("scheme") == "https" else ""

    async def sending(message):
        if message["type"] == "http.response.start":
            cookie = f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}{secure}"
            message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
        await send(message)

    return sending


async def _redirect(send, location: str):
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
