"""Re-vetting wired to the programs service, through the real CLI (a new process per command): a list
update naming a member suspends the membership and queues the alert; re-running changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

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

    # The list's next version names the member: importing it queues one re-vetting of the diff.
    cli(data, "lists", "import", "--list", "mx-wanted", write(tmp_path / "v2.json", OCAMPO, IBARRA))
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
