"""Small, invented watchlist files for the CLI tests: two versions of an OFAC legacy CSV trio and a UN XML.

Every name here is made up. The files follow the publisher's quirks (no header, `-0-` for empty cells,
CRLF line ends, a trailing DOS EOF byte) so the real importers read them exactly as they read the real
files. Version 2 adds one entity (9108), removes one (9105) and changes one (9103: a full birth date
and a new alias), which is what `cruce lists diff` must show.
"""

from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_E = "-0- "
"""OFAC's empty cell."""


def _primary_row(ent_num: int, name: str, kind: str | None, remarks: str) -> str:
    sdn_type = f'"{kind}"' if kind else _E
    empties = ",".join([_E] * 7)
    return f'{ent_num},"{name}",{sdn_type},"SDNTK",{empties},"{remarks}"'


HERNANDEZ = _primary_row(
    9101,
    "HERNANDEZ LOPEZ, Juan Carlos",
    "individual",
    "DOB 02 Mar 1975; POB Culiacan, Sinaloa, Mexico; nationality Mexico; citizen Mexico; Gender Male; "
    "C.U.R.P. HELJ750302HSLRPN09 (Mexico).",
)
HERNANDEZ_SISTER = _primary_row(
    9102,
    "HERNANDEZ LOPEZ, Maria Guadalupe",
    "individual",
    "DOB 14 Aug 1980; POB Culiacan, Sinaloa, Mexico; nationality Mexico; Gender Female.",
)
ZAMBRANO_V1 = _primary_row(
    9103,
    "ZAMBRANO FUENTES, Aurelio",
    "individual",
    "DOB 1961; POB Tijuana, Baja California, Mexico; nationality Mexico.",
)
ZAMBRANO_V2 = _primary_row(
    9103,
    "ZAMBRANO FUENTES, Aurelio",
    "individual",
    "DOB 15 Jan 1961; POB Tijuana, Baja California, Mexico; nationality Mexico.",
)
TRANSPORTES = _primary_row(
    9104,
    "TRANSPORTES DEL NORTE ALFA, S.A. DE C.V.",
    None,
    "R.F.C. TNA990101AB1 (Mexico).",
)
INMOBILIARIA = _primary_row(
    9105,
    "INMOBILIARIA CERRO AZUL, S.A. DE C.V.",
    None,
    "Organization Established Date 2004; R.F.C. ICA040512XY2 (Mexico).",
)
OCAMPO = _primary_row(
    9106,
    "OCAMPO RIVAS, Ernesto",
    "individual",
    "DOB 11 Nov 1958; POB Guadalajara, Jalisco, Mexico; nationality Mexico.",
)
SALAZAR = _primary_row(
    9108,
    "SALAZAR MEDINA, Rosa Elena",
    "individual",
    "DOB 23 Apr 1983; POB Hermosillo, Sonora, Mexico; nationality Mexico; Gender Female.",
)
MALFORMED = '9107,"BROKEN ROW ENTERPRISES","individual"'
"""Three cells where twelve are expected: the importer must skip it and say which line."""

ALT_V1 = [
    '9101,501,"aka","HERNANDEZ, Juan C.",-0- ',
    '9104,502,"aka","TRANSNORTE ALFA",-0- ',
    '9106,503,"aka","OCAMPO, Neto",-0- ',
]
ALT_V2 = [*ALT_V1, '9103,504,"aka","ZAMBRANO, Aurelio",-0- ']
ADD_V1 = [
    '9101,601,-0- ,"Culiacan, Sinaloa","Mexico",-0- ',
    '9104,602,"Calle 5 de Mayo 100","Monterrey, Nuevo Leon","Mexico",-0- ',
    '9105,603,"Avenida Reforma 12","Ciudad de Mexico","Mexico",-0- ',
]
ADD_V2 = [row for row in ADD_V1 if not row.startswith("9105,")]

PRIMARY_V1 = [HERNANDEZ, HERNANDEZ_SISTER, ZAMBRANO_V1, TRANSPORTES, INMOBILIARIA, OCAMPO, MALFORMED]
PRIMARY_V2 = [HERNANDEZ, HERNANDEZ_SISTER, ZAMBRANO_V2, TRANSPORTES, OCAMPO, SALAZAR]
MALFORMED_LINE = PRIMARY_V1.index(MALFORMED) + 1

OFAC_NAMES = ("sdn.csv", "alt.csv", "add.csv")
"""The publisher's file names; `cruce lists update --base-url` asks a mirror for exactly these."""


def _write_ofac_file(path: Path, rows: list[str]) -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("utf-8") + b"\x1a")
    return path


def write_ofac(folder: Path, version: int = 1) -> list[Path]:
    """The OFAC trio (sdn.csv, alt.csv, add.csv) of fixture version 1 or 2 in `folder`; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    primary, alt, add = (PRIMARY_V1, ALT_V1, ADD_V1) if version == 1 else (PRIMARY_V2, ALT_V2, ADD_V2)
    return [
        _write_ofac_file(folder / name, rows)
        for name, rows in zip(OFAC_NAMES, (primary, alt, add), strict=True)
    ]


UN_XML = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2025-01-10T00:00:00">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>7001</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>Ramiro</FIRST_NAME>
      <SECOND_NAME>Esteban</SECOND_NAME>
      <THIRD_NAME>Quintanilla</THIRD_NAME>
      <UN_LIST_TYPE>Invented</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDi.999</REFERENCE_NUMBER>
      <LISTED_ON>2020-01-01</LISTED_ON>
      <NATIONALITY><VALUE>Mexico</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>El Contador</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-06-05</DATE></INDIVIDUAL_DATE_OF_BIRTH>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>7002</DATAID>
      <VERSIONNUM>1</VERSIONNUM>
      <FIRST_NAME>Comercializadora Delta Pacifico</FIRST_NAME>
      <UN_LIST_TYPE>Invented</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDe.999</REFERENCE_NUMBER>
      <LISTED_ON>2020-01-01</LISTED_ON>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def write_un(folder: Path) -> Path:
    """A two-entry UN consolidated list (one person, one entity) as `consolidated.xml` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "consolidated.xml"
    path.write_text(UN_XML, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- running


CLI_TIMEOUT_S = 180


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment for one CLI run: this test's data directory and nothing inherited from cruce's."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CRUCE_") and key not in ("FORCE_COLOR", "NO_COLOR", "COLUMNS", "LINES")
    }
    env.update({"CRUCE_DATA_DIR": str(data_dir), "CRUCE_WORKERS": "2", "PYTHONIOENCODING": "utf-8"})
    env.update(extra)
    return env


def run_cli(
    data_dir: Path, *args: str | Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`cruce ARGS...` as a user runs it: a new interpreter, output captured (so no terminal: 80 columns)."""
    return subprocess.run(
        [sys.executable, "-m", "cruce.cli.main", *map(str, args)],
        env=cli_env(data_dir, **(env or {})),
        cwd=cwd or data_dir.parent,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=CLI_TIMEOUT_S,
        check=False,
    )


# ---------------------------------------------------------------------------------------------- HTTP


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output clean."""


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve `folder` over HTTP on 127.0.0.1 (a free port) for the duration; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (a port just released), to see a refused connection."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
