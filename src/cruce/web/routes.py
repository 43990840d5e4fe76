"""The web console: server-rendered pages (Jinja2, with htmx for the live parts) over the services.

Every page calls the same `cruce.service.services.Services` method the JSON API's router calls, so
the console can never show or do more than the API allows a user: access, audit and validation live
there, never here. This module only turns forms into calls and results into HTML.

Signed out, a page redirects to the sign-in form at `/` (an htmx request gets a 401 with `HX-Redirect`).
Every POST form carries the session's CSRF token. Templates autoescape everything; every response carries
a Content-Security-Policy that allows scripts and styles from this server only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import zip_longest
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException

from cruce.alerts.review import STATES, next_states
from cruce.api.errors import http_status
from cruce.core.errors import CruceError, InputError, ThrottledError
from cruce.core.markings import Marking, MarkingError
from cruce.service.jobs import JobView
from cruce.service.metrics import SCREENINGS
from cruce.service.paging import MAX_LIMIT
from cruce.service.policy import may
from cruce.service.services import Services
from cruce.service.sharing import UnauthenticatedError
from cruce.sharing.access import User
from cruce.web import session

HERE = Path(__file__).parent
STATIC_PATH = "/static"
HOME = "/console/screen"
PARTNERS = ("USA", "MEX", "CAN")
"""The border's partner countries; a product's preview shows each one's tear line but its owner's."""
EDITOR_ROWS = 3
MAX_PORTIONS = 50
AUDIT_PAGE = 100
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"), autoescape=True, undefined=StrictUndefined,
    trim_blocks=True, lstrip_blocks=True,
)  # fmt: skip
_env.filters["q"] = lambda value: quote(str(value), safe="")

router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    """The console's CSS and the vendored htmx, served at STATIC_PATH."""
    return StaticFiles(directory=HERE / "static")


# -- sessions ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Console:
    """The signed-in caller of a console request."""

    svc: Services
    user: User
    token: str
    key: bytes

    @property
    def csrf(self) -> str:
        return session.csrf_token(self.key, self.token)


def _services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def _key(svc: Services) -> bytes:
    return session.console_key(svc.config.data_dir)


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


NOTICES = {"ended": "Your session has ended; sign in again.", "out": "You have signed out."}
"""What the sign-in page may say about why you are there: fixed sentences chosen by a code, so a link from
elsewhere cannot put its own words on this server's sign-in page."""


def _to_sign_in(request: Request, why: str | None = None) -> HTTPException:
    if _htmx(request):
        return HTTPException(401, "sign in again", headers={"HX-Redirect": "/"})
    target = request.url.path if request.method == "GET" else HOME
    query = f"?next={quote(target, safe='/')}" + (f"&why={why}" if why else "")
    return HTTPException(303, "sign in first", headers={"Location": "/" + query})


def _signed_in(request: Request) -> Console:
    """The caller, from the session cookie; otherwise off to the sign-in form."""
    svc = _services(request)
    key = _key(svc)
    token = session.unsign(key, request.cookies.get(session.SESSION_COOKIE))
    if token is None:
        raise _to_sign_in(request)
    try:
        user = svc.accounts.authenticate(token, None)
    except UnauthenticatedError as exc:
        raise _to_sign_in(request, "ended") from exc
    return Console(svc, user, token, key)


