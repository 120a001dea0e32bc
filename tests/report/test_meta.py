"""What the report says about its inputs: source kinds, estimate counts, hash, run info."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from leapplan import __version__
from leapplan.report.meta import provenance, run_info, source_kind
from leapplan.scenario import Scenario, embedded


@pytest.mark.parametrize(
    ("source", "kind"),
    [
        ("seed 000", "seed"),
        ("seed 003 (more than 29,000 labourers), split by population (estimate)", "partly_estimate"),
        ("estimate: 1957 price level", "estimate"),
        ("cited: Statistical yearbook 1959", "cited"),
        ("seed 000 ('greatly exceed'); the factor 1.5 is an estimate", "partly_estimate"),
        ("", "unsourced"),
        ("  ", "unsourced"),
    ],
)
def test_source_kind(source: str, kind: str) -> None:
    assert source_kind(source) == kind


def test_provenance_of_tiny_counts_every_item_as_estimate(tiny: Scenario) -> None:
    table = provenance(tiny).set_index("table")
    # tests/data/tiny.yaml, counted by eye: every item says "estimate: test"
    expected = {
        "regions": 4,
        "products": 5,
        "technologies": 6,
        "enterprises": 6,
        "networks": 1,
        "zones": 1,
        "agreements": 2,
        "funds": 2,
        "links": 2,
        "targets": 2,
        "agriculture": 1,
        "guardrails": 1,
    }
    assert table["items"].to_dict() == expected
    assert table["estimate"].to_dict() == expected
    assert table[["seed", "cited", "partly_estimate", "unsourced"]].to_numpy().sum() == 0


def test_provenance_of_shanxi_matches_the_csv_files(shanxi: Scenario) -> None:
    folder = embedded.path_of("shanxi-1958")
    assert folder is not None
    table = provenance(shanxi).set_index("table")
    for name in ("regions", "enterprises"):
        with (Path(folder) / f"{name}.csv").open(encoding="utf-8") as fh:
            sources = [row["source"] for row in csv.DictReader(fh)]
        assert table.loc[name, "items"] == len(sources)
        assert table.loc[name, "estimate"] == sum(s.startswith("estimate") for s in sources)
        assert table.loc[name, "seed"] == sum(s.startswith("seed") and "estimate" not in s for s in sources)


def test_run_info_states_hash_version_solver_and_seeds(tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    info = run_info(s, plan, ens)
    canonical = json.dumps(s.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    assert info["hash"] == hashlib.sha256(canonical.encode()).hexdigest()
    assert info["leapplan"] == __version__
    assert (info["solver"], info["solver_status"], info["plan_status"]) == ("highs", "optimal", "targets_cut")
    assert (info["scenario_seed"], info["simulation_seed"], info["runs"]) == (7, 11, 50)
    assert info["periods"] == ["1958", "1959"]
