"""The docs a newcomer reads: current with the code, inside the repository, and linked to files that exist."""

from __future__ import annotations

import importlib.util
import re
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
OTHER_WORK: set[str] = set()
"""Pages another piece of work writes; links to them are allowed before they land (none now)."""


def make_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    return make_docs()


def test_the_scenario_format_page_is_generated_from_the_models(generator: ModuleType) -> None:
    page = (ROOT / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    assert page == generator.scenario_page(), "run: python scripts/make_docs.py"
    assert "| `usable_share` | number, ≥ 0, ≤ 1 | `1.0` | Share of output that is of usable quality [-]. |" in page


def test_the_cli_page_is_generated_from_help(generator: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", generator.HELP_WIDTH)
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert page == generator.cli_page(), "run: python scripts/make_docs.py"
    assert "## leapplan db user-add" in page and "--plan <path>" in page


def _tracked_text_files() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    keep = {".md", ".py", ".yaml", ".yml", ".toml", ".csv", ".sh", ".txt", ".ipynb", ".html", ".js", ".css", ".ini"}
    return [ROOT / n for n in names if Path(n).suffix in keep or "/" not in n or n.startswith(("scripts/", ".ci/"))]


def test_nothing_points_outside_the_repository() -> None:
    files = _tracked_text_files()
    assert len(files) > 100
    outside = re.compile(r"\.\./shared|/work/|shared/seeds")
    this = Path(__file__).resolve()  # names the patterns it looks for
    bad = [
        str(p.relative_to(ROOT))
        for p in files
        if p.is_file() and p != this and outside.search(p.read_text(errors="replace"))
    ]
    assert bad == []


def test_readme_is_short_and_ci_runs_its_test_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 150
    assert "pip install -e . && leapplan run" in readme and "\nbash scripts/test" in readme
    assert "root" in readme and "apt-get" in readme  # the second command says what it needs
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == "bash scripts/test"


def test_every_relative_link_in_the_docs_resolves() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert {p.name for p in pages} >= {"README.md", "method.md", "scenario-format.md", "cli.md", "sources.md"}
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    missing = []
    for page in pages:
        for target in link.findall(page.read_text(encoding="utf-8")):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path = (page.parent / target).resolve()
            if not path.exists() and str(path.relative_to(ROOT)) not in OTHER_WORK:
                missing.append(f"{page.name}: {target}")
    assert missing == []
