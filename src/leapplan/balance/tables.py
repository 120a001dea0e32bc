"""CSV tables in and out: a header row and an index column of sector names in every file.

* coefficient matrix A (or flows Z with ``flows=True``): sectors × sectors;
* final demand Y: sectors × demand categories;
* optional capacity: sectors × one column [row units per year];
* optional extension coefficients S: extension rows × sectors [extension unit per unit of output].
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError


def read_csv_table(path: str | Path, what: str) -> pd.DataFrame:
    """A numeric table with a header row and an index column; raises ``BalanceError`` naming a bad cell."""
    p = Path(path)
    if not p.is_file():
        raise BalanceError(f"{what} {str(p)!r}: no such file")
    try:
        raw = pd.read_csv(p, index_col=0, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise BalanceError(f"{what} {str(p)!r}: not a readable CSV table ({exc})") from exc
    if raw.shape[1] == 0 or raw.shape[0] == 0:
        raise BalanceError(f"{what} {str(p)!r}: needs a header row, an index column of sector names and numbers")
    raw.index = raw.index.astype(str).str.strip()
    raw.columns = raw.columns.astype(str).str.strip()
    stripped = raw.apply(lambda c: c.str.strip())
    values = stripped.apply(pd.to_numeric, errors="coerce")
    bad = values.isna() & (stripped != "") & ~stripped.isin(["nan", "NaN", "NA"])
    if bad.to_numpy().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise BalanceError(
            f"{what} {str(p)!r}: cell at row {raw.index[r]!r}, column {raw.columns[c]!r} is "
            f"{raw.iat[r, c]!r}, not a number"
        )
    return values.astype(float)


def read_table(
    table: str | Path,
    final_demand: str | Path,
    *,
    flows: bool = False,
    capacity: str | Path | None = None,
    extensions: str | Path | None = None,
) -> IOSystem:
    """An IOSystem from CSV files: A (or Z when ``flows``) and Y, optionally capacity and extension S.

    With flows, gross output is the row sum of Z and Y and S is read as totals F (divided by gross output).
    """
    name = Path(table).stem
    matrix = read_csv_table(table, "table")
    y = read_csv_table(final_demand, "final demand")
    cap = None
    if capacity is not None:
        cap_frame = read_csv_table(capacity, "capacity")
        cap = cap_frame.iloc[:, 0]
    ext = read_csv_table(extensions, "extensions") if extensions is not None else None
    if flows:
        return IOSystem.from_flows(matrix, y, extensions=ext, capacity=cap, name=name)
    return IOSystem.from_coefficients(matrix, final_demand=y, extension_coefficients=ext, capacity=cap, name=name)


def _flat(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        return pd.Index(["/".join(str(p) for p in v) for v in index])
    return index


def write_table(system: IOSystem, folder: str | Path) -> list[Path]:
    """Write A.csv, Y.csv (and S.csv, capacity.csv when present) as dense CSV; returns the paths written."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    labels = _flat(system.sectors)
    written = []
    a = pd.DataFrame(system.A.toarray(), index=labels, columns=labels)
    for fname, frame in [
        ("A.csv", a),
        ("Y.csv", system.final_demand.set_axis(labels, axis=0)),
        (
            "S.csv",
            system.extension_coefficients.set_axis(labels, axis=1) if len(system.extension_coefficients) else None,
        ),
        ("capacity.csv", system.capacity.set_axis(labels).to_frame() if system.capacity is not None else None),
    ]:
        if frame is None:
            continue
        path = out / fname
        frame.to_csv(path)
        written.append(path)
    return written
