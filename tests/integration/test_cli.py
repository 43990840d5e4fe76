"""The real `cruce` command, run as a user runs it: a new process, its own data directory, small list files.

Each test writes its own fixture files (invented names; see cli_fixtures.py) and checks what a person at
the terminal would notice: the counts and lines printed, the files written, the exit status, and that a
mistake gives one red `error:` line, never a traceback.
"""

from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from cli_fixtures import (
    MALFORMED_LINE,
    closed_port_url,
    run_cli,
    serve_folder,
    write_ofac,
    write_un,
)

OUTPUT_HEADER = ["query_id", "rank", "entity_id", "score", "alert", "matched_name", "reasons", "matcher"]


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> str:
    """Exit `code`, one `error:` line on stderr holding every fragment, no traceback; returns that line."""
    output = result.stdout + result.stderr
    assert result.returncode == code, output
    assert "Traceback" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "nothing on stderr"
    assert lines[0].startswith("error: "), output
    assert len(lines) <= 2, f"an error is one line (plus a usage hint): {output}"
    for fragment in fragments:
        assert fragment in lines[0], output
    return lines[0]


def import_ofac(data_dir: Path, folder: Path, version: int = 1) -> subprocess.CompletedProcess[str]:
    files = write_ofac(folder, version)
    result = run_cli(data_dir, "lists", "import", "--list", "us-ofac-sdn", *files)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """This test's own CRUCE_DATA_DIR (created by cruce itself on first use)."""
    return tmp_path / "data"


# ---------------------------------------------------------------- help and usage


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["lists"], ["lists", "--help"], ["screen"], ["screen", "batch", "--help"], ["version"]],
    ids=lambda args: " ".join(args) or "no-args",
)
def test_help_and_bare_groups_print_help_and_exit_0(data_dir: Path, args: list[str]) -> None:
    result = run_cli(data_dir, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert "Usage: cruce" in result.stdout or result.stdout.startswith("cruce ")


def test_installed_console_script_runs(data_dir: Path) -> None:
    script = Path(sys.executable).with_name("cruce")
    if not script.is_file():
        pytest.skip("the `cruce` console script is not installed next to this interpreter")
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0
    assert "lists" in result.stdout and "screen" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["bogus"], "No such command 'bogus'"),
        (["screen", "batch"], "Missing argument"),
        (["screen", "batch", "in.csv"], "--output"),
        (["lists", "import", "sdn.csv"], "--list"),
        (["screen", "Juan", "--top", "0"], "--top"),
        (["lists", "diff"], "Missing argument"),
    ],
    ids=[
        "unknown-command",
        "batch-no-input",
        "batch-no-output",
        "import-no-list",
        "top-zero",
        "diff-no-list",
    ],
)
def test_usage_errors_exit_2_with_one_error_line(data_dir: Path, args: list[str], fragment: str) -> None:
    result = run_cli(data_dir, *args)
    assert_clean_error(result, 2, fragment)
    assert "--help" in result.stderr  # the hint says where to look


def test_errors_are_red_on_a_colour_terminal(data_dir: Path) -> None:
    env = {"FORCE_COLOR": "1", "TERM": "xterm"}
    result = run_cli(data_dir, "screen", "Juan Pérez", "--dob", "1975-13-02", env=env)
    assert result.returncode == 2
    assert re.match(r"^\x1b\[31m(\x1b\[[0-9;]*m)*error:", result.stderr), repr(result.stderr)


def test_bad_setting_is_named(data_dir: Path) -> None:
    result = run_cli(data_dir, "lists", "ls", env={"CRUCE_WORKERS": "many"})
    assert_clean_error(result, 2, "CRUCE_WORKERS")


# ---------------------------------------------------------------- lists


def test_import_prints_counts_and_the_skipped_row_with_its_line(data_dir: Path, tmp_path: Path) -> None:
    result = import_ofac(data_dir, tmp_path / "v1")
    assert "Imported us-ofac-sdn@1: 6 entities, 1 row skipped" in result.stdout
    assert f"sdn.csv:{MALFORMED_LINE}: expected 12 columns, found 3" in result.stdout


def test_import_of_a_missing_or_foreign_file_exits_2(data_dir: Path, tmp_path: Path) -> None:
    missing = run_cli(data_dir, "lists", "import", "--list", "us-ofac-sdn", tmp_path / "nope.csv")
    assert_clean_error(missing, 2, "nope.csv")
    foreign = tmp_path / "travelers.csv"
    foreign.write_text("id,name\n1,Juan\n", encoding="utf-8")
    wrong = run_cli(data_dir, "lists", "import", "--list", "us-ofac-sdn", foreign)
    assert_clean_error(wrong, 2, "travelers.csv")


