"""The console's HTTP surface without a browser (TestClient): sign-in and sessions, CSRF, redirects when
signed out, escaping, the live banner endpoint, and that pages show what the service layer decides."""

from __future__ import annotations

import time

from api_fixtures import Node
from console_fixtures import CSRF, SIGNIN, sign_in
from fastapi.testclient import TestClient
from sharing_fixtures import PASSWORD

from cruce.web import session

NOFORN_WITH_REL = "S//NOFORN/REL TO USA, MEX"


def test_signed_out_pages_send_you_to_sign_in(app_client: TestClient) -> None:
    app_client.cookies.clear()
    pages = ("/console/screen", "/console/alerts", "/console/lanes", "/console/products", "/console/audit")
    for path in pages:
        got = app_client.get(path, follow_redirects=False)
        assert got.status_code == 303, path
        assert got.headers["location"] == f"/?next={path}"
    htmx = app_client.post("/console/products/preview", headers={"HX-Request": "true"}, data={"csrf": "x"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/"
    front = app_client.get("/console/alerts")  # followed: the sign-in form, remembering where to go
    assert 'name="next" value="/console/alerts"' in front.text and "Sign in" in front.text


def test_sign_in_sets_a_signed_http_only_strict_cookie(app_client: TestClient, node: Node) -> None:
    app_client.cookies.clear()
    form = app_client.get("/")
    token = SIGNIN.search(form.text)
    assert token
    done = app_client.post(
        "/sign-in", data={"username": "usa.analyst", "password": PASSWORD, "signin": token.group(1),
                          "next": "/console/alerts"}, follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == "/console/alerts"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(session.SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    value = app_client.cookies[session.SESSION_COOKIE].strip('"')
    token_part = value.rpartition(".")[0]
    assert token_part.startswith("cruce_at_")
    # Only the token's hash is stored; the key that signs cookies stays in the data directory, private.
    key_file = node.settings.data_dir / session.KEY_FILE
    assert key_file.stat().st_mode & 0o077 == 0
    # A tampered cookie is no session.
    app_client.cookies.set(session.SESSION_COOKIE, value[:-2] + "xx")
    assert app_client.get("/console/screen", follow_redirects=False).status_code == 303


def test_sign_in_refuses_wrong_passwords_forms_without_their_token_and_foreign_next(
    app_client: TestClient,
) -> None:
    app_client.cookies.clear()
    token = SIGNIN.search(app_client.get("/").text)
    assert token
    wrong = app_client.post(
        "/sign-in", data={"username": "usa.analyst", "password": "nope", "signin": token.group(1)}
    )
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text.lower()
    forged = app_client.post("/sign-in", data={"username": "usa.analyst", "password": PASSWORD})
    assert forged.status_code == 403 and session.SESSION_COOKIE not in app_client.cookies
    token = SIGNIN.search(app_client.get("/").text)
    assert token
    away = app_client.post(
        "/sign-in", data={"username": "usa.analyst", "password": PASSWORD, "signin": token.group(1),
                          "next": "//evil.example/console"}, follow_redirects=False,
    )  # fmt: skip
    assert away.headers["location"] == "/console/screen"
    # The sign-in page says only its own sentences, whatever a link puts in `why`.
    app_client.cookies.clear()
    assert "Call 555" not in app_client.get("/?why=Call+555+now").text
    assert "You have signed out." in app_client.get("/?why=out").text


def test_post_forms_need_the_session_csrf_token(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    refused = app_client.post("/console/screen", data={"name": "Juan Carlos Hernandez"})
    assert refused.status_code == 403
    forged = csrf[:-1] + ("A" if csrf[-1] != "A" else "B")
    wrong = app_client.post("/console/screen", data={"name": "Juan Carlos Hernandez", "csrf": forged})
    assert wrong.status_code == 403
    assert app_client.post("/sign-out", data={}).status_code == 403
    ok = app_client.post("/console/screen", data={"name": "Juan Carlos Hernandez", "csrf": csrf})
    assert ok.status_code == 200 and "HERNANDEZ LOPEZ, Juan Carlos" in ok.text


def test_screening_shows_each_feature_reason_and_escapes_what_was_typed(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.officer")
    got = app_client.post(
        "/console/screen",
        data={"name": "Juan Carlos Hernandez", "birth_date": "1975-03-02", "country": "MX", "csrf": csrf},
    )
    assert got.status_code == 200
    assert "us-ofac-sdn:9101" in got.text and "birth date 1975-03-02 agrees" in got.text
    assert got.headers["Content-Security-Policy"].startswith("default-src 'self'")
    hostile = app_client.post(
        "/console/screen", data={"name": "<script>alert(1)</script>", "csrf": csrf},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert "<script>alert(1)" not in hostile.text and "&lt;script&gt;alert(1)" in hostile.text
    assert "<html" not in hostile.text  # htmx gets the results fragment only
    bad = app_client.post("/console/screen", data={"name": "Ana", "birth_date": "31/31/31", "csrf": csrf})
    assert bad.status_code == 400 and 'role="alert"' in bad.text


def test_banner_endpoint_returns_the_marking_error(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    got = app_client.post(
        "/console/products/preview",
        data={"csrf": csrf, "title_text": "T", "title_marking": "U", "portion_text": ["a"],
              "portion_marking": [NOFORN_WITH_REL]},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert got.status_code == 200
    assert "NOFORN and REL TO contradict each other" in got.text
    assert 'id="err-portion-1-marking"' in got.text and "No banner" in got.text


def test_banner_endpoint_rolls_up_and_previews_each_partner(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    got = app_client.post(
        "/console/products/preview",
        data={"csrf": csrf, "title_text": "Routes", "title_marking": "U",
              "portion_text": ["For Mexico", "Source detail", "For Canada"],
              "portion_marking": ["S//REL TO USA, MEX", "S//NOFORN", "S//REL TO USA, CAN"],
              "summary_text": "Shipments rise", "summary_marking": "U//FOUO"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    assert got.status_code == 200
    assert "SECRET//NOFORN" in got.text
    mex, can = got.text.split('id="preview-MEX"')[1].split('id="preview-CAN"')
    assert "For Mexico" in mex and "Source detail" not in mex and "For Canada" not in mex
    assert "For Canada" in can and "Source detail" not in can and "For Mexico" not in can
    assert "SECRET//REL TO USA, MEX" in mex and "Shipments rise" in mex


def test_an_officer_reads_alerts_but_gets_no_forms_to_work_them(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.officer")
    screened = app_client.post(
        "/console/screen", data={"name": "Aurelio Zambrano Fuentes", "birth_date": "1961", "csrf": csrf}
    )
    alert_id = screened.text.split('href="/console/alerts/')[1].split('"')[0]
    page = app_client.get(f"/console/alerts/{alert_id}")
    assert page.status_code == 200 and "Why it alerted" in page.text
    assert "/decision" not in page.text
    refused = app_client.post(
        f"/console/alerts/{alert_id}/decision", data={"csrf": csrf, "state": "false_positive"}
    )
    assert refused.status_code == 403 and "role analyst is needed" in refused.text
    assert "You may" not in refused.text


def test_audit_is_for_auditors(app_client: TestClient) -> None:
    sign_in(app_client, "usa.analyst")
    assert app_client.get("/console/audit").status_code == 403
    sign_in(app_client, "usa.auditor")
    page = app_client.get("/console/audit")
    assert page.status_code == 200 and "usa.analyst" in page.text
    checked = app_client.get("/console/audit/verify", headers={"HX-Request": "true"})
    assert "The chain is intact" in checked.text


def test_lane_board_runs_a_day_and_shows_lanes_budget_and_referrals(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    started = app_client.post(
        "/console/lanes",
        data={"csrf": csrf, "port": "2504", "day": "2025-06-04", "seed": "7", "scale": "0.01"},
        follow_redirects=False,
    )  # fmt: skip
    assert started.status_code == 303, started.text
    board_url = started.headers["location"]
    deadline = time.monotonic() + 60
    while True:
        board = app_client.get(board_url)
        if "Crossings per lane" in board.text or time.monotonic() > deadline:
            break
        assert 'hx-trigger="every 1s"' in board.text  # still running: the board polls itself
        time.sleep(0.2)
    assert "Crossings per lane" in board.text, board.text
    assert "Inspection budget use per hour" in board.text and "Recent referrals" in board.text
    listing = app_client.get("/console/lanes")
    assert board_url in listing.text
    bad = app_client.post("/console/lanes", data={"csrf": csrf, "port": "2504", "scale": "0.5"})
    assert bad.status_code == 400 and "scale" in bad.text


def test_sign_out_ends_the_console_session(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    kept = dict(app_client.cookies)  # a copy of the session cookie, as a thief would keep it
    out = app_client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert app_client.get("/console/screen", follow_redirects=False).status_code == 303
    assert CSRF.search(app_client.get("/").text) is None
    app_client.cookies.update(kept)  # the token was revoked on the server, not only forgotten by the browser
    assert app_client.get("/console/screen", follow_redirects=False).status_code == 303


def test_editor_adds_rows_without_javascript_and_reports_a_taken_id(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "usa.analyst")
    form = {"csrf": csrf, "product_id": "report:web-1", "title_text": "Routes", "title_marking": "U",
            "portion_text": ["For Mexico"], "portion_marking": ["S//REL TO USA, MEX"]}  # fmt: skip
    more = app_client.post("/console/products", data={**form, "action": "add"})
    assert more.status_code == 200 and 'id="portion-2-marking"' in more.text
    assert 'value="S//REL TO USA, MEX"' in more.text  # what was typed is kept
    alone = app_client.post("/console/products", data=form, follow_redirects=False)
    assert alone.status_code == 403 and "needs a releasing" in alone.text  # an analyst alone keeps it home
    form["csrf"] = sign_in(app_client, "usa.everything")  # analyst and releasing officer
    saved = app_client.post("/console/products", data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/console/products/report%3Aweb-1"
    again = app_client.post("/console/products", data=form)
    assert again.status_code == 409 and "exists already" in again.text
    officer_csrf = sign_in(app_client, "usa.officer")
    refused = app_client.post(
        "/console/products/preview", data={"csrf": officer_csrf, "title_text": "T", "title_marking": "U"}
    )
    assert "role analyst is needed" in refused.text
