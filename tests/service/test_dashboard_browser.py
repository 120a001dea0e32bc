"""The dashboard in headless Chromium against a real `leapplan serve` process (tiny scenario, temp SQLite).

A county liaison logs in, submits an honest and an inflated report through the page, and sees the
roll-up change and the audit flag appear; a planner then approves the flagged report. Screenshots
go to test-artifacts/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# tiny.yaml: south_iron uses iron_indigenous, 3.0 t coal and 40 t-km transport per t of pig iron,
# 0.05 person-years per t; capacity 5,000 t/yr. HONEST meets the coefficients exactly; INFLATED's coal
# covers 200 t, not 1,200 t.
HONEST: dict[str, float] = {"produced": 1000, "coal": 3000, "transport": 40000, "labour": 50}
INFLATED: dict[str, float] = {"produced": 1200, "coal": 600, "transport": 48000, "labour": 60}


def _row(page: Any, unit: str, period: str, product: str) -> Any:
    return page.locator(f'#rollup-table tr[data-unit="{unit}"][data-period="{period}"][data-product="{product}"]')


def _number(text: str) -> float:
    return float(text.replace(",", "").strip())


def _login(page: Any, user: str, password: str) -> None:
    page.fill("#login-user", user)
    page.fill("#login-pass", password)
    page.click("#login-form button[type=submit]")


def _submit(page: Any, unit: str, period: str, product: str, figures: dict[str, float], remark: str) -> None:
    page.select_option("#r-unit", unit)
    page.select_option("#r-period", period)
    page.select_option("#r-product", product)
    page.fill("#r-produced", str(figures["produced"]))
    page.fill("#r-labour", str(figures["labour"]))
    rows = page.locator("#r-inputs .input-row")
    while rows.count() < 2:
        page.click("#r-add-input")
    rows.nth(0).locator(".in-product").select_option("coal")
    rows.nth(0).locator(".in-qty").fill(str(figures["coal"]))
    rows.nth(1).locator(".in-product").select_option("transport")
    rows.nth(1).locator(".in-qty").fill(str(figures["transport"]))
    page.fill("#r-remark", remark)
    page.click("#report-form button[type=submit]")


def test_liaison_reports_and_planner_approves(
    live_server: Callable[..., Any], browser_page: Any, console_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    server = live_server()
    page = browser_page
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(server.url + "/")
    expect(page.locator("#login-view")).to_be_visible()
    _login(page, "liaison2", "wrong password")
    expect(page.locator("#login-error")).to_have_text("Wrong user name or password.")
    # Chromium logs the refused login itself; nothing else may appear in the console
    assert [e for e in console_errors if "401" not in e] == []
    console_errors.clear()

    _login(page, "liaison2", "liaison2")
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#who-role")).to_have_text("county liaison")
    # the tree shows regions, enterprises, the zone and the network
    for unit in ["prov", "south", "south_iron", "city_zone", "iron_net"]:
        expect(page.locator(f'#unit-tree button[data-unit="{unit}"]')).to_have_count(1)

    page.click('#unit-tree button[data-unit="south_iron"]')
    expect(page.locator("#rollup-scope")).to_contain_text("South furnaces")
    assert _row(page, "south_iron", "1958", "pig_iron").count() == 0  # nothing reported yet

    _submit(page, "south_iron", "1958", "pig_iron", HONEST, "first half, all furnaces lit")
    expect(page.locator("#r-result")).to_contain_text("Stored as report #")
    row = _row(page, "south_iron", "1958", "pig_iron")
    expect(row.locator("td.reported")).to_have_text("1,000")
    expect(row.locator("td.audited")).to_have_text("1,000")
    expect(page.locator("#flags li.flag")).to_have_count(0)

    _submit(page, "south_iron", "1959", "pig_iron", INFLATED, "first half")
    expect(page.locator("#r-result")).to_contain_text("Stored as report #")
    inflated = _row(page, "south_iron", "1959", "pig_iron")
    expect(inflated.locator("td.reported")).to_have_text("1,200")
    flag = page.locator("#flags li.flag", has_text="coal")
    expect(flag).to_have_count(1)
    # 1,200 t at 3.0 t of coal per t needs 3,600 t of coal
    expect(flag).to_contain_text("1,200 t needs ≥ 3,600 t of coal; 600 t were received")
    # the flagged report does not count as audited; the honest one still does
    expect(inflated.locator("td.audited")).to_have_text("0")
    expect(row.locator("td.audited")).to_have_text("1,000")
    # the region above adds both up
    page.click('#unit-tree button[data-unit="south"]')
    expect(_row(page, "south", "1958", "pig_iron").locator("td.reported")).to_have_text("1,000")
    expect(_row(page, "south", "1959", "pig_iron").locator("td.reported")).to_have_text("1,200")
    expect(_row(page, "south_iron", "1959", "pig_iron").locator("td.reported")).to_have_text("1,200")

    # the same figures as the server's API report (second method: the JSON roll-up)
    token = httpx.post(server.url + "/api/token", data={"username": "liaison2", "password": "liaison2"}).json()
    api = httpx.get(
        server.url + "/api/rollup",
        params={"unit": "south_iron", "product": "pig_iron"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert sorted((r["period"], r["reported"], r["audited"]) for r in api) == [
        ("1958", 1000.0, 1000.0),
        ("1959", 1200.0, 0.0),
    ]
    page.screenshot(path=str(ARTIFACTS / "dashboard-liaison.png"), full_page=True)

    # the planner sees the flagged report and approves it: then it counts as audited
    page.click("#logout")
    expect(page.locator("#login-view")).to_be_visible()
    _login(page, "planner", "planner")
    expect(page.locator("#who-role")).to_have_text("planner")
    page.click('#unit-tree button[data-unit="south_iron"]')
    expect(page.locator("#reports-table tbody tr")).to_have_count(2)
    flagged = page.locator("#reports-table tbody tr", has=page.locator("td.num", has_text="1,200"))
    flagged.locator("button", has_text="Approve").click()
    expect(flagged.locator(".status")).to_have_text("approved")
    expect(_row(page, "south_iron", "1959", "pig_iron").locator("td.audited")).to_have_text("1,200")
    page.screenshot(path=str(ARTIFACTS / "dashboard-planner.png"), full_page=True)

    assert console_errors == []
