"""The local web page: drop the register, get the report or the marked errors (`make serve`).

A thin layer over the library (`pipeline.run.report`), with Starlette and uvicorn. A
register is reported in a small pool of worker processes, so a large register does not
hold up a small one: the worker writes the upload and the outputs into a temporary folder
that is removed before it answers, and hands back the files' bytes. Finished files are
kept in memory for download for `KEEP_SECONDS`, then dropped; nothing is written to disk
that outlives a request, and nothing of an upload (its name, its persons) is logged.

The page itself (`static/`) is Swedish, works offline, and is served under a strict
Content-Security-Policy: no inline script or style, nothing from another origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import secrets
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.web.work import MAX_UPLOAD_BYTES, report_upload, template_bytes, warm_up

STATIC = Path(__file__).parent / "static"
KEEP_SECONDS = 10 * 60
WORKERS = 2
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {".xlsx": XLSX, ".txt": "text/plain; charset=utf-8"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class Download:
    name: str
    content: bytes


@dataclass
class Store:
    """Finished files by token, each set dropped `keep_seconds` after it was made."""

    keep_seconds: float = KEEP_SECONDS
    sets: dict[str, tuple[float, list[Download]]] = field(default_factory=dict)

    def put(self, downloads: list[Download]) -> str:
        self.expire()
        token = secrets.token_urlsafe(24)
        self.sets[token] = (time.monotonic() + self.keep_seconds, downloads)
        return token

    def get(self, token: str, index: int) -> Download | None:
        self.expire()
        found = self.sets.get(token)
        return found[1][index] if found and 0 <= index < len(found[1]) else None

    def expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (until, _) in self.sets.items() if until <= now]:
            del self.sets[token]


def create_app(workers: int = WORKERS, max_upload: int = MAX_UPLOAD_BYTES,
               keep_seconds: float = KEEP_SECONDS) -> Starlette:
    """The page's application; `max_upload` bytes at most per register, files kept `keep_seconds`."""
    store = Store(keep_seconds)
    too_large = (f"Filen är för stor: webbsidan tar emot register på högst {max(1, max_upload // 1_000_000)} MB. "
                 "Ett större register kan köras med kommandot esf-rapport report.")
    pool: dict[str, ProcessPoolExecutor] = {}

    def new_pool() -> ProcessPoolExecutor:
        # spawned (not forked) workers, each importing pandas and Pandera once, before the first upload
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        pool["reports"] = new_pool()
        await asyncio.gather(*(asyncio.get_running_loop().run_in_executor(pool["reports"], warm_up)
                               for _ in range(workers)))
        yield
        pool.pop("reports").shutdown(cancel_futures=True)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def report(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > max_upload + 100_000:
            return JSONResponse({"status": "fel", "meddelande": too_large}, 413)
        async with request.form(max_files=1, max_fields=4, max_part_size=max_upload + 1) as form:
            upload = form.get("fil")
            if upload is None or isinstance(upload, str):
                return JSONResponse({"status": "fel", "meddelande": "Välj en registerfil (.xlsx, .xls eller .ods)."},
                                    400)
            content = await upload.read(max_upload + 1)
            name, period = upload.filename or "register.xlsx", form.get("period") or None
        if len(content) > max_upload:
            return JSONResponse({"status": "fel", "meddelande": too_large}, 413)
        try:
            result, files = await asyncio.get_running_loop().run_in_executor(
                pool["reports"], report_upload, content, name, period)
        except Exception as exc:  # noqa: BLE001 - a worker that died or failed; nothing of the upload is logged
            if isinstance(exc, BrokenProcessPool):
                pool["reports"] = new_pool()
            return JSONResponse({"status": "fel", "meddelande": "Ett internt fel uppstod när registret lästes. "
                                 "Försök igen; händer det igen, kontakta den som underhåller verktyget."}, 500)
        if files:
            token = store.put([Download(n, c) for n, c in files])
            for i, download in enumerate(result["filer"]):
                download["adress"] = f"/hamta/{token}/{i}"
        return JSONResponse(result)

    async def download(request: Request) -> Response:
        found = store.get(request.path_params["token"], request.path_params["index"])
        if found is None:
            return Response("Filen finns inte längre: filer sparas i tio minuter. Skapa rapporten igen.",
                            404, media_type="text/plain; charset=utf-8")
        headers = {"Content-Disposition": f'attachment; filename="{found.name}"'}
        return Response(found.content, media_type=CONTENT_TYPES.get(Path(found.name).suffix, XLSX), headers=headers)

    async def template(request: Request) -> Response:
        plus = request.url.path.endswith("esf-plus")
        name = "registermall_2021-2027.xlsx" if plus else "registermall.xlsx"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        content = await asyncio.get_running_loop().run_in_executor(
            pool["reports"], template_bytes, "2021-2027" if plus else None)
        return Response(content, media_type=XLSX, headers=headers)

    return Starlette(routes=[
        Route("/", index),
        Route("/rapport", report, methods=["POST"]),
        Route("/hamta/{token}/{index:int}", download),
        Route("/mall", template),
        Route("/mall/esf-plus", template),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], middleware=[Middleware(SecurityHeaders)], lifespan=lifespan, max_body_size=max_upload + 1_000_000)


class SecurityHeaders:
    """Every response, the static files' too, carries the page's security headers."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    headers.setdefault(key, value)
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)
