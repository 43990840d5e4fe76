"""Importing and updating lists end to end: files on disk or on a local HTTP server, into a real store."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cruce.core.errors import CruceError, ImportFailedError, InputError
from cruce.core.model import Schema
from cruce.service.lists import import_list, official_downloads, update_lists
from cruce.storage.store import Store, open_store

SDN_V1 = (
    '306,"BANCO NACIONAL DE CUBA",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"a.k.a. \'BNC\'."\r\n'
    '7001,"HERNANDEZ LOPEZ, Juan Carlos","individual","SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,'
    '"DOB 12 Jan 1970; nationality Mexico; Gender Male."\r\n'
)
SDN_V2 = (
    SDN_V1
    + '7002,"PEREZ GARCIA, Maria",individual,"SDNTK",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1980."\r\n'
)
ALT = '7001,101,"aka","EL JUANCHO",-0- \r\n'
ADD = '306,201,"Zweierstrasse 35","Zurich CH-8022","Switzerland",-0- \r\n'


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; a machine's proxy must not stand between the test and 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def web_root(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A real HTTP server on 127.0.0.1 serving the files the test puts in the returned folder."""
    root = tmp_path / "www"
    root.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with open_store(f"sqlite:///{tmp_path / 'data' / 'cruce.db'}") as opened:
        yield opened


def publish(root: Path, sdn: str = SDN_V1) -> None:
    (root / "sdn.csv").write_text(sdn, encoding="utf-8")
    (root / "alt.csv").write_text(ALT, encoding="utf-8")
    (root / "add.csv").write_text(ADD, encoding="utf-8")


def fixed_clock(moment: datetime) -> Any:
    return lambda: moment


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_import_list_stores_files_from_disk(store: Store, tmp_path: Path) -> None:
    publish(tmp_path)
    version, result = import_list(
        store, "us-ofac-sdn", [tmp_path / n for n in ("sdn.csv", "alt.csv", "add.csv")]
    )
    assert version.key == "us-ofac-sdn@1" and version.entity_count == len(result.entities) == 2
    person = next(e for e in store.load_entities() if e.schema is Schema.PERSON)
    assert person.id == "us-ofac-sdn:7001"
    assert "EL JUANCHO" in {n.text for n in person.names}
    assert sorted(f.name for f in version.source_files) == ["add.csv", "alt.csv", "sdn.csv"]


