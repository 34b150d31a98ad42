"""The dashboard's web application: a thin JSON API over :class:`RunStore` and the static frontend.

Every ``/api`` route takes the run as a query parameter (``?run=<id>``); the ids are
checked by :meth:`RunStore.resolve`, so no request can name a file outside the log
directory. Errors come back as ``{"error": "..."}`` with a 4xx status, never a traceback.

The debugger's routes (:func:`traindoctor.debugger.api.make_router`) are mounted under
``/api/debugger/...`` and ``/api/runs/<id>/debugger/...``, their run ids resolved by the same
:meth:`RunStore.resolve` (the id ``.``, a log directory that is itself a run, is written as the
empty segment: ``/api/runs//debugger/state``). They are the only routes that change anything,
so besides the token and Host checks every request to them other than GET must carry the header
``X-Traindoctor: 1`` and, when it sends an ``Origin``, the dashboard's own: a page of another site
can neither set that header without a CORS preflight (never granted) nor pass as this origin.
"""
from __future__ import annotations

import hmac
import logging
import os
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from . import tensors, views
from .runs import BadRunId, RunStore

WEB_DIR = os.path.join(os.path.dirname(__file__), "web")
TOKEN_COOKIE = "traindoctor_token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
log = logging.getLogger("traindoctor.server")


def plotly_js_path() -> str:
    """plotly.js as the installed ``plotly`` wheel ships it (no CDN, no Node)."""
    import plotly

    return os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")


class JSONOut(JSONResponse):
    """Compact JSON; NaN/Inf (which JSON lacks) become null, wherever in the content they hide."""

    def render(self, content: Any) -> bytes:
        import json

        try:
            return json.dumps(content, separators=(",", ":"), allow_nan=False, default=_default).encode()
        except ValueError:  # a non-finite float in an event or an evidence dict: rare, so cleaned only then
            return json.dumps(_finite(content), separators=(",", ":"), allow_nan=False, default=_default).encode()


def _finite(o: Any) -> Any:
    import math

    if isinstance(o, float):
        return o if math.isfinite(o) else None
    if isinstance(o, dict):
        return {k: _finite(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_finite(v) for v in o]
    if hasattr(o, "dtype"):  # numpy scalars and arrays
        return _finite(o.tolist())
    return o


def _default(o: Any) -> Any:
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)


def error(message: str, status: int = 400) -> JSONOut:
    return JSONOut({"error": message}, status_code=status)


