"""Similarity and alignment of rules across agent variants: the comparator.

Given the rules of N documents, :func:`align_rules` returns groups of equivalent rules (at most
one per document, except a document's own repetitions) and the contradictions it found. The
similarity of two rules is computed on their :class:`~agentmerge.normalize.RuleKey`:

* ``overlap``: IDF-weighted Dice coefficient of the signed stems both rules share, where the IDF
  is computed over all rules being compared, so words every rule uses ("api", "backend") count
  little (Salton & Buckley 1988, term weighting);
* ``containment``: the same shared weight over the smaller rule's weight, so a short rule
  ("RESTful and GraphQL API design") matches the longer one that restates it;
* the score is ``max(overlap, CONTAINMENT_WEIGHT * containment)``.

Two rules whose shared stems mostly carry opposite signs ("Always use the ORM" / "Never use an
ORM") are a contradiction: never aligned, always reported. Grouping is average-link agglomerative
clustering (no chaining, unlike single link) stopped at :data:`THRESHOLD`.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.model import AgentDoc, RuleRef
from agentmerge.normalize import RuleKey, rule_key, section_concept

#: Average-link similarity at which two groups merge. Chosen on ../shared/gold/seeds.json with
#: benchmarks/alignment.py (sweep 0.30-0.70).
THRESHOLD = 0.5
#: Discount on containment relative to symmetric overlap (same sweep).
CONTAINMENT_WEIGHT = 0.7
#: A rule repeated in its own file joins a group only at this pairwise similarity or above.
REPEAT_THRESHOLD = 0.0
#: Share of two clauses' common weight that must carry opposite signs to call a contradiction,
#: and the least part of the forbidding clause those flipped stems must cover.
CONTRADICTION_SHARE = 0.6
#: Least score of a mutual best match across two files that counts as a link (see
#: ``_link_mutual_best``; sweep 0.25-0.40 on the seed gold set).
MUTUAL_THRESHOLD = 0.35
#: Rules whose bold labels match (``**Testing**:``) score at least this times the labels' Dice.
LABEL_WEIGHT = 0.6
#: Added to the similarity of rules under headings of one concept (``section_concept``).
SECTION_BONUS = 0.1
#: How much a shared stem of opposite sign counts less than one of the same sign (0: as much,
#: 1: not at all) when the pair is not a contradiction.
SIGN_PENALTY = 0.0
CONTRADICTION_COVER = 0.6


@dataclass(frozen=True, slots=True)
class Item:
    """One rule of one document, with its comparison key."""

    doc: int
    """Index of the document in the input sequence."""
    ref: RuleRef
    key: RuleKey
    context: frozenset[str]
    """Concepts of the headings and list title above the rule (see ``section_concept``)."""


@dataclass(frozen=True, slots=True)
class Group:
    """Rules that say the same thing. ``members`` index :attr:`Alignment.items`, in input order."""

    members: tuple[int, ...]
    score: float
    """Average pairwise similarity of the members (1.0 for a single rule)."""
    reason: str
    """Why the members were aligned: the stems they share."""


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Two rules about the same thing with opposite polarity."""

    a: int
    b: int
    score: float
    """Unsigned overlap of the two rules, 0-1."""
    reason: str


@dataclass(frozen=True, slots=True)
class Alignment:
    """The result of :func:`align_rules`."""

    items: tuple[Item, ...]
    groups: tuple[Group, ...]
    """Every item is in exactly one group; groups are in order of first appearance."""
    contradictions: tuple[Contradiction, ...]


def rule_items(docs: Sequence[AgentDoc]) -> tuple[Item, ...]:
    """Every rule of every document, in document then source order, with its key."""
    items = []
    for number, doc in enumerate(docs):
        for ref in doc.rules():
            text = f"{ref.rule.label}: {ref.rule.text}" if ref.rule.label else ref.rule.text
            key = rule_key(text)
            if key.terms:
                titles = (*ref.section, ref.list_title or "")
                context = frozenset(c for c in map(section_concept, titles) if c)
                items.append(Item(number, ref, key, context))
    return tuple(items)


