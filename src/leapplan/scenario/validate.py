"""Cross-reference checks on a structurally valid scenario; every problem is located and listed.

Locations name list items by their id where they have one (``zones[taiyuan_zone].counties[1]``,
``products[steel].price``), by position where they have none or the id is not unique.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from leapplan.errors import Problem
from leapplan.scenario.coefficients import productivity
from leapplan.scenario.model import AgreementKind, Metric, PolicyKind, RegionKind, Scenario, TargetKind

_RANK = {
    RegionKind.province: 0,
    RegionKind.prefecture: 1,
    RegionKind.city: 2,
    RegionKind.county: 2,
    RegionKind.township: 3,
}


def check(s: Scenario) -> list[Problem]:
    """Every cross-reference problem in ``s``; an empty list means the scenario is valid."""
    out: list[Problem] = []
    for field in (
        "regions",
        "products",
        "technologies",
        "enterprises",
        "networks",
        "zones",
        "funds",
        "links",
        "targets",
        "upgrades",
    ):
        out += _duplicates(field, [item.id for item in getattr(s, field)])
    out += _duplicates("zones[*].agreements", [a.id for z in s.zones for a in z.agreements])
    refs = _Refs(s, out)
    _regions(s, refs, out)
    _technologies(s, refs, out)
    _enterprises(s, refs)
    _upgrades(s, refs, out)
    _networks(s, refs, out)
    _zones(s, refs, out)
    _funds(s, refs, out)
    _links(s, refs, out)
    _targets(s, refs, out)
    _policies(s, refs, out)
    refs.product("agriculture.grain_product", s.agriculture.grain_product)
    if not out:
        out += _supply(s)
    if not out:
        out += _productive(s)
    return [Problem(locate_by_id(s, p.location), p.message) for p in out]


_STEP = re.compile(r"\[(\d+)\]|\.?([^.\[\]\s]+)")


def locate_by_id(root: Any, location: str) -> str:
    """A location with list positions replaced by the items' ids: 'products[3].price' → 'products[steel].price'.

    ``root`` is a Scenario or the plain data it is read from. A position stays where the item has no id, the
    id is not unique in its list, or the path cannot be followed; text after the path is kept as it is."""
    out: list[str] = []
    node: Any = root
    pos = 0
    for m in _STEP.finditer(location):
        if m.start() != pos:
            break
        pos = m.end()
        index, key = m.group(1), m.group(2)
        if key is not None:
            out.append(f".{key}" if out else key)
            node = node.get(key) if isinstance(node, dict) else getattr(node, key, None)
            continue
        i = int(index)
        items = node if isinstance(node, list | tuple) else []
        node = items[i] if 0 <= i < len(items) else None
        ident = _item_id(node)
        unique = ident is not None and sum(_item_id(x) == ident for x in items) == 1
        out.append(f"[{ident}]" if unique else f"[{i}]")
    return "".join(out) + location[pos:]


def _item_id(node: Any) -> str | None:
    ident = node.get("id") if isinstance(node, dict) else getattr(node, "id", None)
    return ident if isinstance(ident, str) and ident and "]" not in ident else None


class _Refs:
    """Looks ids up and records located 'unknown …' problems with a suggestion."""

    def __init__(self, s: Scenario, out: list[Problem]) -> None:
        self.out = out
        self.regions = {r.id: r for r in s.regions}
        self.products = {p.id: p for p in s.products}
        self.technologies = {t.id: t for t in s.technologies}
        self.enterprises = {e.id: e for e in s.enterprises}

    def _find(self, where: str, kind: str, key: str, table: dict[str, object]) -> bool:
        if key in table:
            return True
        close = suggest(key, table)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        self.out.append(Problem(where, f"unknown {kind} {key!r}{hint}"))
        return False

    def region(self, where: str, key: str) -> bool:
        return self._find(where, "region", key, self.regions)  # type: ignore[arg-type]

    def product(self, where: str, key: str) -> bool:
        return self._find(where, "product", key, self.products)  # type: ignore[arg-type]

    def technology(self, where: str, key: str) -> bool:
        return self._find(where, "technology", key, self.technologies)  # type: ignore[arg-type]

    def enterprise(self, where: str, key: str) -> bool:
        return self._find(where, "enterprise", key, self.enterprises)  # type: ignore[arg-type]


_PLACE_SUFFIXES = ("_county", "county", "_xian", "xian", "_shi", "shi", "_city", "city")


def suggest(key: str, known: Iterable[str]) -> list[str]:
    """The known id a mistyped ``key`` most likely meant: closest spelling, with a bonus for a shared prefix."""
    known = list(known)
    for suffix in _PLACE_SUFFIXES:  # 'qinxian' is Qin County, id 'qin'
        if key.endswith(suffix) and key[: -len(suffix)] in known:
            return [key[: -len(suffix)]]
    best, best_score = "", 0.6
    for k in known:
        score = difflib.SequenceMatcher(None, key, k).ratio()
        if key and k and (key.startswith(k) or k.startswith(key)):
            score += 0.1
        if score > best_score:
            best, best_score = k, score
    return [best] if best else []


def _duplicates(field: str, ids: Iterable[str]) -> list[Problem]:
    seen: dict[str, int] = {}
    out = []
    for i, key in enumerate(ids):
        if key in seen:
            out.append(Problem(f"{field}[{i}].id", f"duplicate id {key!r} (first used at {field}[{seen[key]}])"))
        else:
            seen[key] = i
    return out


def _regions(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    roots = [r for r in s.regions if r.parent is None]
    if s.regions and not roots:
        out.append(Problem("regions", "no root region (one region must have no parent)"))
    for i, r in enumerate(s.regions):
        if r.parent is None:
            continue
        if r.parent == r.id:
            out.append(Problem(f"regions[{i}].parent", f"region {r.id!r} is its own parent"))
            continue
        if refs.region(f"regions[{i}].parent", r.parent):
            parent = refs.regions[r.parent]
            if _RANK[r.kind] <= _RANK[parent.kind] and not (
                r.kind is RegionKind.city and parent.kind is RegionKind.prefecture
            ):
                out.append(
                    Problem(
                        f"regions[{i}].parent",
                        f"a {r.kind.value} cannot sit under a {parent.kind.value} ({r.parent!r})",
                    )
                )
    _granaries(s, out)
    parent_of = {r.id: r.parent for r in s.regions}
    index = {r.id: i for i, r in enumerate(s.regions)}
    reported: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in path:
            path.append(node)
            node = parent_of[node]
        if node is not None and node in path:
            cycle = path[path.index(node) :]
            if not reported.intersection(cycle):
                reported.update(cycle)
                chain = " → ".join([*cycle, node])
                out.append(Problem(f"regions[{index[node]}].parent", f"cycle in the region tree: {chain}"))


def _granaries(s: Scenario, out: list[Problem]) -> None:
    """Regions' reserves: only where people live, adding up to the state reserve (or less, the rest held by
    regions with people that state none)."""
    given = 0.0
    for i, r in enumerate(s.regions):
        if r.reserve is None:
            continue
        given += r.reserve
        if r.population <= 0 and r.reserve > 0:
            out.append(
                Problem(f"regions[{i}].reserve", f"{r.id!r} has no population: the reserve is held where people live")
            )
    total = s.agriculture.reserve
    if given > total * (1 + 1e-9) + 1e-9:
        out.append(
            Problem(
                "agriculture.reserve",
                f"the regions' reserves add up to {given:,.0f} t, more than the {total:,.0f} t held",
            )
        )
    elif given < total * (1 - 1e-9) - 1e-9 and not any(r.reserve is None and r.population > 0 for r in s.regions):
        out.append(
            Problem(
                "agriculture.reserve",
                f"the regions' reserves add up to {given:,.0f} t of the {total:,.0f} t held, and no region with "
                "people is left to hold the rest",
            )
        )


def _technologies(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, t in enumerate(s.technologies):
        refs.product(f"technologies[{i}].product", t.product)
        for field in ("inputs", "byproducts", "capital_goods"):
            for key in getattr(t, field):
                refs.product(f"technologies[{i}].{field}.{key}", key)
        if t.product in t.inputs and t.inputs[t.product] >= 1:
            out.append(
                Problem(
                    f"technologies[{i}].inputs.{t.product}", "uses at least one unit of its own product per unit made"
                )
            )


def _enterprises(s: Scenario, refs: _Refs) -> None:
    for i, e in enumerate(s.enterprises):
        refs.region(f"enterprises[{i}].region", e.region)
        refs.technology(f"enterprises[{i}].technology", e.technology)


def _upgrades(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, u in enumerate(s.upgrades):
        known = [refs.technology(f"upgrades[{i}].{f}", getattr(u, f)) for f in ("from_technology", "to_technology")]
        if not all(known):
            continue
        old, new = refs.technologies[u.from_technology], refs.technologies[u.to_technology]
        if old.id == new.id:
            out.append(Problem(f"upgrades[{i}].to_technology", "rebuilds a technology as itself"))
        elif old.product != new.product:
            out.append(
                Problem(
                    f"upgrades[{i}].to_technology",
                    f"makes {new.product!r}, not {old.product!r} like {old.id!r}: an upgrade keeps the product",
                )
            )


def _networks(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, n in enumerate(s.networks):
        for j, p in enumerate(n.products):
            refs.product(f"networks[{i}].products[{j}]", p)
        if not n.commanders:
            out.append(Problem(f"networks[{i}].commanders", "a network needs at least one commander enterprise"))
        for j, c in enumerate(n.commanders):
            _hub(refs, f"networks[{i}].commanders[{j}]", c)
        for j, tier in enumerate(n.tiers):
            for k, e in enumerate(tier.enterprises):
                refs.enterprise(f"networks[{i}].tiers[{j}].enterprises[{k}]", e)
        for j, resp in enumerate(n.responsibilities):
            _hub(refs, f"networks[{i}].responsibilities[{j}].hub", resp.hub)
            for k, m in enumerate(resp.members):
                if m not in refs.enterprises and m not in refs.regions:
                    close = suggest(m, [*refs.enterprises, *refs.regions])
                    hint = f" (did you mean {close[0]!r}?)" if close else ""
                    out.append(
                        Problem(
                            f"networks[{i}].responsibilities[{j}].members[{k}]",
                            f"unknown enterprise or region {m!r}{hint}",
                        )
                    )
        for key in n.equipment:
            refs.product(f"networks[{i}].equipment.{key}", key)


def _hub(refs: _Refs, where: str, key: str) -> None:
    if key in refs.enterprises:
        return
    if key in refs.regions:
        refs.out.append(Problem(where, f"hub {key!r} is a region, not an enterprise; name the hub enterprise"))
        return
    refs.enterprise(where, key)


def _zones(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    first_zone: dict[str, str] = {}
    for i, z in enumerate(s.zones):
        if refs.region(f"zones[{i}].centre", z.centre) and refs.regions[z.centre].kind is not RegionKind.city:
            out.append(
                Problem(
                    f"zones[{i}].centre", f"centre {z.centre!r} is a {refs.regions[z.centre].kind.value}, not a city"
                )
            )
        for j, c in enumerate(z.counties):
            where = f"zones[{i}].counties[{j}]"
            if refs.region(where, c):
                kind = refs.regions[c].kind
                if kind is not RegionKind.county:
                    out.append(Problem(where, f"zone member {c!r} is a {kind.value}, not a county"))
                elif c in first_zone and first_zone[c] != z.id:
                    out.append(Problem(where, f"county {c!r} is already a member of zone {first_zone[c]!r}"))
                first_zone.setdefault(c, z.id)
        members = {z.centre, *z.counties}
        for j, a in enumerate(z.agreements):
            where = f"zones[{i}].agreements[{j}]"
            for end in ("from_region", "to_region"):
                key = getattr(a, end)
                if refs.region(f"{where}.{end}", key) and key not in members:
                    out.append(Problem(f"{where}.{end}", f"region {key!r} is not in zone {z.id!r}"))
            _agreement_unit(a, where, refs, out)
            if a.due.year > s.years[-1] or a.start.year < s.base_year:
                out.append(
                    Problem(
                        f"{where}.due",
                        f"agreement runs {a.start}–{a.due}, outside the horizon {s.base_year}–{s.years[-1]}",
                    )
                )


def _agreement_unit(a: object, where: str, refs: _Refs, out: list[Problem]) -> None:
    from leapplan.scenario.model import Agreement

    assert isinstance(a, Agreement)
    if a.kind is AgreementKind.product:
        if a.product is None:
            out.append(Problem(f"{where}.product", "a product agreement must name its product"))
            return
        if refs.product(f"{where}.product", a.product) and a.unit != refs.products[a.product].unit:
            out.append(
                Problem(
                    f"{where}.unit",
                    f"unit {a.unit!r} does not match product {a.product!r}, measured in {refs.products[a.product].unit!r}",
                )
            )
        return
    expected = "yuan" if a.kind is AgreementKind.funds else "persons"
    if a.product is not None:
        out.append(Problem(f"{where}.product", f"a {a.kind.value} agreement has no product"))
    if a.unit != expected:
        out.append(
            Problem(
                f"{where}.unit", f"unit {a.unit!r} does not match a {a.kind.value} agreement, measured in {expected!r}"
            )
        )


def _funds(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, f in enumerate(s.funds):
        if f.provider is not None:
            refs.region(f"funds[{i}].provider", f.provider)
        if not f.recipients:
            out.append(Problem(f"funds[{i}].recipients", "name at least one recipient region"))
        for j, r in enumerate(f.recipients):
            refs.region(f"funds[{i}].recipients[{j}]", r)
        for j, t in enumerate(f.technologies):
            refs.technology(f"funds[{i}].technologies[{j}]", t)
        if not s.base_year < f.available_from <= s.years[-1]:
            out.append(
                Problem(
                    f"funds[{i}].available_from",
                    f"year {f.available_from} is outside the plan years {s.years[0]}–{s.years[-1]}",
                )
            )


def _links(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, link in enumerate(s.links):
        refs.region(f"links[{i}].from_region", link.from_region)
        refs.region(f"links[{i}].to_region", link.to_region)
        if link.from_region == link.to_region:
            out.append(Problem(f"links[{i}]", "a link must join two different regions"))


def _targets(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    for i, t in enumerate(s.targets):
        if t.year not in s.years:
            out.append(
                Problem(f"targets[{i}].year", f"year {t.year} is outside the plan years {s.years[0]}–{s.years[-1]}")
            )
        scopes = [("scope", t.scope)] + ([("reference", t.reference)] if t.reference else [])
        for name, scope in scopes:
            where = f"targets[{i}].{name}"
            if scope.region is not None:
                refs.region(f"{where}.region", scope.region)
            if scope.product is not None:
                refs.product(f"{where}.product", scope.product)
            if scope.metric is Metric.output and scope.product is None:
                out.append(
                    Problem(
                        f"{where}.product", "metric 'output' needs a product (quantities of different units do not add)"
                    )
                )
        if t.kind is TargetKind.ratio_to_metric and t.reference and t.reference.metric is not t.scope.metric:
            out.append(
                Problem(
                    f"targets[{i}].reference.metric",
                    f"compares {t.scope.metric.value} with {t.reference.metric.value}: units differ",
                )
            )


def _policies(s: Scenario, refs: _Refs, out: list[Problem]) -> None:
    out += _duplicates("policies", [p.id for p in s.policies])
    labels = set(s.periods) | {str(y) for y in s.years} | {f"{y}Q{q}" for y in s.years for q in range(1, 5)}
    for i, p in enumerate(s.policies):
        where = f"policies[{i}]"
        for name in ("start", "end"):
            value = getattr(p, name)
            if value is not None and value not in labels:
                out.append(
                    Problem(
                        f"{where}.{name}",
                        f"{value!r} is not a plan year {s.years[0]}–{s.years[-1]} or a quarter like '{s.years[0]}Q3'",
                    )
                )
        if p.kind is PolicyKind.output_target:
            if p.product is None:
                out.append(Problem(f"{where}.product", "an output_target needs a product"))
            else:
                refs.product(f"{where}.product", p.product)
        for key in p.products:
            refs.product(f"{where}.products", key)
        for key in p.technologies:
            refs.technology(f"{where}.technologies.{key}", key)
        if p.kind is PolicyKind.indigenous_labour:
            if not p.technologies:
                out.append(
                    Problem(f"{where}.technologies", "indigenous_labour needs the technologies the labour goes to")
                )
            if p.value > 1:
                out.append(Problem(f"{where}.value", f"a share of farm labour must be at most 1, not {p.value:g}"))
            if sum(p.technologies.values()) > 1 + 1e-9:
                out.append(Problem(f"{where}.technologies", "shares of the moved labour add up to more than 1"))
        if p.kind is PolicyKind.procurement and p.value > 1:
            out.append(Problem(f"{where}.value", f"a procurement share must be at most 1, not {p.value:g}"))


def _supply(s: Scenario) -> list[Problem]:
    """Every product that something needs must be made, be a by-product, or be importable."""
    made = {t.product for t in s.technologies} | {p for t in s.technologies for p in t.byproducts}
    made.add(s.agriculture.grain_product)
    importable = {p.id for p in s.products if p.import_limit > 0}
    out = []
    for i, t in enumerate(s.technologies):
        for field in ("inputs", "capital_goods"):
            for key in getattr(t, field):
                if key not in made and key not in importable:
                    out.append(
                        Problem(
                            f"technologies[{i}].{field}.{key}",
                            f"input {key!r} is made by no technology and cannot be imported",
                        )
                    )
    for i, p in enumerate(s.products):
        if p.consumption_per_head > 0 and p.id not in made and p.id not in importable:
            out.append(
                Problem(
                    f"products[{i}].consumption_per_head",
                    f"{p.id!r} is consumed but made by no technology and cannot be imported",
                )
            )
    return out


def _productive(s: Scenario) -> list[Problem]:
    result = productivity(s)
    if result.radius < 1:
        return []
    names = ", ".join(result.culprits)
    return [
        Problem(
            "technologies",
            f"the input-output system is not productive (spectral radius {result.radius:.3f} ≥ 1): "
            f"the cycle among {names} uses more than it makes; lower those inputs",
        )
    ]
