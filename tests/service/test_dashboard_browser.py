"""The dashboard in headless Chromium against a real `leapplan serve` process (tiny scenario, temp SQLite).

A county liaison logs in, sees the overview of their county, meets a report form that offers only what each
unit makes, submits an honest report, is told a second one for the same unit, product and period must be a
correction, corrects it with inflated figures that the audit flags, and drills down to the plant. A planner
then sees the province's overview (plan, targets, fulfilment by region on one scale, completeness, open flags),
drills down to the county, filters who has not reported, and approves the flagged report. Screenshots go to
test-artifacts/ (gitignored).
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


def _login(page: Any, user: str, password: str) -> None:
    page.fill("#login-user", user)
    page.fill("#login-pass", password)
    page.click("#login-form button[type=submit]")


def _fill(page: Any, unit: str, period: str, product: str, figures: dict[str, float], remark: str) -> None:
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


def _detail(page: Any, product: str) -> Any:
    return page.locator("#detail-table tbody tr", has_text=product)


def test_liaison_and_planner_work_in_the_dashboard(
    live_server: Callable[..., Any], browser_page: Any, console_errors: list[str]
) -> None:
    from playwright.sync_api import expect

    server = live_server()
    page = browser_page
    page.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(server.url + "/")
    expect(page.locator("#login-view")).to_be_visible()
    _login(page, "liaison2", "wrong password")
    expect(page.locator("#login-error")).to_have_text("Wrong user name or password.")
    assert [e for e in console_errors if "401" not in e] == []  # Chromium logs the refused login itself
    console_errors.clear()

    # ---- the liaison of South County -------------------------------------------------------------
    _login(page, "liaison2", "liaison2")
    expect(page.locator("#app-view")).to_be_visible()
    expect(page.locator("#who-role")).to_have_text("county liaison · South County")
    expect(page.locator("#plan-state")).to_contain_text("The plan is ready", timeout=120_000)
    expect(page.locator("#fulfilment-scope")).to_have_text("— South County, 1958")
    # south has two plants, none reported; nothing delivered yet on the zone's two agreements
    expect(page.locator("#tile-completeness .big")).to_have_text("0 %")
    expect(page.locator("#tile-completeness .caption")).to_have_text("0 of 2 enterprises reported for 1958")
    expect(page.locator("#tile-agreements .caption")).to_contain_text("no deliveries recorded yet")
    expect(page.locator("#tile-fulfilment .big")).to_have_text("–")  # nothing reported yet
    # the tree holds what the liaison reads (the zone), not the province
    for unit in ["south", "south_iron", "city", "city_zone"]:
        expect(page.locator(f'#unit-tree button[data-unit="{unit}"]').first).to_be_visible()
    expect(page.locator('#unit-tree button[data-unit="prov"]')).to_have_count(0)
    # the form offers the liaison's units, and for each only what it makes, with its unit of measure
    assert page.locator("#r-unit option").evaluate_all("os => os.map(o => o.value)") == [
        "south",
        "south_coal",
        "south_iron",
    ]
    page.select_option("#r-unit", "south_iron")
    assert page.locator("#r-product option").all_text_contents() == ["Pig iron (t)"]
    expect(page.locator("#r-produced-unit")).to_have_text("[t]")
    page.select_option("#r-unit", "south")
    assert page.locator("#r-product option").evaluate_all("os => os.map(o => o.value)") == [
        "grain",
        "coal",
        "pig_iron",
    ]

    _fill(page, "south_iron", "1958", "pig_iron", HONEST, "first half, all furnaces lit")
    expect(page.locator("#r-result")).to_contain_text("the audit found nothing wrong")
    expect(page.locator("#tile-completeness .big")).to_have_text("50 %")
    # a second report for the same unit, product and period: the form offers to correct the first
    _fill(page, "south_iron", "1958", "pig_iron", INFLATED, "recounted")
    expect(page.locator("#r-result")).to_contain_text("already holds this unit, product and period")
    assert [e for e in console_errors if "409" not in e] == []  # Chromium logs the refused second report itself
    console_errors.clear()
    page.click("#r-correct")
    expect(page.locator("#r-result")).to_contain_text("Corrected report")
    expect(page.locator("#r-result")).to_contain_text("1,200 t needs ≥ 3,600 t of coal; 600 t were received")
    expect(page.locator("#tile-flags .big")).to_have_text("1")
    expect(page.locator("#flags li.error")).to_contain_text("material_balance")
    # drill down to the plant through the chart: reported 1,200 t, audited refused (flagged), not counted
    page.locator('#fulfilment-chart g[data-unit="south_iron"]').click()
    expect(page.locator("#crumbs")).to_contain_text("South County")
    expect(page.locator("#detail-scope")).to_have_text("— South furnaces, 1958")
    row = _detail(page, "Pig iron")
    expect(row.locator("td").nth(3)).to_have_text("1,200")
    expect(row.locator("td").nth(4)).to_have_text("flagged")
    page.screenshot(path=str(ARTIFACTS / "dashboard-liaison.png"), full_page=True)

    # the figures the page shows are the API's (second method: the JSON roll-up)
    token = httpx.post(server.url + "/api/token", data={"username": "liaison2", "password": "liaison2"}).json()
    api = httpx.get(
        server.url + "/api/rollup",
        params={"unit": "south_iron", "product": "pig_iron", "period": "1958"},
        headers={"Authorization": f"Bearer {token['access_token']}"},
    ).json()
    assert [(r["reported"], r["audited"], r["pending"]) for r in api] == [(1200.0, None, 0)]

    # ---- the planner -----------------------------------------------------------------------------
    page.click("#logout")
    expect(page.locator("#login-view")).to_be_visible()
    _login(page, "planner", "planner")
    expect(page.locator("#who-role")).to_have_text("planner")
    expect(page.locator("#fulfilment-scope")).to_have_text("— Province, 1958")
    expect(page.locator("#targets tbody tr")).to_have_count(2)  # tiny's two targets, met or cut
    # one chart for the province's regions on one scale: three rows
    expect(page.locator("#fulfilment-chart g.row")).to_have_count(3)
    expect(page.locator("#tile-completeness .caption")).to_have_text("1 of 6 enterprises reported for 1958")
    expect(page.locator("#tile-flags .big")).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "dashboard-planner-overview.png"), full_page=True)
    # who has not reported: filter the list
    expect(page.locator("#missing li.missing")).to_have_count(5)
    page.fill("#missing-find", "mine")
    expect(page.locator("#missing li.missing")).to_have_count(1)
    expect(page.locator("#missing li.missing")).to_contain_text("South mine")
    page.fill("#missing-find", "")
    # drill down: the county, then approve the flagged report there (another user submitted it)
    page.locator('#fulfilment-chart g[data-unit="south"]').click()
    expect(page.locator("#crumbs")).to_contain_text("Province")
    expect(page.locator("#completeness-count")).to_have_text("(1 of 2, 50 %)")
    flagged = page.locator("#reports-table tbody tr", has=page.locator("td.num", has_text="1,200"))
    expect(flagged).to_have_count(1)
    flagged.locator("button", has_text="Approve").click()
    expect(flagged.locator(".status")).to_have_text("approved")
    expect(page.locator("#tile-flags .big")).to_have_text("0")
    page.select_option("#detail-product", "pig_iron")
    expect(page.locator("#detail-table tbody tr", has_text="South furnaces").locator("td").nth(4)).to_have_text("1,200")
    page.screenshot(path=str(ARTIFACTS / "dashboard-planner.png"), full_page=True)

    assert console_errors == []


def _token(url: str, user: str, password: str) -> dict[str, str]:
    r = httpx.post(url + "/api/token", data={"username": user, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_a_planner_replans_and_activates_in_the_dashboard(
    live_server: Callable[..., Any], browser_page: Any, console_errors: list[str], tmp_path: Path
) -> None:
    """The two-year scenario of tests/plan/test_replan.py: the works reports 2,000 t of iron for 1958 and that it
    stands no more (in_service 0); the re-plan makes 1959's 2,000 t in the old furnace, on 3 t of coal each, so
    the mine's planned 1959 coal goes from 4,000 t (the works: 2 t each) to 6,000 t (worked by hand there)."""
    from playwright.sync_api import expect
    from tests.plan.scenarios import build
    from tests.plan.test_replan import two_works_raw

    from leapplan.scenario import save

    folder = tmp_path / "two_works"
    save(build(two_works_raw()), folder)
    server = live_server(scenario=folder)
    boss = _token(server.url, "planner", "planner")
    user = {"username": "works", "role": "enterprise", "unit": "a_works", "password": "works-pw"}
    assert httpx.post(server.url + "/api/users", json=user, headers=boss).status_code == 201
    works = _token(server.url, "works", "works-pw")
    mine = {"client_id": "mine-1958", "unit": "a_mine", "period": "1958", "product": "coal", "produced": 4000.0}
    assert httpx.post(server.url + "/api/reports", json=mine, headers=boss, timeout=60).status_code == 201

    def coal_1959() -> float:
        params = {"unit": "a", "period": "1959", "product": "coal"}
        [row] = httpx.get(server.url + "/api/rollup", params=params, headers=boss).json()
        return float(row["planned"])

    page = browser_page
    page.set_default_timeout(20_000)
    expect.set_options(timeout=20_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.goto(server.url + "/")
    # ---- the works reports through the form: 2,000 t of iron, and no capacity left standing -----------
    _login(page, "works", "works-pw")
    expect(page.locator("#plan-state")).to_contain_text("The plan is ready", timeout=120_000)
    page.select_option("#r-unit", "a_works")
    page.select_option("#r-period", "1958")
    page.select_option("#r-product", "iron")
    expect(page.locator("#r-in-service-unit")).to_have_text("[t a year]")
    page.fill("#r-produced", "2000")
    page.fill("#r-in-service", "0")
    page.click("#report-form button[type=submit]")
    expect(page.locator("#r-result")).to_contain_text("Stored report")
    [stored] = httpx.get(server.url + "/api/reports", params={"unit": "a_works"}, headers=boss).json()
    assert (stored["produced"], stored["in_service"]) == (2000.0, 0.0)
    page.click("#logout")

    _login(page, "planner", "planner")
    rows = page.locator("#versions tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".active-plan")).to_have_text("active")
    expect(page.locator("#replan")).to_be_visible()
    assert coal_1959() == pytest.approx(4000, rel=1e-6)

    page.fill("#replan-reserve", "0")  # two_works holds no reserve: the count changes nothing but is sent
    page.click("#replan")
    expect(page.locator("#replan-result")).to_contain_text("Re-plan done: version v2 revises v1", timeout=120_000)
    assert httpx.get(server.url + "/api/plans/replan", headers=boss).json()["reserve"] == 0.0
    expect(rows).to_have_count(2)
    new = page.locator('#versions tr[data-version="2"]')
    expect(new.locator("td").nth(3)).to_have_text("v1")
    expect(new.locator("td").nth(4)).to_have_text("1958")
    expect(new.locator("td").nth(5)).to_have_text("audited")
    expect(new.locator("td.changes")).to_contain_text("a_works has 2,000 a year of capacity out of service")
    expect(new.locator(".active-plan")).to_have_count(0)  # a new version waits for a planner
    assert coal_1959() == pytest.approx(4000, rel=1e-6)
    page.screenshot(path=str(ARTIFACTS / "dashboard-replan.png"), full_page=True)

    new.locator("button", has_text="Activate").click()
    expect(page.locator("#replan-result")).to_have_text("Version v2 is now the plan monitored.")
    expect(new.locator(".active-plan")).to_have_text("active")
    expect(page.locator('#versions tr[data-version="1"] button', has_text="Activate")).to_have_count(1)
    assert coal_1959() == pytest.approx(6000, rel=1e-6)  # the service now compares against the re-plan

    # ---- a non-planner sees the history, not the buttons, and the API refuses them ----------------
    page.click("#logout")
    _login(page, "works", "works-pw")
    expect(page.locator("#who-role")).to_contain_text("enterprise")
    expect(rows).to_have_count(2)
    expect(page.locator("#replan")).to_be_hidden()
    expect(page.locator("#versions button")).to_have_count(0)
    r = httpx.post(server.url + "/api/plans/replan", json={}, headers=works)
    assert r.status_code == 403
    r = httpx.post(server.url + "/api/plans/1/activate", headers=works)
    assert r.status_code == 403
    assert console_errors == []
