"""``dfdetect benchmark``: the field's protocols (cross-dataset, leave-one-out, your own YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dfdetect.errors import DfdetectError


def benchmark(
    protocol: Annotated[str, typer.Option(
        help="cross-dataset, leave-one-out, or a protocol YAML file")],
    manifest: Annotated[list[str], typer.Option(
        help="NAME=CSV for each dataset the protocol names (e.g. ffpp=manifests/ffpp.csv); "
             "repeat it")],
    out: Annotated[Path, typer.Option(help="folder for models, cells.csv, table.md")],
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="PART.NAME=VALUE over the protocol's models, e.g. face.epochs=2")] = None,
) -> None:
    """Train and judge every cell of a protocol; a rerun redoes only unfinished cells.

    Writes OUT/cells.csv, OUT/table.md (rows = train set, columns = test sets: AUC and EER
    with 95 % intervals and n, seen and unseen generators apart) and OUT/heatmap.png.
    """
    from dfdetect.benchmark.protocol import load_protocol
    from dfdetect.benchmark.runner import run_benchmark

    manifests = {}
    for item in manifest:
        name, _, path = item.partition("=")
        if not name or not path:
            raise DfdetectError(f"--manifest {item!r}: expected NAME=CSV")
        manifests[name] = Path(path)
    cells = run_benchmark(load_protocol(protocol), manifests, out, overrides=set_ or [])
    done = int((cells.status == "done").sum()) if len(cells) else 0
    typer.echo(f"{done} of {len(cells)} cells judged; {out / 'table.md'}, {out / 'cells.csv'}, "
               f"{out / 'heatmap.png'}")
    for row in cells[cells.status != "done"].drop_duplicates("status").itertuples():
        typer.echo(f"  left out: {row.status}")
