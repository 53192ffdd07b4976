"""Starting the web page: its socket, the server, and (for `esf-rapport webb`) the browser.

The socket is bound before the server starts, so that a port in use is told in Swedish, and
`webb` can take another free port when 8000 is taken; the default browser is opened with the
standard library's `webbrowser` once the page answers.
"""

from __future__ import annotations

from pipeline.problems import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


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


def serve(host: str, port: int, open_browser: bool = False) -> None:
    import threading
    import time
    import webbrowser

    import uvicorn

    from pipeline.web import create_app

    sock = listening_socket(host, port, any_free=open_browser)
    port = sock.getsockname()[1]
    if host not in LOOPBACK:
        print(f"VARNING: webbsidan tar emot anslutningar från andra datorer ({host}). Register som laddas upp "
              "innehåller personuppgifter: använd bara ett skyddat nätverk, som kommunens intranät.")
    shown = f"[{host}]" if ":" in host else host
    address = f"http://{shown}:{port}/"
    print(f"Webbsidan startar på {address} (avsluta med Ctrl+C).", flush=True)
    # no access log: a path names no person, but nothing of an upload belongs in a log
    server = uvicorn.Server(uvicorn.Config(create_app(), access_log=False, log_level="warning"))

    def open_when_started() -> None:
        deadline = time.monotonic() + 120  # the workers import pandas first: seconds on a slow computer
        while not server.started and not server.should_exit and time.monotonic() < deadline:
            time.sleep(0.1)
        if server.started:
            if not webbrowser.open(address):
                print(f"Öppna {address} i webbläsaren.", flush=True)

    if open_browser:
        threading.Thread(target=open_when_started, daemon=True).start()
    server.run(sockets=[sock])
