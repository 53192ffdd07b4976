"""The local web page: drop the register, get the report or the marked errors (`make serve`).

A thin layer over the library (`pipeline.run.report`), with Starlette and uvicorn. A
register is reported in a small pool of worker processes, so a large register does not
hold up a small one. The server (the process that outlives a worker) makes a temporary
folder per upload, the worker writes the upload and the outputs there and hands back the
files' bytes, and the server removes the folder whatever became of the worker; at start it
sweeps the folders of servers that have ended. A worker that died is replaced and the
uploads it took down are tried once more, so only the register that kills a worker twice
fails, in Swedish. Finished files are kept in memory for download for `KEEP_SECONDS` (at
most `KEEP_BYTES` in all, the oldest dropped first), bound to the session that uploaded
them on the network; nothing of an upload (its name, its persons) is logged. Who may use
the page is `pipeline.web.guard`'s; how it listens, `pipeline.web.serving`'s.

The page itself (`static/`) is Swedish, works offline, and is served under a strict
Content-Security-Policy: no inline script or style, nothing from another origin.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import secrets
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from pipeline.web.guard import Access, BodyTooLarge, Guard
from pipeline.write.pdf import libreoffice, workbook_pdf
from pipeline.web.work import MAX_UPLOAD_BYTES, UPLOAD_PREFIX, report_upload, sweep_uploads, template_bytes, warm_up

STATIC = Path(__file__).parent / "static"
KEEP_SECONDS = 10 * 60
KEEP_BYTES = 500_000_000  # finished files held for download, all uploads together
MAX_PERIOD_CHARACTERS = 40  # "2009-05-01..2009-06-30" and spaces
PERIOD_PART_BYTES = 10_000  # the form's one text field; the file part is limited by `max_upload`
MAX_EARLIER_FILES = 4  # earlier reports and internal workbooks given with a register, to compare with
WORKERS = 2
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CONTENT_TYPES = {".xlsx": XLSX, ".txt": "text/plain; charset=utf-8", ".pdf": "application/pdf"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # (not no-referrer: a form would then send `Origin: null`, refused by Guard)
    "Cache-Control": "no-store",
}


@dataclass
class Download:
    name: str
    content: bytes


@dataclass
class Store:
    """Finished files by token, each set dropped `keep_seconds` after it was made, and the oldest first when
    all of them together would hold more than `keep_bytes`; a set is given only to the session that made it."""

    keep_seconds: float = KEEP_SECONDS
    keep_bytes: int = KEEP_BYTES
    sets: dict[str, tuple[float, str | None, list[Download]]] = field(default_factory=dict)

    def put(self, downloads: list[Download], owner: str | None = None) -> str:
        self.expire()
        token = secrets.token_urlsafe(24)
        self.sets[token] = (time.monotonic() + self.keep_seconds, owner, downloads)
        while len(self.sets) > 1 and self.held() > self.keep_bytes:
            del self.sets[next(iter(self.sets))]
        return token

    def get(self, token: str, index: int, owner: str | None = None) -> Download | None:
        self.expire()
        found = self.sets.get(token)
        if found is None or found[1] != owner or not 0 <= index < len(found[2]):
            return None
        return found[2][index]

    def held(self) -> int:
        return sum(len(d.content) for _, _, downloads in self.sets.values() for d in downloads)

    def expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, (until, _, _) in self.sets.items() if until <= now]:
            del self.sets[token]


def _answer(message: str, status: int) -> JSONResponse:
    return JSONResponse({"status": "fel", "meddelande": message, "filer": []}, status)


async def refuse(scope, receive, send, status: int, message: str) -> None:
    """A request the page does not take (`Guard`), answered in Swedish like every other."""
    await _answer(message, status)(scope, receive, send)


CRASHED = ("Registret kunde inte läsas: verktyget avbröts medan det räknade (till exempel för att minnet tog slut). "
           "Kontrollera att filen är ett deltagarregister, eller kör det med kommandot esf-rapport report; händer "
           "det igen, kontakta den som underhåller verktyget.")


def create_app(workers: int = WORKERS, max_upload: int = MAX_UPLOAD_BYTES, keep_seconds: float = KEEP_SECONDS,
               access: Access | None = None, keep_bytes: int = KEEP_BYTES) -> Starlette:
    """The page's application; `max_upload` bytes at most per register, files kept `keep_seconds`; `access`
    says who may use it (by default loopback only, without a login)."""
    store = Store(keep_seconds, keep_bytes)
    printer = libreoffice() is not None  # a PDF link on the page where LibreOffice is installed
    too_large = (f"Filen är för stor: webbsidan tar emot register på högst {max(1, max_upload // 1_000_000)} MB. "
                 "Be den som sköter verktyget att skapa rapporten med programmet på sin dator (kommandot "
                 "esf-rapport report), som tar emot register av alla storlekar.")
    pool: dict[str, ProcessPoolExecutor] = {}
    replacing = asyncio.Lock()

    def new_pool() -> ProcessPoolExecutor:
        # spawned (not forked) workers, each importing pandas and Pandera once, before the first upload
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up)

    async def in_pool(work, *args, retry_in: str | None = None):
        """`work` in a worker. A pool broken by a worker that died (this upload's, or another's) is replaced,
        and the work tried once more in a new pool (in an emptied `retry_in` folder)."""
        for attempt in (1, 2):
            current = pool["reports"]
            try:
                return await asyncio.get_running_loop().run_in_executor(current, work, *args)
            except BrokenProcessPool:
                async with replacing:
                    if pool["reports"] is current:
                        pool["reports"] = new_pool()
                        current.shutdown(wait=False, cancel_futures=True)
                if attempt == 2:
                    raise
                if retry_in:
                    shutil.rmtree(retry_in, ignore_errors=True)
                    os.mkdir(retry_in, 0o700)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        sweep_uploads(Path(tempfile.gettempdir()))
        pool["reports"] = new_pool()
        await asyncio.gather(*(asyncio.get_running_loop().run_in_executor(pool["reports"], warm_up)
                               for _ in range(workers)))
        yield
        pool.pop("reports").shutdown(cancel_futures=True)

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html")

    async def report(request: Request) -> Response:
        try:  # (a body that declares more than the limit is refused by Guard before it is read)
            async with request.form(max_files=1 + MAX_EARLIER_FILES, max_fields=4 + MAX_EARLIER_FILES,
                                    max_part_size=PERIOD_PART_BYTES) as form:
                upload = form.get("fil")
                if upload is None or isinstance(upload, str):
                    return _answer("Välj en registerfil (.xlsx, .xls eller .ods).", 400)
                content = await upload.read(max_upload + 1)
                name, period = upload.filename or "register.xlsx", form.get("period") or None
                # the previous report and internal workbook, for Ändringar and Ändrade månader (optional)
                earlier = [(item.filename or "tidigare.xlsx", await item.read(max_upload + 1))
                           for item in form.getlist("tidigare") if not isinstance(item, str)]
        except BodyTooLarge:
            return _answer(too_large, 413)
        except ClientDisconnect:  # the browser went away mid-upload: no one to answer, nothing to log
            return Response(status_code=400)
        except HTTPException as exc:  # a body that is no form, or a part beyond the limits
            if str(exc.detail).startswith("Too many files"):  # (Starlette's words for more files than max_files)
                return _answer(f"Välj högst {MAX_EARLIER_FILES} tidigare filer att jämföra med: förra rapporten och "
                               "förra interna underlaget räcker.", 400)
            return _answer("Registret kom inte fram som en fil från webbsidan. Ladda om sidan och försök igen.", 400)
        if len(content) > max_upload or any(len(c) > max_upload for _, c in earlier):
            return _answer(too_large, 413)
        earlier = [(n, c) for n, c in earlier if c][:MAX_EARLIER_FILES]  # (an empty file input sends an empty part)
        if period is not None and (not isinstance(period, str) or len(period) > MAX_PERIOD_CHARACTERS):
            return _answer("Rapportperioden ska skrivas FRÅN..TILL, till exempel 2024-01-01..2024-06-30.", 400)
        folder = tempfile.mkdtemp(prefix=f"{UPLOAD_PREFIX}{os.getpid()}-")
        try:
            result, files = await in_pool(report_upload, content, name, period, folder, earlier, retry_in=folder)
        except BrokenProcessPool:  # this register took a worker down twice
            return _answer(CRASHED, 500)
        except Exception:  # noqa: BLE001 - a worker that failed; nothing of the upload is logged
            return _answer("Ett internt fel uppstod när registret lästes. Försök igen; händer det igen, kontakta "
                           "den som underhåller verktyget.", 500)
        finally:
            shutil.rmtree(folder, ignore_errors=True)  # here, by the process that outlives the worker
        if files:
            token = store.put([Download(n, c) for n, c in files], request.scope.get("esf.session"))
            for i, download in enumerate(result["filer"]):
                download["adress"] = f"/hamta/{token}/{i}"
            if result["status"] in ("skriven", "kontroller") and printer:
                result["pdf"] = f"/pdf/{token}/0"  # the report, printed when asked for
        return JSONResponse(result)

    async def pdf(request: Request) -> Response:
        """The report of an upload as a PDF for the diarium, printed by LibreOffice on the server."""
        found = store.get(request.path_params["token"], request.path_params["index"], request.scope.get("esf.session"))
        if found is None or not found.name.endswith(".xlsx") or not printer:
            return Response("Filen finns inte längre: filer sparas i tio minuter. Skapa rapporten igen.",
                            404, media_type="text/plain; charset=utf-8")
        try:
            content = await in_pool(workbook_pdf, found.name, found.content)
        except Exception:  # noqa: BLE001 - LibreOffice that failed: said in Swedish, the .xlsx is still there
            return Response("PDF-kopian kunde inte skrivas. Hämta rapporten som .xlsx och skriv ut den som PDF.",
                            500, media_type="text/plain; charset=utf-8")
        name = Path(found.name).with_suffix(".pdf").name
        return Response(content, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    async def download(request: Request) -> Response:
        found = store.get(request.path_params["token"], request.path_params["index"], request.scope.get("esf.session"))
        if found is None:
            return Response("Filen finns inte längre: filer sparas i tio minuter. Skapa rapporten igen.",
                            404, media_type="text/plain; charset=utf-8")
        headers = {"Content-Disposition": f'attachment; filename="{found.name}"'}
        return Response(found.content, media_type=CONTENT_TYPES.get(Path(found.name).suffix, XLSX), headers=headers)

    async def login(request: Request) -> Response:
        return FileResponse(STATIC / "inloggning.html")

    async def where(request: Request) -> Response:
        """Whether the page is served on the network (the page says where a register goes)."""
        return JSONResponse({"natverk": (access or Access()).sessions})

    async def template(request: Request) -> Response:
        plus = request.url.path.endswith("esf-plus")
        name = "registermall_2021-2027.xlsx" if plus else "registermall.xlsx"
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        content = await in_pool(template_bytes, "2021-2027" if plus else None)
        return Response(content, media_type=XLSX, headers=headers)

    return Starlette(routes=[
        Route("/", index),
        Route("/rapport", report, methods=["POST"]),
        Route("/hamta/{token}/{index:int}", download),
        Route("/pdf/{token}/{index:int}", pdf),
        Route("/mall", template),
        Route("/mall/esf-plus", template),
        Route("/inloggning", login),
        Route("/lage", where),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ], middleware=[Middleware(SecurityHeaders), Middleware(Guard, access=access or Access(), refuse=refuse,
                                                           max_body=max_upload + 100_000, too_large=too_large)],
        lifespan=lifespan)


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
