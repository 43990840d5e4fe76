"""`cruce programs ...` run as a user runs it (a new interpreter each time) on the embedded SQLite store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from cli_fixtures import run_cli, write_ofac

APPLICATIONS = Path(__file__).parent.parent / "data" / "programs"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    files = write_ofac(tmp_path / "ofac", 1)
    result = run_cli(data, "lists", "import", *files, "--list", "us-ofac-sdn")
    assert result.returncode == 0, result.stderr
    return data


def ok(data_dir: Path, *args: str | Path) -> str:
    result = run_cli(data_dir, "programs", *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    return result.stdout


def test_enrol_a_traveler_then_suspend_the_membership(data_dir: Path) -> None:
    out = ok(
        data_dir, "apply", APPLICATIONS / "sentri-applicant.yaml", "--country", "USA", "--officer", "ana"
    )
    application_id = re.search(r"application (application:[0-9a-f]+) submitted", out)
    assert application_id is not None, out
    app = application_id.group(1)
    out = ok(data_dir, "vet", app, "--country", "USA", "--officer", "ana")
    assert "recommendation: clear" in out and "us-ofac-sdn@1" in out
    assert f"application {app} is vetting" in out
    ok(data_dir, "decide", app, "interview", "--reason", "vetting clear", "--country", "USA")
    out = ok(data_dir, "decide", app, "approve", "-r", "interviewed at Otay Mesa", "--country", "USA")
    membership = re.search(r"membership (usa-sentri-[0-9a-f]+) granted", out)
    assert membership is not None, out
    member = membership.group(1)
    out = ok(data_dir, "ls", "--members", "--country", "USA")
    assert member in out and "active" in out
    out = ok(data_dir, "suspend", member, "--reason", "named in a partner's notice", "--country", "USA")
    assert "suspended" in out
    out = " ".join(ok(data_dir, "show", member, "--country", "USA").split())
    assert "active → suspended" in out and "named in a partner's notice" in out
    assert "submitted → vetting" in out and "interviewed at Otay Mesa" in out
    # An impossible move is refused with where the application may go; exit 2, nothing changed.
    again = run_cli(data_dir, "programs", "decide", app, "deny", "-r", "late", "--country", "USA")
    assert again.returncode == 2
    assert "is approved: it cannot become denied" in again.stderr
    # Mexico's officers do not see the United States' application: exit 1, worded like a missing one.
    other = run_cli(data_dir, "programs", "show", app, "--country", "MEX")
    assert other.returncode == 1 and f"no application '{app}'" in other.stderr
    assert "No application yet." in ok(data_dir, "ls", "--country", "MEX")


def test_a_listed_applicant_is_referred_with_the_matchers_reasons(data_dir: Path) -> None:
    out = ok(data_dir, "apply", APPLICATIONS / "listed-applicant.yaml", "--country", "USA")
    app = re.findall(r"application:[0-9a-f]+", out)[0]
    out = ok(data_dir, "vet", app, "--country", "USA")
    assert "recommendation: refer" in out
    assert "HERNANDEZ LOPEZ, Juan Carlos" in out and "us-ofac-sdn:9101" in out
    assert "birth date 1975-03-02 agrees" in " ".join(out.split())


def test_bad_applications_name_the_field_to_fix(data_dir: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((APPLICATIONS / "sentri-applicant.yaml").read_text("utf-8"))
    data["applicant"]["documents"][1]["number"] = "IAQL830423MSRBNC08"  # wrong check digit
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, default=str), "utf-8")
    result = run_cli(data_dir, "programs", "apply", bad, "--country", "USA")
    assert result.returncode == 2
    assert "applicant.documents[1].number" in result.stderr and "check digit" in result.stderr
    data["applicant"]["documents"][1]["number"] = "IAQL830423MSRBNC07"  # fixed
    del data["applicant"]["documents"][0]  # but no passport at all
    bad.write_text(json.dumps(data, default=str), "utf-8")
    result = run_cli(data_dir, "programs", "apply", bad, "--country", "USA")
    assert (
        result.returncode == 2 and "applicant.documents: a Passport (passport) is required" in result.stderr
    )
    no_country = run_cli(data_dir, "programs", "ls")
    assert no_country.returncode == 2 and "--country" in no_country.stderr
    assert "Traceback" not in result.stderr + no_country.stderr
    missing = run_cli(data_dir, "programs", "apply", tmp_path / "nope.yaml", "--country", "USA")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
