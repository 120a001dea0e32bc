"""Scenarios shipped inside the package, by name."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

DEFAULT = "shanxi-1958"


def data_dir() -> Path:
    """Folder holding the embedded scenario folders."""
    return Path(str(resources.files("leapplan.scenario") / "data"))


def names() -> list[str]:
    """Names of the embedded scenarios, sorted."""
    return sorted(p.name for p in data_dir().iterdir() if (p / "scenario.yaml").is_file())


def path_of(name: str) -> Path | None:
    """Folder of the embedded scenario ``name``, or None when there is none by that name."""
    folder = data_dir() / name
    return folder if (folder / "scenario.yaml").is_file() else None
