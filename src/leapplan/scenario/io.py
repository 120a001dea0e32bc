"""Read and write scenarios: one YAML file, or a folder of ``scenario.yaml`` plus CSV tables.

In a folder, ``scenario.yaml`` may name a CSV file instead of giving a list for ``regions``
and ``enterprises`` (e.g. ``regions: regions.csv``); the CSV has one column per field.
"""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from leapplan.errors import Problem, ScenarioError
from leapplan.scenario.model import Enterprise, Region, Scenario

TABLE_FIELDS: dict[str, list[str]] = {
    "regions": list(Region.model_fields),
    "enterprises": list(Enterprise.model_fields),
}
MAX_BYTES = 256 * 1024 * 1024
SCENARIO_FILE = "scenario.yaml"

try:  # the C loader is several times faster on big files
    _Loader: type = yaml.CSafeLoader
    _Dumper: type = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader
    _Dumper = yaml.SafeDumper


def load(path: str | Path) -> Scenario:
    """Load a scenario from a YAML file or a folder; raise ScenarioError listing every problem."""
    raw, csv_lines = read_raw(path)
    return parse(raw, str(path), csv_lines)


def read_raw(path: str | Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Read the scenario's plain data, with CSV tables inlined; also return which tables came from which file."""
    path = Path(path)
    if path.is_dir():
        main = path / SCENARIO_FILE
        if not main.is_file():
            raise ScenarioError([Problem("", f"folder has no {SCENARIO_FILE}")], str(path))
        raw = _read_yaml(main)
        tables: dict[str, str] = {}
        for key in TABLE_FIELDS:
            ref = raw.get(key)
            if isinstance(ref, str):
                raw[key] = _read_csv(path / ref, key)
                tables[key] = ref
        return raw, tables
    if not path.exists():
        raise ScenarioError([Problem("", "no such file or folder")], str(path))
    raw = _read_yaml(path)
    for key in TABLE_FIELDS:
        if isinstance(raw.get(key), str):
            raise ScenarioError(
                [Problem(key, f"names a CSV file {raw[key]!r}; CSV tables are read only from a scenario folder")],
                str(path),
            )
    return raw, {}


def parse(raw: dict[str, Any], source: str = "", csv_tables: dict[str, str] | None = None) -> Scenario:
    """Build and validate a Scenario from plain data; raise ScenarioError listing every problem."""
    from leapplan.scenario.validate import check

    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [Problem(_locate(err["loc"], raw, csv_tables or {}), _message(err)) for err in exc.errors()]
        raise ScenarioError(problems, source) from None
    problems = check(scenario)
    if problems:
        raise ScenarioError(problems, source)
    return scenario


def save(scenario: Scenario, path: str | Path) -> Path:
    """Write a scenario: to ``path`` as one YAML file if it ends in .yaml/.yml, else as a folder with CSV tables."""
    path = Path(path)
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    # the limits a plan keeps and the grain it starts with are written out in full, defaults too, so that a reader
    # sees every one to relax
    for key in ("agriculture", "guardrails"):
        item = getattr(scenario, key)
        full = {**item.model_dump(mode="json"), **data.get(key, {})}
        data[key] = {
            k: full[k] for k in type(item).model_fields if k in full and (k in data.get(key, {}) or k != "sources")
        }
    if path.suffix in {".yaml", ".yml"}:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_yaml(data), encoding="utf-8")
        return path
    path.mkdir(parents=True, exist_ok=True)
    for key, fields in TABLE_FIELDS.items():
        frame = pd.DataFrame(data.get(key, []), columns=fields)
        frame.to_csv(path / f"{key}.csv", index=False)
        data[key] = f"{key}.csv"
    (path / SCENARIO_FILE).write_text(dump_yaml(data), encoding="utf-8")
    return path


def dump_yaml(data: dict[str, Any]) -> str:
    """YAML text for plain data, keys in schema order."""
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def _read_yaml(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError([Problem(where, f"not valid YAML: {problem}")], str(path)) from None
    if data is None:
        raise ScenarioError([Problem("", "file is empty")], str(path))
    if not isinstance(data, dict):
        raise ScenarioError(
            [Problem("", f"top level must be a mapping of fields, not {type(data).__name__}")], str(path)
        )
    return data


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ScenarioError(
                [Problem("", f"file is {size / 2**20:.0f} MiB; the limit is {MAX_BYTES // 2**20} MiB")], str(path)
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ScenarioError([Problem("", f"cannot read: {exc.strerror}")], str(path)) from None
    if b"\x00" in data[:8192]:
        raise ScenarioError([Problem("", "binary file, not YAML or CSV text")], str(path))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError([Problem("", f"not UTF-8 text (bad byte at offset {exc.start})")], str(path)) from None


def _read_csv(path: Path, key: str) -> list[dict[str, Any]]:
    text = _read_text(path)
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ScenarioError([Problem(path.name, f"not a valid CSV table: {str(exc).strip()}")], str(path)) from None
    known = set(TABLE_FIELDS[key])
    unknown = [c for c in frame.columns if c not in known]
    if unknown:
        raise ScenarioError(
            [
                Problem(path.name, f"unknown column {c!r}; known columns: {', '.join(TABLE_FIELDS[key])}")
                for c in unknown
            ],
            str(path),
        )
    rows = frame.to_dict("records")
    for row in rows:
        for col in [c for c, v in row.items() if v == ""]:
            del row[col]  # an empty cell means "use the default"
    return rows


def _locate(loc: tuple[Any, ...], raw: dict[str, Any], csv_tables: dict[str, str]) -> str:
    """'products[steel].price' for pydantic's ('products', 3, 'price'); rows read from CSV also name their line."""
    from leapplan.scenario.validate import locate_by_id

    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    out = locate_by_id(raw, out)
    if len(loc) >= 2 and loc[0] in csv_tables and isinstance(loc[1], int):
        out += f" ({csv_tables[loc[0]]} line {loc[1] + 2})"
    return out


def _message(err: Any) -> str:
    msg = str(err["msg"])
    msg = msg.removeprefix("Value error, ")
    value = err.get("input")
    if err["type"] in {"missing"}:
        return "required field is missing"
    if err["type"] == "extra_forbidden":
        return "unknown field (check its spelling against the schema)"
    limit = (err.get("ctx") or {}).get("le")
    if err["type"] == "less_than_equal" and limit == 1 and isinstance(value, int | float) and value > 1:
        hint = f" (a percentage? {value:g} % is {value / 100:g})" if 2 <= value <= 100 else ""
        return f"a share must be between 0 and 1, not {value:g}{hint}"
    if isinstance(value, (str, int, float)) and not (isinstance(value, float) and math.isnan(value)):
        shown = repr(value) if len(repr(value)) < 60 else repr(value)[:57] + "..."
        return f"{msg} (got {shown})"
    return msg
