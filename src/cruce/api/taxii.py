"""The TAXII 2.1 server: discovery, one API root (`/cruce/`), collections, objects (get, add, delete),
manifest, versions, status.

Discovery answers at `/taxii2/` of the standalone server (`cruce share serve`) and at the mount point of
`cruce serve` (`/taxii2/`, and `/taxii2/taxii2/`); the API root it names is under the mount (`root_path`).

`create_taxii_app(database_url)` builds the app; routes are thin and call
`cruce.service.sharing.TaxiiService`, which checks permissions, filters by markings in the query and
writes the audit log. Errors (ours and HTTP's) are TAXII error messages in one place (`_error`).

Authentication is on every endpoint, discovery included: HTTP Basic (checked against the account's argon2id
hash, throttled per account and client address like every sign-in: `cruce.service.signin`) or
`Authorization: Bearer <token>` (checked by its sha256). No credentials, or wrong ones, is 401
with a `WWW-Authenticate` challenge; a collection the account has no right to is 403.

Media types: TAXII resources are `application/taxii+json;version=2.1`. Object envelopes are served as that
too, or as `application/stix+json;version=2.1` when the client asks for that instead (older clients do);
an Accept header naming neither (nor a wildcard) gets 406. Pages carry `more` and an opaque `next`
(a keyset position, see `cruce.sharing.exchange.PagePosition`) and the `X-TAXII-Date-Added-First/Last`
headers. Objects are served as the JSON text stored, joined into the envelope without re-encoding.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError, ThrottledError
from cruce.service.sharing import (
    STIX_MEDIA,
    TAXII_MEDIA,
    ForbiddenError,
    TaxiiService,
    UnauthenticatedError,
    envelope_objects,
    taxii_service,
)
from cruce.service.signin import ThrottlePolicy
from cruce.sharing.exchange import ObjectFilter, VersionPick, stix_timestamp, unstorable_text
from cruce.storage.credentials import PasswordHasher
from cruce.storage.sharing import Account, Page
from cruce.storage.store import open_store

API_ROOT = "cruce"
MAX_CONTENT_LENGTH = 50 * 1024 * 1024
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # how a (lone) surrogate can arrive in JSON
CHALLENGE = 'Basic realm="cruce", Bearer realm="cruce"'


def _json(
    body: Any, status: int = 200, media: str = TAXII_MEDIA, headers: dict[str, str] | None = None
) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status_code=status, media_type=media, headers=headers)


def _error(status: int, title: str, description: str, headers: dict[str, str] | None = None) -> Response:
    body = {"title": title, "description": description, "http_status": str(status)}
    return _json(body, status, headers=headers)


def create_taxii_app(
    database_url: str,
    *,
    clock: Clock = utc_now,
    title: str = "cruce TAXII server",
    node_country: str | None = None,
    hasher: PasswordHasher | None = None,
    throttle: ThrottlePolicy | None = None,
) -> FastAPI:
    """A TAXII 2.1 server on the database at `database_url` (migrated to the newest schema on start).

    `node_country` is this node's country: content a foreign account posts under TLP:RED or AMBER+STRICT
    reaches only that account's country and this one (without it, only the poster's country).
    `hasher` is the process's password hasher (shared with the REST API when mounted in it, so one cap
    bounds every password check); Basic sign-ins go through the same throttle as the API's and console's.
    """
    store = open_store(database_url, clock=clock)
    service = taxii_service(store, clock=clock, node_country=node_country, hasher=hasher, throttle=throttle)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title=title, docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.service = service
    app.state.store = store
    _handlers(app)
    _routes(app, service, title)
    return app


def app_from_settings() -> FastAPI:
    """The server on the database the settings name: uvicorn's factory for `cruce share serve`."""
    from cruce.core.settings import Settings

    settings = Settings()
    settings.ensure_data_dir()
    return create_taxii_app(settings.resolved_database_url(), node_country=settings.node_country)


def _handlers(app: FastAPI) -> None:
    @app.exception_handler(ThrottledError)
    def _429(_r: Request, exc: ThrottledError) -> Response:
        return _error(429, "Too Many Requests", exc.message, {"Retry-After": str(exc.retry_after_s)})

    @app.exception_handler(UnauthenticatedError)
    def _401(_r: Request, exc: UnauthenticatedError) -> Response:
        return _error(401, "Unauthorized", exc.message, {"WWW-Authenticate": CHALLENGE})

    @app.exception_handler(ForbiddenError)
    def _403(_r: Request, exc: ForbiddenError) -> Response:
        return _error(403, "Forbidden", exc.message)

    @app.exception_handler(NotFoundError)
    def _404(_r: Request, exc: NotFoundError) -> Response:
        return _error(404, "Not Found", exc.message)

    @app.exception_handler(InputError)
    def _400(_r: Request, exc: InputError) -> Response:
        return _error(400, "Bad Request", exc.message)

    @app.exception_handler(CruceError)
    def _500(_r: Request, exc: CruceError) -> Response:
        return _error(500, "Server Error", exc.message)

    @app.exception_handler(StarletteHTTPException)
    def _http(_r: Request, exc: StarletteHTTPException) -> Response:
        return _error(exc.status_code, "Error", str(exc.detail), dict(exc.headers or {}))

    @app.exception_handler(RequestValidationError)
    def _invalid(_r: Request, exc: RequestValidationError) -> Response:
        return _error(400, "Bad Request", str(exc.errors()[:1]))


