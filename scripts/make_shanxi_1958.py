"""Build the embedded scenario ``shanxi-1958`` from the seed documents and stated estimates.

Run from the repository root:  python scripts/make_shanxi_1958.py
It rewrites src/leapplan/scenario/data/shanxi-1958/ (scenario.yaml, regions.csv, enterprises.csv);
tests check that the committed folder equals what this script writes.

Provenance conventions for every ``source`` field:
  "seed 000" … "seed 004"  the five newspaper reports described, with full citations and the figures taken
                           from each, in docs/sources.md (000 = 1958-02-18 Qin County meeting,
                           001 = 1958-03-25 state enterprises as commanders, 002 = 1959-01-13 provinces
                           arrange 1959, 003 = 1958-05-29 six zones, 004 = 1960-04-25 "small foreign
                           groups" commentary)
  "cited: …"               a published figure, named
  "estimate: …"            our own estimate, with the reasoning
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from leapplan.scenario.io import parse, save  # noqa: E402

OUT = ROOT / "src/leapplan/scenario/data/shanxi-1958"
LOCAL = ["provincial", "prefecture", "city", "county", "township", "cooperative"]
EST_POP = (
    "estimate: province ~15.3 million in 1957 (1953 census 14.31 million grown ~1.8 %/yr), "
    "split evenly within each special district; labour force 45 % of population"
)
EST_LAND = "estimate: ~4.1 million ha cultivated, more land per head in the dry north"

# ---------------------------------------------------------------- regions
# (id, name, people per county, farmland ha per head, grain yield factor)
DISTRICTS = {
    "yanbei": ("Yanbei Special District", 115_000, 0.45, 0.80),
    "xinxian_district": ("Xinxian Special District", 110_000, 0.40, 0.85),
    "jinzhong": ("Jinzhong Special District", 165_000, 0.25, 1.10),
    "jindongnan": ("Jindongnan Special District", 140_000, 0.28, 1.00),
    "jinnan": ("Jinnan Special District", 175_000, 0.27, 1.10),
}
COUNTIES = {
    "yanbei": "datong_county huairen zuoyun yanggao tianzhen hunyuan ying shuo shanyin youyu guangling lingqiu",
    "xinxian_district": "xin dingxiang wutai yuanping jingle lan dai fanshi ningwu shenchi wuzhai kelan baode hequ pianguan",
    "jinzhong": "qingxu jiaocheng wenshui fenyang xiaoyi pingyao jiexiu qi taigu yangqu shouyang lingshi yushe heshun "
    "zuoquan pingding yu xiyang",
    "jindongnan": "changzhi_county zhangzi tunliu lucheng xiangyuan licheng pingshun huguan qin wuxiang qinyuan jincheng "
    "yangcheng qinshui lingchuan gaoping",
    "jinnan": "quwo xinjiang jiang yicheng wenxi jishan xiangfen linfen hongdong huo zhaocheng fenxi pu xi daning ji "
    "xiangning hejin wanrong xia pinglu ruicheng yongji linyi yuncheng anyi yuanqu fushan gu anze",
}
# city id -> (name, parent, population, source)
CITIES = {
    "taiyuan": ("Taiyuan", "shanxi", 1_000_000, "estimate: Taiyuan ~1.0 million in 1957"),
    "datong": ("Datong", "shanxi", 300_000, "estimate"),
    "yangquan": ("Yangquan", "shanxi", 200_000, "estimate"),
    "changzhi": ("Changzhi", "jindongnan", 150_000, "estimate"),
    "yuci": ("Yuci", "jinzhong", 150_000, "estimate"),
    "houma": ("Houma", "jinnan", 50_000, "estimate: Houma became a city in 1958"),
}
ZONES = {
    # centre: (member counties, source of the list, technicians the city can send per year)
    "taiyuan": (
        "qingxu jiaocheng wenshui fenyang xiaoyi pingyao jiexiu qi taigu yangqu shouyang lingshi xin dingxiang "
        "wutai yuanping jingle lan",
        "seed 003: eighteen counties including Qingxu and Jiaocheng; the other sixteen names are an estimate "
        "(counties adjacent to Taiyuan)",
        150,
    ),
    "datong": (
        "datong_county huairen zuoyun yanggao tianzhen hunyuan ying",
        "seed 003: Datong and seven collaborating counties; names an estimate (counties around Datong)",
        60,
    ),
    "yangquan": ("pingding yu xiyang", "seed 003 names Yangquan; members an estimate", 40),
    "changzhi": (
        "changzhi_county zhangzi tunliu lucheng xiangyuan licheng pingshun huguan qin qinyuan gaoping",
        "estimate: seed 003 names three of six cities; Changzhi is one of the other three (estimate)",
        40,
    ),
    "yuci": ("yushe heshun zuoquan wuxiang", "estimate: Yuci as a zone centre and its members", 30),
    "houma": (
        "quwo xinjiang jiang yicheng wenxi jishan xiangfen",
        "estimate: Houma as a zone centre and its members",
        30,
    ),
}
IRON_DISTRICTS = {"jinzhong", "jindongnan"}  # Taihang iron-ore belt (estimate)

# ---------------------------------------------------------------- products
P = "estimate: 1957 price level"
PRODUCTS = [
    # id, name, unit, price yuan/unit, sector, branch, consumption per head, import limit, import price, source
    (
        "grain",
        "Grain (unhusked)",
        "t",
        200,
        "agriculture",
        "grain",
        0,
        50_000,
        260,
        "estimate: state purchase price ~0.10 yuan/jin; imports = central transfers",
    ),
    ("non_staple_food", "Non-staple food", "t", 300, "agriculture", "sideline", 0.08, 0, 0, P),
    ("coal", "Raw coal", "t", 12, "industry", "coal", 0.25, 0, 0, P + "; household fuel 0.25 t/head"),
    ("coke", "Coke", "t", 40, "industry", "coal", 0, 0, 0, P),
    ("iron_ore", "Iron ore", "t", 15, "industry", "mining", 0, 0, 0, P),
    ("pig_iron", "Pig iron", "t", 160, "industry", "metallurgy", 0, 0, 0, P),
    ("steel", "Crude steel", "t", 380, "industry", "metallurgy", 0, 0, 0, P),
    (
        "rolled_steel",
        "Rolled steel",
        "t",
        600,
        "industry",
        "metallurgy",
        0,
        60_000,
        700,
        P + "; imports = central allocation from other provinces",
    ),
    ("cement", "Cement", "t", 50, "industry", "building_materials", 0, 0, 0, P),
    (
        "fertilizer",
        "Chemical fertilizer",
        "t",
        280,
        "industry",
        "chemicals",
        0.003,
        40_000,
        300,
        P + "; ammonium sulphate; imports = central allocation",
    ),
    ("farm_tools", "Improved farm tools", "piece", 6, "industry", "machinery", 0.12, 0, 0, P),
    ("power_machinery", "Power machinery", "kW", 300, "industry", "machinery", 0.0015, 5_000, 400, P),
    ("water_lifting", "Water-lifting equipment", "set", 150, "industry", "machinery", 0.002, 0, 0, P),
    ("electricity", "Electricity", "MWh", 60, "industry", "power", 0.02, 0, 0, P + "; 0.06 yuan/kWh"),
    (
        "transport",
        "Freight transport",
        "t-km",
        0.015,
        "transport",
        "transport",
        0,
        0,
        0,
        P + "; rail freight ~1.5 fen/t-km",
    ),
    ("flour", "Flour", "t", 300, "industry", "food", 0.02, 0, 0, P),
    ("edible_oil", "Edible oil", "t", 1200, "industry", "food", 0.002, 0, 0, P),
    ("starch", "Starch", "t", 400, "industry", "food", 0.0001, 0, 0, P),
]

# ---------------------------------------------------------------- technologies
T = "estimate: engineering order of magnitude for 1950s Chinese plants"
TECHS: list[dict[str, Any]] = [
    dict(
        id="coal_modern",
        name="Mechanised coal mine",
        product="coal",
        kind="modern",
        scale="large",
        inputs={"electricity": 0.02, "rolled_steel": 0.001, "transport": 10},
        labour=0.0025,
        technicians=0.00002,
        capital_cost=60,
        capital_goods={"rolled_steel": 0.01, "cement": 0.02, "power_machinery": 0.002},
        build_time=2,
        lifetime=40,
        usable_share=1.0,
        plant_size=300_000,
        source=T,
    ),
    dict(
        id="coal_small",
        name="Small indigenous coal pit",
        product="coal",
        kind="indigenous",
        scale="small",
        inputs={"transport": 5},
        labour=0.01,
        technicians=0,
        capital_cost=8,
        capital_goods={"farm_tools": 0.01},
        build_time=0.25,
        lifetime=5,
        usable_share=0.9,
        plant_size=5_000,
        source="seed 004 (small coal mines); coefficients " + T,
    ),
    dict(
        id="coke_modern",
        name="Coke ovens",
        product="coke",
        kind="modern",
        scale="large",
        inputs={"coal": 1.4, "electricity": 0.01, "transport": 10},
        labour=0.003,
        technicians=0.00005,
        capital_cost=80,
        capital_goods={"rolled_steel": 0.02, "cement": 0.05},
        build_time=1.5,
        lifetime=25,
        plant_size=200_000,
        source=T,
    ),
    dict(
        id="coke_indigenous",
        name="Heap coking",
        product="coke",
        kind="indigenous",
        scale="small",
        inputs={"coal": 2.0},
        labour=0.02,
        capital_cost=5,
        build_time=0.1,
        lifetime=3,
        usable_share=0.8,
        plant_size=2_000,
        source=T,
    ),
    dict(
        id="iron_ore_modern",
        name="Mechanised iron-ore mine",
        product="iron_ore",
        kind="modern",
        scale="large",
        inputs={"electricity": 0.005, "transport": 20},
        labour=0.004,
        technicians=0.00002,
        capital_cost=30,
        capital_goods={"rolled_steel": 0.005, "power_machinery": 0.002},
        build_time=1.5,
        lifetime=30,
        plant_size=500_000,
        source=T,
    ),
    dict(
        id="iron_ore_indigenous",
        name="Hand-dug iron ore",
        product="iron_ore",
        kind="indigenous",
        scale="small",
        inputs={"transport": 5},
        labour=0.02,
        capital_cost=2,
        build_time=0.1,
        lifetime=5,
        usable_share=0.85,
        plant_size=3_000,
        source=T,
    ),
    dict(
        id="iron_modern",
        name="Blast furnace",
        product="pig_iron",
        kind="modern",
        scale="large",
        inputs={"iron_ore": 1.8, "coke": 0.9, "electricity": 0.03, "transport": 60},
        labour=0.004,
        technicians=0.0001,
        capital_cost=300,
        capital_goods={"rolled_steel": 0.05, "cement": 0.1, "power_machinery": 0.01},
        build_time=2,
        lifetime=30,
        usable_share=0.97,
        plant_size=200_000,
        source=T,
    ),
    dict(
        id="iron_small_modern",
        name="Small modern blast furnace (13-28 m3)",
        product="pig_iron",
        kind="modern",
        scale="small",
        inputs={"iron_ore": 1.9, "coke": 1.2, "transport": 30},
        labour=0.02,
        technicians=0.0004,
        capital_cost=120,
        capital_goods={"rolled_steel": 0.02, "cement": 0.05},
        build_time=0.5,
        lifetime=10,
        usable_share=0.85,
        plant_size=5_000,
        source="seed 004 (small blast furnaces); coefficients " + T,
    ),
    dict(
        id="iron_indigenous",
        name="Indigenous iron furnace",
        product="pig_iron",
        kind="indigenous",
        scale="small",
        inputs={"iron_ore": 2.5, "coal": 4.0, "transport": 20},
        labour=0.2,
        capital_cost=20,
        build_time=0.1,
        lifetime=2,
        usable_share=0.35,
        plant_size=100,
        source="estimate: backyard furnaces, labour-heavy, most output of unusable quality",
    ),
    dict(
        id="steel_modern",
        name="Open-hearth steel works",
        product="steel",
        kind="modern",
        scale="large",
        inputs={"pig_iron": 1.1, "coal": 0.3, "electricity": 0.1, "transport": 40},
        labour=0.005,
        technicians=0.0001,
        capital_cost=400,
        capital_goods={"rolled_steel": 0.06, "cement": 0.1, "power_machinery": 0.01},
        build_time=2,
        lifetime=30,
        plant_size=200_000,
        source=T,
    ),
    dict(
        id="steel_small_converter",
        name="Small side-blown converter",
        product="steel",
        kind="modern",
        scale="small",
        inputs={"pig_iron": 1.2, "coke": 0.3, "electricity": 0.05, "transport": 20},
        labour=0.03,
        technicians=0.0005,
        capital_cost=150,
        capital_goods={"rolled_steel": 0.03, "cement": 0.05},
        build_time=0.5,
        lifetime=10,
        usable_share=0.8,
        plant_size=10_000,
        source="seed 004 (small converters); " + T,
    ),
    dict(
        id="steel_indigenous",
        name="Indigenous steel (puddling)",
        product="steel",
        kind="indigenous",
        scale="small",
        inputs={"pig_iron": 1.4, "coal": 2.0},
        labour=0.3,
        capital_cost=10,
        build_time=0.1,
        lifetime=2,
        usable_share=0.3,
        plant_size=50,
        source=T,
    ),
    dict(
        id="rolling_mill",
        name="Rolling mill",
        product="rolled_steel",
        kind="modern",
        scale="large",
        inputs={"steel": 1.25, "coal": 0.2, "electricity": 0.1, "transport": 20},
        labour=0.01,
        technicians=0.0001,
        capital_cost=300,
        capital_goods={"rolled_steel": 0.05, "cement": 0.05, "power_machinery": 0.02},
        build_time=2,
        lifetime=30,
        plant_size=100_000,
        source=T,
    ),
    dict(
        id="cement_modern",
        name="Rotary-kiln cement",
        product="cement",
        kind="modern",
        scale="large",
        inputs={"coal": 0.25, "electricity": 0.1, "transport": 20},
        labour=0.006,
        technicians=0.00005,
        capital_cost=100,
        capital_goods={"rolled_steel": 0.02, "power_machinery": 0.005},
        build_time=2,
        lifetime=30,
        usable_share=0.98,
        plant_size=100_000,
        source=T,
    ),
    dict(
        id="cement_indigenous",
        name="Indigenous vertical-kiln cement",
        product="cement",
        kind="indigenous",
        scale="small",
        inputs={"coal": 0.4, "transport": 5},
        labour=0.05,
        capital_cost=15,
        build_time=0.25,
        lifetime=5,
        usable_share=0.6,
        plant_size=1_000,
        source="seed 003 (simple cement factories); " + T,
    ),
    dict(
        id="fertilizer_modern",
        name="Synthetic ammonium-sulphate plant",
        product="fertilizer",
        kind="modern",
        scale="large",
        inputs={"coal": 2.0, "electricity": 1.5, "transport": 30},
        labour=0.01,
        technicians=0.0005,
        capital_cost=1500,
        capital_goods={"rolled_steel": 0.1, "cement": 0.2, "power_machinery": 0.05},
        build_time=3,
        lifetime=25,
        plant_size=50_000,
        source=T,
    ),
    dict(
        id="fertilizer_indigenous",
        name="Indigenous fertilizer works",
        product="fertilizer",
        kind="indigenous",
        scale="small",
        inputs={"coal": 0.5, "transport": 5},
        labour=0.1,
        capital_cost=50,
        build_time=0.1,
        lifetime=3,
        usable_share=0.5,
        plant_size=200,
        source="seed 003 (simple fertilizer factories); " + T,
    ),
    dict(
        id="power_modern",
        name="Thermal power station",
        product="electricity",
        kind="modern",
        scale="large",
        inputs={"coal": 0.8, "transport": 10},
        labour=0.002,
        technicians=0.00005,
        capital_cost=250,
        capital_goods={"rolled_steel": 0.03, "cement": 0.05, "power_machinery": 0.2},
        build_time=2,
        lifetime=30,
        plant_size=100_000,
        source="estimate: ~1,250 yuan/kW at 5,000 h/yr; 0.8 t coal/MWh",
    ),
    dict(
        id="power_small",
        name="Small thermal or hydro station",
        product="electricity",
        kind="indigenous",
        scale="small",
        inputs={"coal": 1.0},
        labour=0.01,
        technicians=0.001,
        capital_cost=400,
        capital_goods={"power_machinery": 0.25, "cement": 0.05},
        build_time=0.5,
        lifetime=15,
        usable_share=0.9,
        plant_size=1_000,
        source="seed 003 (small thermal and hydro stations); " + T,
    ),
    dict(
        id="farm_tools_workshop",
        name="Farm-tool workshop",
        product="farm_tools",
        kind="indigenous",
        scale="small",
        inputs={"pig_iron": 0.002, "coal": 0.005},
        labour=0.005,
        capital_cost=1,
        build_time=0.1,
        lifetime=10,
        usable_share=0.9,
        plant_size=20_000,
        source=T,
    ),
    dict(
        id="power_machinery_large",
        name="State machinery works",
        product="power_machinery",
        kind="modern",
        scale="large",
        inputs={"rolled_steel": 0.03, "pig_iron": 0.03, "electricity": 0.2, "transport": 20},
        labour=0.02,
        technicians=0.0005,
        capital_cost=200,
        capital_goods={"rolled_steel": 0.05, "cement": 0.05},
        build_time=2,
        lifetime=30,
        plant_size=50_000,
        source=T,
    ),
    dict(
        id="power_machinery_medium",
        name="Medium agricultural-machinery plant",
        product="power_machinery",
        kind="modern",
        scale="medium",
        inputs={"rolled_steel": 0.04, "pig_iron": 0.04, "electricity": 0.1, "transport": 20},
        labour=0.05,
        technicians=0.001,
        capital_cost=120,
        capital_goods={"rolled_steel": 0.03, "power_machinery": 0.02},
        build_time=1,
        lifetime=20,
        usable_share=0.95,
        plant_size=5_000,
        source=T,
    ),
    dict(
        id="water_lifting_modern",
        name="Pump and water-wheel works",
        product="water_lifting",
        kind="modern",
        scale="medium",
        inputs={"rolled_steel": 0.06, "pig_iron": 0.03, "electricity": 0.1},
        labour=0.02,
        technicians=0.001,
        capital_cost=100,
        capital_goods={"rolled_steel": 0.02},
        build_time=1,
        lifetime=20,
        plant_size=20_000,
        source=T,
    ),
    dict(
        id="water_lifting_county",
        name="County water-wheel shop",
        product="water_lifting",
        kind="indigenous",
        scale="small",
        inputs={"pig_iron": 0.05, "rolled_steel": 0.01, "coal": 0.05},
        labour=0.05,
        capital_cost=30,
        build_time=0.25,
        lifetime=10,
        usable_share=0.85,
        plant_size=1_000,
        source=T,
    ),
    dict(
        id="flour_modern",
        name="Modern flour mill",
        product="flour",
        kind="modern",
        scale="large",
        inputs={"grain": 1.25, "electricity": 0.03, "transport": 30},
        labour=0.003,
        technicians=0.00002,
        capital_cost=60,
        capital_goods={"rolled_steel": 0.005, "power_machinery": 0.005},
        build_time=1,
        lifetime=30,
        plant_size=50_000,
        source=T,
    ),
    dict(
        id="flour_mill",
        name="Small flour mill",
        product="flour",
        kind="indigenous",
        scale="small",
        inputs={"grain": 1.3, "electricity": 0.01},
        labour=0.01,
        capital_cost=20,
        capital_goods={"power_machinery": 0.002},
        build_time=0.25,
        lifetime=15,
        plant_size=2_000,
        source="seed 000 (500 small flour and oil plants); coefficients " + T,
    ),
    dict(
        id="oil_press",
        name="Small oil press",
        product="edible_oil",
        kind="indigenous",
        scale="small",
        inputs={"non_staple_food": 3.0},
        labour=0.03,
        capital_cost=100,
        capital_goods={"power_machinery": 0.01},
        build_time=0.25,
        lifetime=15,
        plant_size=200,
        source="seed 000 (500 small flour and oil plants); " + T,
    ),
    dict(
        id="starch_plant",
        name="Small starch plant",
        product="starch",
        kind="indigenous",
        scale="small",
        inputs={"grain": 1.6, "coal": 0.3},
        labour=0.03,
        capital_cost=60,
        build_time=0.25,
        lifetime=15,
        plant_size=300,
        source="seed 003 (starch factories); " + T,
    ),
    dict(
        id="sideline_farming",
        name="Cooperative sideline farming",
        product="non_staple_food",
        kind="indigenous",
        scale="small",
        inputs={"fertilizer": 0.002},
        labour=0.08,
        capital_cost=5,
        build_time=0,
        lifetime=20,
        plant_size=1_000,
        source="estimate: vegetables, oil-seeds and livestock of the cooperatives",
    ),
    dict(
        id="rail_transport",
        name="Railway",
        product="transport",
        kind="modern",
        scale="large",
        inputs={"coal": 0.00002, "rolled_steel": 0.000001},
        labour=0.0000015,
        technicians=0.00000001,
        capital_cost=0.05,
        capital_goods={"rolled_steel": 0.0002, "cement": 0.0002},
        build_time=2,
        lifetime=40,
        plant_size=50_000_000,
        source="seed 004 (small railways); " + T,
    ),
    dict(
        id="cart_transport",
        name="Carts and pack animals",
        product="transport",
        kind="indigenous",
        scale="small",
        inputs={"non_staple_food": 0.00001},
        labour=0.00005,
        capital_cost=0.01,
        build_time=0,
        lifetime=8,
        plant_size=100_000,
        source="estimate: 20,000 t-km per carter-year",
    ),
]


def _region_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [dict(id="shanxi", name="Shanxi Province", kind="province", source="seed 000")]
    for d, (name, *_rest) in DISTRICTS.items():
        rows.append(dict(id=d, name=name, kind="prefecture", parent="shanxi", source="seed 000 (special districts)"))
    for c, (name, parent, pop, src) in CITIES.items():
        rows.append(
            dict(
                id=c,
                name=name,
                kind="city",
                parent=parent,
                population=pop,
                labour_force=round(pop * 0.45),
                farmland=0,
                source=f"seed 003 (zone centre city); population {src}",
            )
        )
    for d, ids in COUNTIES.items():
        _, pop, land, factor = DISTRICTS[d]
        for c in ids.split():
            name = {"qin": "Qin County", "datong_county": "Datong County", "changzhi_county": "Changzhi County"}.get(
                c, c.replace("_", " ").title() + " County"
            )
            src = EST_POP + "; " + EST_LAND
            if c == "qin":
                src = "seed 000 (Qin County, site of the February 1958 meeting); " + src
            rows.append(
                dict(
                    id=c,
                    name=name,
                    kind="county",
                    parent=d,
                    population=pop,
                    labour_force=round(pop * 0.45),
                    farmland=round(pop * land),
                    grain_yield_factor=factor,
                    source=src,
                )
            )
    return rows


def _county_district() -> dict[str, str]:
    return {c: d for d, ids in COUNTIES.items() for c in ids.split()}


def _ent(
    eid: str,
    name: str,
    region: str,
    own: str,
    tech: str,
    cap: float,
    util: float,
    workers: float,
    techn: float,
    src: str,
) -> dict[str, Any]:
    return dict(
        id=eid,
        name=name,
        region=region,
        ownership=own,
        technology=tech,
        capacity=round(cap),
        base_output=round(cap * util),
        workforce=round(workers),
        technicians=round(techn),
        source=src,
    )


STATE = "estimate: 1957 capacity of Shanxi's large state enterprises, order of magnitude"
COUNTY = "estimate: county plants scaled to population (per 100,000 people)"
# (id, name, region, ownership, technology, capacity, utilisation, workforce, technicians)
STATE_ENTERPRISES = [
    (
        "tisco_ore",
        "Taiyuan Iron and Steel: ore mines",
        "taiyuan",
        "central",
        "iron_ore_modern",
        1_000_000,
        0.9,
        4000,
        25,
    ),
    ("tisco_coke", "Taiyuan Iron and Steel: coke ovens", "taiyuan", "central", "coke_modern", 520_000, 0.9, 1600, 28),
    (
        "tisco_iron",
        "Taiyuan Iron and Steel: blast furnaces",
        "taiyuan",
        "central",
        "iron_modern",
        400_000,
        0.9,
        1600,
        40,
    ),
    (
        "tisco_steel",
        "Taiyuan Iron and Steel: steel works",
        "taiyuan",
        "central",
        "steel_modern",
        320_000,
        0.9,
        1600,
        35,
    ),
    (
        "tisco_rolling",
        "Taiyuan Iron and Steel: rolling mill",
        "taiyuan",
        "central",
        "rolling_mill",
        220_000,
        0.9,
        2200,
        25,
    ),
    ("yangquan_iron", "Yangquan Iron Works", "yangquan", "central", "iron_modern", 150_000, 0.85, 600, 15),
    ("datong_coal", "Datong Mining Bureau", "datong", "central", "coal_modern", 10_000_000, 0.9, 25000, 200),
    ("yangquan_coal", "Yangquan Mining Bureau", "yangquan", "central", "coal_modern", 6_000_000, 0.9, 15000, 120),
    ("xishan_coal", "Xishan Mining Bureau", "taiyuan", "central", "coal_modern", 2_500_000, 0.9, 6000, 50),
    ("taiyuan_power", "Taiyuan Thermal Power Plant", "taiyuan", "central", "power_modern", 700_000, 0.85, 1400, 35),
    ("datong_power", "Datong Power Plant", "datong", "central", "power_modern", 300_000, 0.85, 600, 15),
    ("yangquan_power", "Yangquan Power Plant", "yangquan", "central", "power_modern", 100_000, 0.85, 200, 5),
    ("jinxi_machine", "Jinxi Machine Factory", "taiyuan", "central", "power_machinery_large", 30_000, 0.8, 600, 15),
    (
        "taiyuan_agmach",
        "Taiyuan Agricultural Machinery Works",
        "taiyuan",
        "central",
        "water_lifting_modern",
        40_000,
        0.8,
        800,
        40,
    ),
    ("datong_machinery", "Datong Machinery Works", "datong", "central", "power_machinery_large", 15_000, 0.8, 300, 8),
    (
        "yangquan_machinery",
        "Yangquan Machinery Works",
        "yangquan",
        "central",
        "water_lifting_modern",
        15_000,
        0.8,
        300,
        15,
    ),
    (
        "changzhi_machinery",
        "Changzhi Machinery Works",
        "changzhi",
        "central",
        "power_machinery_large",
        10_000,
        0.8,
        200,
        5,
    ),
    ("taiyuan_chemical", "Taiyuan Chemical Works", "taiyuan", "central", "fertilizer_modern", 30_000, 0.8, 300, 15),
    (
        "taiyuan_railway",
        "Taiyuan Railway Bureau (freight within the province)",
        "taiyuan",
        "central",
        "rail_transport",
        2_000_000_000,
        0.85,
        3000,
        20,
    ),
    (
        "shanxi_cement",
        "Shanxi Provincial Cement Works",
        "taiyuan",
        "provincial",
        "cement_modern",
        150_000,
        0.85,
        900,
        8,
    ),
    ("shanxi_flour", "Shanxi Provincial Flour Mill", "taiyuan", "provincial", "flour_modern", 60_000, 0.85, 180, 1),
]
AGMACH_COMMANDERS = {  # commander -> special district it answers for (seed 001: 5 large -> 20 medium)
    "taiyuan_agmach": "jinnan",
    "jinxi_machine": "jinzhong",
    "datong_machinery": "yanbei",
    "yangquan_machinery": "xinxian_district",
    "changzhi_machinery": "jindongnan",
}


def _enterprise_rows(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [_ent(*e, STATE) for e in STATE_ENTERPRISES]
    district = _county_district()
    for d in DISTRICTS:
        seat = COUNTIES[d].split()[0]
        for k in range(4):
            tech = "power_machinery_medium" if k < 2 else "water_lifting_modern"
            cap = 2_000 if k < 2 else 4_000
            rows.append(
                _ent(
                    f"{d}_agmach_{k + 1}",
                    f"{DISTRICTS[d][0]} agricultural machinery plant {k + 1}",
                    seat,
                    "prefecture",
                    tech,
                    cap,
                    0.8,
                    150,
                    6,
                    "seed 001 (twenty medium plants, four per commander); capacity estimate",
                )
            )
    labour = {t["id"]: t["labour"] for t in TECHS}
    for city, tech, cap in [
        ("taiyuan", "farm_tools_workshop", 600_000),
        ("datong", "cement_indigenous", 20_000),
        ("yangquan", "coke_indigenous", 40_000),
        ("changzhi", "iron_small_modern", 10_000),
        ("yuci", "farm_tools_workshop", 150_000),
        ("houma", "starch_plant", 2_000),
    ]:
        rows.append(
            _ent(
                f"{city}_city_plant",
                f"{city.title()} city-run plant",
                city,
                "city",
                tech,
                cap,
                0.85,
                labour[tech] * cap * 0.85,  # the workers its base output needs at the technology's labour rate
                3,
                "estimate: one city-run plant per zone centre; workforce from the technology's labour rate",
            )
        )
    for r in regions:
        if r["kind"] != "county":
            continue
        c, k = r["id"], r["population"] / 100_000
        d = district[c]
        county_plants = [
            ("coal", "coal_small", 20_000, 0.85, 190, "county"),
            ("tools", "farm_tools_workshop", 14_000, 0.85, 70, "county"),
            ("waterlift", "water_lifting_county", 60, 0.8, 3, "county"),
            ("flour", "flour_mill", 2_500, 0.8, 25, "cooperative"),
            ("oil", "oil_press", 280, 0.8, 7, "cooperative"),
            ("sideline", "sideline_farming", 10_500, 0.95, 800, "cooperative"),
            ("carts", "cart_transport", 3_000_000, 0.85, 130, "township"),
        ]
        if d in IRON_DISTRICTS:
            county_plants += [
                ("ore", "iron_ore_indigenous", 3_000, 0.7, 45, "county"),
                ("iron", "iron_indigenous", 1_000, 0.7, 140, "county"),
            ]
        if hash_index(c) % 3 == 0:
            county_plants += [
                ("cement", "cement_indigenous", 600, 0.7, 25, "county"),
                ("fertilizer", "fertilizer_indigenous", 150, 0.6, 12, "county"),
                ("power", "power_small", 500, 0.7, 4, "county"),
            ]
        for suffix, tech, per100k, util, workers_per100k, own in county_plants:
            rows.append(
                _ent(
                    f"{c}_{suffix}",
                    f"{r['name']} {suffix} plant",
                    c,
                    own,
                    tech,
                    per100k * k,
                    util,
                    workers_per100k * k,
                    0,
                    COUNTY,
                )
            )
    return rows


def hash_index(text: str) -> int:
    """A stable small number from a county id (Python's hash() is salted per process)."""
    return sum(ord(ch) * (i + 1) for i, ch in enumerate(text))


def _networks(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    counties = [r["id"] for r in regions if r["kind"] == "county"]
    medium = {d: [f"{d}_agmach_{k + 1}" for k in range(4)] for d in DISTRICTS}
    small_agmach = [f"{c}_{s}" for c in counties for s in ("tools", "waterlift")]
    net_src = "seed 001 (five networks, state enterprises as commanders; 600 technicians); split and effects estimate"
    eff = dict(capacity_gain=0.04, max_capacity_gain=0.5, quality_gain=0.03, max_usable_share=0.85)

    def by_district(assign: dict[str, list[str]]) -> list[dict[str, Any]]:
        return [dict(hub=h, members=ds) for h, ds in assign.items()]

    return [
        dict(
            id="agmach",
            name="Agricultural machinery repair and assembly network",
            products=["farm_tools", "power_machinery", "water_lifting"],
            commanders=list(AGMACH_COMMANDERS),
            tiers=[
                dict(level=1, enterprises=list(AGMACH_COMMANDERS)),
                dict(level=2, enterprises=[e for d in DISTRICTS for e in medium[d]]),
                dict(level=3, enterprises=small_agmach),
            ],
            responsibilities=[dict(hub=h, members=[*medium[d], d]) for h, d in AGMACH_COMMANDERS.items()],
            technicians=200,
            equipment={"power_machinery": 2_000},
            effect=eff,
            source=net_src,
        ),
        dict(
            id="coal",
            name="Coal network",
            products=["coal", "coke"],
            commanders=["datong_coal", "yangquan_coal", "xishan_coal"],
            tiers=[
                dict(level=1, enterprises=["datong_coal", "yangquan_coal", "xishan_coal"]),
                dict(level=3, enterprises=[f"{c}_coal" for c in counties]),
            ],
            responsibilities=by_district(
                {
                    "datong_coal": ["yanbei", "xinxian_district"],
                    "yangquan_coal": ["jinzhong", "jindongnan"],
                    "xishan_coal": ["jinnan"],
                }
            ),
            technicians=150,
            equipment={"power_machinery": 500},
            effect=eff,
            source=net_src,
        ),
        dict(
            id="fertilizer",
            name="Chemical fertilizer network",
            products=["fertilizer"],
            commanders=["taiyuan_chemical"],
            tiers=[dict(level=1, enterprises=["taiyuan_chemical"])],
            responsibilities=[dict(hub="taiyuan_chemical", members=list(DISTRICTS))],
            technicians=80,
            effect=eff,
            source=net_src,
        ),
        dict(
            id="power",
            name="Power network",
            products=["electricity"],
            commanders=["taiyuan_power", "datong_power", "yangquan_power"],
            tiers=[dict(level=1, enterprises=["taiyuan_power", "datong_power", "yangquan_power"])],
            responsibilities=by_district(
                {
                    "taiyuan_power": ["jinzhong", "xinxian_district", "jinnan"],
                    "datong_power": ["yanbei"],
                    "yangquan_power": ["jindongnan"],
                }
            ),
            technicians=100,
            equipment={"power_machinery": 1_000},
            effect=eff,
            source=net_src,
        ),
        dict(
            id="specialties",
            name="Local specialties network",
            products=["flour", "edible_oil", "starch"],
            commanders=["shanxi_flour"],
            tiers=[
                dict(level=1, enterprises=["shanxi_flour"]),
                dict(level=3, enterprises=[f"{c}_{s}" for c in counties for s in ("flour", "oil")]),
            ],
            responsibilities=[dict(hub="shanxi_flour", members=list(DISTRICTS))],
            technicians=70,
            effect=eff,
            source=net_src,
        ),
    ]


def _zones(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    pop = {r["id"]: r.get("population", 0) for r in regions}
    zones = []
    for centre, (members, src, techs) in ZONES.items():
        counties = members.split()
        agreements: list[dict[str, Any]] = []
        if centre == "taiyuan":
            total = sum(pop[c] for c in counties)
            for c in counties:
                agreements += [
                    dict(
                        id=f"{c}_labour",
                        kind="labour",
                        from_region=c,
                        to_region=centre,
                        quantity=round(29_000 * pop[c] / total),
                        unit="persons",
                        start="1958-06-01",
                        due="1958-12-31",
                        hard=False,
                        source="seed 003 (more than 29,000 labourers), split by population (estimate)",
                    ),
                    dict(
                        id=f"{c}_pump",
                        kind="product",
                        product="water_lifting",
                        from_region=centre,
                        to_region=c,
                        quantity=200,
                        unit="set",
                        start="1958-06-01",
                        due="1958-12-31",
                        hard=False,
                        source="seed 003 (power machinery and water-lifting equipment); quantity estimate",
                    ),
                    dict(
                        id=f"{c}_engines",
                        kind="product",
                        product="power_machinery",
                        from_region=centre,
                        to_region=c,
                        quantity=150,
                        unit="kW",
                        start="1958-06-01",
                        due="1959-06-30",
                        hard=False,
                        source="seed 003 (power machinery); quantity estimate",
                    ),
                    dict(
                        id=f"{c}_food",
                        kind="product",
                        product="non_staple_food",
                        from_region=c,
                        to_region=centre,
                        quantity=2_000,
                        unit="t",
                        start="1958-06-01",
                        due="1958-12-31",
                        hard=False,
                        source="seed 003 (counties supply non-staple food); quantity estimate",
                    ),
                ]
        else:
            for c in counties:
                agreements += [
                    dict(
                        id=f"{c}_technicians",
                        kind="technicians",
                        from_region=centre,
                        to_region=c,
                        quantity=5,
                        unit="persons",
                        start="1958-06-01",
                        due="1958-12-31",
                        hard=False,
                        source="seed 003 (Datong's technical team; other cities' support); number estimate",
                    ),
                    dict(
                        id=f"{c}_food",
                        kind="product",
                        product="non_staple_food",
                        from_region=c,
                        to_region=centre,
                        quantity=1_000,
                        unit="t",
                        start="1958-06-01",
                        due="1958-12-31",
                        hard=False,
                        source="seed 003 (counties supply non-staple food); quantity estimate",
                    ),
                ]
        zones.append(
            dict(
                id=f"{centre}_zone",
                name=f"{centre.title()} urban-rural collaboration zone",
                centre=centre,
                counties=counties,
                technicians=techs,
                agreements=agreements,
                source=src,
            )
        )
    return zones


def _links(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rail = "estimate: rail corridor length and 1957 carrying capacity, order of magnitude"
    links = [
        dict(
            id="taiyuan_yuci",
            from_region="taiyuan",
            to_region="yuci",
            mode="rail",
            distance=27,
            capacity=8_000_000,
            source=rail,
        ),
        dict(
            id="yuci_yangquan",
            from_region="yuci",
            to_region="yangquan",
            mode="rail",
            distance=92,
            capacity=6_000_000,
            source=rail,
        ),
        dict(
            id="taiyuan_datong",
            from_region="taiyuan",
            to_region="datong",
            mode="rail",
            distance=355,
            capacity=4_000_000,
            source=rail,
        ),
        dict(
            id="taiyuan_houma",
            from_region="taiyuan",
            to_region="houma",
            mode="rail",
            distance=270,
            capacity=5_000_000,
            source=rail,
        ),
        dict(
            id="yuci_changzhi",
            from_region="yuci",
            to_region="changzhi",
            mode="road",
            distance=200,
            capacity=500_000,
            source="estimate: no railway to Changzhi in 1958; road haulage",
        ),
    ]
    zone_of = {c: centre for centre, (members, _s, _t) in ZONES.items() for c in members.split()}
    district = _county_district()
    fallback = {
        "yanbei": "datong",
        "xinxian_district": "taiyuan",
        "jinzhong": "yuci",
        "jindongnan": "changzhi",
        "jinnan": "houma",
    }
    for r in regions:
        if r["kind"] != "county":
            continue
        c = r["id"]
        hub = zone_of.get(c, fallback[district[c]])
        zoned = c in zone_of
        links.append(
            dict(
                id=f"{c}_{hub}",
                from_region=c,
                to_region=hub,
                mode="road",
                distance=60 if zoned else 120,
                capacity=150_000,
                source="estimate: county road to its zone centre (60 km) or nearest "
                "city (120 km); carts and lorries, 150,000 t/yr",
            )
        )
    return links


def _targets() -> list[dict[str, Any]]:
    local = dict(metric="output_value", sector="industry", ownership=LOCAL)
    agri = dict(metric="output_value", sector="agriculture")
    return [
        dict(
            id="local_1958",
            description="Local industry output value in 1958 more than 50 % above 1957",
            scope=local,
            kind="ratio_to_base",
            value=1.5,
            year=1958,
            hard=False,
            priority=1,
            source="seed 000",
        ),
        dict(
            id="county_1958",
            description="County-run industry doubles in 1958",
            scope=dict(metric="output_value", sector="industry", ownership=["county"]),
            kind="ratio_to_base",
            value=2.0,
            year=1958,
            hard=False,
            priority=1,
            source="seed 000",
        ),
        dict(
            id="local_1959",
            description="Local industry output value doubles in two years",
            scope=local,
            kind="ratio_to_base",
            value=2.0,
            year=1959,
            hard=False,
            priority=2,
            source="seed 000",
        ),
        dict(
            id="catch_up_1961",
            description="Local industry catches up with agriculture in four years",
            scope=local,
            kind="ratio_to_metric",
            value=1.0,
            reference=agri,
            year=1961,
            hard=False,
            priority=3,
            source="seed 000",
        ),
        dict(
            id="exceed_1962",
            description="Local industry greatly exceeds agriculture in five years",
            scope=local,
            kind="ratio_to_metric",
            value=1.5,
            reference=agri,
            year=1962,
            hard=False,
            priority=4,
            source="seed 000 ('greatly exceed'); the factor 1.5 is an estimate",
        ),
        dict(
            id="plants_1962",
            description="More than 10,000 new factories and workshops within five years",
            scope=dict(metric="new_plants", sector="industry", ownership=LOCAL),
            kind="absolute",
            value=10_000,
            year=1962,
            hard=False,
            priority=4,
            source="seed 000",
        ),
    ]


def _funds(regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    jinnan = COUNTIES["jinnan"].split()
    funds = [
        dict(
            id="jinnan_coops",
            name="Jinnan cooperatives' pooled funds",
            kind="cooperative_pooling",
            amount=10_000_000,
            available_from=1958,
            provider="jinnan",
            recipients=["jinnan"],
            ownership=["cooperative", "township", "county"],
            technologies=["flour_mill", "oil_press"],
            source=f"seed 000 (thirty Jinnan counties, >10 million yuan, 500 small flour and oil plants); "
            f"{len(jinnan)} counties in the tree",
        ),
        dict(
            id="taiyuan_support",
            name="Taiyuan city support fund",
            kind="city_support",
            amount=12_500_000,
            available_from=1958,
            provider="taiyuan",
            recipients=ZONES["taiyuan"][0].split(),
            technologies=[
                "coal_small",
                "iron_ore_indigenous",
                "iron_indigenous",
                "cement_indigenous",
                "fertilizer_indigenous",
                "power_small",
                "starch_plant",
                "iron_small_modern",
            ],
            source="seed 003 (10 to 15 million yuan for raw-material industries in the counties; midpoint)",
        ),
    ]
    for year in range(1958, 1963):
        funds.append(
            dict(
                id=f"local_budget_{year}",
                name=f"Provincial budget for local industry {year}",
                kind="state_budget",
                amount=60_000_000,
                available_from=year,
                recipients=["shanxi"],
                ownership=LOCAL,
                source="estimate: provincial capital budget for local industry",
            )
        )
        funds.append(
            dict(
                id=f"central_budget_{year}",
                name=f"Central investment in Shanxi {year}",
                kind="state_budget",
                amount=250_000_000,
                available_from=year,
                recipients=["shanxi"],
                ownership=["central"],
                source="estimate: central capital investment in Shanxi",
            )
        )
    return funds


RECTIFY = (
    "seed 002 ('rectify and improve the small indigenous furnaces and gradually establish small modern furnaces'); "
    "seed 004 ('small foreign groups'); estimate: rebuilt on the old site, keeping the yard, the ore and coal "
    "stores, the blowing equipment and part of the crew, at about 60 % of a new small modern plant's cost and half "
    "its building time; the small modern plant needs about a tenth of the indigenous plant's workers per t"
)
UPGRADES = [
    dict(
        id=f"{old}_to_{new.removeprefix(old.split('_')[0] + '_')}",
        name=name,
        from_technology=old,
        to_technology=new,
        cost=cost,
        time=0.25,
        capacity_ratio=1.0,
        workforce_kept=0.1,
        source=RECTIFY,
    )
    for old, new, name, cost in (
        (
            "iron_indigenous",
            "iron_small_modern",
            "Indigenous iron furnaces rectified as small modern blast furnaces",
            70.0,
        ),
        (
            "steel_indigenous",
            "steel_small_converter",
            "Indigenous steel hearths rectified as small side-blown converters",
            90.0,
        ),
    )
]
"""Upgrade paths from indigenous to small modern plants (costs and times estimates)."""


SEASONS = dict(
    farm_labour=dict(
        shares=[0.19, 0.27, 0.27, 0.27],
        source="estimate: north China dry farming: winter (Q1) has manuring and water works only; spring sowing and "
        "the June wheat harvest (Q2), hoeing and the first autumn crops (Q3) and the autumn harvest, threshing and "
        "wheat sowing (Q4) keep the fields busy; the peak quarter (1.08 × the year's farm workers) must stay within "
        "the rural labour force at the base year's farm share of 0.85",
    ),
    harvest=dict(
        shares=[0.0, 0.2, 0.45, 0.35],
        source="estimate: winter wheat, about a fifth of Shanxi's grain and mostly in the south, cut in June; millet, "
        "sorghum, maize and potatoes brought in from September to October",
    ),
    consumption=dict(shares=[0.25, 0.25, 0.25, 0.25], source="estimate: grain rationed evenly over the year"),
)
"""How Shanxi's farm year falls over the quarters (used by the quarterly variant, scripts/make_shanxi_1958_quarterly.py)."""


def build() -> dict[str, Any]:
    """The scenario as plain data."""
    regions = _region_rows()
    return dict(
        name="shanxi-1958",
        title="Shanxi Province, 1958: double local industry in two years (seeds 000-004)",
        base_year=1957,
        horizon=5,
        period="year",
        seed=1958,
        currency="yuan",
        regions=regions,
        products=[
            dict(
                id=p[0],
                name=p[1],
                unit=p[2],
                price=p[3],
                sector=p[4],
                branch=p[5],
                consumption_per_head=p[6],
                import_limit=p[7],
                import_price=p[8],
                source=p[9],
            )
            for p in PRODUCTS
        ],
        technologies=TECHS,
        enterprises=_enterprise_rows(regions),
        upgrades=UPGRADES,
        networks=_networks(regions),
        zones=_zones(regions),
        funds=_funds(regions),
        links=_links(regions),
        targets=_targets(),
        agriculture=dict(
            grain_product="grain",
            yield_curve=[[0, 0], [0.5, 0.45], [1.0, 0.68], [1.5, 0.80], [2.5, 0.88], [4.0, 0.90]],
            base_farm_share=0.85,
            reserve=300_000,
            storage_loss=0.02,
            source="estimate: Shanxi grain yields ~0.7 t/ha in the 1950s; diminishing returns to labour; "
            "reserve: state granaries held on the order of a tenth of a year's harvest at the end of 1957 "
            "(estimate), Shanxi's ~3.0 Mt harvest giving ~300,000 t; storage loss: 2 % a year in the "
            "granaries of the time (estimate)",
        ),
        seasons=SEASONS,
        guardrails=dict(
            food_per_head=165,
            min_farm_share=0.6,
            sources=dict(
                agriculture="seed 002: 'grasp industry with one hand and agriculture with the other': grain "
                "and farm output not below 1957's",
                consumption_per_head="seed 002: 'planning grain use, and opposing extravagance and waste'; "
                "estimate: a committee keeps households at 1957's consumption per head",
                reference_floor="seed 000 ('catch up with agriculture'): met by industry growing, not by "
                "agriculture shrinking",
                food_risk="estimate: the plan covers a run of bad harvests as bad as one in twenty",
                new_capacity_use="estimate: a plant that never runs at a tenth of its capacity was not worth building",
            ),
            source="estimate: subsistence ~165 kg unhusked grain per head per year; fields need 60 % "
            "of the rural labour force",
        ),
        notes=__doc__ or "",
    )


def main() -> None:
    scenario = parse(build(), "shanxi-1958 builder")
    save(scenario, OUT)
    print(f"wrote {OUT} ({len(scenario.regions)} regions, {len(scenario.enterprises)} enterprises)")


if __name__ == "__main__":
    main()