class Scorer:
    """Pairwise rule similarity with IDF weights computed over one set of items."""

    def __init__(self, items: Sequence[Item]) -> None:
        frequency: dict[str, int] = defaultdict(int)
        for item in items:
            for stem in item.key.stems:
                frequency[stem] += 1
        total = len(items)
        self.weight = {stem: math.log((total + 1) / (count + 1)) + 1.0 for stem, count in frequency.items()}
        self.mass = [sum(self.weight[stem] for stem in item.key.stems) for item in items]
        self.items = items
        self.labels = [
            frozenset(stem for stem, _ in rule_key(item.ref.rule.label).terms) if item.ref.rule.label else frozenset()
            for item in items
        ]

    def score(self, a: int, b: int) -> tuple[float, float, list[str]]:
        """Return (similarity, opposite share, shared stems) of items ``a`` and ``b``.

        The similarity is 0-1; the opposite share is the part of the shared weight whose signs
        differ (0 when they share nothing).
        """
        left, right = dict(self.items[a].key.terms), dict(self.items[b].key.terms)
        same = opposite = 0.0
        shared = []
        for stem, sign in left.items():
            other = right.get(stem)
            if other is None:
                continue
            shared.append(stem)
            if other == sign:
                same += self.weight[stem]
            else:
                opposite += self.weight[stem]
        if not shared:
            return 0.0, 0.0, []
        small = min(self.mass[a], self.mass[b])
        matched = same + (1.0 - SIGN_PENALTY) * opposite
        overlap = 2 * matched / (self.mass[a] + self.mass[b])
        containment = matched / small if small else 0.0
        similarity = max(overlap, CONTAINMENT_WEIGHT * containment)
        labels = self.labels[a] and self.labels[b] and _dice(self.labels[a], self.labels[b], self.weight)
        if labels:
            similarity = max(similarity, LABEL_WEIGHT * labels)
        if self.items[a].context & self.items[b].context:
            similarity = min(1.0, similarity + SECTION_BONUS)
        return similarity, opposite / (same + opposite), sorted(shared)

    def contradiction(self, a: int, b: int) -> tuple[float, list[str]] | None:
        """Return (cover, flipped stems) when a clause of ``a`` and one of ``b`` say opposite things.

        The caller first checks that most of the weight the two rules share flips sign (a rule
        that agrees on "sensitive data" is not contradicted by its own "(no sensitive data)").
        Two clauses contradict when at least :data:`CONTRADICTION_SHARE` of the weight of their
        common stems carries opposite signs and those flipped stems cover at least
        :data:`CONTRADICTION_COVER` of the clause that forbids them: "Never use an ORM" is all
        flipped against "Always use an ORM for database access", while "Never log secrets"
        forbids more than "Appropriate logging" allows.
        """
        best: tuple[float, list[str]] | None = None
        for left in self.items[a].key.clauses:
            signs = dict(left)
            for right in self.items[b].key.clauses:
                common = [(stem, signs[stem] != sign) for stem, sign in right if stem in signs]
                if not common:
                    continue
                flipped = [stem for stem, differs in common if differs]
                opposite = sum(self.weight[stem] for stem in flipped)
                shared = sum(self.weight[stem] for stem, _ in common)
                negative_left = sum(self.weight[stem] * -signs[stem] for stem in flipped) > 0
                cover = opposite / self._mass(left if negative_left else right)
                strong = opposite >= CONTRADICTION_SHARE * shared and cover >= CONTRADICTION_COVER
                if strong and (best is None or cover > best[0]):
                    best = (round(min(cover, 1.0), 3), sorted(flipped))
        return best

    def _mass(self, clause: tuple[tuple[str, int], ...]) -> float:
        return sum(self.weight[stem] for stem, _ in clause)


def _dice(left: frozenset[str], right: frozenset[str], weight: dict[str, float]) -> float:
    """IDF-weighted Dice coefficient of two stem sets (stems unseen in ``weight`` count 1)."""
    total = sum(weight.get(s, 1.0) for s in left) + sum(weight.get(s, 1.0) for s in right)
    return 2 * sum(weight.get(s, 1.0) for s in left & right) / total if total else 0.0


def align_rules(docs: Sequence[AgentDoc], *, threshold: float = THRESHOLD) -> Alignment:
    """Group equivalent rules across ``docs`` and report contradictions.

    Args:
        docs: the variants to align, in a fixed order (the result depends only on that order).
        threshold: average-link similarity at which groups merge (0-1).

    Returns:
        An :class:`Alignment`. Each group holds at most one rule per document, except rules a
        document repeats (pairwise similarity >= :data:`REPEAT_THRESHOLD`).
    """
    items = rule_items(docs)
    scorer = Scorer(items)
    pairs, contradictions = _pairs(items, scorer, threshold)
    groups = _cluster(items, pairs, threshold)
    return Alignment(items, groups, contradictions)


