"""Each mechanism of policy mode on a case worked out by hand (``simulate.mechanisms``)."""

from __future__ import annotations

import numpy as np
import pytest

from leapplan.simulate import mechanisms as mech


def test_capacity_arrives_after_its_build_time_and_the_delay() -> None:
    build = np.array([3.0, 0.1, 2.0, 0.5])
    assert mech.arrival_lag(build, 1.0, None, 0.5).tolist() == [3, 0, 2, 0]
    # delay floor(E × 0.5 × build / dt): E = 0.8 → floor(1.2) = 1 more year for the 3-year plant, none for the 0.1
    assert mech.arrival_lag(build, 1.0, np.array([0.8, 5.0, 0.99, 1.0]), 0.5).tolist() == [4, 0, 2, 0]
    # quarters: a 0.1-year furnace within its quarter, a 3-year works after 12 quarters
    assert mech.arrival_lag(np.array([0.1, 3.0]), 0.25, None, 0.5).tolist() == [0, 12]


def test_capacity_wears_over_its_lifetime_and_ramps_up() -> None:
    # a native furnace (lifetime 1 year) keeps e^-1 = 36.8 % after a year, e^-2 after two; a 30-year plant 96.7 %
    assert mech.survival(np.array([0, 1, 2]), 1.0, np.array(1.0)) == pytest.approx([1.0, 0.367879, 0.135335], rel=1e-5)
    assert mech.survival(1, 1.0, np.array(30.0)) == pytest.approx(0.967216, rel=1e-5)
    # output at 60 % in its first period, 1 − 0.4 e^-1 = 85.3 % a year later
    assert mech.ramp(np.array([0, 1]), 1.0, 0.6, 1.0) == pytest.approx([0.6, 0.852848], rel=1e-5)


def test_funds_pay_every_cost_the_same_share() -> None:
    assert mech.pay(np.array([[60.0, 40.0], [10.0, 0.0]]), np.array([50.0, 20.0])) == pytest.approx(
        np.array([[0.5, 0.5], [1.0, 1.0]])
    )


def test_the_ratchet_raises_on_reported_over_fulfilment() -> None:
    # reported 12 against 10: × 1.2, and the policy's half again: 1.8; reported 9: unchanged
    f = mech.ratchet_factor(np.array([12.0, 9.0, 5.0]), np.array([10.0, 10.0, 0.0]), np.array(0.5))
    assert f == pytest.approx([1.8, 1.0, 1.0])


def test_allocation_puts_modern_plants_first() -> None:
    modern = np.array([True, False, False, True, True])
    product = np.array([0, 0, 0, 1, 1])
    pot = np.array([[100.0, 50.0, 150.0, 100.0, 50.0]])
    # steel 200: modern 100, the rest 100 split 50:150 → 25, 75; product 1 (no indigenous) 300: 2× each modern plant
    x = mech.allocate(np.array([[200.0, 300.0]]), pot, modern, product, 2)
    assert x[0] == pytest.approx([100.0, 25.0, 75.0, 200.0, 100.0])
    x = mech.allocate(np.array([[80.0, 75.0]]), pot, modern, product, 2)
    assert x[0] == pytest.approx([80.0, 0.0, 0.0, 50.0, 25.0])
    # indigenous plants with no potential yet get the rest by weight (what mass labour must build)
    x = mech.allocate(
        np.array([[160.0, 0.0]]), np.array([[100.0, 0, 0, 0, 0]]), modern, product, 2, np.array([[0, 1.0, 3.0, 0, 0]])
    )
    assert x[0] == pytest.approx([100.0, 15.0, 45.0, 0.0, 0.0])


def test_mobilisation_stops_at_the_room_left() -> None:
    # 100 wanted, 50 already away, at most 120: 70 more, a share of 0.7
    assert mech.mobilise(np.array([100.0, 10.0]), np.array([50.0, 0.0]), np.array([120.0, 120.0])) == pytest.approx(
        [0.7, 1.0]
    )


def test_procurement_on_a_reported_harvest_drains_the_village_by_the_expected_amount() -> None:
    # a quarter of a reported 300 kt from villages holding 100 kt (stock + seed + harvest): 75 kt, 25 kt left
    held = np.array([100.0, 50.0])
    taken = mech.procure(0.25, np.array([300.0, 300.0]), held)
    assert taken == pytest.approx([75.0, 50.0])
    assert held - taken == pytest.approx([25.0, 0.0])  # the second village loses its seed too


def test_villages_keep_their_seed_then_eat() -> None:
    eaten, kept = mech.keep_seed_and_eat(np.array([100.0, 40.0, 20.0]), np.array([80.0, 80.0, 80.0]), np.array(30.0))
    assert kept == pytest.approx([30.0, 30.0, 20.0])
    assert eaten == pytest.approx([70.0, 10.0, 0.0])
    # a third of the seed: a third of the land sown
    assert mech.sown_share(np.array([10.0, 40.0]), np.array([30.0, 30.0])) == pytest.approx([1 / 3, 1.0])


def test_planners_cut_the_grain_area_on_believed_yields() -> None:
    # reported 300 t from 100 ha against a base yield of 2 t/ha: a believed gain of 50 %, half of it taken back as
    # land (25 %), at most a fifth
    keep = mech.area_after_reports(np.array([300.0, 180.0]), np.array([100.0, 100.0]), np.array([2.0, 2.0]), 0.5, 1.0)
    assert keep == pytest.approx([0.75, 1.0])
    assert mech.area_after_reports(np.array([300.0]), np.array([100.0]), np.array([2.0]), 0.5, 0.2) == pytest.approx(
        [0.8]
    )


def test_hunger_lowers_next_periods_work() -> None:
    # 10 % below a 190 kg floor at 2 % work per 1 %: exp(−0.2); at or above the floor, full work
    work = mech.hunger_factor(np.array([171.0, 190.0, 250.0, 0.0]), np.array([190.0] * 4), 2.0)
    assert work == pytest.approx([np.exp(-0.2), 1.0, 1.0, np.exp(-2.0)])


def test_retrenchment_triggers() -> None:
    assert mech.input_shortfall(np.array([80.0, 100.0]), np.array([100.0, 100.0])) == pytest.approx([0.2, 0.0])
    # 15 % short against a 10 % threshold: half the new workers sent back; 20 %: all; 5 %: none
    back = mech.sent_back_for_food(np.array([85.0, 80.0, 95.0]), np.array([100.0] * 3), 0.1)
    assert back == pytest.approx([0.5, 1.0, 0.0])


def test_write_off_threshold_and_share() -> None:
    # china-1957's native iron: 3 t of coal at 20 yuan per t of iron at 150 yuan: worth writing off below 0.4 usable
    assert mech.write_off_threshold(np.array([60.0, 215.0]), np.array([150.0, 400.0])) == pytest.approx([0.4, 0.5375])
    # nominal 0.6, mean loss 0.3 (losses spread over 0–0.6): furnaces losing more than 1/3 fall below 0.4: 4/9
    share = mech.written_off(
        np.array([0.6, 0.5, 0.6, 1.0]), np.array([0.3, 0.0, 0.0, 0.3]), np.array([0.4, 0.5375, 0.4, 0])
    )
    assert share == pytest.approx([4 / 9, 1.0, 0.0, 0.0])
    # the same share by sampling the furnaces' losses
    rng = np.random.default_rng(3)
    losses = rng.uniform(0, 0.6, 200_000)
    assert np.mean(0.6 * (1 - losses) < 0.4) == pytest.approx(4 / 9, abs=0.005)
