"""Names a reader knows: fund classes named by their funds, a fund given year by year named once with its years."""

from __future__ import annotations

import pytest

from leapplan.plan.explain import fund_names


@pytest.mark.parametrize(
    ("titles", "words"),
    [
        (["Provincial budget 1958"], "Provincial budget 1958"),
        (
            [f"Provincial budget for local industry {y}" for y in range(1958, 1963)],
            "Provincial budget for local industry 1958–1962",
        ),
        (["Budget 1959", "Budget 1958", "Bank loans"], "Budget 1958–1959 and Bank loans"),
        (["Budget 1958", "Budget 1960", "Budget 1961"], "Budget 1958, 1960, 1961"),
        (["Cooperatives' savings", "Bank loans", "Remittances"], "Cooperatives' savings, Bank loans and Remittances"),
        (["Plan 3000"], "Plan 3000"),  # not a year of this era: a name, not a year
    ],
)
def test_fund_names(titles: list[str], words: str) -> None:
    assert fund_names(titles) == words
