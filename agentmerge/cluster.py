"""Constrained clustering of scored rule pairs: average link, then local search.

The comparator (:mod:`agentmerge.align`) scores pairs of rules; this module turns those scores into
groups under the constraints an alignment has: a group holds at most one rule per document except
a document's own repetitions (similar in their own right, and in different lists), and never two
rules that contradict each other (score -1).

Both stages maximise one objective, the correlation-clustering gain (Bansal, Blum & Chawla 2004,
"Correlation clustering") of the cross-document pairs inside groups::

    sum over groups G, over pairs (a, b) in G from different documents, of (s(a, b) - threshold)

Average-link agglomeration (stage 1) merges two clusters exactly when that merge raises the
objective (their mean cross-document similarity reaches the threshold), best mean first; it is
greedy, so an early merge can give a document's slot in a group to a weaker rule. Local search
(stage 2, the single-element moves of Gionis, Mannila & Tsaparas 2007, "Clustering aggregation")
then moves one rule at a time to the group where it gains most, evicting that group's rules of
the same document when the rule is worth more there than they are; every move strictly raises the
objective, so the search ends. A rule only moves towards a strong partner (one scoring at least the
threshold), never out to a group of its own.

Inputs are plain values: items are numbered 0..n-1, each with a document number and a list key
(any hashable: rules of one list never share a group), and ``pairs`` scores classes of equal items.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from functools import partial

#: Moves per item at most in the local search (a guard: every move raises the objective, so the
#: search ends anyway; the five gold sets of benchmarks/alignment.py settle after 1-8 moves and
#: evictions, 0.01-0.05 per rule).
MOVES = 20
#: Rules with more copies than this stay where average link put them: each of their moves would
#: weigh every group holding a copy, so two files that paste two rules 6,000 times between them
#: took 56 s to consolidate, 4.3 s without these moves. No role of ../shared/corpus has a rule
#: with more than 14 copies: its 714 consolidations are unchanged, and so are the gold-set scores.
CROWD = 50

Pairs = dict[tuple[int, int], float]
"""(class c, class d) with c < d -> similarity (0-1), or -1 for a contradiction."""


def cluster(
    docs: Sequence[int], lists: Sequence[Hashable], copies: Sequence[Sequence[int]], pairs: Pairs,
    threshold: float, *, repeat: float, refine: bool = True,
) -> list[tuple[int, ...]]:
    """Group items whose cross-document pairs score at least ``threshold`` on average.

    Args:
        docs: document number of each item.
        lists: the list each item sits in (hashable key); two items of one list never share a group.
        copies: a partition of the items into classes of equal rules; ``pairs`` scores classes by
            their index in ``copies``, and two items of one class score 1.0.
        pairs: class-pair similarities (0-1, absent = 0) or -1 for a contradiction, which forbids
            the two classes from sharing a group.
        threshold: least mean cross-document similarity of a merge, and the zero of the objective.
        repeat: least similarity of two items of one document in one group (its repetitions).
        refine: run the local search after average link (stage 2).

    Returns:
        Groups as sorted tuples of item numbers, every item in exactly one, ordered by first item.
    """
    class_of = class_numbers(copies, len(docs))
    similarity = partial(pair_score, pairs)
    members = _agglomerate(docs, lists, copies, class_of, similarity, pairs, threshold, repeat)
    groups = list(members.values())
    if refine and len(set(docs)) > 1:  # one document has no cross-document pair: nothing to gain
        groups = _Refinement(docs, lists, class_of, pairs, threshold, repeat).run(groups)
    return sorted(tuple(sorted(group)) for group in groups)


def class_numbers(copies: Sequence[Sequence[int]], size: int) -> list[int]:
    """The class of each of ``size`` items, from the partition ``copies`` (index in it)."""
    class_of = [0] * size
    for number, copy in enumerate(copies):
        for n in copy:
            class_of[n] = number
    return class_of


def pair_score(pairs: Pairs, c: int, d: int) -> float:
    """Similarity of classes ``c`` and ``d``: 1.0 within one class, else ``pairs``' value (absent: 0)."""
    return 1.0 if c == d else pairs.get((min(c, d), max(c, d)), 0.0)