class TokenGate:
    """Every request must carry the token: ``Authorization: Bearer T``, ``?token=T`` or the cookie.

    Opening the dashboard once with ``?token=T`` sets the cookie, so the page's own
    requests need not repeat it.
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        auth = request.headers.get("authorization", "")
        candidates = [given, auth[7:] if auth.lower().startswith("bearer ") else None,
                      request.cookies.get(TOKEN_COOKIE)]
        if not any(c is not None and hmac.compare_digest(c.encode(), self.token.encode()) for c in candidates):
            await PlainTextResponse("traindoctor: this dashboard needs its token (open it with ?token=...)",
                                    status_code=401)(scope, receive, send)
            return
        if given is not None:
            async def send_with_cookie(message: dict) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    headers.append((b"set-cookie", f"{TOKEN_COOKIE}={self.token}; Path=/; HttpOnly; "
                                                   "SameSite=Strict".encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_cookie)
            return
        await self.app(scope, receive, send)


class LocalHostOnly:
    """Without a token, answer only requests addressed to a loopback name (blocks DNS rebinding)."""

    def __init__(self, app: ASGIApp, allowed: tuple[str, ...]) -> None:
        self.app, self.allowed = app, allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = Request(scope).headers.get("host", "")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name not in self.allowed:
                await PlainTextResponse(f"traindoctor: refused request for host {host!r}",
                                        status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


WRITE_HEADER = "x-traindoctor"


class SameOriginWrites:
    """Requests that change something (not GET/HEAD) must carry ``X-Traindoctor`` and come from this origin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            request = Request(scope)
            origin = request.headers.get("origin")
            host = request.headers.get("host", "")
            why = None
            if request.headers.get(WRITE_HEADER) != "1":
                why = f"a request that changes something needs the header {WRITE_HEADER}: 1"
            elif origin is not None and origin.split("://", 1)[-1] != host:
                why = f"refused a request from origin {origin!r}"
            if why is not None:
                await JSONOut({"error": why}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def debugger_app(store: RunStore) -> ASGIApp:
    """The debugger's FastAPI router over the runs of ``store``, as an ASGI app serving ``/api/...`` paths."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException

    from ..debugger.api import make_router
    from ..record import RunNotFound

    def resolve(run_id: str) -> str:
        try:
            return store.resolve(run_id or ".")  # the empty segment stands for "." (browsers drop "/./")
        except BadRunId as exc:
            raise KeyError(str(exc)) from None

    # JSONOut: a NaN/Inf that a recorded hit may carry becomes null instead of failing the response
    api = FastAPI(docs_url=None, redoc_url=None, openapi_url=None, default_response_class=JSONOut)
    api.include_router(make_router(resolve), prefix="/api")

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error(str(exc.detail), exc.status_code)

    @api.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        detail = getattr(exc, "detail", None)
        return error(detail if detail and detail != "Not Found" else f"no such API: {request.url.path}", 404)

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return error("bad request: " + "; ".join(f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}"
                                                 for e in exc.errors()), 400)

    @api.exception_handler(RunNotFound)
    async def not_a_run(request: Request, exc: RunNotFound) -> Response:
        return error(str(exc).replace(store.logdir + os.sep, ""), 404)

    return SameOriginWrites(api)


def create_app(logdir: str, *, token: str | None = None, allowed_hosts: tuple[str, ...] = LOCAL_HOSTS,
               store: RunStore | None = None) -> Starlette:
    """The dashboard over ``logdir``. With ``token``, every request must carry it."""
    store = store or RunStore(logdir)

    def with_run(fn: Callable[..., Any]) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:
            run_id = request.query_params.get("run")
            try:
                return JSONOut(store.use(run_id, lambda run: fn(run, run_id, request)))
            except (BadRunId, tensors.NotFound) as exc:
                return error(str(exc), 404)
            except ValueError as exc:
                return error(f"bad request: {exc}", 400)
            except Exception as exc:  # the page shows a message, the log keeps the traceback
                log.exception("request %s failed", request.url.path)
                return error(f"could not read run {run_id!r}: {type(exc).__name__}: {exc}", 500)
        return endpoint

    def runs(request: Request) -> Response:
        try:
            return JSONOut({"logdir": store.logdir, "runs": store.list()})
        except OSError as exc:
            return error(f"cannot list {store.logdir}: {exc}", 500)

    def top(request: Request) -> Response:
        out = {}
        for rid in request.query_params.getlist("run")[:50]:
            try:
                out[rid] = {"top": store.top(rid)}
            except BadRunId as exc:
                out[rid] = {"error": str(exc)}
            except Exception as exc:
                log.exception("diagnosis of %s failed", rid)
                out[rid] = {"error": f"diagnosis failed: {type(exc).__name__}: {exc}"}
        return JSONOut(out)

    def version(request: Request) -> Response:
        try:
            return JSONOut(store.version(request.query_params.get("run")))
        except BadRunId as exc:
            return error(str(exc), 404)

    def report(request: Request) -> Response:
        from ..report.render import report_figures

        run_id = request.query_params.get("run")
        try:
            rep = store.report(run_id)
            return JSONOut(store.use(run_id, lambda run: {"report": rep.to_json(),
                                                         "figures": dict(report_figures(rep))}))
        except BadRunId as exc:
            return error(str(exc), 404)
        except Exception as exc:
            log.exception("diagnosis of %s failed", run_id)
            return error(f"could not diagnose run {run_id!r}: {type(exc).__name__}: {exc}", 500)

    def _float(request: Request, name: str) -> float | None:
        v = request.query_params.get(name)
        return None if v in (None, "", "null") else float(v)

    def _int(request: Request, name: str) -> int | None:
        v = request.query_params.get(name)
        if v in (None, "", "null"):
            return None
        try:
            return int(v)
        except ValueError:
            raise ValueError(f"{name}={v!r} is not an integer") from None

    def scalars(request: Request) -> Response:
        ids = request.query_params.getlist("run")
        tags = request.query_params.getlist("tag")
        x = request.query_params.get("x", "step")
        if x not in ("step", "wall", "relative"):
            return error("x must be step, wall or relative")
        try:
            lo, hi = _float(request, "lo"), _float(request, "hi")
            points = min(max(int(request.query_params.get("points", views.DEFAULT_POINTS)), 8), views.MAX_POINTS)
        except ValueError as exc:
            return error(f"bad request: {exc}")
        if not ids or not tags:
            return error("give at least one run= and one tag=")
        series = []
        for rid in ids[:20]:
            try:
                got = store.use(rid, lambda run: [views.scalar_series(run, t, lo=lo, hi=hi, x=x, points=points)
                                                 for t in tags[:20]])
            except BadRunId as exc:
                return error(str(exc), 404)
            series.extend({"run": rid, **s} for s in got)
        return JSONOut({"x": x, "lo": lo, "hi": hi, "series": series})

    debugger = debugger_app(store)
    routes = [
        Route("/api/runs", runs),
        Route("/api/top", top),
        Route("/api/version", version),
        Route("/api/run", with_run(lambda run, rid, rq: views.run_overview(run, rid))),
        Route("/api/report", report),
        Route("/api/scalars", scalars),
        Route("/api/table", with_run(lambda run, rid, rq: views.table_series(
            run, rq.query_params.get("name", "weight"), rq.query_params.get("key", "")))),
        Route("/api/table/overview", with_run(lambda run, rid, rq: views.table_overview(
            run, rq.query_params.get("name", "weight"), rq.query_params.get("field", "norm")))),
        Route("/api/histograms", with_run(lambda run, rid, rq: views.histogram_heatmap(
            run, rq.query_params.get("kind", "weight"), rq.query_params.get("key", "")))),
        Route("/api/graph", with_run(lambda run, rid, rq: views.graph(run))),
        Route("/api/opgraph", with_run(lambda run, rid, rq: tensors.opgraphs(run))),
        Route("/api/tensors", with_run(lambda run, rid, rq: tensors.tensor_list(run))),
        Route("/api/tensor", with_run(lambda run, rid, rq: tensors.tensor_at(
            run, rq.query_params.get("name", ""), _int(rq, "step"), rq.query_params.get("rows"),
            rq.query_params.get("cols"), rq.query_params.get("view", "mean")))),
        Route("/api/data", with_run(lambda run, rid, rq: views.data(run))),
        Route("/api/hparams", with_run(lambda run, rid, rq: views.hparams(run))),
        Route("/api/debugger/{rest:path}", debugger),
        Route("/api/runs/{rest:path}", debugger),
        Route("/api/{rest:path}", lambda rq: error(f"no such API: {rq.url.path}", 404)),
        Route("/plotly.min.js", lambda rq: FileResponse(plotly_js_path(), media_type="text/javascript")),
        Route("/", lambda rq: FileResponse(os.path.join(WEB_DIR, "index.html"))),
        Mount("/static", StaticFiles(directory=WEB_DIR), name="static"),
    ]
    middleware = []
    if token:
        middleware.append(Middleware(TokenGate, token=token))
    elif allowed_hosts:
        middleware.append(Middleware(LocalHostOnly, allowed=allowed_hosts))
    app = Starlette(routes=routes, middleware=middleware)
    app.state.store = store
    return app
