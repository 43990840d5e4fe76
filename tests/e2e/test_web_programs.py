"""The programs console's HTTP surface without a browser: forms need the session's CSRF token, an officer
reads the queue but is offered no form and is refused the post, a bad decision re-renders the file with
the message, and a signed-out caller is sent to sign in."""

from __future__ import annotations

from urllib.parse import quote

from api_fixtures import Node
from console_fixtures import sign_in
from fastapi.testclient import TestClient
from programs_fixtures import application

from cruce.service.programs import Actor, ProgramService
from cruce.storage.store import open_store


def _application(node: Node) -> str:
    with open_store(node.settings.resolved_database_url()) as store:
        data = application("sentri-applicant")
        data["applicant"]["documents"][0]["number"] = "G77777777"
        data["applicant"]["documents"] = data["applicant"]["documents"][:1]
        data["applicant"]["nationality"] = "USA"
        return ProgramService(store).apply(Actor("usa.analyst", "USA"), data).application_id


def test_forms_need_the_token_and_the_role(app_client: TestClient, node: Node) -> None:
    app_id = _application(node)
    page = f"/console/programs/applications/{quote(app_id, safe='')}"
    app_client.cookies.clear()
    away = app_client.get("/console/programs", follow_redirects=False)
    assert away.status_code == 303 and away.headers["location"] == "/?next=/console/programs"

    csrf = sign_in(app_client, "usa.analyst")
    forged = app_client.post(f"{page}/vet", data={"csrf": "not-the-token"}, follow_redirects=False)
    assert forged.status_code == 403
    assert "submitted" in app_client.get(page).text  # nothing was done

    early = app_client.post(f"{page}/decision", data={"csrf": csrf, "decision": "approve", "reason": "x"})
    assert early.status_code == 409 and 'role="alert"' in early.text  # the file, with the lifecycle's word
    vetted = app_client.post(f"{page}/vet", data={"csrf": csrf}, follow_redirects=False)
    assert vetted.status_code == 303 and vetted.headers["location"].endswith("#vettings")

    officer_csrf = sign_in(app_client, "usa.officer")
    queue = app_client.get("/console/programs")
    assert queue.status_code == 200 and app_id in queue.text and "/vet" not in queue.text
    assert "Vet now" not in app_client.get(page).text
    refused = app_client.post(f"{page}/vet", data={"csrf": officer_csrf})
    assert refused.status_code == 403

    sign_in(app_client, "usa.auditor")
    assert app_client.get("/console/programs").status_code == 403  # no program reader role
