"""Import from and export to ``pymrio.IOSystem`` (EXIOBASE, WIOD, OECD … users bring their data this way).

pymrio is optional: it is imported only inside ``to_pymrio``. Extension rows are labelled
(extension name, stressor) where a multi-level stressor label is joined with `` | ``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from leapplan.balance.system import IOSystem
from leapplan.errors import BalanceError

STRESSOR_JOIN = " | "


def _stressor(label: object) -> str:
    return STRESSOR_JOIN.join(str(p) for p in label) if isinstance(label, tuple) else str(label)


def from_pymrio(io: Any, name: str | None = None) -> IOSystem:
    """An IOSystem from a pymrio IOSystem holding Z (or A and x, or A) and Y, with all its extensions.

    Extension coefficients are taken from each extension's S, or F / x; F_Y is carried along.
    """
    if getattr(io, "Y", None) is None:
        raise BalanceError("pymrio system has no final demand Y")
    s_rows: list[pd.DataFrame] = []
    fy_rows: list[pd.DataFrame] = []
    if io.Z is not None:
        x = io.x.iloc[:, 0] if io.x is not None else None
        base = IOSystem.from_flows(io.Z, io.Y, gross_output=x, name=name or str(io.name))
    elif io.A is not None:
        x = io.x.iloc[:, 0] if io.x is not None else None
        base = IOSystem.from_coefficients(io.A, final_demand=io.Y, gross_output=x, name=name or str(io.name))
    else:
        raise BalanceError("pymrio system has neither Z nor A")
    x_np = base.gross_output.to_numpy() if base.gross_output is not None else None
    for ext_name in io.get_extensions(data=False, instance_names=True):
        ext = getattr(io, ext_name)
        if ext.S is not None:
            s = ext.S.reindex(columns=base.sectors)
        elif ext.F is not None and x_np is not None:
            inv = np.divide(1.0, x_np, out=np.zeros_like(x_np), where=x_np > 0)
            s = ext.F.reindex(columns=base.sectors) * inv
        else:
            raise BalanceError(f"pymrio extension {ext_name!r} has neither S nor F with gross output x")
        rows = pd.MultiIndex.from_tuples([(ext_name, _stressor(r)) for r in s.index], names=["extension", "stressor"])
        s_rows.append(pd.DataFrame(s.to_numpy(dtype=float), index=rows, columns=base.sectors))
        if ext.F_Y is not None:
            fy_rows.append(pd.DataFrame(ext.F_Y.to_numpy(dtype=float), index=rows, columns=ext.F_Y.columns))
    s_all = pd.concat(s_rows) if s_rows else None
    fy_all = pd.concat(fy_rows).reindex(s_all.index).fillna(0.0) if fy_rows and s_all is not None else None
    population = None
    if getattr(io, "population", None) is not None:
        population = io.population.iloc[0].astype(float)
    return IOSystem.from_coefficients(
        base.A,
        base.sectors,
        base.final_demand,
        extension_coefficients=s_all,
        final_demand_extensions=fy_all,
        gross_output=base.gross_output,
        population=population,
        name=base.name,
    )


def to_pymrio(system: IOSystem, x: pd.Series | None = None) -> Any:
    """A pymrio IOSystem with dense A, Y, x and one extension per extension group (needs pymrio installed).

    Dense: meant for tables up to a few thousand sectors. ``x`` defaults to the system's gross output.
    """
    try:
        import pymrio
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise BalanceError("exporting to pymrio needs the 'pymrio' package: pip install pymrio") from exc
    gx = x if x is not None else system.gross_output
    a = pd.DataFrame(system.A.toarray(), index=system.sectors, columns=system.sectors)
    kwargs: dict[str, Any] = {}
    s = system.extension_coefficients
    if len(s.index):
        groups = s.index.get_level_values(0).unique() if isinstance(s.index, pd.MultiIndex) else ["extension"]
        for g in groups:
            part = s.loc[g] if isinstance(s.index, pd.MultiIndex) else s
            labels = [str(r) for r in part.index]
            if all(STRESSOR_JOIN in lab for lab in labels):
                index = pd.MultiIndex.from_tuples([tuple(lab.split(STRESSOR_JOIN)) for lab in labels])
            else:
                index = pd.Index(labels, name="stressor")
            ext: dict[str, Any] = {"S": pd.DataFrame(part.to_numpy(), index=index, columns=system.sectors), "name": g}
            if system.final_demand_extensions is not None:
                fy = (
                    system.final_demand_extensions.loc[g]
                    if isinstance(s.index, pd.MultiIndex)
                    else system.final_demand_extensions
                )
                ext["F_Y"] = pd.DataFrame(fy.to_numpy(), index=index, columns=system.final_demand.columns)
            kwargs[str(g)] = ext
    population = None
    if system.population is not None:
        population = system.population.to_frame().T
        population.index = ["Population"]
    io = pymrio.IOSystem(
        A=a,
        Y=system.final_demand.copy(),
        x=None if gx is None else gx.to_frame("indout"),
        population=population,
        name=system.name,
        **kwargs,
    )
    return io
