"""Console test helpers: sign a TestClient in through the form, and find a page's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sharing_fixtures import PASSWORD

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SIGNIN = re.compile(r'name="signin" value="([^"]+)"')


def sign_in(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Sign `client` in as `user` through the form; returns the session's CSRF token."""
    client.cookies.clear()
    form = client.get("/")
    token = SIGNIN.search(form.text)
    assert token, form.text
    done = client.post(
        "/sign-in", data={"username": user, "password": password, "signin": token.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert done.status_code == 303, done.text
    page = client.get("/console/screen")
    found = CSRF.search(page.text)
    assert found, page.text
    return found.group(1)
