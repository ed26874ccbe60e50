"""Rules many agents share: rules of one comparator key, and the rewordings the comparator joins.

Every rule without nested rules of each distinct body (:func:`agentmerge.dedup.rules.align_each`)
falls in a node with the other rules of its comparator key (:func:`agentmerge.normalize.rule_key`):
equal keys score 1.0, so this is the fast path. Rewordings join in three steps, near-linear in the
rules:

1. Candidates, never all pairs: prefix filtering over an inverted index of the rules' rarest
   stems (:func:`candidate_pairs`), which proposes the pairs whose shared weight may reach the
   threshold.
2. Scores: :class:`agentmerge.align.Scorer`, its IDF computed over every rule of the collection,
   so words most agents use weigh little. A pair whose clauses contradict never joins.
3. Groups, without chaining: star clustering (Aslam, Pelekhov & Rus 2004, "The star clustering
   algorithm for static and dynamic information organization"). Nodes are taken in order, the
   most agents first (then the most neighbours, the most stems, the first); each one not yet
   grouped becomes a centre and takes its ungrouped neighbours scoring at least the threshold
   with it, except one that contradicts a member already taken. Every member is so equivalent to
   the centre, whose wording a shared file keeps.

Two choices keep precision first (``--extract`` deletes the rules it groups), both read on the
corpus (benchmarks/dedup.py --shared): rules under headings of one concept get no
:data:`~agentmerge.align.SECTION_BONUS` (headings of unrelated agents say little about their
rules), and only rules of :data:`MIN_STEMS` content stems or more join by rewording: shorter
ones ("API endpoints" / "API endpoint security") join by equal key alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse  # type: ignore[import-untyped]

from agentmerge.align import Item, Scorer
from agentmerge.dedup.rules import Aligned, RuleAt, align_each, rule_at
from agentmerge.grouping import body_key
from agentmerge.model import AgentDoc, Rule

#: Default number of agents a rule must recur in to be reported as shared (issue 6).
MIN_AGENTS = 3
#: Least comparator similarity of a reworded rule to its group's centre. Above the comparator's
#: containment ceiling (:data:`agentmerge.align.CONTAINMENT_WEIGHT`, 0.7), so a short rule never
#: joins a longer one only because the longer one contains it. Chosen with ``benchmarks/dedup.py
#: --shared`` (every rule of ../shared/corpus and the seeds; the five gold sets' cross-file pairs):
#: precision / recall 0.94 / 0.16 at 0.6, 0.97 / 0.11 at 0.7, 1.00 / 0.06 at 0.72, 1.00 / 0.05 at
#: 0.75, 1.00 / 0.03 at 0.8 (equal keys alone: 1.00 / 0.00); the gold pairs are rewordings within
#: one role, most of them freer than a shared file can stand for. 30 random corpus groups with
#: rewordings read by eye: about 20 right throughout at 0.72, 22 at 0.75 (most of the others
#: join template lines with another slot filled in, "Query context manager for Django / React
#: project requirements and architecture"); precision first, since ``--extract`` deletes rules.
SHARED_THRESHOLD = 0.75
#: Least number of content stems (comparator stem families) of a rule that joins others by
#: rewording. Read on the corpus: at 0.75-0.8 without it, a third of 30 groups joined short rules
#: that one word sets apart ("API endpoints" / "API endpoint security", "Lock management" /
#: "Lock file management"); corpus-wide IDF makes such a word weigh little.
MIN_STEMS = 4
#: Share of the threshold that a pair's shared weight, as a Dice coefficient counted with one
#: side's weights, must reach for the pair to be scored (:func:`candidate_pairs`); the slack is for
#: rules that weigh their words differently (words after the first sentence weigh less). On the
#: corpus at 0.75 (no cap, no partner limit), 0.85 finds 5,990 of the 6,040 pairs above the
#: threshold that a share of 0.53 finds, scoring 93,000 pairs instead of 1.07 million (0.8: 6,017
#: of 137,000; 0.9: 5,950 of 67,000).
RETRIEVAL_SHARE = 0.85
#: Stems in more of the rules than this are not walked by the retrieval (their weight counts as
#: shared), and each rule is paired with at most PARTNERS heavier rules, those sharing the most
#: weight through its prefix: together they bound the work per rule whatever the size of the
#: collection. On the corpus at 0.75, against no bound (5,990 pairs above the threshold): cap
#: 2,000 and 20 partners find 5,856 (80,000 pairs scored); 5,000 and 20, 5,871; 5,000 and 40,
#: 5,954; 1,000 and 20, 5,677; 5,000 and 10, 5,723. Twelve stems pass 2,000 there ("test", the
#: most common, is in 3,507 rules).
POSTING_CAP = 2000
PARTNERS = 20
#: Rows of the retrieval product computed at once (memory, not results).
_CHUNK = 1024


@dataclass(frozen=True, slots=True)
class SharedRule:
    """One rule that several agents state, in one wording or in several."""

    text: str
    """The wording a shared file keeps, as Markdown on one line: the group's centre (the rule
    most agents state), as most of its occurrences write it (ties: the longest, then the first)."""
    section: str
    """The heading the rules sit under most often (``""``: none)."""
    agents: int
    """Distinct agents stating it; exact copies count once, and so do two wordings in one agent."""
    rules: tuple[RuleAt, ...]
    """Every occurrence, in input order."""
    wordings: tuple[str, ...]
    """The distinct wordings (Markdown on one line): ``text`` first, then the others by decreasing
    similarity to it."""
    score: float
    """Least comparator similarity of a wording to ``text``, 0-1 (1.0: every rule has one key)."""


@dataclass(frozen=True, slots=True)
class _Node:
    """The rules of one comparator key, with the agents stating them."""

    members: tuple[tuple[Aligned, Item], ...]
    agents: frozenset[str]


def _nodes(docs: Sequence[AgentDoc], aligned: Sequence[Aligned]) -> list[_Node]:
    """Every rule without nested rules of each distinct body (byte-identical copies once), by key."""
    bins: dict[tuple[tuple[str, int], ...], list[tuple[Aligned, Item]]] = defaultdict(list)
    for body in aligned:
        for item in body.alignment.items:
            if not item.ref.rule.children:
                bins[item.key.terms].append((body, item))
    # the agent each body counts as: exact copies (equal body_key) count once
    agent = {id(body): body_key(docs[body.docs[0]]) or docs[body.docs[0]].path for body in aligned}
    return [_Node(tuple(members), frozenset(agent[id(body)] for body, _ in members)) for members in bins.values()]


# -- candidates and scores ---------------------------------------------------------------------------


def _weights(scorer: Scorer, rows: Sequence[int]) -> sparse.csr_matrix:
    """``rows`` x stem families: the weight of each family in each item, IDF times emphasis
    (``Scorer.weight``, ``Scorer.emphasis``), so a row sums to ``Scorer.mass``."""
    emphasis = [scorer.emphasis[number] for number in rows]
    families = [family for focus in emphasis for family in focus]
    columns = {family: column for column, family in enumerate(dict.fromkeys(families))}
    cols = np.fromiter((columns[family] for family in families), dtype=np.int64, count=len(families))
    idf = np.fromiter((scorer.weight[family] for family in columns), dtype=np.float64, count=len(columns))
    values = np.fromiter((value for focus in emphasis for value in focus.values()), dtype=np.float64,
                         count=len(families))
    indptr = np.concatenate(([0], np.cumsum([len(focus) for focus in emphasis]))).astype(np.int64)
    return sparse.csr_matrix((values * idf[cols], cols, indptr), shape=(len(rows), len(columns)))


def candidate_pairs(scorer: Scorer, rows: Sequence[int], *, floor: float, cap: int = POSTING_CAP,
                    partners: int = PARTNERS) -> NDArray[np.int64]:
    """Pairs of items of ``rows`` that may share weight enough to be worth scoring.

    Blocking by prefix filtering (Chaudhuri, Ganti & Kaushik 2006, "A primitive operator for
    similarity joins in data cleaning"; Bayardo, Ma & Srikant 2007, "Scaling up all pairs
    similarity search"). The test is a Dice coefficient of the weight item ``a`` shares with a
    heavier item ``b`` (``a``'s IDF times emphasis, over both rules' :attr:`Scorer.mass`), which is
    the comparator's overlap term when the two rules weigh their words alike: ``2 * shared >=
    floor * (mass a + mass b)``. It needs ``shared >= floor * mass a``, so ``b`` must hold one of
    ``a``'s rarest stems that carry all but ``floor / 2`` of its weight (its prefix), and weigh
    at most ``2 / floor - 1`` times ``a``. Each item meets only those: items are taken in order
    of mass, and the postings walked are the prefixes' (an inverted index, as a sparse matrix
    product), each pair once, from its lighter item. Without ``cap`` and ``partners`` every pair
    passing the test is proposed.

    Args:
        scorer: the comparator over the items.
        rows: indexes of the items taking part.
        floor: least Dice coefficient, 0-1 exclusive.
        cap: stems in more of ``rows`` than this are not walked (:data:`POSTING_CAP`); their
            weight counts as shared, so pairs that share only such stems are not proposed.
        partners: pairs kept per item, with the heavier items sharing the most weight through
            its prefix (:data:`PARTNERS`).

    Returns:
        An (n, 2) array of item indexes ``a < b``, sorted, without repeats.
    """
    if len(rows) < 2:
        return np.empty((0, 2), dtype=np.int64)
    ids = np.array(sorted(rows, key=lambda n: (scorer.mass[n], n)), dtype=np.int64)
    weights = _weights(scorer, ids.tolist())
    mass = np.asarray(weights.sum(axis=1)).ravel()
    size, width = weights.shape
    frequency = np.bincount(weights.indices, minlength=width)
    rank = np.empty(width, dtype=np.int64)  # families by (items having it, first use): rarest first
    rank[np.lexsort((np.arange(width), frequency))] = np.arange(width)
    row_of = np.repeat(np.arange(size, dtype=np.int64), np.diff(weights.indptr))
    order = np.lexsort((rank[weights.indices], row_of))
    before = np.cumsum(weights.data[order])  # weight of the row's stems up to each one, rarest first
    before -= np.repeat(np.concatenate(([0.0], before[weights.indptr[1:-1] - 1])), np.diff(weights.indptr))
    before -= weights.data[order]
    prefix = mass[row_of[order]] - before > floor / 2 * mass[row_of[order]]
    walked = order[prefix & (frequency[weights.indices[order]] <= cap)]
    retrieval = sparse.csr_matrix((weights.data[walked], (row_of[walked], weights.indices[walked])),
                                  shape=(size, width))
    unwalked = mass - np.asarray(retrieval.sum(axis=1)).ravel()  # may be shared too: counted as if it were
    binary = weights.copy()
    binary.data[:] = 1.0
    found = []
    for start in range(0, size, _CHUNK):
        stop = min(start + _CHUNK, size)
        reach = int(np.searchsorted(mass, mass[stop - 1] * (2 / floor - 1), side="right"))
        product = (retrieval[start:stop] @ binary[start:reach].T).tocsr()
        left = np.repeat(np.arange(start, stop, dtype=np.int64), np.diff(product.indptr))
        right = product.indices.astype(np.int64) + start
        keep = (left < right) & (2 * (product.data + unwalked[left]) >= floor * (mass[left] + mass[right]))
        left, right, shared = left[keep], right[keep], product.data[keep]
        best = np.lexsort((right, -shared, left))  # by row, the most weight shared through the prefix first
        rows_sorted = left[best]
        best = best[np.arange(len(best)) - np.searchsorted(rows_sorted, rows_sorted, side="left") < partners]
        a, b = ids[left[best]], ids[right[best]]
        found.append(np.minimum(a, b) * len(scorer.mass) + np.maximum(a, b))
    codes = np.unique(np.concatenate(found))
    return np.stack([codes // len(scorer.mass), codes % len(scorer.mass)], axis=1)


def similarity(scorer: Scorer, a: int, b: int) -> float:
    """The comparator's similarity of items ``a`` and ``b`` (0-1), or -1.0 when they contradict
    (the test of :func:`agentmerge.align.compare_rules`)."""
    value, opposite, _shared = scorer.score(a, b)
    return -1.0 if scorer.opposed(a, b, opposite) is not None else value


# -- groups -------------------------------------------------------------------------------------------


def _stars(nodes: Sequence[_Node], scorer: Scorer, threshold: float) -> Iterator[list[tuple[int, float]]]:
    """Star clusters of the nodes: lists of (node, similarity to the centre), the centre first (1.0)."""
    links: dict[int, dict[int, float]] = defaultdict(dict)
    eligible = [n for n, signs in enumerate(scorer.signs) if len(signs) >= MIN_STEMS]
    for a, b in candidate_pairs(scorer, eligible, floor=max(RETRIEVAL_SHARE * threshold, 0.1)).tolist():
        value = similarity(scorer, a, b)
        if value >= threshold:
            links[a][b] = links[b][a] = value
    order = sorted(range(len(nodes)), key=lambda n: (-len(nodes[n].agents), -len(links.get(n, ())),
                                                     -len(scorer.signs[n]), n))
    grouped = [False] * len(nodes)
    for centre in order:
        if grouped[centre]:
            continue
        grouped[centre] = True
        star = [(centre, 1.0)]
        signs: dict[str, int] = {}  # family -> the sign the members give it (0: both)
        for member, value in sorted(links.get(centre, {}).items(), key=lambda pair: (-pair[1], pair[0])):
            if grouped[member]:
                continue
            own = scorer.signs[member]
            # only a member giving a stem the other sign may contradict one (the centre cannot: no link)
            if any(signs.get(family, sign) != sign for family, sign in own.items()) and any(
                    similarity(scorer, member, other) < 0 for other, _ in star[1:]):
                continue
            grouped[member] = True
            star.append((member, value))
            for family, sign in own.items():
                signs[family] = sign if signs.get(family, sign) == sign else 0
        yield star


def _markdown_line(rule: Rule) -> str:
    """A rule's Markdown on one line: marker and indentation removed, whitespace collapsed."""
    return " ".join(rule.source.split())[len(rule.marker):].strip()


