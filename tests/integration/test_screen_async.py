"""`Screener.screen_async` (the API's screening coroutine) keeps `screen`'s semantics: a refusal is audited,
a screening that alerts writes its alerts with their audit record, and every result comes back only once its
audit record is committed. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_fixtures import Node, prepare

from cruce.core.errors import InputError
from cruce.service.policy import AccessDeniedError
from cruce.service.services import ServiceConfig, Services
from cruce.sharing.access import User
from cruce.sharing.audit import Outcome
from cruce.storage.credentials import FAST_POLICY
from cruce.storage.store import open_store

OCAMPO = {"name": "Ernesto Ocampo Rivas", "birth_date": "1958-11-11"}
NOBODY = {"name": "Zxqv Plomb"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Services, Node]]:
    url = str(request.getfixturevalue("postgres_url")) if request.param == "postgres" else None
    node = prepare(tmp_path, url)
    with open_store(node.settings.resolved_database_url()) as store:
        svc = Services(store, ServiceConfig(data_dir=node.settings.data_dir, passwords=FAST_POLICY))
        svc.start()
        try:
            yield svc, node
        finally:
            svc.close()


def user(svc: Services, node: Node, user_id: str) -> User:
    return svc.accounts.authenticate(None, node.keys[user_id])


def test_a_quiet_screening_is_answered_only_once_its_audit_record_is_committed(
    services: tuple[Services, Node],
) -> None:
    svc, node = services
    officer = user(svc, node, "usa.officer")
    before = svc.audit.head().seq
    result = asyncio.run(svc.screening.screen_async(officer, NOBODY))
    assert result.alerts == [] and not any(m.alert for m in result.matches)  # the path with no thread
    # Read straight after the answer, from another connection: the record is already there.
    (record,) = [r for r in svc.audit.records(after_seq=before) if r.event.action == "screen"]
    assert record.event.actor == "usa.officer" and record.event.resource == "person:Zxqv Plomb"
    assert record.event.outcome is Outcome.ALLOWED and record.event.country == "USA"
    assert svc.audit.verify().ok


def test_an_alerting_screening_raises_the_same_alert_as_the_blocking_path(
    services: tuple[Services, Node],
) -> None:
    svc, node = services
    officer = user(svc, node, "usa.officer")
    first = asyncio.run(svc.screening.screen_async(officer, OCAMPO))
    (alert_id,) = first.alerts
    assert first.matches[0].entity_id == "us-ofac-sdn:9106"
    again = svc.screening.screen(officer, OCAMPO)  # still open: the same alert, not a second one
    assert again.alerts == [alert_id]
    screened = [r.event for r in svc.audit.records() if r.event.action == "screen"]
    assert [e.details["alerts"] for e in screened] == [[alert_id], [alert_id]]


def test_a_refusal_is_audited_and_bad_input_refused_before_anything_is_written(
    services: tuple[Services, Node],
) -> None:
    svc, node = services
    nobody = user(svc, node, "usa.none")
    before = svc.audit.head().seq
    with pytest.raises(AccessDeniedError):
        asyncio.run(svc.screening.screen_async(nobody, OCAMPO))
    (denied,) = svc.audit.records(after_seq=before)
    assert denied.event.action == "screen" and denied.event.outcome is Outcome.DENIED
    officer = user(svc, node, "usa.officer")
    after_denial = svc.audit.head().seq
    with pytest.raises(InputError):
        asyncio.run(svc.screening.screen_async(officer, OCAMPO, top=0))
    with pytest.raises(InputError):
        asyncio.run(svc.screening.screen_async(officer, {"name": "Ernesto\x00Ocampo"}))
    assert svc.audit.head().seq == after_denial
