"""`cruce cases ...` as a user runs it: open, add parts, hand over, verify, check, refer, answer, export."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from cli_fixtures import run_cli

from cruce.storage.sharing import SharingStore
from cruce.storage.store import open_store


def _accounts(data_dir: Path) -> None:
    with open_store(f"sqlite:///{data_dir / 'cruce.db'}") as store:
        sharing = SharingStore(store.engine)
        for user, org, country, roles in (
            ("ana", "cbp", "USA", ["analyst"]),
            ("ro", "cbp-release", "USA", ["releasing_officer"]),
            ("fgr", "fgr", "MEX", ["analyst"]),
        ):
            sharing.add_account(user, organisation=org, country=country, clearance="S", roles=roles)


def test_a_case_from_opening_to_the_partner_answer(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _accounts(data)
    rel = "S//REL TO USA, MEX"

    def ok(*args: str | Path) -> str:
        done = run_cli(data, "cases", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    ok("open", "Sasabe rescue", "-m", rel, "--id", "c1", "--as", "ana")
    ok(
        "add-subject",
        "c1",
        "person",
        "Juan Pérez",
        "-m",
        rel,
        "--id",
        "s1",
        "--identifier",
        "passport=G1",
        "--as",
        "ana",
    )
    ok("add-subject", "c1", "person", "Source BRAVO", "-m", "S//NOFORN", "--id", "s2", "--as", "ana")
    ok(
        "add-event",
        "c1",
        "rescue",
        "--at",
        "2026-03-01T04:00Z",
        "--place",
        "Sasabe",
        "--description",
        "abandoned in the desert",
        "-m",
        rel,
        "--subject",
        "s1",
        "--migrants",
        "11",
        "--endangered",
        "--as",
        "ana",
    )
    image = tmp_path / "phone.bin"
    image.write_bytes(b"extraction")
    out = ok(
        "add-evidence",
        "c1",
        image,
        "--description",
        "phone",
        "--place",
        "Tucson",
        "-m",
        rel,
        "--id",
        "ev1",
        "--holder",
        "agent-a",
        "--as",
        "ana",
    )
    assert "sha256" in out
    ok(
        "handover",
        "c1",
        "ev1",
        "--from",
        "agent-a",
        "--to",
        "lab",
        "--place",
        "Tucson",
        "--purpose",
        "analysis",
        "--as",
        "ana",
    )
    # out of order: agent-a no longer holds it
    bad = run_cli(
        data,
        "cases",
        "handover",
        "c1",
        "ev1",
        "--from",
        "agent-a",
        "--to",
        "court",
        "--place",
        "x",
        "--purpose",
        "trial",
        "--as",
        "ana",
    )
    assert bad.returncode == 2 and "held by lab, not agent-a" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run_cli(data, "cases", "add-subject", "c1", "spaceship", "X", "-m", rel, "--as", "ana")
    assert unknown.returncode == 2 and "unknown subject kind 'spaceship'" in unknown.stderr
    assert "2 custody entries" in ok("verify", "c1", "--as", "ana")
    assert "met" in ok("check", "c1", "--partner", "MEX", "--as", "ana")
    ok("investigate", "c1", "--as", "ana")
    refused = run_cli(data, "cases", "refer", "c1", "--partner", "MEX", "--as", "ana")
    assert refused.returncode == 1 and "releasing_officer" in refused.stderr
    assert "1 withheld" in ok("refer", "c1", "--partner", "MEX", "--as", "ro")
    seen = json.loads(ok("show", "c1", "--json", "--as", "fgr"))
    assert [s["name"] for s in seen["subjects"]] == ["Juan Pérez"] and seen["view"] == "MEX"
    bundle = tmp_path / "c1-mex.json"
    ok("export", "c1", "--partner", "MEX", "-o", bundle, "--as", "ro")
    assert "Source BRAVO" not in bundle.read_text(encoding="utf-8")
    assert "accepted" in ok("accept", "c1", "--as", "fgr")
    assert "c1" in ok("ls", "--as", "fgr")
    graph = tmp_path / "net.graphml"
    shown = ok("network", "--as", "ana", "--subject", "c1/s1", "--hops", "1", "-o", graph)
    assert "ring of 1 around c1/s1" in shown and graph.read_text(encoding="utf-8").startswith("<?xml")
    assert "Source BRAVO" in graph.read_text(encoding="utf-8")
    preview = tmp_path / "net-mex.json"
    ok("network", "--as", "ana", "--partner", "MEX", "-o", preview)
    labels = {n["label"] for n in json.loads(preview.read_text(encoding="utf-8"))["nodes"]}
    assert "Juan Pérez" in labels and "Source BRAVO" not in labels  # the NOFORN informant stays home
    # the stored image is replaced behind cruce's back: verify flags it and exits 1
    with sqlite3.connect(data / "cruce.db") as conn:
        conn.execute("UPDATE case_evidence_contents SET content = ? WHERE evidence_id = 'ev1'", (b"edited",))
    changed = run_cli(data, "cases", "verify", "c1", "--as", "ana")
    assert changed.returncode == 1
    assert "ev1 changed: its content no longer matches the sha256 taken at intake" in changed.stdout


def test_resolve_accept_split_and_complete_a_task_from_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    _accounts(data)
    nf = "S//NOFORN"

    def run(*args: str) -> tuple[int, str, str]:
        done = run_cli(data, "cases", *args)
        return done.returncode, done.stdout, done.stderr

    def ok(*args: str) -> str:
        code, out, err = run(*args)
        assert code == 0, err
        return out

    ok("open", "Recruiters", "-m", nf, "--id", "c1", "--as", "ana")
    ok("open", "Reclutadores", "-m", nf, "--id", "m1", "--as", "fgr")
    for case, sid, name, who in (
        ("c1", "s1", "Ma. Guadalupe Hernández López", "ana"),
        ("c1", "s2", "María Guadalupe Hernandez", "ana"),
        ("m1", "s9", "María Guadalupe Hernández", "fgr"),
    ):
        ok("add-subject", case, "person", name, "-m", nf, "--id", sid, "--as", who)
    listed = json.loads(ok("resolve", "list", "--json", "--as", "ana"))
    assert [(p["a"], p["b"], p["verdict"], p["state"]) for p in listed] == [("c1/s1", "c1/s2", "review", "")]
    assert "ma~maria" in listed[0]["explanation"]
    assert json.loads(ok("resolve", "list", "--json", "--as", "fgr")) == []  # MEX sees no USA subject
    pid = listed[0]["proposal_id"]
    code, _, err = run("resolve", "accept", pid, "--as", "fgr")
    assert code != 0 and "no resolution proposal" in err and "Traceback" not in err
    assert "now one entity" in ok("resolve", "accept", pid, "--reason", "same photo", "--as", "ana")
    assert "resolved Ma. Guadalupe" in ok("network", "--as", "ana")
    code, _, err = run("resolve", "split", pid, "--as", "ro")
    assert code != 0 and "say why" in err and "Traceback" not in err
    assert "now apart" in ok("resolve", "split", pid, "--reason", "two women", "--as", "ro")
    assert "resolved" not in ok("network", "--as", "ana")
    trail = ok("resolve", "history", "--as", "ana").splitlines()
    assert [line.split()[3] for line in trail] == ["accepted", "split"]
    ok("add-task", "c1", "call the lab", "-m", nf, "--as", "ana")
    task = json.loads(ok("show", "c1", "--json", "--as", "ana"))["tasks"][0]["task_id"]
    assert "done by ro" in ok("complete-task", "c1", task, "--note", "called", "--as", "ro")
    shown = json.loads(ok("show", "c1", "--json", "--as", "ana"))["tasks"][0]
    assert shown["done"] is True and shown["done_by"] == "ro"
    code, _, err = run("complete-task", "c1", task, "--as", "ana")
    assert code != 0 and "completed by ro" in err and "Traceback" not in err