def _wordings(node: _Node) -> list[str]:
    """The node's wordings, the most common first (ties: the longest, then the first)."""
    counts = Counter(_markdown_line(item.ref.rule) for _, item in node.members)
    return sorted(counts, key=lambda wording: (-counts[wording], -len(wording.split())))


def _shared_rule(docs: Sequence[AgentDoc], nodes: Sequence[_Node], star: Sequence[tuple[int, float]],
                 agents: int) -> SharedRule:
    members = [member for n, _ in star for member in nodes[n].members]
    wordings = list(dict.fromkeys(wording for n, _ in star for wording in _wordings(nodes[n])))
    sections = Counter(item.ref.section[-1] if item.ref.section else "" for _, item in members)
    rules = [(number, rule_at(docs[number].path, item.ref, shift)) for body, item in members
             for number, shift in zip(body.docs, body.shifts, strict=True)]
    rules.sort(key=lambda pair: (pair[0], pair[1].line))
    return SharedRule(wordings[0], sections.most_common(1)[0][0], agents, tuple(rule for _, rule in rules),
                      tuple(wordings), round(min(value for _, value in star), 3))


def shared_in(docs: Sequence[AgentDoc], aligned: Sequence[Aligned], min_agents: int,
              threshold: float = SHARED_THRESHOLD) -> list[SharedRule]:
    """The shared rules of ``docs`` (:func:`find_shared_rules`), from their :func:`align_each`."""
    nodes = _nodes(docs, aligned)
    stars: Iterable[list[tuple[int, float]]] = ([(n, 1.0)] for n in range(len(nodes)))
    if threshold <= 1:
        # IDF over every rule (a key's rules counted each); no heading context (see the module)
        items = [Item(item.doc, item.ref, item.key, frozenset()) for item in (node.members[0][1] for node in nodes)]
        stars = _stars(nodes, Scorer(items, None, [len(node.members) for node in nodes]), threshold)
    found = []
    for star in stars:
        count = len(frozenset().union(*(nodes[n].agents for n, _ in star)))
        if count >= min_agents:
            found.append(_shared_rule(docs, nodes, star, count))
    return sorted(found, key=lambda rule: (-rule.agents, rule.rules[0].path, rule.rules[0].line))