def _pairs(
    items: Sequence[Item], scorer: Scorer, threshold: float
) -> tuple[dict[tuple[int, int], float], tuple[Contradiction, ...]]:
    """Similarity of every pair that shares a stem (found through an inverted index)."""
    index: dict[str, list[int]] = defaultdict(list)
    for number, item in enumerate(items):
        for stem in item.key.stems:
            index[stem].append(number)
    candidates: set[tuple[int, int]] = set()
    for members in index.values():
        for position, a in enumerate(members):
            candidates.update((a, b) for b in members[position + 1 :])
    pairs: dict[tuple[int, int], float] = {}
    contradictions = []
    for a, b in sorted(candidates):
        similarity, opposite, _shared = scorer.score(a, b)
        found = scorer.contradiction(a, b) if opposite >= CONTRADICTION_SHARE else None
        if found is not None:
            cover, flipped = found
            contradictions.append(Contradiction(a, b, cover, "opposite polarity on " + ", ".join(flipped)))
            pairs[(a, b)] = -1.0
            continue
        if similarity > 0:
            pairs[(a, b)] = similarity
    _link_mutual_best(items, pairs, threshold)
    return pairs, tuple(contradictions)


def _link_mutual_best(items: Sequence[Item], pairs: dict[tuple[int, int], float], threshold: float) -> None:
    """Raise to ``threshold`` the pairs that are each other's best match across two files.

    Competitive linking (Melamed 2000, "Models of translational equivalence"): when rule ``a``
    of file X prefers rule ``b`` of file Y over every other rule of Y, and ``b`` prefers ``a``
    likewise, a moderate score (>= :data:`MUTUAL_THRESHOLD`) is trusted as a link.
    """
    best: dict[tuple[int, int], tuple[float, int]] = {}  # (item, other doc) -> (score, partner)
    for (a, b), value in pairs.items():
        if value <= 0 or items[a].doc == items[b].doc:
            continue
        for this, that in ((a, b), (b, a)):
            slot = (this, items[that].doc)
            if value > best.get(slot, (0.0, -1))[0]:
                best[slot] = (value, that)
    for (this, _doc), (value, that) in best.items():
        if this < that and value >= MUTUAL_THRESHOLD and best.get((that, items[this].doc), (0, -1))[1] == this:
            pairs[(this, that)] = max(value, threshold)


def _cluster(items: Sequence[Item], pairs: dict[tuple[int, int], float], threshold: float) -> tuple[Group, ...]:
    """Average-link agglomerative clustering with a cannot-link for different rules of one file."""
    members: dict[int, list[int]] = {number: [number] for number in range(len(items))}
    link: dict[int, dict[int, float]] = defaultdict(dict)  # summed pair similarity between clusters
    for (a, b), value in pairs.items():
        link[a][b] = link[b][a] = value
    heap = [(-value, a, b) for (a, b), value in pairs.items() if value >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        average = link[a].get(b, 0.0) / (len(members[a]) * len(members[b]))
        if abs(average + negative) > 1e-12:
            continue  # stale entry
        if not _compatible(items, pairs, members[a], members[b]):
            continue
        members[a].extend(members.pop(b))
        for other, value in link.pop(b).items():
            link[other].pop(b, None)
            if other == a:
                continue
            total = link[a].get(other, 0.0) + value
            link[a][other] = link[other][a] = total
        for other, total in link[a].items():
            average = total / (len(members[a]) * len(members[other]))
            if average >= threshold:
                heapq.heappush(heap, (-average, min(a, other), max(a, other)))
    groups = []
    for number in sorted(members):
        chosen = tuple(sorted(members[number]))
        groups.append(_group(items, pairs, chosen))
    return tuple(groups)


def _compatible(items: Sequence[Item], pairs: dict[tuple[int, int], float], left: list[int], right: list[int]) -> bool:
    for a in left:
        for b in right:
            pair = (min(a, b), max(a, b))
            value = pairs.get(pair, 0.0)
            if value < 0:
                return False
            if items[a].doc == items[b].doc and value < REPEAT_THRESHOLD:
                return False
    return True


def _group(items: Sequence[Item], pairs: dict[tuple[int, int], float], chosen: tuple[int, ...]) -> Group:
    if len(chosen) == 1:
        return Group(chosen, 1.0, "single rule")
    values = [pairs.get((a, b), 0.0) for position, a in enumerate(chosen) for b in chosen[position + 1 :]]
    common = set.intersection(*(set(items[n].key.stems) for n in chosen))
    reason = "shared stems: " + ", ".join(sorted(common)) if common else "similar wording"
    return Group(chosen, round(sum(values) / len(values), 3), reason)