def _account(request: Request) -> Account:
    """The account named by `Authorization` (Basic or Bearer); 401, audited, without valid credentials."""
    service: TaxiiService = request.app.state.service
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return service.authenticate(token=value.strip())
    if scheme.lower() == "basic" and value.strip():
        try:
            user, sep, password = (
                base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            )
        except (binascii.Error, UnicodeDecodeError):
            user, sep, password = "", "", ""
        if sep:
            address = request.client.host if request.client else None
            return service.authenticate(user=user, password=password, address=address)
    return service.authenticate()


AuthedAccount = Annotated[Account, Depends(_account)]


def _media(request: Request, *, objects: bool = False) -> str:
    """The media type to answer with; 406 when the client accepts neither TAXII nor (for objects) STIX."""
    accept = request.headers.get("accept", "").replace(" ", "").lower()
    if not accept or "application/taxii+json" in accept or "*/*" in accept or "application/*" in accept:
        return TAXII_MEDIA
    if objects and "application/stix+json" in accept:
        return STIX_MEDIA
    raise StarletteHTTPException(406, f"this server answers {TAXII_MEDIA}; the request accepts only {accept}")


def _page_response(page: Page, body_items: str, key: str, media: str, extra: str = "") -> Response:
    head = '{"more":' + ("true" if page.more else "false")
    if page.more and page.last is not None:
        head += ',"next":' + json.dumps(page.last.encode())
    text = head + extra + f',"{key}":[' + body_items + "]}"
    headers = {}
    if page.objects:
        headers["X-TAXII-Date-Added-First"] = stix_timestamp(page.objects[0].date_added)
        headers["X-TAXII-Date-Added-Last"] = stix_timestamp(page.objects[-1].date_added)
    return Response(text, media_type=media, headers=headers)


