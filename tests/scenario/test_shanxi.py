"""The embedded shanxi-1958 scenario holds what the seed documents say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from leapplan.scenario import Scenario, TechKind, embedded
from leapplan.scenario.coefficients import productivity

ROOT = Path(__file__).resolve().parents[2]


def zone(s: Scenario, centre: str):  # noqa: ANN201 - test helper
    return next(z for z in s.zones if z.centre == centre)


def test_six_city_centred_zones(shanxi: Scenario) -> None:
    assert sorted(z.centre for z in shanxi.zones) == ["changzhi", "datong", "houma", "taiyuan", "yangquan", "yuci"]
    taiyuan = zone(shanxi, "taiyuan")
    assert len(taiyuan.counties) == 18
    assert {"qingxu", "jiaocheng"} <= set(taiyuan.counties)
    assert len(zone(shanxi, "datong").counties) == 7
    assert "qin" in {r.id for r in shanxi.regions}


def test_taiyuan_agreements_carry_the_seed_figures(shanxi: Scenario) -> None:
    taiyuan = zone(shanxi, "taiyuan")
    labour = sum(a.quantity for a in taiyuan.agreements if a.kind.value == "labour")
    assert labour == pytest.approx(29_000, abs=9)  # split by population and rounded county by county
    fund = next(f for f in shanxi.funds if f.id == "taiyuan_support")
    assert 10e6 <= fund.amount <= 15e6
    assert sorted(fund.recipients) == sorted(taiyuan.counties)


def test_five_networks_and_agricultural_machinery_tiers(shanxi: Scenario) -> None:
    assert {n.id for n in shanxi.networks} == {"agmach", "coal", "fertilizer", "power", "specialties"}
    agmach = next(n for n in shanxi.networks if n.id == "agmach")
    tiers = {t.level: t.enterprises for t in agmach.tiers}
    assert len(tiers[1]) == 5 and len(tiers[2]) == 20
    assert len(tiers[3]) >= 91  # county small plants
    owners = {e.id: e.ownership.value for e in shanxi.enterprises}
    assert {owners[c] for n in shanxi.networks for c in n.commanders} <= {"central", "provincial"}
    assert sum(n.technicians for n in shanxi.networks) == 600


def test_cooperative_pooling(shanxi: Scenario) -> None:
    coop = next(f for f in shanxi.funds if f.kind.value == "cooperative_pooling")
    assert coop.amount == 10e6 and coop.recipients == ["jinnan"]
    jinnan = [r for r in shanxi.regions if r.parent == "jinnan" and r.kind.value == "county"]
    assert len(jinnan) == 30


def test_products_and_technologies(shanxi: Scenario) -> None:
    ids = {p.id for p in shanxi.products}
    assert len(ids) >= 15
    assert {
        "grain",
        "non_staple_food",
        "coal",
        "coke",
        "iron_ore",
        "pig_iron",
        "steel",
        "rolled_steel",
        "cement",
        "fertilizer",
        "farm_tools",
        "power_machinery",
        "water_lifting",
        "electricity",
        "transport",
        "flour",
        "edible_oil",
        "starch",
    } <= ids
    kinds: dict[str, set[TechKind]] = {}
    for t in shanxi.technologies:
        kinds.setdefault(t.product, set()).add(t.kind)
    for product in ("pig_iron", "steel", "coal", "fertilizer", "cement", "electricity"):
        assert kinds[product] == {TechKind.modern, TechKind.indigenous}, product


def test_seed_targets(shanxi: Scenario) -> None:
    t = {x.id: x for x in shanxi.targets}
    assert (t["local_1958"].value, t["local_1958"].year) == (1.5, 1958)
    assert (t["local_1959"].value, t["local_1959"].year) == (2.0, 1959)
    assert (t["county_1958"].value, [o.value for o in t["county_1958"].scope.ownership]) == (2.0, ["county"])
    assert t["catch_up_1961"].reference is not None and t["catch_up_1961"].year == 1961
    assert t["exceed_1962"].value > 1 and t["plants_1962"].value == 10_000


def test_every_item_says_where_its_numbers_come_from(shanxi: Scenario) -> None:
    pattern = re.compile(r"^(seed 00\d|cited: |estimate)")
    groups = [
        shanxi.regions,
        shanxi.products,
        shanxi.technologies,
        shanxi.enterprises,
        shanxi.networks,
        shanxi.zones,
        shanxi.funds,
        shanxi.links,
        shanxi.targets,
        [a for z in shanxi.zones for a in z.agreements],
        [shanxi.agriculture, shanxi.guardrails],
    ]
    for group in groups:
        for item in group:
            assert pattern.match(item.source), f"{getattr(item, 'id', item)}: source {item.source!r}"


def test_productive(shanxi: Scenario) -> None:
    assert productivity(shanxi).radius < 1


def test_committed_data_equals_the_builder(tmp_path: Path) -> None:
    script = (ROOT / "scripts" / "make_shanxi_1958.py").read_text()
    script = script.replace('OUT = ROOT / "src/leapplan/scenario/data/shanxi-1958"', f"OUT = Path({str(tmp_path)!r})")
    (tmp_path / "build.py").write_text(script.replace("Path(__file__).resolve().parents[1]", f"Path({str(ROOT)!r})"))
    subprocess.run([sys.executable, str(tmp_path / "build.py")], check=True, capture_output=True)
    shipped = embedded.path_of("shanxi-1958")
    assert shipped is not None
    for name in ("scenario.yaml", "regions.csv", "enterprises.csv"):
        assert (tmp_path / name).read_text() == (shipped / name).read_text(), name
