"""Similarity and alignment of rules across agent variants: the comparator.

Given the rules of N documents, :func:`align_rules` returns groups of equivalent rules and the
contradictions it found. The similarity of two rules is computed on their
:class:`~agentmerge.normalize.RuleKey` (stemmed content words, abbreviations and synonyms unified):

* ``overlap``: IDF-weighted Dice coefficient of the stems both rules share, the IDF computed over
  all rules being compared, so words most rules use count little (Salton & Buckley 1988);
* ``containment``: the same shared weight over the smaller rule's weight, discounted by
  :data:`CONTAINMENT_WEIGHT`, so a short rule matches the longer one that restates it;
* labels: two ``**Label**:`` lead-ins that match raise the score to :data:`LABEL_WEIGHT` times
  their Dice coefficient;
* context: rules under headings of one concept (Capabilities / Core Competencies, Rules /
  Constraints, ...) get :data:`SECTION_BONUS`;
* competitive linking: a pair that is each other's best match across two files counts as a
  link from :data:`MUTUAL_THRESHOLD` up.

Two rules where a clause of one forbids what a clause of the other asks for ("Always use the
ORM" / "Never use an ORM") are a contradiction: never aligned, always reported. Grouping is
average-link agglomerative clustering over cross-file pairs (no chaining, unlike single link),
stopped at :data:`THRESHOLD`.

Every weight and threshold was chosen by sweeping it with benchmarks/alignment.py over three gold
sets (../shared/gold/seeds.json and the two corpus sets in benchmarks/gold/) for the best mean F1.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from agentmerge.model import AgentDoc, Rule, RuleRef, Span
from agentmerge.normalize import RuleKey, rule_key, section_concept

# Every value below was chosen with benchmarks/alignment.py: a grid sweep for the best mean F1
# over ../shared/gold/seeds.json, benchmarks/gold/python-pro.json and security-auditor.json
# (2026-11-21: mean F1 0.78; see the closing note of the comparator issue for the grid).

#: Average-link similarity at which two groups merge (swept 0.35-0.55).
THRESHOLD = 0.4
#: Discount on containment relative to symmetric overlap (swept 0.6-0.9).
CONTAINMENT_WEIGHT = 0.7
#: Least pairwise similarity of two rules of one file in one group (its own repetitions; swept
#: 0-0.5: 0 and 0.2 score alike, 0.2 keeps unrelated rules of one file apart).
REPEAT_THRESHOLD = 0.2
#: Least score of a mutual best match across two files that counts as a link (swept 0.25-0.40).
MUTUAL_THRESHOLD = 0.35
#: Rules whose bold labels match (``**Testing**:``) score at least this times the labels' Dice
#: (swept 0.5-0.7: flat).
LABEL_WEIGHT = 0.6
#: Added to the similarity of rules under headings of one concept (swept 0-0.15).
SECTION_BONUS = 0.1
#: With the optional sentence embeddings (``--semantic``): for rules that share a stem, the
#: cosine times SEMANTIC_WEIGHT is one more measure, and groups merge at SEMANTIC_THRESHOLD
#: (swept 0.6-0.8 x 0.4-0.5 with all-MiniLM-L6-v2: mean F1 0.834 against 0.782 without; the
#: optimum is narrow, neighbours of the grid score 0.68-0.80).
SEMANTIC_WEIGHT = 0.7
SEMANTIC_THRESHOLD = 0.45
#: Share of two clauses' common weight that must carry opposite signs to call a contradiction,
#: and the least part of the forbidding clause those flipped stems must cover (set on the
#: contradiction pairs of tests/data/contradictions.tsv).
CONTRADICTION_SHARE = 0.6
CONTRADICTION_COVER = 0.6


Embed = Callable[[Sequence[str]], Any]
"""Texts -> a 2-D array of unit-length embeddings, one row per text."""


@dataclass(frozen=True, slots=True)
class Item:
    """One rule of one document, with its comparison key."""

    doc: int
    """Index of the document in the input sequence."""
    ref: RuleRef
    key: RuleKey
    context: frozenset[str]
    """Concepts of the nearest heading and the list title above the rule (``section_concept``)."""


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
    """How much of the forbidding clause the flipped stems cover, 0-1."""
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
            key = rule_key(ref.rule.full_text)
            if key.terms:
                titles = (ref.section[-1] if ref.section else "", ref.list_title or "")
                context = frozenset(c for c in map(section_concept, titles) if c)
                items.append(Item(number, ref, key, context))
    return tuple(items)


class Scorer:
    """Pairwise rule similarity with IDF weights computed over one set of items."""

    def __init__(self, items: Sequence[Item], vectors: Any = None) -> None:
        """Args: items to compare; vectors: optional unit-length sentence embeddings, one row per item."""
        frequency: dict[str, int] = defaultdict(int)
        for item in items:
            for stem in item.key.stems:
                frequency[stem] += 1
        total = len(items)
        self.weight = {stem: math.log((total + 1) / (count + 1)) + 1.0 for stem, count in frequency.items()}
        self.mass = [sum(self.weight[stem] for stem in item.key.stems) for item in items]
        self.items = items
        self.signs = [dict(item.key.terms) for item in items]
        self.vectors = vectors
        self.labels = [
            frozenset(stem for stem, _ in rule_key(item.ref.rule.label).terms) if item.ref.rule.label else frozenset()
            for item in items
        ]

    def score(self, a: int, b: int) -> tuple[float, float, list[str]]:
        """Return (similarity, opposite share, shared stems) of items ``a`` and ``b``.

        The similarity is 0-1; the opposite share is the part of the shared weight whose signs
        differ (0 when they share nothing).
        """
        left, right = self.signs[a], self.signs[b]
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
        similarity = 0.0
        if shared:
            small = min(self.mass[a], self.mass[b])
            matched = same + opposite  # signs matter for contradictions, not for similarity
            overlap = 2 * matched / (self.mass[a] + self.mass[b])
            containment = matched / small if small else 0.0
            similarity = max(overlap, CONTAINMENT_WEIGHT * containment)
        labels = self.labels[a] and self.labels[b] and _dice(self.labels[a], self.labels[b], self.weight)
        if labels:
            similarity = max(similarity, LABEL_WEIGHT * labels)
        if similarity > 0 and self.items[a].context & self.items[b].context:
            similarity = min(1.0, similarity + SECTION_BONUS)
        if self.vectors is not None and shared:
            similarity = max(similarity, SEMANTIC_WEIGHT * float(self.vectors[a] @ self.vectors[b]))
        share = opposite / (same + opposite) if shared else 0.0
        return similarity, share, sorted(shared)

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


@dataclass(frozen=True, slots=True)
class Comparison:
    """The answer to "do these two rules say the same thing?"."""

    similarity: float
    """0-1, as used for alignment (before competitive linking)."""
    contradiction: bool
    reason: str
    """The shared stems, or the stems whose polarity flips."""


def compare_rules(a: str, b: str, *, context: Sequence[str] = ()) -> Comparison:
    """Compare two rules given as plain text, with IDF weights computed over just the two.

    Args:
        a, b: rule texts (Markdown markup is not stripped here; pass plain text).
        context: texts of other rules to compute the IDF over as well, such as the rest of the
            two documents; without it every word weighs about the same.
    """
    texts = [a, b, *context]
    items = tuple(
        Item(0 if n == 0 else 1, RuleRef(_bare_rule(text), (), None, 0, None), rule_key(text), frozenset())
        for n, text in enumerate(texts)
    )
    scorer = Scorer(items)
    similarity, opposite, shared = scorer.score(0, 1)
    found = scorer.contradiction(0, 1) if opposite >= CONTRADICTION_SHARE else None
    if found is not None:
        return Comparison(round(similarity, 3), True, "opposite polarity on " + ", ".join(found[1]))
    return Comparison(round(similarity, 3), False, "shared stems: " + ", ".join(shared) if shared else "nothing shared")


def _bare_rule(text: str) -> Rule:
    return Rule(source=text, text=text, label=None, marker="-", ordinal=1, span=Span(1, 1))


def align_rules(docs: Sequence[AgentDoc], *, threshold: float | None = None, embed: Embed | None = None) -> Alignment:
    """Group equivalent rules across ``docs`` and report contradictions.

    Args:
        docs: the variants to align, in a fixed order (the result depends only on that order).
        threshold: average-link similarity at which groups merge (0-1); default
            :data:`THRESHOLD`, or :data:`SEMANTIC_THRESHOLD` with ``embed``.
        embed: optional sentence embedder (texts -> unit vectors, one row each), such as
            :func:`agentmerge.semantic.load_embedder` returns; its cosine, times
            :data:`SEMANTIC_WEIGHT`, is one more similarity measure.

    Returns:
        An :class:`Alignment`. Each group holds at most one rule per document, except rules a
        document repeats (pairwise similarity >= :data:`REPEAT_THRESHOLD`).
    """
    items = rule_items(docs)
    vectors = embed([item.ref.rule.full_text for item in items]) if embed is not None and items else None
    if threshold is None:
        threshold = THRESHOLD if vectors is None else SEMANTIC_THRESHOLD
    scorer = Scorer(items, vectors)
    pairs, contradictions = _pairs(items, scorer, threshold)
    groups = _cluster(items, pairs, threshold)
    return Alignment(items, groups, contradictions)


@dataclass(frozen=True, slots=True)
class Match:
    """Rule ``a`` of the left document paired with rule ``b`` of the right one."""

    a: int
    b: int
    score: float


@dataclass(frozen=True, slots=True)
class PairAlignment:
    """The result of :func:`align_pair`: indexes into ``items`` (left rules have ``doc == 0``)."""

    items: tuple[Item, ...]
    matches: tuple[Match, ...]
    """One-to-one pairs, in left source order; unmatched rules were added or removed."""
    contradictions: tuple[Contradiction, ...]


def align_pair(left: AgentDoc, right: AgentDoc, *, threshold: float = THRESHOLD) -> PairAlignment:
    """Pair the rules of two documents one to one by an optimal assignment.

    The assignment maximises the summed similarity over all pairs (the Hungarian method, via
    ``scipy.optimize.linear_sum_assignment``, Crouse 2016), so a rule never takes a partner that
    another rule needs more, as greedy first-match does. Pairs below ``threshold`` and
    contradicting pairs are left unmatched.
    """
    import numpy
    from scipy.optimize import linear_sum_assignment

    items = rule_items([left, right])
    pairs, contradictions = _pairs(items, Scorer(items), threshold)
    rows = [n for n, item in enumerate(items) if item.doc == 0]
    cols = [n for n, item in enumerate(items) if item.doc == 1]
    matrix = numpy.zeros((len(rows), len(cols)))
    where = {n: k for k, n in enumerate(rows)} | {n: k for k, n in enumerate(cols)}
    for (a, b), value in pairs.items():
        if items[a].doc != items[b].doc:
            row, col = (a, b) if items[a].doc == 0 else (b, a)
            matrix[where[row], where[col]] = value
    chosen = zip(*linear_sum_assignment(matrix, maximize=True), strict=True) if rows and cols else iter(())
    matches = sorted(
        (Match(rows[r], cols[c], round(float(matrix[r, c]), 3)) for r, c in chosen if matrix[r, c] >= threshold),
        key=lambda match: match.a,
    )
    cross = tuple(c for c in contradictions if items[c.a].doc != items[c.b].doc)
    return PairAlignment(items, tuple(matches), cross)


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
    """Average-link agglomerative clustering over pairs of rules from different files.

    The link between two clusters is the mean similarity of their cross-file pairs: pairs of
    one file's own rules are left out of the mean, because a file rarely restates itself and
    those near-zero pairs would keep a group from growing as variants join it. Contradicting
    pairs (score -1) forbid a merge, and a file's own repeats join only above
    :data:`REPEAT_THRESHOLD`.
    """
    members: dict[int, list[int]] = {number: [number] for number in range(len(items))}
    total: dict[int, dict[int, float]] = defaultdict(dict)  # summed cross-file similarity
    for (a, b), value in pairs.items():
        if items[a].doc != items[b].doc:
            total[a][b] = total[b][a] = value

    def link(a: int, b: int) -> float:
        count = sum(1 for x in members[a] for y in members[b] if items[x].doc != items[y].doc)
        if count == 0:
            return pairs.get((min(members[a][0], members[b][0]), max(members[a][0], members[b][0])), 0.0)
        return total[a].get(b, 0.0) / count

    heap = [(-value, a, b) for (a, b), value in pairs.items() if value >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        if abs(link(a, b) + negative) > 1e-12:
            continue  # stale entry
        if not _compatible(items, pairs, members[a], members[b]):
            continue
        members[a].extend(members.pop(b))
        for other, value in total.pop(b, {}).items():
            total[other].pop(b, None)
            if other != a:
                total[a][other] = total[other][a] = total[a].get(other, 0.0) + value
        for other in total[a]:
            score = link(a, other)
            if score >= threshold:
                heapq.heappush(heap, (-score, min(a, other), max(a, other)))
    return tuple(_group(items, pairs, tuple(sorted(members[n]))) for n in sorted(members))


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
