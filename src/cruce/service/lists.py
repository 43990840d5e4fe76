"""Use cases for keeping watchlists current: import files a person has, or fetch the official ones.

Downloads land in `<data_dir>/downloads/<list>/<UTC timestamp>/` and stay there, so every stored version
can be traced back to the exact bytes it was read from (the version also records their sha256).
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import httpx
from pydantic import BaseModel

from cruce.core.clock import Clock, utc_now
from cruce.core.errors import CruceError, InputError, NotFoundError
from cruce.lists.base import KNOWN_LISTS, ImportResult, load_list
from cruce.lists.diff import ListDiff
from cruce.service.index import IndexView, MatcherIndex
from cruce.service.paging import Page, check_limit, decode_cursor, key_page, page_of
from cruce.service.policy import Gate
from cruce.sharing.access import User
from cruce.sharing.audit import AuditEvent, Outcome
from cruce.storage.audit import AuditLog
from cruce.storage.store import PruneResult, Store, VersionInfo, file_sha256

if TYPE_CHECKING:
    from sqlalchemy import Connection

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 60.0
CLI_ACTOR = "cli"
"""Who the audit log names for what the command line does (it has no signed-in user)."""
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def import_list(
    store: Store, list_id: str, paths: Sequence[Path | str], *, retention: int = 0, actor: str = CLI_ACTOR
) -> tuple[VersionInfo, ImportResult]:
    """Read `paths` as list `list_id` and store them as its next version, all or nothing.

    With `retention` (CRUCE_LIST_RETENTION) above 0, older versions beyond that many are pruned after.
    """
    result = load_list(list_id, [Path(p) for p in paths])
    version = store.save_import(result)
    log.info("list_imported list=%s version=%d summary=%r", list_id, version.version, result.summary())
    if retention > 0:
        prune_lists(store, retention, list_id=list_id, actor=actor)
    return version, result


def prune_lists(
    store: Store, keep: int, *, list_id: str | None = None, actor: str = CLI_ACTOR, clock: Clock = utc_now
) -> PruneResult:
    """Keep the newest `keep` versions of each list (or of `list_id`); the deletion is audited with it."""
    audit = AuditLog.of(store)

    def record(conn: Connection, result: PruneResult) -> None:
        event = AuditEvent(
            at=clock(), actor=actor, action="lists.prune", resource=list_id or "*", outcome=Outcome.ALLOWED,
            reason=f"retention: keep the newest {keep} version(s) of each list",
            details={"removed": list(result.removed), "abandoned_imports": result.abandoned},
        )  # fmt: skip
        audit.append_on(conn, [event])

    result = store.prune(keep, list_id, record=record)
    log.info(
        "lists_pruned keep=%d removed=%d abandoned=%d contents_removed=%d",
        keep, len(result.removed), result.abandoned, result.contents_removed,
    )  # fmt: skip
    return result


@dataclass(frozen=True, slots=True)
class Download:
    """One file to fetch for a list: where from, and the name to save it under."""

    url: str
    filename: str


def official_downloads(list_id: str, base_url: str | None = None) -> list[Download]:
    """The publisher's files for a known list, or the same file names under a mirror's `base_url`."""
    spec = KNOWN_LISTS.get(list_id)
    if spec is None or spec.generic or not spec.urls:
        known = ", ".join(sorted(k for k, s in KNOWN_LISTS.items() if s.urls and not s.generic))
        raise InputError(
            "unknown_list",
            f"cruce does not know where to download {list_id!r}; known lists: {known}. "
            "Import your own files with `cruce lists import` instead.",
            {"list_id": list_id},
        )
    names = spec.files if len(spec.files) == len(spec.urls) else _filenames(spec.urls)
    if base_url is not None:
        _check_mirror_url(base_url)
        return [Download(f"{base_url.rstrip('/')}/{name}", name) for name in names]
    return [Download(url, name) for url, name in zip(spec.urls, names, strict=True)]


def _check_mirror_url(base_url: str) -> None:
    """A mirror must be an http(s) URL with a host; anything else is the user's typo, not a network fault."""
    try:
        parsed = httpx.URL(base_url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise InputError("bad_url", f"--base-url {base_url!r} is not a URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(
            "bad_url", f"--base-url {base_url!r} must look like http://host/path or https://host/path"
        )


def update_lists(
    store: Store,
    data_dir: Path,
    list_ids: Sequence[str] | None = None,
    *,
    urls: Mapping[str, Sequence[str]] | None = None,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    clock: Clock = utc_now,
    force: bool = False,
    retention: int = 0,
) -> list[tuple[VersionInfo, ImportResult | None]]:
    """Download each list's files and import them as a new version; returns one entry per list.

    Lists come from `list_ids`, else the keys of `urls`, else every known official list. `urls` gives a
    list's file URLs explicitly; `base_url` points at a mirror holding the publisher's file names. Lists
    are handled one after another and each import is its own transaction, so a failure stops the run
    with a CruceError that names the list and the URL, and keeps the lists already updated.

    When the files are byte for byte those of the list's active version, no new version is written
    (a daily update would otherwise store identical copies of every list): the entry holds the active
    version and None (the files are not parsed again). `force=True` imports them anyway.
    """
    explicit = {k: list(v) for k, v in (urls or {}).items()}
    if list_ids is not None:
        chosen = list(list_ids)
    elif explicit:
        chosen = list(explicit)
    else:
        chosen = sorted(k for k, s in KNOWN_LISTS.items() if s.urls and not s.generic)
    plans = {
        list_id: (
            [Download(u, n) for u, n in zip(explicit[list_id], _filenames(explicit[list_id]), strict=True)]
            if list_id in explicit
            else official_downloads(list_id, base_url)
        )
        for list_id in chosen
    }
    for list_id, downloads in plans.items():
        if not downloads:
            raise InputError("no_urls", f"no URLs given for {list_id}", {"list_id": list_id})
    stamp = _as_stamp(clock)
    results: list[tuple[VersionInfo, ImportResult | None]] = []
    with httpx.Client(timeout=timeout, follow_redirects=True, headers={"User-Agent": "cruce"}) as client:
        for list_id, downloads in plans.items():
            folder = _new_folder(data_dir / "downloads" / list_id, stamp)
            try:
                paths = [_download(client, d, folder, list_id, timeout) for d in downloads]
            except BaseException:
                shutil.rmtree(folder, ignore_errors=True)  # an incomplete set of files is of no use
                raise
            active = next((v for v in store.latest_versions() if v.list_id == list_id), None)
            if not force and active is not None and _same_files(active, paths):
                log.info("list_unchanged list=%s version=%d", list_id, active.version)
                results.append((active, None))
                continue
            results.append(import_list(store, list_id, paths, retention=retention))
    return results


def _same_files(version: VersionInfo, paths: Sequence[Path]) -> bool:
    """True when `paths` have the names and sha256 digests recorded for `version`."""
    recorded = {f.name: f.sha256 for f in version.source_files}
    if None in recorded.values() or len(recorded) != len(paths):
        return False
    return all(recorded.get(p.name) == file_sha256(p) for p in paths)


def _download(client: httpx.Client, item: Download, folder: Path, list_id: str, timeout: float) -> Path:
    """Fetch one file to `folder`, via a `.part` file so a broken transfer never looks complete."""
    target = folder / item.filename
    partial = target.with_name(target.name + ".part")
    details = {"list_id": list_id, "url": item.url}
    host = urlsplit(item.url).netloc or item.url
    try:
        with client.stream("GET", item.url) as response:
            if response.status_code >= 400:
                raise CruceError(
                    "download_failed",
                    f"{item.url} answered HTTP {response.status_code} {response.reason_phrase}; "
                    f"{list_id} was not updated",
                    {**details, "status": response.status_code},
                )
            with partial.open("wb") as handle:
                for chunk in response.iter_bytes():
                    handle.write(chunk)
        partial.replace(target)
    except httpx.TimeoutException as exc:
        raise CruceError(
            "network_timeout",
            f"{host} did not answer within {timeout:g} s while fetching {item.url}; "
            "try again later or raise --timeout",
            details,
        ) from exc
    except httpx.TransportError as exc:
        raise CruceError(
            "network_unreachable",
            f"cannot reach {host} to fetch {list_id} ({exc.__class__.__name__}: {exc or 'no detail'}); "
            "check the network or proxy, or download the files by hand and use `cruce lists import`",
            details,
        ) from exc
    finally:
        partial.unlink(missing_ok=True)  # a no-op once the file is complete and renamed
    log.info("list_downloaded list=%s url=%s bytes=%d", list_id, item.url, target.stat().st_size)
    return target


def _filenames(urls: Sequence[str]) -> tuple[str, ...]:
    """Safe, distinct local names for URLs: each one's last path segment, else `file<n>`."""
    names: list[str] = []
    for index, url in enumerate(urls, start=1):
        segment = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
        name = _SAFE_NAME.sub("_", segment).strip("._") or f"file{index}"
        if name in names:
            name = f"{index}-{name}"
        names.append(name)
    return tuple(names)


def _as_stamp(clock: Clock) -> str:
    return clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _new_folder(parent: Path, stamp: str) -> Path:
    """A fresh folder for this run; a second run within the same second gets a suffix, never a merge."""
    parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise CruceError("download_failed", f"cannot create a download folder under {parent}")


# -- the lists, for a signed-in user ---------------------------------------------------------------------


class VersionView(BaseModel):
    list_id: str
    version: int
    key: str
    imported_at: str
    entity_count: int
    skipped_count: int
    status: str
    active: bool
    source_files: list[dict[str, Any]]

    @classmethod
    def of(cls, v: VersionInfo) -> VersionView:
        return cls(
            list_id=v.list_id, version=v.version, key=v.key, imported_at=v.imported_at.isoformat(),
            entity_count=v.entity_count, skipped_count=v.skipped_count, status=v.status.value,
            active=v.active, source_files=[{"name": f.name, "sha256": f.sha256} for f in v.source_files],
        )  # fmt: skip


class ListView(BaseModel):
    list_id: str
    title: str
    publisher: str
    format: str
    url: str | None
    active_version: VersionView | None


class ListsPage(Page[ListView]):
    """The lists, and what the server screens against now."""

    screening: IndexView


class Lists:
    """The watchlists a node holds and the index it screens against; reloading is an administrator's."""

    def __init__(self, store: Store, index: MatcherIndex, gate: Gate) -> None:
        self.store = store
        self.index = index
        self.gate = gate

    def page(self, user: User, cursor: str | None, limit: int) -> ListsPage:
        self.gate.allow(user, "lists_read", "lists")
        active = {v.list_id: v for v in self.store.latest_versions()}
        items = [
            ListView(
                list_id=w.id, title=w.title, publisher=w.publisher, format=w.format, url=w.url,
                active_version=VersionView.of(active[w.id]) if w.id in active else None,
            )
            for w in self.store.watchlists()
        ]  # fmt: skip
        page, more, last = key_page(items, lambda i: i.list_id, cursor, check_limit(limit))
        self.gate.record(user, "read", "lists", details={"count": len(page)})
        found = page_of(page, more, last)
        return ListsPage(items=found.items, next=found.next, screening=self.index.view())

    def versions(self, user: User, list_id: str, cursor: str | None, limit: int) -> Page[VersionView]:
        self.gate.allow(user, "lists_read", f"lists/{list_id}")
        found = self.store.list_versions(list_id)
        if not found:
            raise NotFoundError("list_not_found", f"no list {list_id!r} was ever imported")
        after = decode_cursor(cursor, int)
        rest = [v for v in found if after is None or v.version > after]
        page = rest[: check_limit(limit)]
        self.gate.record(user, "read", f"lists/{list_id}/versions", details={"count": len(page)})
        last = page[-1].version if page else None
        return page_of([VersionView.of(v) for v in page], len(rest) > limit, last)

    def reload(self, user: User) -> IndexView:
        """Rebuild the matcher from the store's active versions (after an import)."""
        self.gate.allow(user, "lists_reload", "lists")
        view = self.index.load()
        versions = {"versions": view.versions}
        self.gate.record(user, "reload", "lists", reason="matcher rebuilt", details=versions)
        return view


# -- the catalog, for the node's operator (`cruce lists ls`, `cruce lists diff`) --------------------------


def versions(store: Store, *, all_versions: bool = False) -> list[VersionInfo]:
    """Every stored version (oldest first within each list), or only the active ones."""
    return store.list_versions() if all_versions else store.latest_versions()


@dataclass(frozen=True, slots=True)
class VersionDiff:
    list_id: str
    old: int
    new: int
    diff: ListDiff


def diff_versions(store: Store, list_id: str, old: int | None = None, new: int | None = None) -> VersionDiff:
    """What changed between two versions of a list: by default the latest and the one before it."""
    numbers = sorted(v.version for v in store.list_versions(list_id))
    if not numbers:
        known = sorted({v.list_id for v in store.latest_versions()})
        hint = f"imported lists: {', '.join(known)}" if known else "no list is imported yet"
        raise InputError("unknown_list", f"list {list_id!r} was never imported; {hint}")
    newer = new if new is not None else numbers[-1]
    older = [n for n in numbers if n < newer]
    if old is None and not older:
        raise InputError(
            "one_version",
            f"{list_id} has no version before {newer} (versions: {', '.join(map(str, numbers))}); "
            "a diff needs two — import a newer version first, or give --from and --to",
        )
    base = old if old is not None else older[-1]
    for wanted in (base, newer):
        if wanted not in numbers:
            raise InputError(
                "unknown_version",
                f"{list_id} has no version {wanted}; its versions are {', '.join(map(str, numbers))}",
            )
    return VersionDiff(list_id, base, newer, store.diff(list_id, base, newer))
