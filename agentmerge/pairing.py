"""Two-document rule pairing for ``diff`` and review: an optimal one-to-one assignment.

:func:`align_pair` scores the rules of two files with the comparator (:mod:`agentmerge.align`:
the same similarity, retrieval and contradiction test as :func:`~agentmerge.align.align_rules`),
groups them as the N-way alignment does (average link only, and a file's repeats judged by
overlap alone: ``strict_repeats`` of :func:`~agentmerge.align.scored_pairs`), and pairs them inside
the groups by the Jonker-Volgenant linear assignment (:func:`agentmerge.assign.assign`).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass, replace

from agentmerge.align import THRESHOLD, Contradiction, Group, Item, Scorer, cluster_items, rule_items, scored_pairs
from agentmerge.model import AgentDoc


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
    groups: tuple[Group, ...] = ()
    """The rules of both files grouped as :func:`~agentmerge.align.align_rules` groups them (average
    link, without its local search): every match lies
    inside one group, and a group's other members are a file's own repetitions."""


def align_pair(left: AgentDoc, right: AgentDoc, *, threshold: float = THRESHOLD) -> PairAlignment:
    """Pair the rules of two documents one to one by an optimal assignment.

    Symmetric: ``align_pair(b, a)`` is ``align_pair(a, b)`` with the sides swapped (the two are
    aligned in a fixed order of their rule texts, whatever order they come in).

    The assignment maximises the summed similarity over all pairs (:func:`agentmerge.assign.assign`,
    the Jonker-Volgenant algorithm), so a rule never takes a partner that another rule needs
    more, as greedy first-match does. Pairs below ``threshold`` and contradicting pairs are left
    unmatched. Rules of the same text are paired first, in source order, as a line diff anchors
    on unique equal lines (Heckel 1978, "A technique for isolating differences between files"):
    only the rest are scored, which keeps a large, lightly edited file fast to diff.
    """
    def texts(doc: AgentDoc) -> list[str]:
        return [ref.rule.full_text for ref in doc.rules()]

    if texts(right) < texts(left):
        return _swapped(_align_pair(right, left, threshold))
    return _align_pair(left, right, threshold)


def _swapped(found: PairAlignment) -> PairAlignment:
    """The same alignment seen from the other side: documents 0 and 1 exchanged, indexes remapped."""
    order = sorted(range(len(found.items)), key=lambda n: (1 - found.items[n].doc, n))
    new_index = {old: new for new, old in enumerate(order)}
    items = tuple(replace(found.items[old], doc=1 - found.items[old].doc) for old in order)

    def pairs(entries: Sequence[Match]) -> tuple[Match, ...]:
        flipped = (Match(min(new_index[m.a], new_index[m.b]), max(new_index[m.a], new_index[m.b]), m.score)
                   for m in entries)
        return tuple(sorted(flipped, key=lambda m: (m.a, m.b)))

    contradictions = tuple(sorted(
        (replace(c, a=min(new_index[c.a], new_index[c.b]), b=max(new_index[c.a], new_index[c.b]))
         for c in found.contradictions), key=lambda c: (c.a, c.b)))
    groups = tuple(sorted((replace(g, members=tuple(sorted(new_index[m] for m in g.members))) for g in found.groups),
                          key=lambda g: g.members))
    return PairAlignment(items, pairs(found.matches), contradictions, groups)


def _align_pair(left: AgentDoc, right: AgentDoc, threshold: float) -> PairAlignment:
    from agentmerge.assign import assign

    items = rule_items([left, right])
    texts = [" ".join(item.ref.rule.full_text.split()) for item in items]
    waiting: dict[str, deque[int]] = defaultdict(deque)
    for n, item in enumerate(items):
        if item.doc == 1:
            waiting[texts[n]].append(n)
    anchored = {}
    for n, item in enumerate(items):
        if item.doc == 0 and waiting.get(texts[n]):
            anchored[n] = waiting[texts[n]].popleft()
    taken = set(anchored) | set(anchored.values())
    pairs, contradictions = scored_pairs(items, Scorer(items), threshold,
                                         only=frozenset(range(len(items))) - taken, strict_repeats=True)
    for a, b in anchored.items():
        pairs[(a, b)] = 1.0
    # Average link only: the assignment below already picks the best one-to-one pairs inside
    # the groups, and the local search, which lets a group trade members, lowers the seed pairs'
    # F1 (benchmarks/diff.py: 0.897 without it, 0.874 with).
    groups = cluster_items(items, [[n] for n in range(len(items))], pairs, threshold, refine=False)
    group_of = {member: number for number, group in enumerate(groups) for member in group.members}
    cross_pairs = {(a, b) if items[a].doc == 0 else (b, a): value for (a, b), value in pairs.items()
                   if items[a].doc != items[b].doc and value > 0 and a not in taken and b not in taken
                   and group_of[a] == group_of[b]}
    # Every positive pair takes part in the assignment and weak winners are dropped after it:
    # on the seed pairs this scores F1 0.718 against 0.690 for dropping them before. Ties (two
    # rules that score 1.0 with each other) go to the nearer position; matches keep the similarity.
    first = min((n for n, item in enumerate(items) if item.doc == 1), default=len(items))
    preference = {(a, b): value - 1e-6 * abs(a - (b - first)) for (a, b), value in cross_pairs.items()}
    chosen = [Match(a, b, round(cross_pairs[(a, b)], 3)) for a, b, _ in assign(preference)
              if cross_pairs[(a, b)] >= threshold]
    matches = sorted([*chosen, *(Match(a, b, 1.0) for a, b in anchored.items())], key=lambda m: m.a)
    cross = tuple(c for c in contradictions if items[c.a].doc != items[c.b].doc)
    return PairAlignment(items, tuple(matches), cross, groups)
