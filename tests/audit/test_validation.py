"""Bad reports and plans raise AuditError (a LeapplanError) naming each bad report."""

from __future__ import annotations

import pandas as pd
import pytest

import leapplan.audit
from leapplan.audit import FLAG_COLUMNS, AuditFlag, Check, Severity, audit_reports, validate_reports
from leapplan.errors import AuditError, LeapplanError
from leapplan.scenario import Scenario


def good(**kw: object) -> dict:
    return {"report_id": "a", "unit": "south_iron", "period": "1958", "product": "pig_iron", "produced": 100.0, **kw}


def error_of(tiny: Scenario, *rows: dict, plan: pd.DataFrame | None = None) -> str:
    with pytest.raises(AuditError) as exc:
        audit_reports(tiny, pd.DataFrame(list(rows)), plan)
    assert isinstance(exc.value, LeapplanError)
    return str(exc.value)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (good(unit="nowhere"), "report 'a': unknown unit 'nowhere'"),
        (good(product="gold"), "report 'a': unknown product 'gold'"),
        (good(period="1957"), "report 'a': unknown period '1957' (the scenario's periods are 1958, 1959)"),
        (good(produced=-5), "report 'a': produced -5 is negative"),
        (good(produced="lots"), "report 'a': produced 'lots' is not a number"),
        (good(produced=None), "report 'a': produced None is not a number"),
        (good(labour=-1), "report 'a': labour -1 is negative"),
        (good(product="steel"), "report 'a': enterprise 'south_iron' makes pig_iron, not 'steel'"),
        (good(inputs={"coal": -3}), "report 'a': input received -3 is negative"),
        (good(inputs={"unobtainium": 3}), "report 'a': unknown input product 'unobtainium'"),
        (good(inputs="coal"), "report 'a': inputs must be a mapping product → quantity, not 'coal'"),
    ],
)
def test_bad_report(tiny: Scenario, row: dict, message: str) -> None:
    assert error_of(tiny, row) == f"reports: 1 problem found\n  {message}"


def test_every_problem_is_listed(tiny: Scenario) -> None:
    text = error_of(tiny, good(), good(unit="x"), good(report_id="b", produced=-1), good(report_id="c"))
    assert text.splitlines() == [
        "reports: 5 problems found",
        "  report 'a': report_id given twice (pass each report once, its latest version)",
        "  report 'b': produced -1 is negative",
        "  report 'a': unknown unit 'x'",
        "  report 'b': a second report for south_iron pig_iron in 1958 (pass only the latest version of each report)",
        "  report 'c': a second report for south_iron pig_iron in 1958 (pass only the latest version of each report)",
    ]


def test_missing_columns(tiny: Scenario) -> None:
    text = error_of(tiny, {"report_id": "a", "unit": "south_iron", "period": "1958"})
    assert text.startswith(
        "reports: missing columns product, produced (need report_id, unit, period, product, produced"
    )
    with pytest.raises(AuditError, match="reports must be a pandas DataFrame, not list"):
        audit_reports(tiny, [good()])  # type: ignore[arg-type]


def test_unknown_input_column(tiny: Scenario) -> None:
    frame = pd.DataFrame([good()]).assign(**{"input:gold": [1.0]})
    assert error_of_frame(tiny, frame) == "reports: 1 problem found\n  column 'input:gold': unknown product 'gold'"


def error_of_frame(tiny: Scenario, frame: pd.DataFrame) -> str:
    with pytest.raises(AuditError) as exc:
        audit_reports(tiny, frame)
    return str(exc.value)


def test_bad_plan(tiny: Scenario) -> None:
    plan = pd.DataFrame(
        {
            "period": ["1958"],
            "region": ["mars"],
            "technology": ["iron_indigenous"],
            "product": ["pig_iron"],
            "quantity": [-1.0],
        }
    )
    assert error_of(tiny, good(), plan=plan).splitlines() == [
        "plan: 2 problems found",
        "  plan row 1: quantity -1 is negative",
        "  plan row 1: unknown region 'mars'",
    ]
    assert "plan: missing column quantity" in error_of(tiny, good(), plan=plan.drop(columns="quantity"))


def test_empty_and_typed_results(tiny: Scenario) -> None:
    empty = audit_reports(tiny, pd.DataFrame(columns=["report_id", "unit", "period", "product", "produced"]))
    assert list(empty.columns) == FLAG_COLUMNS and empty.empty
    flags = audit_reports(tiny, pd.DataFrame([good(produced=9_000.0, labour=1000)]))
    records = AuditFlag.from_frame(flags)
    assert [(f.check, f.severity) for f in records] == [(Check.capacity, Severity.error)]
    assert records[0].to_dict()["check"] == "capacity"


def test_integer_periods_from_csv_are_read_as_labels(tiny: Scenario) -> None:
    frame = pd.DataFrame([good(period=1958, produced=9_000.0, labour=1000)])
    assert audit_reports(tiny, frame)["period"].tolist() == ["1958"]


def test_validate_reports_alone(tiny: Scenario) -> None:
    validate_reports(tiny, pd.DataFrame([good()]))  # no error
    with pytest.raises(AuditError, match="enterprise 'south_iron' makes pig_iron, not 'coal'"):
        validate_reports(tiny, pd.DataFrame([good(product="coal")]))


def test_public_names() -> None:
    assert sorted(leapplan.audit.__all__) == sorted(
        ["FLAG_COLUMNS", "AuditFlag", "AuditRules", "Check", "Severity", "audit_reports", "validate_reports"]
    )
    assert [c.value for c in Check] == [
        "material_balance",
        "capacity",
        "labour",
        "history",
        "peers",
        "parent_total",
        "plan",
    ]