def _posted(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Console:
    """A signed-in caller whose form carries this session's CSRF token; 403 otherwise."""
    console = _signed_in(request)
    if not session.csrf_ok(console.key, console.token, csrf):
        raise HTTPException(403, "this form did not come from your console session; reload the page")
    return console


SignedIn = Annotated[Console, Depends(_signed_in)]
Posted = Annotated[Console, Depends(_posted)]


# -- rendering ---------------------------------------------------------------------------------------------


def _render(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _page(console: Console, template: str, active: str, title: str, status: int = 200, **context: Any) -> (
    HTMLResponse
):  # fmt: skip
    return _render(
        template, status, me=console.user, csrf=console.csrf, active=active, title=title, **context
    )


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


def _failed(console: Console, exc: CruceError, active: str, title: str) -> HTMLResponse:
    return _page(console, "error.html", active, title, http_status(exc), error=exc.message)


def _status(exc: CruceError) -> int:
    """The HTTP status of an error on a console page: the JSON API's (one table, `cruce.api.errors`)."""
    return http_status(exc)


def _may(user: User, operation: str) -> bool:
    """Whether the policy table lets the user's roles do `operation`: to offer a form, never to allow it."""
    return may(user, operation)


# -- sign in and out -------------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    """Only a console page of this server: never another site (open redirect) or the API."""
    if target and re.fullmatch(r"/console(/[A-Za-z0-9._~:%/-]*)?", target) and "//" not in target:
        return target
    return HOME


def _sign_in_form(request: Request, status: int = 200, error: str | None = None, **form: Any) -> Response:
    key = _key(_services(request))
    nonce = session.new_signin_nonce()
    notice = NOTICES.get(request.query_params.get("why", ""))
    response = _render(
        "sign_in.html", status, title="Sign in", error=error, notice=notice,
        signin=session.signin_token(key, nonce), next=_safe_next(request.query_params.get("next")),
        username=form.get("username", ""), me=None, active="",
    )  # fmt: skip
    response.set_cookie(
        session.SIGNIN_COOKIE, nonce, max_age=3600, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    return response


@router.get("/", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    """The console's front door: the sign-in form, or the screening page for a signed-in user."""
    svc = _services(request)
    token = session.unsign(_key(svc), request.cookies.get(session.SESSION_COOKIE))
    if token is not None:
        try:
            svc.accounts.authenticate(token, None)
        except UnauthenticatedError:
            pass
        else:
            return _redirect(_safe_next(request.query_params.get("next")))
    return _sign_in_form(request)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=128)] = "",
    password: Annotated[str, Form(max_length=256)] = "",
    signin: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = HOME,
) -> Response:
    svc = _services(request)
    key = _key(svc)
    if not session.signin_ok(key, request.cookies.get(session.SIGNIN_COOKIE), signin):
        return _sign_in_form(
            request, 403, "The sign-in form had expired; please sign in again.", username=username
        )
    try:
        granted = svc.accounts.login(username, password, request.client.host if request.client else None)
    except UnauthenticatedError as exc:
        return _sign_in_form(request, 401, exc.message.capitalize() + ".", username=username)
    except ThrottledError as exc:
        response = _sign_in_form(request, 429, exc.message.capitalize() + ".", username=username)
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    response = _redirect(_safe_next(next))
    response.set_cookie(
        session.SESSION_COOKIE, session.sign(key, granted.access_token),
        max_age=granted.expires_in, httponly=True, samesite="strict",
        secure=request.url.scheme == "https", path="/",
    )  # fmt: skip
    response.delete_cookie(session.SIGNIN_COOKIE, path="/")
    return response


@router.post("/sign-out")
def sign_out(console: Posted) -> Response:
    console.svc.accounts.sign_out(console.user, console.token)
    response = _redirect("/?why=out")
    response.delete_cookie(session.SESSION_COOKIE, path="/")
    return response


@router.post("/sign-out-everywhere")
def sign_out_everywhere(console: Posted) -> Response:
    """End every session and revoke every key of the signed-in account, this one included."""
    console.svc.accounts.sign_out_everywhere(console.user)
    response = _redirect("/?why=out")
    response.delete_cookie(session.SESSION_COOKIE, path="/")
    return response


@router.get("/console")
def console_home(_console: SignedIn) -> Response:
    return _redirect(HOME)


# -- screening -------------------------------------------------------------------------------------------


SCREEN_FORM = dict.fromkeys(("name", "birth_date", "country", "documents", "schema", "gender"), "")


@router.get("/console/screen", response_class=HTMLResponse)
def screen_page(console: SignedIn) -> Response:
    return _page(
        console, "screen.html", "screen", "Screen a name", form=SCREEN_FORM, result=None, error=None,
        focus_results=False,
    )  # fmt: skip


@router.post("/console/screen", response_class=HTMLResponse)
def screen(
    request: Request,
    console: Posted,
    *,
    name: Annotated[str, Form(max_length=300)] = "",
    birth_date: Annotated[str, Form(max_length=40)] = "",
    country: Annotated[str, Form(max_length=200)] = "",
    documents: Annotated[str, Form(max_length=2100)] = "",
    schema_: Annotated[str, Form(alias="schema", max_length=20)] = "",
    gender: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Screen one party; with htmx only the results are sent back, into the page."""
    form = {"name": name, "birth_date": birth_date, "country": country, "documents": documents,
            "schema": schema_, "gender": gender}  # fmt: skip
    docs = [d.strip() for d in re.split(r"[\n;]", documents) if d.strip()]
    fields = {
        "name": name, "schema": schema_ or None, "birth_date": birth_date or None, "country": country or None,
        "gender": gender or None, "documents": docs,
    }  # fmt: skip
    result, error, status = None, None, 200
    try:
        result = console.svc.screening.screen(console.user, fields).to_json()
        SCREENINGS.inc()
    except CruceError as exc:
        error, status = exc.message, http_status(exc)
    htmx = _htmx(request)
    return _page(
        console, "_screen_results.html" if htmx else "screen.html", "screen", "Screen a name", status,
        form=form, result=result, error=error, focus_results=htmx,
    )  # fmt: skip


# -- alerts ----------------------------------------------------------------------------------------------


@router.get("/console/alerts", response_class=HTMLResponse)
def alerts_page(
    console: SignedIn,
    state: Annotated[str, Query(max_length=40)] = "open",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """The work queue: the country's alerts oldest first (the next to work is at the top)."""
    wanted = state if state in STATES else None
    try:
        page = console.svc.alerts.page(console.user, cursor, 50, state=wanted, assignee=None)
    except CruceError as exc:
        return _failed(console, exc, "alerts", "Alerts")
    return _page(
        console, "alerts.html", "alerts", "Alerts", page=page, state=wanted or "", states=STATES,
    )  # fmt: skip


def _alert_page(console: Console, alert_id: str, status: int = 200, error: str | None = None) -> Response:
    try:
        alert = console.svc.alerts.alert(console.user, alert_id)
        history = console.svc.alerts.history(console.user, alert_id, None, MAX_LIMIT).items
    except CruceError as exc:
        return _failed(console, exc, "alerts", "Alert")
    return _page(
        console, "alert.html", "alerts", f"Alert {alert_id}", status, alert=alert, history=history,
        error=error, can_work=_may(console.user, "alerts_work"),
        decisions=sorted(next_states(alert.state)),
    )  # fmt: skip


@router.get("/console/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(alert_id: str, console: SignedIn) -> Response:
    return _alert_page(console, alert_id)


def _after_alert_change(console: Console, alert_id: str, change: Any) -> Response:
    try:
        change()
    except CruceError as exc:
        return _alert_page(console, alert_id, http_status(exc), exc.message)
    return _redirect(f"/console/alerts/{quote(alert_id, safe='')}#history")


@router.post("/console/alerts/{alert_id}/comments")
def comment(alert_id: str, console: Posted, text: Annotated[str, Form(max_length=10_000)] = "") -> Response:
    alerts = console.svc.alerts
    return _after_alert_change(console, alert_id, lambda: alerts.comment(console.user, alert_id, text))


@router.post("/console/alerts/{alert_id}/decision")
def decide(
    alert_id: str,
    console: Posted,
    state: Annotated[str, Form(max_length=40)] = "",
    note: Annotated[str, Form(max_length=10_000)] = "",
) -> Response:
    return _after_alert_change(
        console, alert_id, lambda: console.svc.alerts.decide(console.user, alert_id, state, note or None)
    )


@router.post("/console/alerts/{alert_id}/assign")
def assign(alert_id: str, console: Posted, assignee: Annotated[str, Form(max_length=10)] = "") -> Response:
    to = console.user.user_id if assignee == "me" else None
    alerts = console.svc.alerts
    return _after_alert_change(console, alert_id, lambda: alerts.assign(console.user, alert_id, to))


# -- lanes -----------------------------------------------------------------------------------------------


def _simulations(console: Console) -> list[JobView]:
    """The user's simulated days, newest first (jobs are paged oldest first; a few pages at most)."""
    found: list[JobView] = []
    cursor = None
    for _ in range(20):
        page = console.svc.jobs.page(console.user, cursor, MAX_LIMIT)
        found.extend(j for j in page.items if j.kind == "simulation")
        cursor = page.next
        if cursor is None:
            break
    return found[::-1][:20]


def _lanes_page(console: Console, status: int = 200, error: str | None = None, **form: Any) -> Response:
    try:
        ports = console.svc.crossings.ports(console.user, None, MAX_LIMIT).items
    except CruceError as exc:
        return _failed(console, exc, "lanes", "Lane board")
    jobs = _simulations(console) if _may(console.user, "jobs") else []
    return _page(
        console, "lanes.html", "lanes", "Lane board", status, ports=ports, jobs=jobs, error=error,
        can_simulate=_may(console.user, "simulate"),
        form={"port": "2504", "day": "2025-06-04", "seed": "7", "scale": "0.01", **form},
    )  # fmt: skip


@router.get("/console/lanes", response_class=HTMLResponse)
def lanes_page(console: SignedIn) -> Response:
    """Ports, and the user's simulated days with the lane counts of each."""
    return _lanes_page(console)


@router.post("/console/lanes")
def simulate(
    console: Posted,
    port: Annotated[str, Form(max_length=100)] = "",
    day: Annotated[str, Form(max_length=20)] = "",
    seed: Annotated[str, Form(max_length=12)] = "7",
    scale: Annotated[str, Form(max_length=12)] = "0.01",
) -> Response:
    """Run a simulated day at a port (a job); its board shows the lanes when it is done."""
    form = {"port": port, "day": day, "seed": seed, "scale": scale}
    try:
        try:
            when, number, share = date.fromisoformat(day) if day else None, int(seed), float(scale)
        except ValueError as exc:
            raise InputError("bad_field", "the day is YYYY-MM-DD, the seed a whole number, the scale a "
                             "number above 0 and at most 0.1") from exc  # fmt: skip
        if not 0 <= number <= 2**31:
            raise InputError("bad_seed", "the seed is 0 to 2147483648")
        job = console.svc.crossings.simulate(
            console.user, {"port": port, "day": when, "seed": number, "scale": share}
        )
    except CruceError as exc:
        return _lanes_page(console, http_status(exc), exc.message, **form)
    return _redirect(f"/console/lanes/{quote(job.job_id, safe='')}")


@router.get("/console/lanes/{job_id}", response_class=HTMLResponse)
def lane_board(job_id: str, request: Request, console: SignedIn) -> Response:
    """One simulated day: counts per lane, budget use per hour, recent referrals (polled until done)."""
    try:
        job = console.svc.jobs.job(console.user, job_id)
    except CruceError as exc:
        return _failed(console, exc, "lanes", "Lane board")
    try:
        names = {p.code: p.name for p in console.svc.crossings.ports(console.user, None, MAX_LIMIT).items}
    except CruceError:
        names = {}
    template = "_board.html" if _htmx(request) else "board.html"
    return _page(
        console, template, "lanes", f"Lane board {job.summary.get('port', '')}", job=job, port_names=names
    )


# -- products --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Draft:
    """The editor's fields as typed: what the form shows again, and what becomes the product."""

    product_id: str = ""
    kind: str = "intelligence-report"
    title: tuple[str, str] = ("", "U")
    portions: list[tuple[str, str]] | None = None
    summary: tuple[str, str] = ("", "")

    def rows(self) -> list[tuple[str, str]]:
        return self.portions if self.portions else [("", "")] * EDITOR_ROWS

    def fields(self, owner: str, *, preview: bool = False) -> dict[str, Any]:
        """The API's product fields; a preview fills text not yet written so markings roll up anyway."""

        def portion(text: str, marking: str) -> dict[str, str]:
            return {"text": text or ("…" if preview else ""), "marking": marking}

        rows = [(t, m) for t, m in self.rows() if t.strip() or m.strip()]
        text, marking = self.summary
        return {
            "product_id": self.product_id.strip() or ("draft" if preview else ""), "kind": self.kind,
            "owner": owner, "title": portion(*self.title), "portions": [portion(t, m) for t, m in rows],
            "tearline_summary": portion(text, marking) if text.strip() or marking.strip() else None,
        }  # fmt: skip

    def marking_errors(self, owner: str) -> dict[str, str]:
        """Each marking field's own error, by field id, so the editor shows it beside the field."""
        fields = {"title-marking": self.title[1], "summary-marking": self.summary[1]}
        fields.update({f"portion-{i}-marking": m for i, (_, m) in enumerate(self.rows(), start=1)})
        errors = {}
        for field_id, marking in fields.items():
            if not marking.strip():
                continue
            try:
                Marking.parse(marking, owner)
            except MarkingError as exc:
                errors[field_id] = exc.message
        return errors


def _draft_form(
    *,
    product_id: Annotated[str, Form(max_length=200)] = "",
    kind: Annotated[str, Form(max_length=40)] = "intelligence-report",
    title_text: Annotated[str, Form(max_length=20_000)] = "",
    title_marking: Annotated[str, Form(max_length=200)] = "",
    portion_text: Annotated[list[str] | None, Form()] = None,
    portion_marking: Annotated[list[str] | None, Form()] = None,
    summary_text: Annotated[str, Form(max_length=20_000)] = "",
    summary_marking: Annotated[str, Form(max_length=200)] = "",
) -> Draft:
    texts = [t[:20_000] for t in (portion_text or [])]
    markings = [m[:200] for m in (portion_marking or [])]
    rows = list(zip_longest(texts, markings, fillvalue=""))[:MAX_PORTIONS]
    return Draft(product_id, kind, (title_text, title_marking), rows, (summary_text, summary_marking))


DraftFields = Annotated[Draft, Depends(_draft_form)]


def _preview(console: Console, draft: Draft) -> dict[str, Any]:
    """The live panel's content: banner (or the first error) and each partner's tear line."""
    owner = console.user.organisation.country
    errors = draft.marking_errors(owner)
    preview: dict[str, Any] = {
        "errors": errors, "banner": None, "problem": None, "tear_lines": {}, "refusal": None,
    }  # fmt: skip
    if errors:
        first = next(iter(errors))
        preview["problem"] = f"{_field_label(first)}: {errors[first]}"
        return preview
    try:
        got = console.svc.products.draft(console.user, draft.fields(owner, preview=True), PARTNERS)
    except CruceError as exc:
        preview["problem"] = exc.message
        return preview
    preview.update(banner=got.banner, tear_lines=got.tear_lines, refusal=got.refusal)
    return preview


def _field_label(field_id: str) -> str:
    if field_id.startswith("portion-"):
        return f"Portion {field_id.split('-')[1]} marking"
    return {"title-marking": "Title marking", "summary-marking": "Summary marking"}.get(field_id, field_id)


def _editor(console: Console, draft: Draft, status: int = 200, error: str | None = None) -> Response:
    return _page(
        console, "product_edit.html", "products", "Write a product", status, draft=draft,
        preview=_preview(console, draft), error=error, owner=console.user.organisation.country,
    )  # fmt: skip


@router.get("/console/products", response_class=HTMLResponse)
def products_page(console: SignedIn, cursor: Annotated[str | None, Query(max_length=500)] = None) -> Response:
    try:
        page = console.svc.products.page(console.user, cursor, 50)
    except CruceError as exc:
        return _failed(console, exc, "products", "Products")
    return _page(
        console, "products.html", "products", "Products", page=page,
        can_write=_may(console.user, "products_draft"),
    )  # fmt: skip


@router.get("/console/products/new", response_class=HTMLResponse)
def product_editor(console: SignedIn) -> Response:
    return _editor(console, Draft())


@router.post("/console/products/preview", response_class=HTMLResponse)
def product_preview(console: Posted, draft: DraftFields) -> Response:
    """The editor's live banner and tear-line previews (htmx), with each marking field's error."""
    return _page(
        console, "_preview.html", "products", "Preview", preview=_preview(console, draft), draft=draft,
        oob=True,
    )  # fmt: skip


@router.post("/console/products", response_class=HTMLResponse)
def save_product(
    console: Posted, draft: DraftFields, action: Annotated[str, Form(max_length=20)] = "save"
) -> Response:
    """Save the product, or (the "add a portion" button) show the editor again with one more row."""
    if action == "add":
        rows = draft.rows()
        draft.portions = [*rows, ("", "")] if len(rows) < MAX_PORTIONS else rows
        return _editor(console, draft)
    try:
        saved = console.svc.products.create(console.user, draft.fields(console.user.organisation.country))
    except CruceError as exc:
        return _editor(console, draft, http_status(exc), exc.message)
    return _redirect(f"/console/products/{quote(saved.product_id, safe='')}")


@router.get("/console/products/{product_id}", response_class=HTMLResponse)
def product_page(product_id: str, console: SignedIn) -> Response:
    """The product as the user may read it; for a reader of the whole, each partner's tear line beside."""
    try:
        got = console.svc.products.with_tear_lines(console.user, product_id, PARTNERS)
    except CruceError as exc:
        return _failed(console, exc, "products", "Product")
    return _page(
        console, "product.html", "products", f"Product {product_id}", product=got.product,
        tear_lines=got.tear_lines,
    )  # fmt: skip


# -- audit -----------------------------------------------------------------------------------------------


@router.get("/console/audit", response_class=HTMLResponse)
def audit_page(
    console: SignedIn,
    actor: Annotated[str | None, Query(max_length=255)] = None,
    verify: Annotated[bool, Query()] = False,
) -> Response:
    """The newest audit records, newest first, and (on request) a check of the hash chain."""
    try:
        records = console.svc.audit_trail.latest(console.user, AUDIT_PAGE, actor or None)
        checked = console.svc.audit_trail.verify(console.user) if verify else None
    except CruceError as exc:
        return _failed(console, exc, "audit", "Audit")
    return _page(
        console, "audit.html", "audit", "Audit", records=records, actor=actor or "", checked=checked,
        limit=AUDIT_PAGE,
    )  # fmt: skip


@router.get("/console/audit/verify", response_class=HTMLResponse)
def audit_verify(console: SignedIn) -> Response:
    """The hash chain's check alone (htmx loads it into the audit page)."""
    try:
        checked = console.svc.audit_trail.verify(console.user)
    except CruceError as exc:
        return _failed(console, exc, "audit", "Audit")
    return _page(console, "_verify.html", "audit", "Audit", checked=checked)