def find_shared_rules(docs: Sequence[AgentDoc], *, min_agents: int = MIN_AGENTS,
                      threshold: float = SHARED_THRESHOLD, jobs: int = 1) -> tuple[SharedRule, ...]:
    """Find equivalent rules that at least ``min_agents`` agents state, reworded ones included.

    Rules of equal comparator key (:func:`agentmerge.normalize.rule_key`: the same content stems
    with the same polarity, so markup, case, stop words, word order, abbreviations and "Never skip
    validation" / "Always validate" do not matter) are one rule. A rule of :data:`MIN_STEMS` stems
    or more joins a group by rewording when the comparator scores it at least ``threshold`` with
    the group's centre and it contradicts no member (see the module). Rules with nested rules are
    left out (their text is a heading for the nested ones).

    Args:
        docs: parsed agents; exact copies (:func:`agentmerge.grouping.body_key`) count as one agent.
        min_agents: least number of distinct agents, >= 2 (default :data:`MIN_AGENTS`).
        threshold: least comparator similarity to the group's centre, 0-1 (default
            :data:`SHARED_THRESHOLD`); above 1, rules join by equal key only.
        jobs: processes that align the files' rules (:func:`~agentmerge.dedup.rules.align_each`).

    Returns:
        Shared rules, the most widely shared first.
    """
    return tuple(shared_in(docs, align_each(docs, jobs=jobs), min_agents, threshold))
