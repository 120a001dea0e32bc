"""Result tables: long-form bands and the CSV + Parquet files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from leapplan.report.tables import band_tables, collect, write_tables
from leapplan.scenario import Scenario


def test_band_tables_are_long_and_keep_every_value(tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    tables = band_tables(ens.bands)
    prod, prov = tables["bands_product"], tables["bands_province"]
    assert list(prod.columns) == ["variable", "quantile", "period", "product", "value"]
    assert list(prov.columns) == ["variable", "quantile", "period", "value"]
    # 4 product variables x 3 quantiles x 2 periods x 5 products; 3 province variables x 3 x 2
    assert len(prod) == 4 * 3 * 2 * 5 and len(prov) == 3 * 3 * 2
    # actual coal, median, 1958 = 0.8 x planned = 0.8 x 1.25 x base coal output (350,000 + 280,000 t)
    row = prod[
        (prod["variable"] == "actual")
        & (prod["quantile"] == 0.5)
        & (prod["period"] == "1958")
        & (prod["product"] == "coal")
    ]
    assert row["value"].item() == 0.8 * 1.25 * 630_000
    # food floor 200 kg, fake median 5 kg under it, 95 % quantile x 1.1
    food = prov[(prov["variable"] == "food_per_head") & (prov["quantile"] == 0.95)]
    assert food["value"].tolist() == [195 * 1.1] * 2


def test_tables_round_trip_through_csv_and_parquet(tmp_path: Path, tiny_run: tuple) -> None:
    s, plan, ens = tiny_run
    tables = collect(s, plan, ens)
    assert {"plan_targets", "plan_weak_links", "plan_support", "bands_product", "scenario_provenance"} <= set(tables)
    paths = write_tables(tmp_path, tables)
    assert len(paths) == 2 * len(tables)
    targets = pd.read_parquet(tmp_path / "plan_targets.parquet")
    pd.testing.assert_frame_equal(targets, plan.targets, check_dtype=False)
    csv = pd.read_csv(tmp_path / "plan_targets.csv")
    assert csv["required"].tolist() == plan.targets["required"].tolist()


def test_object_columns_that_are_not_text_become_text(tmp_path: Path, tiny: Scenario) -> None:
    frame = pd.DataFrame({"unit": ["a", "b"], "inputs": [{"coal": 3.0}, {"coal": 1.5}], "n": [1, 2]})
    write_tables(tmp_path, {"odd": frame})
    back = pd.read_parquet(tmp_path / "odd.parquet")
    assert back["inputs"].tolist() == ["{'coal': 3.0}", "{'coal': 1.5}"]
    assert back["n"].tolist() == [1, 2]
