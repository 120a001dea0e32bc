"""The numbers behind the charts, worked out by hand on tests/data/tiny.yaml."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from leapplan.report.charts_flows import Names, cap_nodes, node_positions, panel_flows
from leapplan.report.charts_map import layered_tree, network_regions, spread
from leapplan.report.charts_plan import local_vs_agriculture, province_food, weak_link_label, yearly_output_value
from leapplan.scenario import Scenario


def test_layered_tree_puts_leaves_in_rows_and_parents_at_their_mean(tiny: Scenario) -> None:
    assert layered_tree(tiny) == {"city": (1, 0.0), "north": (1, 1.0), "south": (1, 2.0), "prov": (0, 1.0)}


def test_layered_tree_of_shanxi_has_one_row_per_leaf(shanxi: Scenario) -> None:
    pos = layered_tree(shanxi)
    parents = {r.parent for r in shanxi.regions}
    leaves = [r.id for r in shanxi.regions if r.id not in parents]
    assert sorted(pos[leaf][1] for leaf in leaves) == list(range(len(leaves)))
    assert pos["shanxi"][0] == 0 and all(pos[r.id][0] == 2 for r in shanxi.regions if r.kind.value == "county")


def test_network_regions_of_tiny(tiny: Scenario) -> None:
    # hub city_steel stands in 'city'; members south_iron (in south) and the region north
    assert network_regions(tiny) == {"iron_net": ({"city"}, {"south", "north"})}


def test_spread_keeps_order_and_gap() -> None:
    assert spread([5.0, 5.5, 1.0], gap=1.6) == [5.0, 6.6, 1.0]


def test_yearly_output_value_and_local_vs_agriculture(tiny_run: tuple) -> None:
    s, plan, _ = tiny_run
    both = local_vs_agriculture(yearly_output_value(s, plan))
    # base year, usable output: local industry = north coal 350,000 t x 10 + south coal 280,000 t x 10
    # + south iron 3,000 t x 40 % usable x 150
    local0 = 3_500_000 + 2_800_000 + 180_000
    # grain: north 80,000 workers on 60,000 ha -> 1.3667 t/ha; south 60,000 on 50,000 ha -> 1.34 t/ha x 0.9
    agri0 = (60_000 * (1.3 + 0.2 / 3) + 50_000 * 1.34 * 0.9) * 100
    assert list(both.index) == [1957, 1958, 1959]
    assert both.loc[1957, "local_industry"] == pytest.approx(local0)
    assert both.loc[1957, "agriculture"] == pytest.approx(agri0)
    assert both.loc[1959, "local_industry"] == pytest.approx(local0 * 1.25**2)


def test_province_food_is_population_weighted(tiny_run: tuple) -> None:
    s, plan, _ = tiny_run
    food = province_food(s, plan)
    # fake plan: floor 200 + 10 - 5 x period - region index; city 100k, north 200k, south 150k people
    first = (210 * 100 + 209 * 200 + 208 * 150) / 450
    assert food["food_per_head"].tolist() == pytest.approx([first, first - 5])
    assert food["lowest"].tolist() == [208, 203]
    assert food["lowest_region"].tolist() == ["South County", "South County"]
    assert food["floor"].tolist() == [200, 200]


def test_cap_nodes_merges_the_smallest_and_keeps_the_total() -> None:
    flows = pd.DataFrame({"src": list("abcde"), "dst": ["x"] * 5, "quantity": [50.0, 40.0, 5.0, 3.0, 2.0]})
    capped = cap_nodes(flows, "src", limit=3)
    assert dict(zip(capped["src"], capped["quantity"], strict=True)) == {"a": 50.0, "b": 40.0, "3 others": 10.0}
    assert cap_nodes(flows, "src", limit=5) is flows


def test_node_positions_are_proportional_with_gaps() -> None:
    pos = node_positions(pd.Series({"a": 3.0, "b": 1.0}), gap=0.2)
    # usable height 1 - 0.2 = 0.8, split 3 : 1
    assert pos["a"] == pytest.approx((0.4, 1.0))
    assert pos["b"] == pytest.approx((0.0, 0.2))


def test_panel_flows_of_tiny(tiny_run: tuple) -> None:
    s, plan, _ = tiny_run
    panels = {title: (unit, flows) for title, unit, flows in panel_flows(s, plan.support)}
    unit, tech = panels["Technicians sent"]
    # city_steel answers for south_iron and north: 3 technicians each in the fake plan
    assert unit == "persons"
    assert tech.set_index("dst")["quantity"].to_dict() == {"South County": 3.0, "North County": 3.0}
    assert set(tech["src"]) == {"City Iron and Steel"}
    unit, labour = panels["Labourers"]
    assert labour[["src", "dst", "quantity"]].values.tolist() == [["North County", "City", 2000.0]]


def test_names_district_walks_up_to_below_the_root(shanxi: Scenario) -> None:
    names = Names(shanxi)
    county = next(r for r in shanxi.regions if r.kind.value == "county")
    parent = next(r for r in shanxi.regions if r.id == county.parent)
    # 'Jinnan Special District' is shown as 'Jinnan'
    assert names.district(county.id) == parent.name.replace(" Special District", "")
    ent = next(e for e in shanxi.enterprises if e.region == county.id)
    assert names.district(ent.id) == names.district(county.id)


def test_weak_link_label_skips_empty_parts() -> None:
    row = pd.Series({"kind": "technicians", "product": "", "region": "north", "period": "1958"})
    assert weak_link_label(row) == "technicians · north · 1958"
    # the plan's own label names what the ids do not (a fund class's id is not a name)
    fund = pd.Series({"kind": "funds", "product": "F2", "period": "1958", "label": "funds · Provincial budget · 1958"})
    assert weak_link_label(fund) == "funds · Provincial budget · 1958"
    assert weak_link_label(fund.drop("label")) == "funds · F2 · 1958"


def test_every_chart_has_plain_numbers_and_labelled_axes(shanxi_fake: tuple) -> None:
    """No offset ('1e6') or scientific tick label on any axis of any chart of the default report, even for
    values in the millions (the fake plan's weak links, output values and support); every panel with axes
    has an x and a y label."""
    from leapplan.report import style
    from leapplan.report.write import _charts

    s, plan, ens = shanxi_fake
    big = plan.weak_links.assign(value_of_one_percent=[3.2e6, 1.1e6, 4.0e5])  # one unit on a linear axis
    plan = dataclasses.replace(plan, weak_links=big)
    for name, draw in _charts(s, plan, ens):
        with style.chart_style():
            fig = draw()
            style.plain_numbers(fig)
            fig.canvas.draw()
        for ax in fig.axes:
            if not ax.axison:
                continue
            assert ax.get_xlabel() and ax.get_ylabel(), name
            for axis in (ax.xaxis, ax.yaxis):
                assert axis.get_offset_text().get_text() == "", name
                labels = [t.get_text() for t in axis.get_ticklabels()]
                assert not any("e+" in t or "e-" in t or "10^" in t or "×10" in t for t in labels), (name, labels)


def test_plain_numbers_removes_the_offset_matplotlib_would_add() -> None:
    from matplotlib.ticker import ScalarFormatter

    from leapplan.report import style

    def figure(plain: bool) -> tuple[str, list[str]]:
        with style.chart_style():
            fig = style.figure(4, 3)
            ax = fig.subplots()
            ax.plot([1, 2, 3], [1_000_001.0, 1_000_002.0, 1_000_003.0])
            if plain:
                style.plain_numbers(fig)
            fig.canvas.draw()
        assert isinstance(ax.yaxis.get_major_formatter(), ScalarFormatter)
        return ax.yaxis.get_offset_text().get_text(), [t.get_text() for t in ax.yaxis.get_ticklabels()]

    offset, _ = figure(plain=False)
    assert offset != ""  # matplotlib's default: ticks 1, 2, 3 under an offset of +1e6
    offset, labels = figure(plain=True)
    assert offset == "" and 1_000_002.0 in [float(t.replace(",", "")) for t in labels]