def test_import_of_a_bad_file_stores_nothing(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "sdn.csv"
    bad.write_text("this is not a watchlist\n", encoding="utf-8")
    with pytest.raises(ImportFailedError):
        import_list(store, "us-ofac-sdn", [bad])
    assert store.list_versions() == []


def test_update_downloads_official_files_and_imports_a_new_version_each_time(
    store: Store, tmp_path: Path, web_root: tuple[str, Path]
) -> None:
    base_url, root = web_root
    data_dir = tmp_path / "data"
    publish(root)
    [(first, result)] = update_lists(
        store, data_dir, ["us-ofac-sdn"], base_url=base_url, timeout=5,
        clock=fixed_clock(datetime(2025, 3, 1, 6, 30, tzinfo=UTC)),
    )  # fmt: skip
    folder = data_dir / "downloads" / "us-ofac-sdn" / "20250301T063000Z"
    assert sorted(p.name for p in folder.iterdir()) == ["add.csv", "alt.csv", "sdn.csv"]
    assert (folder / "sdn.csv").read_bytes() == SDN_V1.encode()
    assert (
        first.key == "us-ofac-sdn@1" and first.entity_count == 2 and result is not None and not result.skipped
    )
    digests = {f.name: f.sha256 for f in first.source_files}
    assert digests["sdn.csv"] == hashlib.sha256(SDN_V1.encode()).hexdigest()

    # Same files again: nothing new is stored, the active version is reported.
    [(same, unchanged)] = update_lists(store, data_dir, ["us-ofac-sdn"], base_url=base_url, timeout=5)
    assert same.id == first.id and [v.key for v in store.list_versions()] == ["us-ofac-sdn@1"]
    assert unchanged is None  # the files were not parsed again

    # The publisher adds a person; the next update (same second: folder must not be reused) sees it.
    publish(root, SDN_V2)
    [(second, _)] = update_lists(
        store, data_dir, ["us-ofac-sdn"], base_url=base_url, timeout=5,
        clock=fixed_clock(datetime(2025, 3, 1, 6, 30, tzinfo=UTC)),
    )  # fmt: skip
    assert (
        data_dir / "downloads" / "us-ofac-sdn" / "20250301T063000Z-2" / "sdn.csv"
    ).read_bytes() == SDN_V2.encode()
    assert second.key == "us-ofac-sdn@2" and second.active
    diff = store.diff("us-ofac-sdn", 1, 2)
    assert [e.id for e in diff.added] == ["us-ofac-sdn:7002"] and not diff.removed and not diff.changed


def test_update_with_explicit_urls(store: Store, tmp_path: Path, web_root: tuple[str, Path]) -> None:
    base_url, root = web_root
    publish(root)
    (root / "mirror").mkdir()
    (root / "mirror" / "sdn.csv").write_text(SDN_V2, encoding="utf-8")
    urls = {"us-ofac-sdn": [f"{base_url}/mirror/sdn.csv", f"{base_url}/alt.csv"]}
    [(version, _)] = update_lists(store, tmp_path / "data", urls=urls, timeout=5)
    assert version.entity_count == 3
    assert sorted(f.name for f in version.source_files) == ["alt.csv", "sdn.csv"]
    # force: a new version even though the files did not change.
    [(again, _)] = update_lists(store, tmp_path / "data", urls=urls, timeout=5, force=True)
    assert again.version == 2 and store.diff("us-ofac-sdn", 1, 2).is_empty


def test_unreachable_network_is_a_clear_error_and_changes_nothing(store: Store, tmp_path: Path) -> None:
    base_url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(CruceError) as caught:
        update_lists(store, tmp_path / "data", ["us-ofac-sdn"], base_url=base_url, timeout=5)
    assert caught.value.code == "network_unreachable"
    assert "cannot reach 127.0.0.1" in caught.value.message
    assert caught.value.details["list_id"] == "us-ofac-sdn"
    assert store.list_versions() == []
    assert list((tmp_path / "data" / "downloads" / "us-ofac-sdn").iterdir()) == []


def test_missing_file_on_the_server_is_reported_with_its_url(
    store: Store, tmp_path: Path, web_root: tuple[str, Path]
) -> None:
    base_url, root = web_root
    (root / "sdn.csv").write_text(SDN_V1, encoding="utf-8")  # alt.csv and add.csv are missing
    with pytest.raises(CruceError) as caught:
        update_lists(store, tmp_path / "data", ["us-ofac-sdn"], base_url=base_url, timeout=5)
    assert caught.value.code == "download_failed"
    assert f"{base_url}/alt.csv answered HTTP 404" in caught.value.message
    assert store.list_versions() == []


def test_a_server_that_never_answers_times_out(store: Store, tmp_path: Path) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        base_url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with pytest.raises(CruceError) as caught:
            update_lists(store, tmp_path / "data", ["un-sc"], base_url=base_url, timeout=0.5)
    assert caught.value.code == "network_timeout"
    assert store.list_versions() == []


def test_unknown_list_cannot_be_downloaded(store: Store, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="known lists: "):
        update_lists(store, tmp_path / "data", ["my-own-list"])


def test_official_urls_come_from_the_registry() -> None:
    downloads = official_downloads("us-ofac-sdn")
    assert [d.filename for d in downloads] == ["sdn.csv", "alt.csv", "add.csv"]
    assert all(d.url.startswith("https://") for d in downloads)
    mirrored = official_downloads("un-sc", base_url="http://mirror.example/lists/")
    assert [d.url for d in mirrored] == ["http://mirror.example/lists/consolidated.xml"]


WATCHLISTS = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "watchlists"


@pytest.mark.shared
def test_the_real_sdn_is_stored_and_read_back_intact(store: Store) -> None:
    files = [WATCHLISTS / f"ofac_sdn_{part}.csv" for part in ("sdn", "alt", "add")]
    if not all(f.exists() for f in files):
        pytest.skip(f"real OFAC files not found in {WATCHLISTS}")
    version, result = import_list(store, "us-ofac-sdn", files)
    assert version.entity_count == len(result.entities) > 8_000
    loaded = store.load_entities()
    assert sorted(loaded, key=lambda e: e.id) == sorted(result.entities, key=lambda e: e.id)


@pytest.mark.parametrize("mirror", ["example.com/mirror", "ftp://host/x", "http://[::1"])
def test_a_mirror_that_is_not_an_http_url_is_bad_input(mirror: str) -> None:
    with pytest.raises(InputError, match="base-url"):
        official_downloads("us-ofac-sdn", base_url=mirror)