def _agglomerate(
    docs: Sequence[int], lists: Sequence[Hashable], copies: Sequence[Sequence[int]], class_of: Sequence[int],
    similarity: Callable[[int, int], float], pairs: Pairs, threshold: float, repeat: float,
) -> dict[int, list[int]]:
    """Average-link agglomerative clustering over cross-document pairs (stage 1).

    Each class starts as one cluster (split where two of its items share a list), since equal
    rules are the first that average link would join. The link between two clusters is the mean
    similarity of their cross-document pairs: pairs of one document's own rules are left out of
    the mean, because a file rarely restates itself and those near-zero pairs would keep a group
    from growing as variants join it.
    """
    members: dict[int, list[int]] = {}
    parts_of: list[list[int]] = []  # class -> its starting clusters
    for group in copies:
        parts: list[tuple[list[int], set[tuple[int, Hashable]]]] = []
        for n in group:
            where = (docs[n], lists[n])
            part = next((part for part in parts if where not in part[1]), None)
            if part is None:
                parts.append(([n], {where}))
            else:
                part[0].append(n)
                part[1].add(where)
        parts_of.append([part[0][0] for part in parts])
        members.update((part[0][0], part[0]) for part in parts)
    # Members per document of each cluster: the number of cross-file pairs between two clusters
    # is |A||B| minus the pairs inside one document, without walking every member pair.
    per_doc: dict[int, Counter[int]] = {key: Counter(docs[n] for n in found) for key, found in members.items()}
    total: dict[int, dict[int, float]] = defaultdict(dict)  # summed cross-file similarity

    def cross(a: int, b: int) -> int:
        if len(members[a]) == 1 == len(members[b]):  # most clusters, before they merge
            return int(docs[a] != docs[b])
        left, right = per_doc[a], per_doc[b]
        return len(members[a]) * len(members[b]) - sum(count * right[doc] for doc, count in left.items())

    def link(a: int, b: int) -> float:
        count = cross(a, b)
        if count == 0:
            return similarity(class_of[a], class_of[b])
        return total[a].get(b, 0.0) / count

    # Two starting clusters of one class never merge (the later one began with a rule whose list
    # the earlier one holds), so only pairs of classes link clusters.
    for (c, d), value in pairs.items():
        for a in parts_of[c]:
            for b in parts_of[d]:
                count = cross(a, b)
                if count:
                    total[a][b] = total[b][a] = value * count
    heap = [(-link(a, b), min(a, b), max(a, b)) for (c, d), value in pairs.items() if value >= threshold
            for a in parts_of[c] for b in parts_of[d]]
    heap = [entry for entry in heap if -entry[0] >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        if abs(link(a, b) + negative) > 1e-12:
            continue  # stale entry
        if not _compatible(docs, lists, class_of, similarity, members[a], members[b], repeat):
            continue
        members[a].extend(members.pop(b))
        per_doc[a] += per_doc.pop(b)
        for other, value in total.pop(b, {}).items():
            total[other].pop(b, None)
            if other != a:
                total[a][other] = total[other][a] = total[a].get(other, 0.0) + value
        for other in total[a]:
            score = link(a, other)
            if score >= threshold:
                heapq.heappush(heap, (-score, min(a, other), max(a, other)))
    return members


def _compatible(
    docs: Sequence[int], lists: Sequence[Hashable], class_of: Sequence[int],
    similarity: Callable[[int, int], float], left: list[int], right: list[int], repeat: float,
) -> bool:
    """Whether two clusters may merge: no contradicting pair, and a document's items in both are
    repeats (similarity >= ``repeat``) from different lists."""
    def by_doc(found: list[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = defaultdict(set)
        for n in found:
            out[docs[n]].add(n)
        return out

    left_docs, right_docs = by_doc(left), by_doc(right)
    for doc in left_docs.keys() & right_docs.keys():
        for a in left_docs[doc]:
            for b in right_docs[doc]:
                if similarity(class_of[a], class_of[b]) < repeat or lists[a] == lists[b]:
                    return False
    left_classes, right_classes = {class_of[n] for n in left}, {class_of[n] for n in right}
    return all(similarity(c, d) >= 0 for c in left_classes for d in right_classes)


class _Refinement:
    """Local search over single-item moves (stage 2), with counts kept per group so that a move
    costs the item's scored partners, not the size of the groups (copies can number thousands)."""

    def __init__(
        self, docs: Sequence[int], lists: Sequence[Hashable], class_of: Sequence[int], pairs: Pairs,
        threshold: float, repeat: float,
    ) -> None:
        self.docs, self.lists, self.class_of = docs, lists, class_of
        self.threshold, self.repeat = threshold, repeat
        self.partners: dict[int, dict[int, float]] = defaultdict(dict)
        for (c, d), value in pairs.items():
            self.partners[c][d] = self.partners[d][c] = value
        self.strong = {c: [c, *(d for d, value in found.items() if value >= threshold)]
                       for c, found in self.partners.items()}
        self.group_of = [0] * len(docs)
        self.of_class: dict[int, list[int]] = defaultdict(list)
        self.class_docs_of: dict[int, set[int]] = defaultdict(set)  # class -> documents of its items
        for n, c in enumerate(class_of):
            self.of_class[c].append(n)
            self.class_docs_of[c].add(docs[n])
        self.size: Counter[int] = Counter()
        self.per_doc: dict[int, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
        self.class_docs: dict[int, Counter[tuple[int, int]]] = defaultdict(Counter)
        self.groups_of_class: dict[int, Counter[int]] = defaultdict(Counter)  # class -> group -> members

    def run(self, groups: list[list[int]]) -> list[list[int]]:
        """Move items until no move raises the objective; return the groups.

        A worklist holds the items whose gains may have changed: at first all of them, then after
        each move the members of the two groups it changed and the items scored against the moved
        ones. Every move raises the objective, so the list empties; :data:`MOVES` per item bounds it
        all the same.
        """
        for number, found in enumerate(groups):
            for n in found:
                self._add(n, number)
        fresh = len(groups)
        waiting = deque(range(len(self.docs)))
        queued = [True] * len(self.docs)
        budget = MOVES * len(self.docs)
        while waiting and budget:
            n = waiting.popleft()
            queued[n] = False
            # Only a group holding a strong partner can take a rule. A rule is never moved out to a
            # group of its own, even when its cross-file pairs cost its group: the objective does not
            # see a file's own repeats, which may be what holds it there (on the held-out
            # benchmarks/gold/code-reviewer.json such moves split a true group, F1 0.394 -> 0.344;
            # the five other gold sets do not move either way).
            if not self._drawn(n) or len(self.of_class[self.class_of[n]]) > CROWD:
                continue
            here = self.group_of[n]
            best, best_gain = here, self._gain(n, here) if self.size[here] > 1 else 0.0
            evicted: tuple[int, ...] = ()
            gains = self._gains(n)
            gains.pop(here, None)
            for group, gain in sorted(gains.items()):
                if gain <= best_gain + 1e-9:
                    continue
                conflicts = self._conflicts(n, group)
                # evicted items lose their place: their gain in the group (none of their pairs
                # there is with ``n``, which shares their document)
                gain -= math.fsum(self._gain(m, group) for m in conflicts)
                if gain > best_gain + 1e-9:
                    best, best_gain, evicted = group, gain, conflicts
            if best == here:
                continue
            budget -= 1
            touched = [*self.members(here), *self.members(best)]
            self._remove(n)
            self._add(n, best)
            for m in evicted:
                self._remove(m)
                self._add(m, fresh)
                fresh += 1
            for c in {self.class_of[m] for m in (n, *evicted)}:
                touched.extend(m for d in self.partners[c] for m in self.of_class[d])
            for m in touched:
                if not queued[m]:
                    queued[m] = True
                    waiting.append(m)
        out: dict[int, list[int]] = defaultdict(list)
        for n, number in enumerate(self.group_of):
            out[number].append(n)
        return list(out.values())

    def members(self, group: int) -> list[int]:
        """Items of ``group``, in no particular order."""
        return [n for found in self.per_doc[group].values() for n in found]

    def _add(self, n: int, group: int) -> None:
        c, doc = self.class_of[n], self.docs[n]
        self.group_of[n] = group
        self.size[group] += 1
        self.per_doc[group][doc].add(n)
        self.class_docs[group][(c, doc)] += 1
        self.groups_of_class[c][group] += 1

    def _remove(self, n: int) -> None:
        c, doc, group = self.class_of[n], self.docs[n], self.group_of[n]
        self.size[group] -= 1
        self.per_doc[group][doc].discard(n)
        self.class_docs[group][(c, doc)] -= 1
        self.groups_of_class[c][group] -= 1
        if not self.groups_of_class[c][group]:
            del self.groups_of_class[c][group]

    def _drawn(self, n: int) -> bool:
        """Whether another group holds a copy of ``n`` or a partner scoring at least the threshold
        from another document: without one, every other group would cost ``n`` a loss."""
        c, doc, here = self.class_of[n], self.docs[n], self.group_of[n]
        return any(self.class_docs_of[d] != {doc} and any(group != here for group in self.groups_of_class[d])
                   for d in self.strong.get(c, (c,)))

    def _gains(self, n: int) -> dict[int, float]:
        """Objective that ``n`` would add in each group holding a copy or a scored partner of it
        (:meth:`_gain` for many groups in one pass over the partners); groups holding a rule that
        contradicts ``n`` are left out."""
        c, doc = self.class_of[n], self.docs[n]
        sums: dict[int, float] = defaultdict(float)
        forbidden: set[int] = set()
        for d, value in ((c, 1.0), *self.partners[c].items()):
            if value < 0:  # a contradiction, wherever it sits
                forbidden.update(self.groups_of_class[d])
                continue
            if self.class_docs_of[d] == {doc}:
                continue  # one document's copies (a list that repeats a rule a thousand times)
            for group, count in self.groups_of_class[d].items():
                cross = count - self.class_docs[group][(d, doc)]
                if cross > 0:
                    sums[group] += value * cross
        return {group: total - self.threshold * (self.size[group] - len(self.per_doc[group][doc]))
                for group, total in sums.items() if group not in forbidden}

    def _gain(self, n: int, group: int) -> float:
        """Objective that ``n`` adds in ``group``: its cross-document pairs there, less the threshold each."""
        c, doc = self.class_of[n], self.docs[n]
        class_docs = self.class_docs[group]
        total = 0.0
        for d, value in ((c, 1.0), *self.partners[c].items()):
            cross = self.groups_of_class[d].get(group, 0) - class_docs[(d, doc)]
            if cross > 0:
                total += value * cross
        return total - self.threshold * (self.size[group] - len(self.per_doc[group][doc]))

    def _conflicts(self, n: int, group: int) -> tuple[int, ...]:
        """Items of ``n``'s document that must leave ``group`` for ``n`` to join it: those it does
        not repeat (similarity below ``repeat``) or that share its list."""
        c = self.class_of[n]
        out = []
        for m in sorted(self.per_doc[group][self.docs[n]]):
            d = self.class_of[m]
            value = 1.0 if c == d else self.partners[c].get(d, 0.0)
            if value < self.repeat or self.lists[m] == self.lists[n]:
                out.append(m)
        return tuple(out)