def _routes(app: FastAPI, service: TaxiiService, title: str) -> None:
    root = f"/{API_ROOT}"

    def collection_body(collection: Any, read: bool, write: bool) -> dict[str, Any]:
        return {
            "id": collection.id,
            "title": collection.title,
            "description": collection.description,
            "can_read": read,
            "can_write": write,
            "media_types": [STIX_MEDIA],
        }

    def discovery(request: Request, account: AuthedAccount) -> Response:
        # the API root under wherever this app is mounted (`cruce serve` mounts it at /taxii2)
        mount = str(request.scope.get("root_path") or "").rstrip("/")
        here = str(request.url.replace(path=f"{mount}/{API_ROOT}/", query="", fragment=""))
        return _json(
            {
                "title": title,
                "description": "cruce partner sharing: objects are served only where their markings allow",
                "default": here,
                "api_roots": [here],
            },
            media=_media(request),
        )

    # `/taxii2/` standalone; mounted at /taxii2 the same path is the mount's `/` (and `/taxii2/` below it)
    app.add_api_route("/taxii2/", discovery, methods=["GET"])
    app.add_api_route("/", discovery, methods=["GET"], include_in_schema=False)

    @app.get(f"{root}/")
    def api_root(request: Request, account: AuthedAccount) -> Response:
        return _json(
            {
                "title": title,
                "description": "cruce's one API root",
                "versions": [TAXII_MEDIA],
                "max_content_length": MAX_CONTENT_LENGTH,
            },
            media=_media(request),
        )

    @app.get(f"{root}/collections/")
    def collections(request: Request, account: AuthedAccount) -> Response:
        found = [collection_body(*item) for item in service.collections(account)]
        return _json({"collections": found} if found else {}, media=_media(request))

    @app.get(f"{root}/collections/{{collection_id}}/")
    def collection(request: Request, collection_id: str, account: AuthedAccount) -> Response:
        return _json(collection_body(*service.collection(account, collection_id)), media=_media(request))

    @app.get(f"{root}/collections/{{collection_id}}/objects/")
    def get_objects(request: Request, collection_id: str, account: AuthedAccount) -> Response:
        media = _media(request, objects=True)
        flt = ObjectFilter.from_query(request.query_params.multi_items())
        page = service.objects(account, collection_id, flt)
        return _page_response(page, ",".join(o.data for o in page.objects), "objects", media)

    @app.post(f"{root}/collections/{{collection_id}}/objects/")
    async def add_objects(request: Request, collection_id: str, account: AuthedAccount) -> Response:
        media = _media(request)
        ctype = request.headers.get("content-type", "").replace(" ", "").lower()
        if not ctype.startswith(("application/taxii+json", "application/stix+json", "application/json")):
            return _error(415, "Unsupported Media Type", f"send the envelope as {TAXII_MEDIA}")
        raw = await request.body()
        if len(raw) > MAX_CONTENT_LENGTH:
            return _error(413, "Payload Too Large", f"at most {MAX_CONTENT_LENGTH} bytes per request")
        try:
            body = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than any STIX object
            return _error(400, "Bad Request", "the body is not JSON (or is nested too deeply)")
        if _SURROGATE_ESCAPE.search(raw) and unstorable_text(body) is not None:
            return _error(400, "Bad Request", "the body holds a lone UTF-16 surrogate, which is no character")
        objects = envelope_objects(body)
        status = await run_in_threadpool(service.add, account, collection_id, objects)
        return _json(status, 202, media=media)

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    def get_object(request: Request, collection_id: str, object_id: str, account: AuthedAccount) -> Response:
        media = _media(request, objects=True)
        flt = ObjectFilter.from_query([*request.query_params.multi_items(), ("match[id]", object_id)])
        page = service.objects(account, collection_id, flt, what=f"objects/{object_id}")
        if not page.objects:
            raise NotFoundError("object_not_found", f"no object {object_id} here for {account.user_id}")
        return _page_response(page, ",".join(o.data for o in page.objects), "objects", media)

    @app.delete(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/")
    def delete_object(
        request: Request, collection_id: str, object_id: str, account: AuthedAccount
    ) -> Response:
        media = _media(request)
        params = [
            (k, v)
            for k, v in request.query_params.multi_items()
            if k in ("match[version]", "match[spec_version]")
        ]
        flt = ObjectFilter.from_query([*params, ("match[id]", object_id)], default_version=VersionPick.ALL)
        service.delete(account, collection_id, object_id, flt)
        return Response(status_code=200, media_type=media)

    @app.get(f"{root}/collections/{{collection_id}}/objects/{{object_id}}/versions/")
    def versions(request: Request, collection_id: str, object_id: str, account: AuthedAccount) -> Response:
        media = _media(request)
        params = [(k, v) for k, v in request.query_params.multi_items() if k != "match[version]"]
        flt = ObjectFilter.from_query(
            [*params, ("match[id]", object_id), ("match[version]", VersionPick.ALL)]
        )
        page = service.objects(account, collection_id, flt, what=f"objects/{object_id}/versions")
        if not page.objects:
            raise NotFoundError("object_not_found", f"no object {object_id} here for {account.user_id}")
        items = ",".join(json.dumps(o.version) for o in sorted(page.objects, key=lambda o: o.version))
        return _page_response(page, items, "versions", media)

    @app.get(f"{root}/collections/{{collection_id}}/manifest/")
    def manifest(request: Request, collection_id: str, account: AuthedAccount) -> Response:
        media = _media(request)
        flt = ObjectFilter.from_query(request.query_params.multi_items())
        page = service.objects(account, collection_id, flt, what="manifest")
        items = ",".join(
            json.dumps(
                {
                    "id": o.object_id,
                    "date_added": stix_timestamp(o.date_added),
                    "version": o.version,
                    "media_type": STIX_MEDIA,
                }
            )
            for o in page.objects
        )
        return _page_response(page, items, "objects", media)

    @app.get(f"{root}/status/{{status_id}}/")
    def status(request: Request, status_id: str, account: AuthedAccount) -> Response:
        return _json(service.status(account, status_id), media=_media(request))


ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/taxii2/"),
    ("GET", f"/{API_ROOT}/"),
    ("GET", f"/{API_ROOT}/collections/"),
    ("GET", f"/{API_ROOT}/collections/{{collection}}/"),
    ("GET", f"/{API_ROOT}/collections/{{collection}}/objects/"),
    ("POST", f"/{API_ROOT}/collections/{{collection}}/objects/"),
    ("GET", f"/{API_ROOT}/collections/{{collection}}/objects/{{object}}/"),
    ("DELETE", f"/{API_ROOT}/collections/{{collection}}/objects/{{object}}/"),
    ("GET", f"/{API_ROOT}/collections/{{collection}}/objects/{{object}}/versions/"),
    ("GET", f"/{API_ROOT}/collections/{{collection}}/manifest/"),
    ("GET", f"/{API_ROOT}/status/{{status}}/"),
)
"""Every endpoint, for tests and documentation: each one requires authentication."""
