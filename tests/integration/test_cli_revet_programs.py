"""Re-vetting wired to the programs service, through the real CLI (a new process per command): a list
update naming a member suspends the membership and queues the alert; re-running changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_fixtures import run_cli

APPLICATION = Path(__file__).parent.parent / "data" / "programs" / "sentri-applicant.yaml"
OCAMPO = {"id": "1", "schema": "Person", "properties": {"name": ["Ernesto OCAMPO RIVAS"]}}
IBARRA = {
    "id": "2",
    "schema": "Person",
    "properties": {
        "name": ["IBARRA QUINTERO, Lucia Fernanda"],
        "birthDate": ["1983-04-23"],
        "nationality": ["mx"],
    },
}


def cli(data: Path, *args: str | Path) -> str:
    result = run_cli(data, *args, env={"CRUCE_NODE_COUNTRY": "USA"})
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return " ".join(result.stdout.split())


def write(path: Path, *entities: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in entities), encoding="utf-8")
    return path


def test_a_list_import_naming_a_member_suspends_it_at_the_next_revet(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    cli(data, "lists", "import", "--list", "mx-wanted", write(tmp_path / "v1.json", OCAMPO))
    out = cli(data, "programs", "apply", APPLICATION, "--officer", "ana")
    app = re.search(r"application (application:[0-9a-f]+) submitted", out)
    assert app is not None, out
    assert "recommendation: clear" in cli(data, "programs", "vet", app.group(1), "--officer", "ana")
    cli(data, "programs", "decide", app.group(1), "interview", "--reason", "clear", "--officer", "ana")
    out = cli(
        data, "programs", "decide", app.group(1), "approve", "--reason", "interviewed", "--officer", "ana"
    )
    granted = re.search(r"membership (\S+) granted", out)
    assert granted is not None, out
    member = granted.group(1)

    # The list's next version names the member: importing it queues one re-vetting of the diff (here left
    # for `cruce programs revet`, as a node whose re-vetting runs on a schedule does).
    v2 = write(tmp_path / "v2.json", OCAMPO, IBARRA)
    cli(data, "lists", "import", "--list", "mx-wanted", v2, "--no-revet")
    assert "active" in cli(data, "programs", "show", member)
    out = cli(data, "programs", "revet")
    assert (
        "mx-wanted@2" in out and f"{member} (applicant Lucía Fernanda Ibarra Quintero) ~ mx-wanted:2" in out
    )
    shown = cli(data, "programs", "show", member)
    assert "active → suspended" in shown and "re-vetting: applicant" in shown
    assert shown.count("alert:") == 1 and "open IBARRA QUINTERO" in shown  # the alert waits in the queue
    assert "nothing to re-vet" in cli(data, "programs", "revet")  # each version exactly once
    # A full re-vetting screens active members only: the suspended member gets no second alert.
    cli(data, "programs", "revet", "--full")
    assert cli(data, "programs", "show", member).count("alert:") == 1


def test_a_list_import_re_vets_the_members_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from programs_fixtures import application
    from typer.testing import CliRunner

    from cruce.cli.config import load_settings, open_configured_store
    from cruce.cli.main import app
    from cruce.service.programs import Actor, ProgramService

    monkeypatch.setenv("CRUCE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("CRUCE_DATABASE_URL", raising=False)
    runner = CliRunner()
    first = runner.invoke(
        app, ["lists", "import", "--list", "mx-wanted", str(write(tmp_path / "v1.json", OCAMPO))]
    )
    assert first.exit_code == 0 and "Re-vetted" not in first.output  # no member yet: the run waits
    officer = Actor("ana", "USA")
    with open_configured_store(load_settings()) as store:
        programs = ProgramService(store)
        app_id = programs.apply(officer, application("sentri-applicant")).application_id
        programs.vet(officer, app_id)
        programs.decide(officer, app_id, "interview", "clear")
        member = programs.decide(officer, app_id, "approve", "interviewed").membership
    assert member is not None
    v2 = write(tmp_path / "v2.json", OCAMPO, IBARRA)
    second = runner.invoke(app, ["lists", "import", "--list", "mx-wanted", str(v2)])
    assert second.exit_code == 0, second.output
    out = " ".join(second.output.split())
    assert "Re-vetted members against run 2: mx-wanted@2 (after @1): 1 new hit" in out
    assert f"{member.membership_id} (applicant Lucía Fernanda Ibarra Quintero) ~ mx-wanted:2" in out
    with open_configured_store(load_settings()) as store:
        page = ProgramService(store).member(officer, member.membership_id)
    assert page.membership.state.value == "suspended" and len(page.alerts) == 1
    assert "nothing to re-vet" in runner.invoke(app, ["programs", "revet"]).output
