"""A re-vetting worker in its own process, for the kill -9 test: `python revetting_worker.py URL DIR`.

Prints `chunk <done>/<total>` after every committed chunk (and pauses a little, so that a kill lands
mid-run), then `finished <hits>`.
"""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from pathlib import Path

from revetting_fixtures import FileDirectory, listed, members

from cruce.service.revetting import Revetter
from cruce.storage.revetting import RunRecord
from cruce.storage.store import open_store


def main(url: str, folder: Path) -> None:
    entities = listed()
    directory = FileDirectory(folder / "members.db", members(entities))

    def step(run: RunRecord, done: int, total: int) -> None:
        print(f"chunk {run.id} {done}/{total}", flush=True)
        time.sleep(0.05)

    with open_store(url) as store:
        revetter = Revetter(store, directory, chunk_size=4, lease=timedelta(seconds=1))
        outcomes = revetter.run_pending(step)
    print(f"finished {sum(o.new_hits for o in outcomes)}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
