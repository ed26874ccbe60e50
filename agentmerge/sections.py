"""Alignment of sections across agent variants: which headings (or titled lists) play one part."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.align import Alignment
from agentmerge.model import AgentDoc
from agentmerge.normalize import SECTION_CONCEPTS, section_concept


@dataclass(frozen=True, slots=True)
class SectionGroup:
    """Sections of different variants that play one part (a heading, or a titled list)."""

    members: tuple[tuple[int, tuple[str, ...]], ...]
    """(document index, title path) pairs; the path ends with the list title when there is one."""
    reason: str
    """``"heading: <concept>"`` when the titles mean the same, else the number of shared rules."""


#: Sections whose titles differ still align when they share this many aligned rule groups.
SHARED_RULES = 2
KNOWN_SECTIONS = frozenset(concept for concept, _ in SECTION_CONCEPTS)


def align_sections(docs: Sequence[AgentDoc], alignment: Alignment) -> tuple[SectionGroup, ...]:
    """Group the sections that hold rules across ``docs``: by heading concept, then by shared rules.

    Two sections align when their nearest titles have one :func:`~agentmerge.normalize.section_concept`
    (Core Competencies / Capabilities), or when at least :data:`SHARED_RULES` of the rule groups of
    ``alignment`` have members in both. Groups are in order of first appearance.
    """
    places: list[tuple[int, tuple[str, ...]]] = []
    place_of: dict[tuple[int, tuple[str, ...]], int] = {}
    where: dict[int, int] = {}  # item -> place
    for number, item in enumerate(alignment.items):
        place = (item.doc, (*item.ref.section, *((item.ref.list_title,) if item.ref.list_title else ())))
        if place not in place_of:
            place_of[place] = len(places)
            places.append(place)
        where[number] = place_of[place]
    parent = list(range(len(places)))
    reasons: dict[int, str] = {}
    concepts = [section_concept(path[-1]) if path else "" for _doc, path in places]
    # The known concepts (Capabilities, Rules, ...) in each cluster: a merge may not mix two,
    # which keeps shared-rule merges from chaining every section into one group.
    known: list[set[str]] = [{c} if c in KNOWN_SECTIONS else set() for c in concepts]

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int, reason: str) -> None:
        ra, rb = sorted((find(a), find(b)))
        if ra != rb and len(known[ra] | known[rb]) <= 1:
            parent[rb] = ra
            known[ra] |= known[rb]
            reasons.setdefault(ra, reason)

    by_concept: dict[str, int] = {}
    for index, concept in enumerate(concepts):
        if concept:
            join(by_concept.setdefault(concept, index), index, f"heading: {concept}")
    shared: dict[tuple[int, int], int] = defaultdict(int)
    for group in alignment.groups:
        spots = sorted({where[m] for m in group.members})
        for position, a in enumerate(spots):
            for b in spots[position + 1 :]:
                shared[(a, b)] += 1
    for (a, b), count in sorted(shared.items(), key=lambda entry: (-entry[1], entry[0])):
        if count >= SHARED_RULES and places[a][0] != places[b][0]:
            join(a, b, f"{count} shared rules")
    groups: dict[int, list[int]] = defaultdict(list)
    for index in range(len(places)):
        groups[find(index)].append(index)
    return tuple(
        SectionGroup(tuple(places[i] for i in members), reasons.get(root, "alone"))
        for root, members in sorted(groups.items())
    )