def test_lists_ls_shows_the_active_versions(data_dir: Path, tmp_path: Path) -> None:
    empty = run_cli(data_dir, "lists", "ls")
    assert empty.returncode == 0
    assert "No list imported yet" in empty.stdout
    import_ofac(data_dir, tmp_path / "v1", 1)
    import_ofac(data_dir, tmp_path / "v2", 2)
    un = run_cli(data_dir, "lists", "import", "--list", "un-sc", write_un(tmp_path / "un"))
    assert un.returncode == 0, un.stderr
    active = run_cli(data_dir, "lists", "ls")
    assert active.returncode == 0, active.stderr
    rows = {line.split()[0]: line.split() for line in active.stdout.splitlines() if line.strip()}
    assert rows["us-ofac-sdn"][1] == "2"  # the active version, not version 1
    assert rows["un-sc"][1] == "1"
    every = run_cli(data_dir, "lists", "ls", "--all")
    versions = [line.split()[1] for line in every.stdout.splitlines() if line.startswith("  us-ofac-sdn")]
    assert versions == ["1", "2"]
    assert max(len(line) for line in every.stdout.splitlines()) <= 80


def test_lists_diff_shows_added_removed_and_changed(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1", 1)
    import_ofac(data_dir, tmp_path / "v2", 2)
    result = run_cli(data_dir, "lists", "diff", "us-ofac-sdn")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "version 1 -> 2: 1 added, 1 removed, 1 changed" in out
    assert re.search(r"added us-ofac-sdn:9108 SALAZAR MEDINA, Rosa Elena", out)
    assert re.search(r"removed us-ofac-sdn:9105 INMOBILIARIA CERRO AZUL", out)
    changed = out[out.index("changed us-ofac-sdn:9103") :]
    assert "1961-01-15" in changed  # the full birth date that replaced the year
    assert "ZAMBRANO, Aurelio" in changed  # the new alias


def test_lists_diff_with_one_version_or_unknown_list_exits_2(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1", 1)
    assert_clean_error(run_cli(data_dir, "lists", "diff", "us-ofac-sdn"), 2, "a diff needs two")
    first_only = run_cli(data_dir, "lists", "diff", "us-ofac-sdn", "--to", "1")
    assert_clean_error(first_only, 2, "no version before 1")
    beyond = run_cli(data_dir, "lists", "diff", "us-ofac-sdn", "--from", "1", "--to", "9")
    assert_clean_error(beyond, 2, "no version 9")
    assert_clean_error(run_cli(data_dir, "lists", "diff", "un-sc"), 2, "never imported", "us-ofac-sdn")


def test_lists_update_from_a_local_mirror(data_dir: Path, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    write_ofac(mirror, 1)
    with serve_folder(mirror) as base_url:
        first = run_cli(data_dir, "lists", "update", "us-ofac-sdn", "--base-url", base_url)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "Updated us-ofac-sdn@1: 6 entities, 1 row skipped" in first.stdout
        again = run_cli(data_dir, "lists", "update", "us-ofac-sdn", "--base-url", base_url)
        assert again.returncode == 0, again.stderr
        assert "us-ofac-sdn unchanged" in again.stdout
        write_ofac(mirror, 2)  # the publisher releases a new version
        second = run_cli(data_dir, "lists", "update", "us-ofac-sdn", "--base-url", base_url + "/")
        assert second.returncode == 0, second.stderr
        assert "Updated us-ofac-sdn@2" in second.stdout
        missing = run_cli(data_dir, "lists", "update", "un-sc", "--base-url", base_url)
        assert_clean_error(missing, 1, "404", "un-sc was not updated")
    diff = run_cli(data_dir, "lists", "diff", "us-ofac-sdn")
    assert "1 added, 1 removed, 1 changed" in diff.stdout
    downloads = sorted(p.name for p in (data_dir / "downloads" / "us-ofac-sdn").glob("*/*"))
    assert downloads.count("sdn.csv") == 3  # every fetched file is kept beside the versions it produced


def test_lists_update_when_the_mirror_is_down_exits_1(data_dir: Path) -> None:
    down = closed_port_url()
    result = run_cli(data_dir, "lists", "update", "us-ofac-sdn", "--base-url", down, "--timeout", "5")
    assert_clean_error(result, 1, "cannot reach 127.0.0.1")
    assert run_cli(data_dir, "lists", "ls").stdout.startswith("No list imported yet")


# ---------------------------------------------------------------- screening one name


def test_screen_name_ranks_the_listed_person_first_with_reasons(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    result = run_cli(data_dir, "screen", "Juan Carlos Hernández", "--dob", "1975-03-02", "--country", "MX")
    assert result.returncode == 0, result.stderr
    candidates = [line for line in result.stdout.splitlines() if re.match(r"^\s*\d+\. ", line)]
    assert candidates, result.stdout
    first = candidates[0]
    assert "us-ofac-sdn:9101" in first and "HERNANDEZ LOPEZ, Juan Carlos" in first and "ALERT" in first
    assert not any("ALERT" in line and "9102" in line for line in candidates)  # his sister does not alert
    reasons = result.stdout.split(first, 1)[1]
    assert "- name:" in reasons
    assert "birth date 1975-03-02 agrees" in reasons
    assert "country MX agrees" in reasons


def test_screen_name_finds_a_company_and_a_un_listed_person(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    assert run_cli(data_dir, "lists", "import", "--list", "un-sc", write_un(tmp_path / "un")).returncode == 0
    company = run_cli(data_dir, "screen", "Transportes del Norte Alfa SA de CV", "--schema", "organization")
    assert company.returncode == 0, company.stderr
    assert re.search(r"^\s*1\. \S+ ALERT us-ofac-sdn:9104", company.stdout, re.MULTILINE), company.stdout
    person = run_cli(data_dir, "screen", "Ramiro", "Esteban", "Quintanilla")  # words may come unquoted
    assert re.search(r"^\s*1\. \S+ ALERT un-sc:QDi\.999", person.stdout, re.MULTILINE), person.stdout


@pytest.mark.parametrize(
    ("option", "value", "fragments"),
    [
        ("--dob", "1975-13-02", ("1975-13-02", "YYYY-MM-DD")),
        ("--dob", "yesterday", ("yesterday", "YYYY-MM-DD")),
        ("--country", "Narnia", ("unknown country 'Narnia'",)),
        ("--schema", "spaceship", ("spaceship",)),
    ],
    ids=["impossible-date", "unreadable-date", "unknown-country", "unknown-schema"],
)
def test_screen_bad_value_exits_2_with_a_clear_message(
    data_dir: Path, tmp_path: Path, option: str, value: str, fragments: tuple[str, ...]
) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    result = run_cli(data_dir, "screen", "Juan Carlos Hernández", option, value)
    assert_clean_error(result, 2, *fragments)
    assert result.stdout == ""


def test_screen_before_any_import_says_what_to_do(data_dir: Path) -> None:
    result = run_cli(data_dir, "screen", "Juan Carlos Hernández")
    assert_clean_error(result, 2, "no watchlist is imported yet", "cruce lists import")


# ---------------------------------------------------------------- screening a file

BATCH_ROWS = [
    ["id", "name", "schema", "birth_date", "country"],
    ["t1", "Juan Carlos Hernández", "person", "1975-03-02", "MX"],
    ["t2", "Transportes del Norte Alfa SA de CV", "organization", "", ""],
    ["t3", "Aurelio Zambrano Fuentes", "", "1961-02-30", ""],
    ["t4", "Pedro Páramo Ruiz", "", "", ""],
    ["t5", "Ernesto Ocampo Rivas", "person", "1958-11-11", "Mexico"],
]


def write_batch(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def test_batch_writes_ranked_candidates_and_lists_bad_rows(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    source = write_batch(tmp_path / "travelers.csv", BATCH_ROWS)
    output = tmp_path / "candidates.csv"
    result = run_cli(data_dir, "screen", "batch", source, "--output", output, "--top", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Screened 4 queries" in result.stdout
    assert "line 4" in result.stderr and "candidates.csv.errors.csv" in result.stderr
    rows = read_csv(output)
    assert rows[0] == OUTPUT_HEADER
    by_query: dict[str, list[dict[str, str]]] = {}
    for row in rows[1:]:
        by_query.setdefault(row[0], []).append(dict(zip(OUTPUT_HEADER, row, strict=True)))
    assert set(by_query) == {"t1", "t2", "t4", "t5"}  # t3 (bad date) is not screened...
    for query_rows in by_query.values():
        assert len(query_rows) <= 5
        scores = [float(r["score"]) for r in query_rows]
        assert scores == sorted(scores, reverse=True)
        assert all(r["alert"] in ("true", "false") for r in query_rows)
        assert all(r["matcher"].startswith("cruce-names ") and "@0.80" in r["matcher"] for r in query_rows)
        assert all(re.fullmatch(r"[a-z0-9.-]+:\S+", r["entity_id"]) for r in query_rows if r["rank"] != "0")
    expected_first = {"t1": "us-ofac-sdn:9101", "t2": "us-ofac-sdn:9104", "t5": "us-ofac-sdn:9106"}
    for query_id, entity_id in expected_first.items():
        first = by_query[query_id][0]
        assert (first["rank"], first["entity_id"], first["alert"]) == ("1", entity_id, "true"), first
        assert "name:" in first["reasons"]
    assert "birth date 1975-03-02 agrees" in by_query["t1"][0]["reasons"]
    assert all(r["alert"] == "false" for r in by_query["t4"])  # an innocent traveler
    errors = read_csv(tmp_path / "candidates.csv.errors.csv")  # ...but listed, with its line
    assert errors[0] == ["line", "id", "error"]
    assert [e[:2] for e in errors[1:]] == [["4", "t3"]]
    assert "1961-02-30" in errors[1][2]


def test_batch_rerun_without_bad_rows_removes_the_old_errors_file(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    output = tmp_path / "out.csv"
    first = run_cli(data_dir, "screen", "batch", write_batch(tmp_path / "a.csv", BATCH_ROWS), "-o", output)
    assert first.returncode == 0
    assert (tmp_path / "out.csv.errors.csv").is_file()
    clean = [row for row in BATCH_ROWS if row[0] != "t3"]
    second = run_cli(data_dir, "screen", "batch", write_batch(tmp_path / "b.csv", clean), "-o", output)
    assert second.returncode == 0, second.stderr
    assert not (tmp_path / "out.csv.errors.csv").exists()


def test_batch_without_a_name_column_exits_2_and_writes_nothing(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    source = write_batch(tmp_path / "people.csv", [["id", "full_name"], ["1", "Juan Carlos Hernández"]])
    output = tmp_path / "out.csv"
    result = run_cli(data_dir, "screen", "batch", source, "--output", output)
    assert_clean_error(result, 2, "people.csv", "missing column(s) name")
    assert not output.exists()
    assert list(tmp_path.glob("*.part")) == [] and list(tmp_path.glob(".*.part")) == []


@pytest.mark.parametrize(
    ("input_name", "output_name", "fragment"),
    [
        ("missing.csv", "out.csv", "does not exist"),
        ("travelers.csv", "no-such-folder/out.csv", "no-such-folder"),
        ("travelers.csv", "travelers.csv", "is the input file"),
    ],
    ids=["missing-input", "missing-output-folder", "output-is-input"],
)
def test_batch_bad_paths_exit_2(
    data_dir: Path, tmp_path: Path, input_name: str, output_name: str, fragment: str
) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    source = write_batch(tmp_path / "travelers.csv", BATCH_ROWS)
    result = run_cli(data_dir, "screen", "batch", tmp_path / input_name, "--output", tmp_path / output_name)
    assert_clean_error(result, 2, fragment)
    assert read_csv(source) == BATCH_ROWS  # never overwritten


def test_batch_gives_the_same_output_on_one_or_two_workers(data_dir: Path, tmp_path: Path) -> None:
    import_ofac(data_dir, tmp_path / "v1")
    names = [row[1:] for row in BATCH_ROWS[1:]] + [
        ["Maria Guadalupe Hernandez", "", "", "MX"],
        ["Inmobiliaria Cerro Azul", "org", "", ""],
        ["Neto Ocampo", "", "1958", ""],
        ["Rosa Elena Salazar", "", "", ""],
        ["Carlos Juan Hernandes Lopes", "", "", ""],
        ["Fernanda Quiroga Ibarra", "", "", ""],
    ]
    rows = [BATCH_ROWS[0]] + [[f"r{i}", *names[i % len(names)]] for i in range(700)]  # several chunks
    source = write_batch(tmp_path / "many.csv", rows)
    outputs = []
    for workers in ("1", "2"):
        output = tmp_path / f"out-{workers}.csv"
        result = run_cli(data_dir, "screen", "batch", source, "-o", output, "--workers", workers)
        assert result.returncode == 0, result.stdout + result.stderr
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]
    ids = [row[0] for row in read_csv(tmp_path / "out-2.csv")[1:]]
    readable = [f"r{i}" for i in range(700) if names[i % len(names)][2] != "1961-02-30"]
    assert list(dict.fromkeys(ids)) == readable  # input order, every readable row once


# ---------------------------------------------------------------- demo


def test_demo_is_marked_synthetic_and_catches_planted_parties(data_dir: Path) -> None:
    result = run_cli(data_dir, "demo", "--travelers", "300", "--list-size", "300")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "SYNTHETIC" in lines[0]
    caught = re.search(r"planted listed parties caught\s+(\d+) / (\d+)", result.stdout)
    assert caught, result.stdout
    assert int(caught.group(2)) > 0 and int(caught.group(1)) >= 1
    examples = result.stdout[result.stdout.index("Examples") :]
    assert re.search(r"\d\.\d\d\s", examples)  # at least one example row with its score
    for part in ("2. A day at a port", "3. Cargo risk", "4. Sharing under markings", "5. A joint emergency"):
        assert part in result.stdout, result.stdout
    assert re.search(r"pedestrian\s+[\d,]+", result.stdout)  # the port day's lanes table
    assert re.search(r"top 5%\s+\d\.\d\d / \d\.\d\d", result.stdout)  # the cargo model's backtest
    mex = result.stdout[result.stdout.index("MEX receives") : result.stdout.index("CAN receives")]
    assert "(S//NF)" not in mex and "controlled source" not in mex  # the NOFORN portion stays home
    assert "SECRET//REL TO USA, MEX" in mex
    emergency = result.stdout[result.stdout.index("5. A joint emergency") :]
    assert re.search(r"Brownsville: closed", emergency) and "receiving" in emergency  # closure and diversion
    mex_assessment = emergency[emergency.index("MEX receives") :]
    assert "(S//NF)" not in mex_assessment and "power_substation" not in mex_assessment  # NOFORN stays home
    cases = result.stdout[result.stdout.index("6. Joint cases") :]
    assert "entity resolution:" in cases and "broker (highest betweenness)" in cases
    mex_case = cases[cases.index("MEX receives") :]
    assert "Source DELTA" not in mex_case and "(S//NF)" not in mex_case  # the NOFORN informant stays home
    programs = " ".join(result.stdout[result.stdout.index("7. Trusted programs") :].split())
    assert "crossing 1: lane expedited" in programs and "membership suspended: suspended pending" in programs
    assert "crossing 2: lane secondary" in programs and "re-vetting: applicant" in programs
    mex_notice = programs[programs.index("MEX receives") :]
    assert "(remarks withheld)" in mex_notice and "never leaves the USA" not in mex_notice
    table_lines = [line for line in lines if not line.startswith("Demo store:")]
    assert max(len(line) for line in table_lines) <= 80, "the demo must read on an 80-column terminal"
    again = run_cli(data_dir, "demo", "--travelers", "300", "--list-size", "300")
    assert again.returncode == 0
    assert "synthetic-watchlist@1" in again.stdout  # each run starts from a fresh demo store


# ---------------------------------------------------------------- PostgreSQL


@pytest.mark.postgres
def test_import_and_screen_on_postgresql(data_dir: Path, tmp_path: Path, postgres_url: str) -> None:
    env = {"CRUCE_DATABASE_URL": postgres_url}
    files = write_ofac(tmp_path / "v1")
    imported = run_cli(data_dir, "lists", "import", "--list", "us-ofac-sdn", *files, env=env)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "Imported us-ofac-sdn@1: 6 entities, 1 row skipped" in imported.stdout
    screened = run_cli(data_dir, "screen", "Juan Carlos Hernández", "--dob", "1975-03-02", env=env)
    assert screened.returncode == 0, screened.stderr
    assert re.search(r"^\s*1\. \S+ ALERT us-ofac-sdn:9101", screened.stdout, re.MULTILINE), screened.stdout
    assert not (data_dir / "cruce.db").exists()  # the store really was PostgreSQL, not the SQLite default


def test_explain_matcher_describes_the_scorer(data_dir: Path) -> None:
    result = run_cli(data_dir, "screen", "--explain-matcher")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "cruce-names" in result.stdout and "alert threshold 0.80" in result.stdout
    assert "vowels dropped" in result.stdout and "birth_date" in result.stdout
    assert re.search(r"Runs (compiled \(mypyc\)|pure Python) here: \w", result.stdout)
