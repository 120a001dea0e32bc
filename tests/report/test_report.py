"""write_report: every file, a self-contained page that states its inputs, non-blank charts."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from rich.console import Console

from leapplan import __version__
from leapplan.plan import PlanStatus
from leapplan.report import print_run_summary, write_report
from leapplan.report.write import CAPTIONS
from leapplan.scenario.summary import scenario_hash

CHARTS = set(CAPTIONS)


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory: pytest.TempPathFactory, tiny_run: tuple) -> Path:
    s, plan, ens = tiny_run
    return write_report(tmp_path_factory.mktemp("tiny") / "out", s, plan, ens)


def test_writes_the_page_every_chart_and_every_table(tiny_report: Path) -> None:
    folder = tiny_report.parent
    assert tiny_report == folder / "report.html"
    assert {p.stem for p in (folder / "charts").glob("*.png")} == CHARTS
    stems = {p.stem for p in (folder / "tables").iterdir()}
    assert {
        "plan_output_value",
        "plan_targets",
        "plan_weak_links",
        "plan_food",
        "plan_support",
        "bands_product",
        "bands_province",
        "scenario_provenance",
        "scenario_targets",
    } <= stems
    for stem in stems:
        assert (folder / "tables" / f"{stem}.csv").exists() and (folder / "tables" / f"{stem}.parquet").exists()


def test_page_is_self_contained(tiny_report: Path) -> None:
    text = tiny_report.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and "@import" not in text
    assert not re.search(r'src="(?!data:)', text)
    assert not re.search(r'(href|src)="(https?:)?//', text)


def test_embedded_images_are_the_png_files(tiny_report: Path) -> None:
    text = tiny_report.read_text(encoding="utf-8")
    found = dict(re.findall(r'<figure id="chart-([a-z_]+)".*?<img src="data:image/png;base64,([^"]+)"', text))
    assert set(found) == CHARTS
    for name, data in found.items():
        assert base64.b64decode(data) == (tiny_report.parent / "charts" / f"{name}.png").read_bytes()


@pytest.mark.parametrize("name", sorted(CHARTS))
def test_pngs_are_not_blank(tiny_report: Path, name: str) -> None:
    img = imread(tiny_report.parent / "charts" / f"{name}.png")[..., :3]
    grey = img.mean(axis=2)
    assert img.shape[0] > 150 and img.shape[1] > 600
    assert grey.std() > 0.05  # a white page with a few marks has std ≈ 0; these charts are ≥ 0.1
    assert (grey < 0.9).mean() > 0.01  # at least 1 % of the pixels carry ink
    packed = (img[::3, ::3] * 255).astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)
    assert len(np.unique(packed)) > 20  # several colours, not one flat tone


def test_page_states_its_inputs(tiny_report: Path, tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    text = tiny_report.read_text(encoding="utf-8")
    for needle in (
        scenario_hash(s),
        f"<dd>{__version__}</dd>",
        "<dd>highs simplex</dd>",
        "<dd>optimal</dd>",
        "<dd>7</dd>",
        "<dd>11, 50 runs</dd>",
        "targets_cut",
        "Where the numbers come from",
    ):
        assert needle in text
    # every one of tiny's 33 items is an estimate, and the page says so
    assert "33 of 33 items rest wholly or partly on estimates" in text


def test_run_summary_prints_targets_cuts_and_links(tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    console = Console(record=True, width=200)
    print_run_summary(console, plan, ens)
    out = console.export_text()
    assert "targets_cut" in out and "local_x15" in out and "steel_1959" in out
    # local_x15: 1.5 x base local industry 6.75 million yuan = 10.1 million; the fake plan cuts 10 %
    assert "10.1 million yuan" in out and "1.0 million" in out
    assert "2,400 yuan per person" in out  # the technicians link
    assert "50 runs (seed 11)" in out


def test_an_infeasible_plan_still_gets_a_report(tmp_path: Path, tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    empty = {
        name: getattr(plan, name).iloc[0:0]
        for name in ("production", "capacity", "shipments", "labour", "support", "funds", "food", "output_value")
    }
    reason = "food per head in south falls to 150 kg, under the floor of 200 kg"
    bad = replace(plan, status=PlanStatus.infeasible, reason=reason, weak_links=plan.weak_links.iloc[0:0], **empty)
    path = write_report(tmp_path, s, bad, ens)
    text = path.read_text(encoding="utf-8")
    assert reason in text and "infeasible" in text
    assert {p.stem for p in (tmp_path / "charts").glob("*.png")} == CHARTS
    assert pd.read_csv(tmp_path / "tables" / "plan_output_value.csv").empty


def test_a_balance_result_adds_its_key_sectors(tmp_path: Path, tiny_run: tuple) -> None:
    from leapplan.balance.analysis import analyse
    from leapplan.balance.scenario_system import scenario_system

    s, plan, ens = tiny_run
    balance = analyse(scenario_system(s))
    path = write_report(tmp_path, s, plan, ens, balance)
    table = pd.read_csv(tmp_path / "tables" / "balance_linkages.csv")
    ranked = balance.linkages.table[balance.linkages.table["rank"] > 0]
    assert len(table) == len(ranked) and table["rank"].tolist() == sorted(ranked["rank"])
    first = ranked[ranked["rank"] == 1].index[0]
    assert table["sector"].iloc[0] == (first[-1] if isinstance(first, tuple) else str(first))
    assert "Material balance" in path.read_text(encoding="utf-8")


def test_public_names() -> None:
    import leapplan.report as report

    assert set(report.__all__) == {
        "EnsembleLike",
        "PlanLike",
        "print_run_summary",
        "provenance",
        "run_info",
        "write_report",
    }
    assert all(hasattr(report, name) for name in report.__all__)
