"""The organisation-unit tree of a scenario: regions, enterprises, zones and networks, and who reaches what.

Ids are unique across the four kinds (the scenario validator checks it); a report is made by a region or an
enterprise, never by a zone or a network.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from leapplan.scenario import Scenario

REPORTING_KINDS = frozenset({"province", "prefecture", "city", "county", "township", "enterprise"})


@dataclass
class UnitTree:
    """Every unit of a scenario with its parent, zone and kind, plus the derived subtrees."""

    kind: dict[str, str] = field(default_factory=dict)
    name: dict[str, str] = field(default_factory=dict)
    parent: dict[str, str | None] = field(default_factory=dict)
    zone: dict[str, str | None] = field(default_factory=dict)
    products: dict[str, list[str]] = field(default_factory=dict)  # what an enterprise may report
    children: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    zone_members: dict[str, set[str]] = field(default_factory=dict)
    network_members: dict[str, set[str]] = field(default_factory=dict)
    network_products: dict[str, list[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    @classmethod
    def from_scenario(cls, s: Scenario) -> UnitTree:
        """Build the tree of ``s``."""
        t = cls()
        for r in s.regions:
            t._add(r.id, r.name, r.kind.value, r.parent)
        techs = {x.id: x for x in s.technologies}
        for e in s.enterprises:
            t._add(e.id, e.name, "enterprise", e.region)
            tech = techs[e.technology]
            t.products[e.id] = [tech.product, *sorted(tech.byproducts)]
        for z in s.zones:
            t._add(z.id, z.name, "zone", None)
            members: set[str] = {z.id}
            for root in [z.centre, *z.counties]:
                members |= t.subtree(root)
            t.zone_members[z.id] = members
            for m in members:
                if t.zone.get(m) is None:
                    t.zone[m] = z.id
        for n in s.networks:
            t._add(n.id, n.name, "network", None)
            t.network_products[n.id] = list(n.products)
            t.network_members[n.id] = t._network_enterprises(s, n.id)
        return t

    def _add(self, uid: str, name: str, kind: str, parent: str | None) -> None:
        self.kind[uid] = kind
        self.name[uid] = name
        self.parent[uid] = parent
        self.zone.setdefault(uid, None)
        self.order.append(uid)
        if parent is not None:
            self.children[parent].append(uid)

    def _network_enterprises(self, s: Scenario, network_id: str) -> set[str]:
        n = next(x for x in s.networks if x.id == network_id)
        ids = set(n.commanders)
        for tier in n.tiers:
            ids |= set(tier.enterprises)
        for resp in n.responsibilities:
            ids.add(resp.hub)
            for m in resp.members:
                if self.kind.get(m) == "enterprise":
                    ids.add(m)
                else:
                    ids |= {
                        u
                        for u in self.subtree(m)
                        if self.kind[u] == "enterprise" and set(self.products.get(u, [])) & set(n.products)
                    }
        return ids

    def subtree(self, uid: str) -> set[str]:
        """``uid`` and everything under it in the region tree (sub-regions and enterprises standing in them)."""
        if self.kind.get(uid) == "zone":
            return set(self.zone_members[uid])
        if self.kind.get(uid) == "network":
            return {uid, *self.network_members[uid]}
        out = {uid}
        stack = [uid]
        while stack:
            for c in self.children.get(stack.pop(), []):
                out.add(c)
                stack.append(c)
        return out

    def ancestors(self, uid: str) -> list[str]:
        """The chain of parents of ``uid``, nearest first (an enterprise's first ancestor is its region)."""
        out = []
        p = self.parent.get(uid)
        while p is not None:
            out.append(p)
            p = self.parent.get(p)
        return out

    def region_of(self, uid: str) -> str:
        """The region a unit stands in (itself for a region)."""
        if self.kind[uid] == "enterprise":
            return self.parent[uid] or uid
        return uid
