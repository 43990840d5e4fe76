"""`python -m benchmarks.instructions`: instructions the matcher runs per screened name, counted by callgrind.

On a shared machine the same code's screening rate varies by a third between runs, so a change worth 5%
cannot be seen in seconds. Instruction counts do not depend on the load: this runs screening under
valgrind's callgrind, counting only inside the screening (`--toggle-collect` on `functools.reduce`, which
drives the queries; list loading and the index build are not counted), once for this tree and once for
each `--base` tree (a copy of an earlier `src/` folder whose entity model reads this tree's pickled
entities), and prints a table with each tree against the first base. Same queries, same warm-up, same hash
seed; counts repeat to within a few parts in 10,000.

    python -m benchmarks.instructions [--names 1500] [--base /tmp/old-src] [--seed 0]

The names are the screening-speed benchmark's batch (distinct names from the evaluation set), screened
once each from a freshly built matcher: the benchmark's cold case. Needs valgrind (Debian: `apt-get
install valgrind`); each tree takes about two minutes (two at a time on two cores).
"""

from __future__ import annotations

import argparse
import os
import pickle
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parent.parent
WARM_UP = 100
"""Names screened before counting starts (imports and first-call costs are not the matcher's work)."""

# Run inside valgrind with the tree under test first on sys.path; counts only inside functools.reduce.
_CHILD = """
import functools, gc, pickle, sys
from cruce.matching.matcher import Matcher, tune_gc_for_screening
entities, queries, warm_up = pickle.load(open(sys.argv[1], "rb"))
matcher = Matcher(entities)
gc.freeze()
tune_gc_for_screening()
matcher.screen_many(queries[:warm_up])
functools.reduce(lambda total, query: total + len(matcher.screen(query, 5)), queries[warm_up:], 0)
"""

_COLLECTED = re.compile(r"Collected : (\d+)")


def count_instructions(tree: Path, workload: Path, log: Path) -> int:
    """Instructions executed while screening `workload`'s names with the `cruce` package under `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
    command = [
        "valgrind",
        "--tool=callgrind",
        "--toggle-collect=functools_reduce",
        f"--callgrind-out-file={log.with_suffix('.out')}",
        sys.executable,
        "-c",
        _CHILD,
        str(workload),
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = "\n".join([line for line in done.stderr.splitlines() if not line.startswith("==")][-5:])
        raise RuntimeError(f"callgrind run of {tree} failed (exit {done.returncode}):\n{tail}")
    return int(found.group(1))


def _workload(names: int, seed: int, path: Path) -> int:
    """Write (entities, queries, warm-up) for the children; the number of counted names."""
    from benchmarks.__main__ import _evalset
    from benchmarks.data import load_lists
    from benchmarks.speed import _query_mix

    lists = load_lists()
    evalset = _evalset(lists.entities, seed, False)
    queries = _query_mix(evalset, WARM_UP + names, seed + 1)
    with path.open("wb") as handle:
        pickle.dump((list(lists.entities), queries, WARM_UP), handle)
    return len(queries) - WARM_UP


def instruction_table(trees: Sequence[tuple[str, Path]], counts: dict[str, int], names: int) -> Table:
    table = Table(title=f"Instructions per screened name ({names:,} distinct names, callgrind)")
    for column in ("tree", "path", "instructions", "per name", "× first base"):
        table.add_column(column, justify="left" if column in ("tree", "path") else "right")
    reference = counts[trees[1][0]] if len(trees) > 1 else None
    for label, tree in trees:
        count = counts[label]
        ratio = f"{count / reference:.4f}" if reference else "–"
        table.add_row(label, str(tree), f"{count:,}", f"{count / names:,.0f}", ratio)
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    parser.add_argument("--names", type=int, default=1500, help="distinct names counted (default 1,500)")
    parser.add_argument(
        "--base",
        type=Path,
        action="append",
        default=[],
        help="a folder holding an earlier `cruce` package (a copy of src/); repeatable",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the evaluation set (default 0)")
    args = parser.parse_args(argv)
    out = Console()
    if shutil.which("valgrind") is None:
        out.print("[yellow]instructions skipped:[/] valgrind is not installed (apt-get install valgrind)")
        return 0
    if args.names < 1:
        out.print(f"[red]--names must be at least 1, not {args.names}[/]")
        return 2
    trees = [("this tree", REPO / "src")]
    for number, base in enumerate(args.base, start=1):
        if not (base / "cruce" / "matching" / "matcher.py").is_file():
            out.print(f"[red]--base {base}: no cruce/matching/matcher.py under it (pass a copy of src/)[/]")
            return 2
        trees.append((f"base {number}", base.resolve()))
    from benchmarks.data import DataMissingError

    with tempfile.TemporaryDirectory(prefix="cruce-instructions-") as tmp_name:
        tmp = Path(tmp_name)
        workload = tmp / "workload.pickle"
        try:
            names = _workload(args.names, args.seed, workload)
        except DataMissingError as exc:
            out.print(f"[yellow]instructions skipped:[/] {exc}")
            return 0
        out.print(f"counting {names:,} names in {len(trees)} tree(s), about two minutes each...")
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {label: pool.submit(count_instructions, tree, workload, tmp / f"{n}.log")
                       for n, (label, tree) in enumerate(trees)}  # fmt: skip
            try:
                counts = {label: future.result() for label, future in futures.items()}
            except RuntimeError as exc:
                out.print(f"[red]{exc}[/]")
                return 1
    out.print(instruction_table(trees, counts, names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
