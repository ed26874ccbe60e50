"""Similarity and alignment of rules across agent variants: the comparator.

Given the rules of N documents, :func:`align_rules` returns groups of equivalent rules and the
contradictions it found. The similarity of two rules is computed on their
:class:`~agentmerge.normalize.RuleKey` (stemmed content words, abbreviations and synonyms unified):

* ``overlap``: IDF-weighted Dice coefficient of the stems both rules share, the IDF computed over
  all rules being compared, so words most rules use count little (Salton & Buckley 1988). Stems
  are compared by derivational family (``reproduce`` / ``reproduction``, see
  :func:`~agentmerge.normalize.stem_families`), and words met only after a rule's first sentence
  weigh :data:`~agentmerge.normalize.TAIL_WEIGHT` (its lead says what the rule is);
* ``containment``: the same shared weight over the smaller rule's weight, discounted by
  :data:`CONTAINMENT_WEIGHT`, so a short rule matches the longer one that restates it; both are
  capped at :data:`SINGLE_STEM_CAP` when the rules share one stem only;
* labels: two ``**Label**:`` lead-ins that match raise the score to :data:`LABEL_WEIGHT` times
  their Dice coefficient;
* phrases: stems adjacent in a clause that both rules share ("stack traces") add
  :data:`PHRASE_BONUS` times their weighted Dice coefficient;
* context: rules under headings of one concept (Capabilities / Core Competencies, Rules /
  Constraints, ...) get :data:`SECTION_BONUS`;
* competitive linking: a pair that is each other's best match across two files counts as a
  link from :data:`MUTUAL_THRESHOLD` up.

Two rules where a clause of one forbids what a clause of the other asks for ("Always use the
ORM" / "Never use an ORM") are opposed: never aligned, and reported as a contradiction when they
are one rule stated both ways (:data:`CONTRADICTION_OVERLAP`). At least one of the two must take a
side (:func:`~agentmerge.normalize.takes_side`): "Missing input validation" in a list of issues to
flag names the check that "Input validation present" requires (benchmarks/alignment.py:
code-reviewer 0.394 -> 0.464, the other gold sets and the contradiction pairs unchanged). Grouping
(:mod:`agentmerge.cluster`) is average-link agglomerative clustering over cross-file pairs (no
chaining, unlike single link), stopped at :data:`THRESHOLD`, then a local search that moves single
rules where they add most to the same objective (mean F1 over the five gold sets 0.730 -> 0.752;
seeds 0.856 -> 0.867). Two rules of one file share a group only as repetitions: similar
in their own right (:data:`REPEAT_THRESHOLD`) and in different lists, since an author does not
repeat a rule within one list ("Expected behavior" / "Actual behavior" are siblings, not copies),
and neither nested under the other (an item and the items under it are a whole and its parts).

Work stays near-linear in the rules: equal rules are scored once, as one class, and each class
scores only the partners an inverted index retrieves for it (blocking, then scoring).

Every weight and threshold was chosen by sweeping it with benchmarks/alignment.py over five gold
sets (../shared/gold/seeds.json and the four corpus sets in benchmarks/gold/) for the best mean F1.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, NamedTuple

from agentmerge.cluster import class_numbers, cluster, pair_score
from agentmerge.model import AgentDoc, Rule, RuleRef, Span
from agentmerge.normalize import (
    RuleKey,
    directs,
    in_frame,
    rule_key,
    section_concept,
    states_stance,
    stem_families,
    takes_side,
)

# Every value below was chosen with benchmarks/alignment.py: a grid sweep for the best mean F1
# over ../shared/gold/seeds.json and benchmarks/gold/{debugger,golang-pro,python-pro,
# security-auditor}.json (second session: mean F1 0.698 -> 0.730; the grid was
# THRESHOLD 0.35-0.45 x SECTION_BONUS 0-0.1 x CONTAINMENT_WEIGHT 0.6-0.8 x REPEAT_THRESHOLD
# 0.2-0.4 x MUTUAL_THRESHOLD 0.25-0.35 x LABEL_WEIGHT 0.5-0.7; the landscape is flat within
# +-0.02 around the chosen point).

#: Average-link similarity at which two groups merge (swept 0.35-0.45: 0.35 scores mean F1
#: 0.739 but joins "Never store passwords in plain text" with "NEVER store secrets or credentials
#: in code", two different rules; 0.40 scores 0.730 with seeds precision 0.92).
THRESHOLD = 0.4
#: Discount on containment relative to symmetric overlap (swept 0.6-0.8).
CONTAINMENT_WEIGHT = 0.7
#: Word overlap of two rules that share a single stem is capped here, just under THRESHOLD: one
#: shared word is weak evidence however rare it is ("Plan the Implementation" / "scalability
#: planning"), so such a pair aligns only when corroborated (matching labels, headings of one
#: concept, or a mutual best match). Swept 0.3-0.5: 0.35-0.39 raise the seeds 0.890 -> 0.894
#: (precision 0.927 -> 0.937) and the debugger pairing (--pairs) 0.624 -> 0.630, nothing falls;
#: 0.3 lowers the seeds to 0.889; from 0.45 nothing changes.
SINGLE_STEM_CAP = 0.39
#: Least pairwise similarity of two rules of one file in one group (its own repetitions; swept
#: 0.2-0.6: 0.4 gives mean F1 0.739 against 0.722 at 0.2, which let up to five rules of one
#: file into one group on the debugger set; above 0.4 recall falls on every set).
REPEAT_THRESHOLD = 0.4
#: Least score of a mutual best match across two files that counts as a link (swept 0.25-0.35:
#: equal mean F1; at the default THRESHOLD it only matters to callers passing a higher one).
MUTUAL_THRESHOLD = 0.35
#: Rules whose bold labels match (``**Testing**:``) score at least this times the labels' Dice
#: (swept 0.5-0.7: flat).
LABEL_WEIGHT = 0.6
#: Added to the similarity of rules under headings of one concept (swept 0-0.1: 0.1 best).
SECTION_BONUS = 0.1
#: Added times the IDF-weighted Dice coefficient of the rules' phrases (stems adjacent in a
#: clause: "stack traces", "parameterized queries"), word order being evidence a bag of stems
#: loses. Swept 0-0.3: 0.05 changes nothing; 0.1 raises the seeds 0.867 -> 0.890 and python-pro
#: 0.723 -> 0.733 with the other three sets unchanged (mean 0.752 -> 0.758); 0.15-0.3 score mean
#: 0.754-0.755, trading golang-pro for debugger.
PHRASE_BONUS = 0.1
#: With the optional sentence embeddings (``--semantic``): for rules that share a stem, the
#: cosine times SEMANTIC_WEIGHT is one more measure, and groups merge at SEMANTIC_THRESHOLD
#: (swept 0.5-0.8 x 0.4-0.5 with all-MiniLM-L6-v2, benchmarks/alignment.py --semantic: mean F1
#: 0.762 against 0.758 without since the phrase bonus and the local search; seeds 0.890 -> 0.911,
#: python-pro 0.733 -> 0.773, security-auditor 0.755 -> 0.793, golang-pro 0.678 -> 0.605; grid
#: means 0.696-0.768, the best points within 0.006 of this one, which is kept). Measured again
#: over all seven gold sets after "validate that" became a check: mean 0.681 -> 0.701 (seeds
#: 0.900 -> 0.911, frontend-developer 0.504 -> 0.651, golang-pro 0.678 -> 0.600).
SEMANTIC_WEIGHT = 0.7
SEMANTIC_THRESHOLD = 0.45
#: Partners per rule that :func:`~agentmerge.pairing.align_pair` and :func:`align_rules` score:
#: those sharing the most IDF weight with it; align_rules scores at least PARTNERS_PER_DOC per
#: variant, room for one partner in each other variant and as many near misses (1, 2 and 3 score
#: alike on the five gold sets; on the corpus 2 halves the alignment time of scoring every pair
#: that shares a stem).
#: benchmarks/alignment.py --pairs and benchmarks/diff.py score alike with 10, 20 and 40 (python-pro
#: 0.571 / 0.557 / 0.557); 10 bounds a diff of two 5,000-rule files to 100,000 scored pairs.
CANDIDATES = 10
PARTNERS_PER_DOC = 2
#: Stems of a rule (its rarest) through which those partners are retrieved
#: (benchmarks/alignment.py --pairs on the seeds: 4 stems F1 0.710, 6 and more 0.718).
RETRIEVAL_STEMS = 6
#: Share of two clauses' common weight that must carry opposite signs to call a contradiction,
#: and the least part of the forbidding clause those flipped stems must cover (set on the
#: contradiction pairs of tests/data/contradictions.tsv).
CONTRADICTION_SHARE = 0.6
CONTRADICTION_COVER = 0.6
#: Two opposed rules (:meth:`Scorer.opposed`) are never aligned; they are reported as a
#: contradiction only when they are one rule stated both ways: their :meth:`Scorer.overlap` (no
#: containment, which also matches a topic named in passing) reaches CONTRADICTION_OVERLAP, or
#: CONTRADICTION_STATED_OVERLAP when both state their stance in words
#: (:func:`~agentmerge.normalize.states_stance`). Measured with benchmarks/contradictions_corpus.py
#: on ../shared/corpus (auto grouping): before this test, 230 opposed pairs across files were
#: reported, and none of the 59 read by eye was a contradiction ("Drop trait implementation" against "Trait
#: implementations with derive macros", "Code duplication" against a code-smell list's
#: "Duplicated Code: ..."); now 5 are, still look-alikes (overlap 0.27-0.72). The written
#: contradictions of tests/data/contradictions.tsv overlap 0.81-1.0 but one, "Use type hints on
#: all public functions." / "Do not use type hints." (0.59, both stated); samples/'s "Never use
#: an ORM; write SQL by hand." / "Always use an ORM for database access." overlaps 0.29 and
#: states both stances, as 2 of the 11 stated look-alikes across corpus files do (0.27, 0.38;
#: the others 0.06-0.23).
CONTRADICTION_OVERLAP = 0.6
CONTRADICTION_STATED_OVERLAP = 0.25


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
    # Variants repeat most rule texts and headings: each is normalised once.
    keys: dict[str, RuleKey] = {}
    concepts: dict[str, str] = {}
    for number, doc in enumerate(docs):
        for ref in doc.rules():
            titles = (ref.section[-1] if ref.section else "", ref.list_title or "")
            # a parent item that only heads its children frames them as a title does ("Avoid:")
            parent = ref.parent.full_text if ref.parent is not None and _is_title(ref.parent) else ""
            text = in_frame(ref.rule.full_text, (parent, titles[1], titles[0]))
            key = keys[text] if text in keys else keys.setdefault(text, rule_key(text))
            if key.terms:
                found = [concepts[t] if t in concepts else concepts.setdefault(t, section_concept(t)) for t in titles]
                items.append(Item(number, ref, key, frozenset(c for c in found if c)))
    return tuple(items)


class Scorer:
    """Pairwise rule similarity with IDF weights computed over one set of items.

    Stems are compared by derivational family (:func:`~agentmerge.normalize.stem_families` over
    the stems of ``items``), so "reproduce" meets "reproduction".
    """

    def __init__(self, items: Sequence[Item], vectors: Any = None, counts: Sequence[int] | None = None) -> None:
        """Args: items to compare; vectors: optional unit-length sentence embeddings, one row per
        item; counts: how many rules each item stands for (its copies), for the IDF (default 1 each)."""
        self.family = stem_families(stem for item in items for stem in item.key.stems)
        self.signs = [self._signed(item.key.terms) for item in items]
        counts = counts or [1] * len(items)
        frequency: dict[str, int] = defaultdict(int)
        for signs, count in zip(self.signs, counts, strict=True):
            for stem in signs:
                frequency[stem] += count
        total = sum(counts)
        self.weight = {stem: math.log((total + 1) / (count + 1)) + 1.0 for stem, count in frequency.items()}
        self.emphasis = [self._emphasis(item.key) for item in items]
        self.mass = [math.fsum(self.weight[stem] * focus[stem] for stem in focus) for focus in self.emphasis]
        self.clauses = [[self._signed(clause) for clause in item.key.clauses] for item in items]
        self.items = items
        self.phrases = [frozenset((self.family.get(x, x), self.family.get(y, y)) for x, y in item.key.phrases)
                        for item in items]
        self.titles = [_is_title(item.ref.rule) for item in items]
        self.vectors = vectors
        self.labels = [
            frozenset(self._signed(rule_key(item.ref.rule.label).terms)) if item.ref.rule.label else frozenset()
            for item in items
        ]

    def _emphasis(self, key: RuleKey) -> dict[str, float]:
        """{family: emphasis} of one rule (1.0 for every stem when the key carries none)."""
        out: dict[str, float] = {}
        for stem, value in key.emphasis or tuple((stem, 1.0) for stem, _ in key.terms):
            family = self.family.get(stem, stem)
            out[family] = max(out.get(family, 0.0), value)
        return out

    def _signed(self, terms: Sequence[tuple[str, int]]) -> dict[str, int]:
        """(stem, sign) pairs -> {family: sign}, the first sign of a family winning."""
        out: dict[str, int] = {}
        for stem, sign in terms:
            out.setdefault(self.family.get(stem, stem), sign)
        return out

    def score(self, a: int, b: int, *, symmetric: bool = False) -> tuple[float, float, list[str]]:
        """Return (similarity, opposite share, shared stems) of items ``a`` and ``b``.

        The similarity is 0-1; the opposite share is the part of the shared weight whose signs
        differ (0 when they share nothing). ``symmetric`` compares by overlap only, without
        containment (see :func:`scored_pairs`' ``strict_repeats``).
        """
        left, right = self.signs[a], self.signs[b]
        focus_a, focus_b = self.emphasis[a], self.emphasis[b]
        same = opposite = covered_a = covered_b = 0.0
        shared = []
        for stem, sign in left.items():
            other = right.get(stem)
            if other is None:
                continue
            shared.append(stem)
            weight = self.weight[stem]
            if other == sign:
                same += weight
            else:
                opposite += weight
            covered_a += weight * focus_a[stem]
            covered_b += weight * focus_b[stem]
        similarity = 0.0
        if shared:
            mass_a, mass_b = self.mass[a], self.mass[b]
            # signs matter for contradictions, not for similarity
            overlap = (covered_a + covered_b) / (mass_a + mass_b)
            containment = covered_a / mass_a if mass_a <= mass_b else covered_b / mass_b
            # a list title ("3. **Plan the Implementation**:") is short by nature and its words are
            # its children's topic, so containment in a longer rule says little (benchmarks/diff.py:
            # seed pairs F1 0.887 -> 0.891; the five gold sets of alignment.py unchanged)
            if symmetric or self.titles[a] or self.titles[b]:
                similarity = overlap
            else:
                similarity = max(overlap, CONTAINMENT_WEIGHT * containment)
        if len(shared) == 1:
            similarity = min(similarity, SINGLE_STEM_CAP)
        labels = self.labels[a] and self.labels[b] and _dice(self.labels[a], self.labels[b], self.weight)
        if labels:
            similarity = max(similarity, LABEL_WEIGHT * labels)
        if similarity > 0 and self.phrases[a] and self.phrases[b]:
            similarity = min(1.0, similarity + PHRASE_BONUS * self._phrase_dice(a, b))
        if similarity > 0 and self.items[a].context & self.items[b].context:
            similarity = min(1.0, similarity + SECTION_BONUS)
        if self.vectors is not None and shared:
            similarity = max(similarity, SEMANTIC_WEIGHT * float(self.vectors[a] @ self.vectors[b]))
        share = opposite / (same + opposite) if shared else 0.0
        return similarity, share, sorted(shared)

    def _phrase_dice(self, a: int, b: int) -> float:
        """IDF-weighted Dice coefficient of the two rules' phrases (a phrase weighs its two stems)."""
        common = self.phrases[a] & self.phrases[b]
        if not common:
            return 0.0

        def mass(phrases: frozenset[tuple[str, str]]) -> float:
            return math.fsum(self.weight.get(x, 1.0) + self.weight.get(y, 1.0) for x, y in phrases)

        return 2 * mass(common) / (mass(self.phrases[a]) + mass(self.phrases[b]))

    def contradiction(self, a: int, b: int) -> tuple[float, list[str]] | None:
        """Return (cover, flipped stems) when a clause of ``a`` and one of ``b`` say opposite things.

        The caller first checks that most of the weight the two rules share flips sign (a rule
        that agrees on "sensitive data" is not contradicted by its own "(no sensitive data)").
        Two clauses contradict when at least :data:`CONTRADICTION_SHARE` of the weight of their
        common stems carries opposite signs and those flipped stems cover at least
        :data:`CONTRADICTION_COVER` of the clause that forbids them: "Never use an ORM" is all
        flipped against "Always use an ORM for database access", while "Never log secrets"
        forbids more than "Appropriate logging" allows. Two rules that each reject an alternative
        (:attr:`~agentmerge.normalize.RuleKey.alternative`) contradict when a clause of one
        trades the alternatives of the other, whatever else the clauses share ("Use npm instead
        of pnpm to install packages" / "Use pnpm instead of npm to install packages").
        """
        best: tuple[float, list[str]] | None = None
        alternatives = self.items[a].key.alternative and self.items[b].key.alternative
        for signs in self.clauses[a]:
            for right in self.clauses[b]:
                common = [(stem, signs[stem] != sign) for stem, sign in right.items() if stem in signs]
                if not common:
                    continue
                flipped = [stem for stem, differs in common if differs]
                opposite = math.fsum(self.weight[stem] for stem in flipped)
                shared = math.fsum(self.weight[stem] for stem, _ in common)
                negative_left = math.fsum(self.weight[stem] * -signs[stem] for stem in flipped) > 0
                cover = opposite / self._mass(signs if negative_left else right)
                swap = alternatives and len({signs[stem] for stem in flipped}) == 2
                strong = swap or (opposite >= CONTRADICTION_SHARE * shared and cover >= CONTRADICTION_COVER)
                if strong and (best is None or cover > best[0]):
                    best = (round(min(cover, 1.0), 3), sorted(flipped))
        return best

    def opposed(self, a: int, b: int, opposite: float) -> tuple[float, list[str]] | None:
        """:meth:`contradiction` of ``a`` and ``b``, tried only when ``opposite`` (the flipped share
        :meth:`score` returned) reaches :data:`CONTRADICTION_SHARE` or the two swap alternatives,
        and one of them takes a side (:func:`~agentmerge.normalize.takes_side`)."""
        if opposite >= CONTRADICTION_SHARE or (opposite > 0 and self.swapped(a, b)):
            if not (takes_side(self.items[a].key.plain) or takes_side(self.items[b].key.plain)):
                return None
            return self.contradiction(a, b)
        return None

    def overlap(self, a: int, b: int) -> float:
        """IDF-weighted Dice coefficient of the stems of ``a`` and ``b``, signs aside (0-1): the
        ``overlap`` of :meth:`score`, with no containment, cap or bonus."""
        left, right = self.signs[a], self.signs[b]
        focus_a, focus_b = self.emphasis[a], self.emphasis[b]
        covered = math.fsum(self.weight[stem] * (focus_a[stem] + focus_b[stem]) for stem in left if stem in right)
        return covered / (self.mass[a] + self.mass[b]) if covered else 0.0

    def contradicts(self, a: int, b: int) -> bool:
        """Whether two opposed rules (:meth:`opposed`) are a contradiction, not a look-alike.

        Both must direct the reader (:func:`~agentmerge.normalize.directs`: a stance, a privative
        instruction or the imperative mood), since a topic or a search ("Duplication detection",
        "Check for hardcoded secrets") contradicts no rule. On ../shared/corpus
        (benchmarks/contradictions_corpus.py) this takes the reports across files from 5 to 4 and
        within files from 90 to 65, all 26 gone read by eye as look-alikes, with
        tests/data/contradictions.tsv unchanged (every contradiction there is two directives);
        consolidating the corpus reports 1 contradiction instead of 3, and no longer leaves out
        "No Duplicated Code (DRY Principle)" of the code reviewers. Then they must restate each other
        (:meth:`overlap` at least :data:`CONTRADICTION_OVERLAP`), or each state its stance in
        words (:func:`~agentmerge.normalize.states_stance`: "Never use an ORM; write SQL by hand"
        against "Always use an ORM for database access")."""
        overlap = self.overlap(a, b)
        restated = overlap >= CONTRADICTION_OVERLAP or (overlap >= CONTRADICTION_STATED_OVERLAP and all(
            states_stance(self.items[n].ref.rule.full_text) for n in (a, b)))
        return restated and all(directs(self.items[n].key.plain) for n in (a, b))

    def swapped(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` trade places between what they ask for and what they reject.

        "Use npm, not pnpm, to install packages" against "Use pnpm, not npm, to install packages":
        one stem is wanted by ``a`` and rejected by ``b``, another the reverse, so the rule-level
        share of flipped weight (half, here) does not decide; the clause test still must pass.
        """
        left, right = self.signs[a], self.signs[b]
        flips = {left[stem] for stem in left if stem in right and right[stem] != left[stem]}
        return flips == {1, -1}

    def _mass(self, clause: dict[str, int]) -> float:
        return math.fsum(self.weight[stem] for stem in clause)


def _is_title(rule: Rule) -> bool:
    """Whether ``rule`` only heads its nested items: a bare label, or text ending in a colon."""
    return bool(rule.children) and (not rule.text.strip() or rule.full_text.rstrip().endswith(":"))


def _dice(left: frozenset[str], right: frozenset[str], weight: dict[str, float]) -> float:
    """IDF-weighted Dice coefficient of two stem sets (stems unseen in ``weight`` count 1)."""
    total = math.fsum(weight.get(s, 1.0) for s in left) + math.fsum(weight.get(s, 1.0) for s in right)
    return 2 * math.fsum(weight.get(s, 1.0) for s in left & right) / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Comparison:
    """The answer to "do these two rules say the same thing?"."""

    similarity: float
    """0-1, as used for alignment (before competitive linking)."""
    contradiction: bool
    """The rules are opposed and one rule stated both ways (:meth:`Scorer.contradicts`)."""
    reason: str
    """The shared stems, or the stems whose polarity flips."""
    opposed: bool = False
    """The rules take opposite stances on what they share: never aligned, whether or not they
    are a contradiction."""


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
    found = scorer.opposed(0, 1, opposite)
    if found is not None:
        reason = "opposite polarity on " + ", ".join(found[1])
        if scorer.contradicts(0, 1):
            return Comparison(round(similarity, 3), True, reason, opposed=True)
        if not (directs(a) and directs(b)):
            return Comparison(round(similarity, 3), False, reason + " (one names a topic or a search and directs "
                              "nothing: kept apart, not a contradiction)", opposed=True)
        return Comparison(round(similarity, 3), False, reason + " (the rules differ beyond it: kept apart, "
                          "not a contradiction)", opposed=True)
    return Comparison(round(similarity, 3), False, "shared stems: " + ", ".join(shared) if shared else "nothing shared")


def _bare_rule(text: str) -> Rule:
    return Rule(source=text, text=text, label=None, marker="-", ordinal=1, span=Span(1, 1))


def align_rules(docs: Sequence[AgentDoc], *, threshold: float | None = None, embed: Embed | None = None,
                strict_repeats: bool = False) -> Alignment:
    """Group equivalent rules across ``docs`` and report contradictions.

    Args:
        docs: the variants to align, in a fixed order (the result depends only on that order).
        threshold: average-link similarity at which groups merge (0-1); default
            :data:`THRESHOLD`, or :data:`SEMANTIC_THRESHOLD` with ``embed``.
        embed: optional sentence embedder (texts -> unit vectors, one row each), such as
            :func:`agentmerge.semantic.load_embedder` returns; its cosine, times
            :data:`SEMANTIC_WEIGHT`, is one more similarity measure.
        strict_repeats: compare two rules of one document by overlap only (see
            :func:`scored_pairs`), as ``agentmerge dedup`` does before it deletes repeats.

    Returns:
        An :class:`Alignment`. Each group holds at most one rule per document, except rules a
        document repeats (pairwise similarity >= :data:`REPEAT_THRESHOLD`).
    """
    return align_items(rule_items(docs), documents=len(docs), threshold=threshold, embed=embed,
                       strict_repeats=strict_repeats)


def align_items(items: tuple[Item, ...], *, documents: int, threshold: float | None = None, embed: Embed | None = None,
                strict_repeats: bool = False) -> Alignment:
    """:func:`align_rules` of the rules :func:`rule_items` gave for ``documents`` documents
    (``agentmerge dedup`` computes them in one process and aligns them in several)."""
    scored = score_items(items, documents=documents, threshold=threshold, embed=embed, strict_repeats=strict_repeats)
    copies = scored.copies
    groups = cluster_items(items, copies, scored.pairs, scored.threshold)
    contradictions = tuple(replace(c, a=copies[c.a][0], b=copies[c.b][0]) for c in scored.contradictions)
    return Alignment(items, groups, contradictions)


class Scored(NamedTuple):
    """The scoring half of :func:`align_items`: copy classes, their scorer and scored pairs."""

    copies: list[list[int]]
    """Indexes of the items by copy class (:func:`_copies`); class ``c`` is scored through its first item."""
    scorer: Scorer
    """Over the first item of each class."""
    pairs: dict[tuple[int, int], float]
    """(class, class) -> similarity, -1 for opposed pairs (:func:`scored_pairs`)."""
    contradictions: tuple[Contradiction, ...]
    """Indexing classes, not items."""
    threshold: float
    """The group threshold used (:data:`THRESHOLD`, or :data:`SEMANTIC_THRESHOLD` with embeddings)."""


def score_items(items: Sequence[Item], *, documents: int, threshold: float | None = None,
                embed: Embed | None = None, strict_repeats: bool = False) -> Scored:
    """Score the rules of ``documents`` documents as :func:`align_items` does before it groups
    them (also used by benchmarks/contradictions_corpus.py); arguments as :func:`align_rules`."""
    copies = _copies(items)
    firsts = [items[members[0]] for members in copies]
    vectors = embed([item.ref.rule.full_text for item in firsts]) if embed is not None and firsts else None
    if threshold is None:
        threshold = THRESHOLD if vectors is None else SEMANTIC_THRESHOLD
    scorer = Scorer(firsts, vectors, [len(members) for members in copies])
    pairs, found = scored_pairs(firsts, scorer, threshold, only=range(len(firsts)),
                                partners=max(CANDIDATES, PARTNERS_PER_DOC * documents), strict_repeats=strict_repeats)
    return Scored(copies, scorer, pairs, found, threshold)


def _copies(items: Sequence[Item]) -> list[list[int]]:
    """Indexes of ``items`` by copy class, in order of first appearance: rules of the same text
    (whitespace aside), label and key (one text under "Don'ts" and under "Rules" has opposite
    signs, see :func:`~agentmerge.normalize.in_frame`) score alike against every other rule, so
    each class is scored once, through its first member (whose heading context stands for all:
    keying classes by context too scores the same on the five gold sets, and lets a file that
    repeats one rule under a thousand headings cost a thousand classes). Copies are common (a quarter of the
    corpus's rules within a role repeat a rule of another variant word for word), and a
    collection replicated with small edits adds mostly copies: this keeps alignment near-linear
    in them."""
    classes: dict[tuple[str, str | None, tuple[tuple[str, int], ...]], list[int]] = {}
    for number, item in enumerate(items):
        rule = item.ref.rule
        # the key's signs too: one text under "Don'ts" and under "Rules" says opposite things
        classes.setdefault((" ".join(rule.full_text.split()), rule.label, item.key.terms), []).append(number)
    return list(classes.values())


def scored_pairs(
    items: Sequence[Item], scorer: Scorer, threshold: float, *, only: Iterable[int], partners: int = CANDIDATES,
    strict_repeats: bool = False,
) -> tuple[dict[tuple[int, int], float], tuple[Contradiction, ...]]:
    """Similarity of each rule of ``only`` with its ``partners`` most likely partners.

    Blocking by retrieval, then scoring: a rule's candidates are the rules with the most IDF
    weight shared through its :data:`RETRIEVAL_STEMS` rarest stems (an inverted index); pairs
    outside a rule's top list score too low to be chosen. On the five gold sets, scoring every
    pair that shares a stem instead gives the same F1 within one pair per set
    (benchmarks/alignment.py) at twice the time on the corpus. Rules of one list are never
    candidates of each other: they cannot share a group (see :func:`agentmerge.cluster.cluster`),
    so a list that repeats one rule a thousand times costs nothing.

    Args:
        items: the rules (or the first rule of each copy class) that ``scorer`` was built over.
        scorer: a :class:`Scorer` over ``items``.
        threshold: the group threshold, to which mutual best matches from
            :data:`MUTUAL_THRESHOLD` are raised (:func:`_link_mutual_best`).
        only: indexes of the rules whose partners are retrieved.
        partners: candidates kept per rule.
        strict_repeats: score two rules of one document by their overlap only, so a short rule
            whose words a longer one of its file contains ("Identify middleware requirements" in
            "Analyze the Request: Understand the ... requirements") is no repeat of it. For a
            two-file pairing (:func:`agentmerge.pairing.align_pair`), where a false repeat takes
            a rule out of the assignment: benchmarks/alignment.py --pairs, seeds F1 0.720 ->
            0.727, golang-pro 0.513 -> 0.525, the four other sets unchanged; benchmarks/diff.py
            0.897 -> 0.901. Not for N documents, where a file's looser repeats hold its group
            together (code-reviewer 0.394 -> 0.344, golang-pro 0.678 -> 0.643).

    Returns:
        ``({(a, b): similarity}, contradictions)`` with ``a < b`` indexing ``items``; a
        contradicting pair scores -1 and is listed among the contradictions.
    """
    lists = [(item.doc, _list_of(item)) for item in items]
    index: dict[str, dict[tuple[int, tuple[tuple[str, ...], str | None, int]], list[int]]] = defaultdict(
        lambda: defaultdict(list))
    for number, signs in enumerate(scorer.signs):
        for stem in signs:
            index[stem][lists[number]].append(number)
    frequency = {stem: sum(map(len, buckets.values())) for stem, buckets in index.items()}
    candidates: set[tuple[int, int]] = set()
    for a in sorted(only):
        overlap: dict[int, float] = defaultdict(float)
        for stem in sorted(scorer.signs[a], key=lambda s: (frequency[s], s))[:RETRIEVAL_STEMS]:
            weight = scorer.weight[stem]
            for bucket, members in index[stem].items():
                if bucket != lists[a]:
                    for b in members:
                        overlap[b] += weight
        best = heapq.nlargest(partners, overlap, key=overlap.__getitem__)
        candidates.update((min(a, b), max(a, b)) for b in best)
    # a rule and the rules nested under it are a whole and its parts, never restatements
    # ("4. **Implement with Best Practices**:" over "- Follow ... GraphQL best practices")
    number_of = {id(item.ref.rule): n for n, item in enumerate(items)}
    nested = {(min(n, m), max(n, m)) for n, item in enumerate(items) if item.ref.rule.children
              for below in item.ref.rule.walk() if (m := number_of.get(id(below), n)) != n}
    pairs: dict[tuple[int, int], float] = {}
    contradictions = []
    for a, b in sorted(candidates - nested):
        similarity, opposite, _shared = scorer.score(a, b, symmetric=strict_repeats and items[a].doc == items[b].doc)
        found = scorer.opposed(a, b, opposite)
        if found is not None:
            pairs[(a, b)] = -1.0  # opposed: never aligned, and reported only as one rule both ways
            if scorer.contradicts(a, b):
                cover, flipped = found
                contradictions.append(Contradiction(a, b, cover, "opposite polarity on " + ", ".join(flipped)))
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


def cluster_items(
    items: Sequence[Item], copies: Sequence[Sequence[int]], pairs: dict[tuple[int, int], float], threshold: float,
    *, refine: bool = True,
) -> tuple[Group, ...]:
    """Group ``items`` by :func:`agentmerge.cluster.cluster` (average link over cross-file pairs,
    then, with ``refine``, local search), rules of one list apart and a file's own repeats joining
    only from :data:`REPEAT_THRESHOLD`.

    Args:
        items: every rule aligned.
        copies: a partition of ``items`` (indexes) into classes of equal rules.
        pairs: class-pair similarities as :func:`scored_pairs` returns them (over the classes).
        threshold: least mean cross-file similarity of a group (0-1).
        refine: run the local search (see :mod:`agentmerge.cluster`).

    Returns:
        Groups covering every item once, each with its mean pairwise similarity and the stems
        its members share, ordered by first member.
    """
    class_of = class_numbers(copies, len(items))
    found = cluster([item.doc for item in items], [_list_of(item) for item in items], copies, pairs, threshold,
                    repeat=REPEAT_THRESHOLD, refine=refine)
    return tuple(_group(items, class_of, partial(pair_score, pairs), members) for members in found)


def _list_of(item: Item) -> tuple[tuple[str, ...], str | None, int]:
    """The list a rule sits in: section path, list title and parent rule (its first line, or 0)."""
    parent = item.ref.parent
    return item.ref.section, item.ref.list_title, parent.span.start if parent is not None else 0


def _group(
    items: Sequence[Item], class_of: Sequence[int], similarity: Callable[[int, int], float], chosen: tuple[int, ...]
) -> Group:
    if len(chosen) == 1:
        return Group(chosen, 1.0, "single rule")
    counts = Counter(class_of[n] for n in chosen)
    classes = sorted(counts)
    summed = math.fsum(counts[c] * (counts[c] - 1) / 2 for c in classes) + math.fsum(
        counts[c] * counts[d] * similarity(c, d) for position, c in enumerate(classes) for d in classes[position + 1 :])
    common = set.intersection(*(set(items[n].key.stems) for n in chosen))
    reason = "shared stems: " + ", ".join(sorted(common)) if common else "similar wording"
    return Group(chosen, round(summed / (len(chosen) * (len(chosen) - 1) / 2), 3), reason)
