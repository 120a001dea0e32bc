"""A worked analysis with leapplan's Python API: what does a higher food floor cost the plan?

Plan a scenario, plan it again with a stricter guardrail (more grain per head), compare the two plans
target by target, carry both out under frictions, plot the comparison with the results' own pandas and
xarray methods, and write the report of the stricter plan.

    python examples/food_floor.py                                   # shanxi-1958, about a minute
    python examples/food_floor.py my-scenario/ --floor 200 --runs 100 --out out/food-floor

The same analysis, step by step, is examples/food_floor.ipynb.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import leapplan


def with_food_floor(s: leapplan.Scenario, kg: float) -> leapplan.Scenario:
    """``s`` with another food floor: grain per person no plan may go below [kg per person per year]."""
    return s.model_copy(update={"guardrails": s.guardrails.model_copy(update={"food_per_head": kg})})


def compare_targets(plans: dict[str, leapplan.PlanResult]) -> pd.DataFrame:
    """Per target and plan: required, achieved and cut, in the target's unit (usable output value in yuan
    for output-value targets). Columns: a (plan, figure) MultiIndex."""
    parts = {
        name: p.targets.set_index("id")[["year", "required", "achievable", "cut", "unit"]] for name, p in plans.items()
    }
    return pd.concat(parts, axis=1)


def lowest_food(plan: leapplan.PlanResult) -> pd.Series:
    """The lowest food per head of any region in each period of the plan [kg per person per year]."""
    return plan.food.groupby("period")["food_per_head"].min()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="shanxi-1958", help="embedded name, file or folder")
    parser.add_argument("--floor", type=float, help="the stricter food floor [kg/person/yr]; default +15 %%")
    parser.add_argument("--runs", type=int, default=200, help="simulated runs of each plan")
    parser.add_argument("--out", type=Path, default=Path("out/food-floor"), help="folder for charts and report")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    # 1. The scenario, as it is and with a stricter guardrail.
    s = leapplan.load_scenario(args.scenario)
    floor = s.guardrails.food_per_head
    stricter_floor = args.floor or round(floor * 1.15)
    scenarios = {f"floor {floor:g} kg": s, f"floor {stricter_floor:g} kg": with_food_floor(s, stricter_floor)}

    # 2. Plan both. A guardrail is hard: when it cannot hold, the plan is infeasible and says why.
    plans = {name: leapplan.solve_plan(scn) for name, scn in scenarios.items()}
    for name, plan in plans.items():
        print(f"{name}: {plan.status.value}, plan cost {plan.objective / 1e6:,.1f} million yuan {plan.reason}")

    # 3. Compare them: the targets, the cost, the food.
    targets = compare_targets(plans)
    with pd.option_context("display.float_format", "{:,.0f}".format, "display.width", 160):
        print("\nTargets, required / achieved / cut (usable output value in yuan at base-year prices):")
        print(targets.drop(columns=["year", "unit"], level=1))
    food = pd.DataFrame({name: lowest_food(p) for name, p in plans.items()})
    print("\nLowest food per head of any region in the plan, kg per person per year:")
    print(food.round(1))

    # 4. Carry both plans out under frictions. Against the same yardstick, the original floor: how much
    #    does the worst-off region eat in a bad year (the 5 % quantile of the runs)?
    runs = {name: leapplan.simulate(scenarios[name], plan, runs=args.runs) for name, plan in plans.items()}
    worst = pd.DataFrame(
        {name: e.bands["food_per_head_lowest"].sel(quantile=0.05).to_series() for name, e in runs.items()}
    )
    print(f"\nLowest region's food per head in the worst 5 % of {args.runs} runs, kg per person per year")
    print(f"(the original floor is {floor:g}):")
    print(worst.round(1))

    # 5. Plot with the results' own methods: pandas for the plan tables, xarray for the simulated bands.
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    achieved = targets.xs("achievable", axis=1, level=1) / targets.xs("required", axis=1, level=1)
    (100 * achieved).plot.bar(ax=left, rot=0)
    left.set(title="Targets achieved by each plan", ylabel="achieved [% of required]", xlabel="target")
    for name, e in runs.items():
        (e.bands["output_value_usable"].sel(quantile=0.5) / 1e6).plot(ax=right, label=name, marker="o")
    right.set(
        title="Usable output value, median of the runs",
        ylabel=f"usable output value [million yuan at {s.base_year} prices]",
        xlabel="year",
    )
    right.legend()
    fig.savefig(args.out / "food_floor.png", dpi=110)
    plt.close(fig)

    # 6. The full report of the stricter plan.
    strict = list(plans)[-1]
    report = leapplan.write_report(args.out / "report", scenarios[strict], plans[strict], runs[strict])
    print(f"\nchart: {args.out / 'food_floor.png'}; report of the stricter plan: {report}")


if __name__ == "__main__":
    main()
