"""`cruce incidents …` through the real CLI: a US sitrep read by MEX at its tear line, a refusal above the
writer's clearance (a clear message, no traceback, nothing stored), assistance, a repatriation refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_fixtures import cli_env, run_cli


def _account(data: Path, user: str, country: str, clearance: str, *roles: str) -> None:
    role_args = [arg for role in roles for arg in ("--role", role)]
    added = subprocess.run(
        [sys.executable, "-m", "cruce.cli.main", "share", "accounts", "add", user,
         "--org", f"{country.lower()}-gov", "--country", country, "--clearance", clearance,
         *role_args, "--password-stdin"],
        env=cli_env(data), input="s3cret pass\n", capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr


def test_incident_sitrep_tear_line_assistance_and_repatriation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _account(data, "ana", "USA", "S", "analyst", "releasing_officer")
    _account(data, "carl", "USA", "C", "analyst")
    _account(data, "maria", "MEX", "S", "analyst", "releasing_officer")
    opened = run_cli(data, "incidents", "open", "hurricane", "Hurricane Beryl", "--as", "ana",
                     "--marking", "C//REL TO USA, MEX")  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    incident = opened.stdout.split()[1]
    wrote = run_cli(data, "incidents", "sitrep", incident, "--as", "ana",
                    "--portion", "S//NOFORN|Substation 2301 backup failed.",
                    "--portion", "S//REL TO USA, MEX|Brownsville closed; traffic to Hidalgo.")  # fmt: skip
    assert wrote.returncode == 0, wrote.stderr
    shown = run_cli(data, "incidents", "show", incident, "--as", "maria")
    assert shown.returncode == 0, shown.stderr
    assert "Brownsville closed" in shown.stdout and "backup failed" not in shown.stdout
    assert "SECRET//REL TO USA, MEX" in shown.stdout and "1 portion(s) not released to MEX" in shown.stdout

    refused = run_cli(data, "incidents", "sitrep", incident, "--as", "carl", "--portion", "S|levee breach")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "clearance CONFIDENTIAL is below the content's SECRET" in refused.stderr + refused.stdout
    home = run_cli(data, "incidents", "show", incident, "--as", "ana")
    assert "levee breach" not in home.stdout and "backup failed" in home.stdout

    asked = run_cli(data, "incidents", "assist", "request", incident, "--as", "ana", "--to", "MEX",
                    "--what", "two water tankers")  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    request = asked.stdout.split(":")[0] + ":" + asked.stdout.split(":")[1]
    offered = run_cli(data, "incidents", "assist", "offered", request, "--as", "maria")
    assert offered.returncode == 0 and "offered" in offered.stdout, offered.stderr

    manifest = tmp_path / "manifest.csv"
    manifest.write_text("given_name,birth_year,nationality\nRosa,1990,MEX\nJuan,1985,MEX\n", encoding="utf-8")
    # Manifests are screened as any crossing is: with no watchlist imported the hand-over is refused
    # clearly and nothing is stored (the receipt flow itself is tested in test_respond_store.py).
    sent = run_cli(
        data, "incidents", "repatriate", manifest, "--as", "ana", "--to", "MEX", "--port", "Nogales"
    )
    assert sent.returncode == 2 and "no watchlist is imported yet" in sent.stderr
    assert "Traceback" not in sent.stderr


def test_stored_assessment_and_its_partner_view_through_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    _account(data, "ana", "USA", "S", "analyst", "releasing_officer")
    _account(data, "maria", "MEX", "S", "analyst")
    markings = tmp_path / "markings.yaml"
    markings.write_text(
        "markings:\n  assets:\n    default: S//REL TO USA, CAN, MEX\n    kind:power_substation: S//NOFORN\n",
        encoding="utf-8",
    )
    ran = run_cli(data, "assess", "run", "--example", "--samples", "200", "--workers", "1",
                  "--store-as", "ana", "--markings", markings)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    stored = ran.stdout.split("stored ")[1].split()[0]
    wide = {"COLUMNS": "250"}  # the asset table whole, not cut to 80 columns
    home = run_cli(data, "assess", "show", stored, "--as", "ana", env=wide)
    assert home.returncode == 0 and "power_substation" in home.stdout, home.stderr
    mex = run_cli(data, "assess", "show", stored, "--as", "maria", env=wide)
    assert mex.returncode == 0, mex.stderr
    assert (
        "port_of_entry" in mex.stdout and "power_substation" not in mex.stdout and "NOFORN" not in mex.stdout
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("markings:\n  assets:\n    default: S//NOFORN//REL TO USA, MEX\n", encoding="utf-8")
    refused = run_cli(data, "assess", "run", "--example", "--samples", "200", "--workers", "1",
                      "--store-as", "ana", "--markings", bad)  # fmt: skip
    assert refused.returncode == 2 and "markings.assets.default" in refused.stderr
    assert "Traceback" not in refused.stderr
