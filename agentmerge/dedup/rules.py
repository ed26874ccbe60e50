"""Duplicate rules: rules one agent states more than once, and rules many agents share."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.align import Alignment, Item, align_rules
from agentmerge.grouping import body_key, body_text
from agentmerge.model import AgentDoc, Rule, RuleRef
from agentmerge.parse import split_lines
from agentmerge.render.source import render_source

#: Least score (average pairwise comparator similarity) of a group of one file's rules to count
#: as a repetition. Chosen with ``benchmarks/dedup.py --rules`` on the same-file pairs of the five
#: gold sets (../shared/gold/seeds.json, benchmarks/gold/*.json): precision 0.87, recall 0.47 at
#: 0.6, against 0.75 / 0.63 at 0.5 and 0.80 / 0.28 at 0.7; --fix deletes rules, so precision first.
RULE_THRESHOLD = 0.6
#: Default number of agents a rule must recur in to be reported as shared (issue 6).
MIN_AGENTS = 3


@dataclass(frozen=True, slots=True)
class RuleAt:
    """A rule and where it is: 1-based inclusive lines of its file, nested items included."""

    path: str
    line: int
    end_line: int
    text: str
    """Plain text with its label (:attr:`agentmerge.model.Rule.full_text`)."""
    section: str
    """Heading path, ``" > "``-joined (``""`` before the first heading)."""
    nested: bool
    """Whether the rule has nested rules (it is then never removed)."""


@dataclass(frozen=True, slots=True)
class RepeatedRules:
    """Rules of one file that say the same thing."""

    path: str
    rules: tuple[RuleAt, ...]
    """In source order."""
    keep: int
    """Index into ``rules`` of the one :func:`fix_repeats` keeps: a rule with nested rules if
    there is one, else the most specific wording (most content stems), ties the first."""
    score: float
    """Average pairwise comparator similarity, 0-1."""
    reason: str

    @property
    def removable(self) -> tuple[RuleAt, ...]:
        """The rules :func:`fix_repeats` removes: all but the kept one and those with nested rules."""
        return tuple(rule for n, rule in enumerate(self.rules) if n != self.keep and not rule.nested)


@dataclass(frozen=True, slots=True)
class SharedRule:
    """One rule that several agents state alike."""

    text: str
    """The wording a shared file keeps, as Markdown on one line: the one most occurrences use,
    ties the longest, then the first."""
    section: str
    """The heading the wording sits under most often (``""``: none)."""
    agents: int
    """Distinct agents stating it; exact copies count once."""
    rules: tuple[RuleAt, ...]
    """Every occurrence, in input order."""


# -- aligning each file once ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Aligned:
    """The rules of one body aligned among themselves, for every file that has that body."""

    alignment: Alignment
    """:func:`agentmerge.align.align_rules` on the first of ``docs`` alone."""
    docs: tuple[int, ...]
    """Indexes of the files whose body is byte-identical, in input order."""
    shifts: tuple[int, ...]
    """Per file of ``docs``: lines to add to the alignment's lines (frontmatters differ in length)."""


def align_each(docs: Sequence[AgentDoc]) -> list[Aligned]:
    """Align the rules of each file with themselves, once per distinct body.

    Files whose bodies are byte-identical (plugin copies that differ in ``name`` only) share one
    :func:`agentmerge.align.align_rules` run: on ../shared/corpus that is 148 of 1,281 files and
    22% of the rules, the alignment being the costliest step of :func:`agentmerge.dedup.dedup`.
    """
    first: dict[str, int] = {}
    members: list[list[tuple[int, int]]] = []
    for number, doc in enumerate(docs):
        body = body_text(doc)
        lines = len(split_lines(render_source(doc))) - len(split_lines(body))
        slot = first.setdefault(body, len(members))
        if slot == len(members):
            members.append([])
        members[slot].append((number, lines))
    return [Aligned(align_rules([docs[group[0][0]]]), tuple(n for n, _ in group),
                    tuple(lines - group[0][1] for _, lines in group)) for group in members]


# -- repeated rules -------------------------------------------------------------------------------


def _rule_at(path: str, ref: RuleRef, shift: int = 0) -> RuleAt:
    rule = ref.rule
    return RuleAt(path, rule.span.start + shift, rule.span.end + shift, rule.full_text, " > ".join(ref.section),
                  bool(rule.children))


def repeats_in(docs: Sequence[AgentDoc], aligned: Aligned, threshold: float) -> list[RepeatedRules]:
    """The repeated rules of every file of ``aligned`` (indexes into ``docs``), file by file."""
    found = []
    alignment = aligned.alignment
    for number, shift in zip(aligned.docs, aligned.shifts, strict=True):
        for group in alignment.groups:
            if len(group.members) < 2 or group.score < threshold:
                continue
            items = [alignment.items[m] for m in group.members]
            nested = [n for n, item in enumerate(items) if item.ref.rule.children]
            keep = nested[0] if nested else max(range(len(items)), key=lambda n: (len(items[n].key.terms), -n))
            rules = tuple(_rule_at(docs[number].path, item.ref, shift) for item in items)
            found.append(RepeatedRules(docs[number].path, rules, keep, group.score, group.reason))
    return found


def find_repeated_rules(doc: AgentDoc, *, threshold: float = RULE_THRESHOLD) -> tuple[RepeatedRules, ...]:
    """Find the rules ``doc`` states more than once.

    Args:
        doc: one parsed agent.
        threshold: least group score (average pairwise similarity, 0-1); default :data:`RULE_THRESHOLD`.

    Returns:
        The groups of :func:`agentmerge.align.align_rules` on ``doc`` alone holding two or more
        rules, in source order of their first rule.
    """
    return tuple(repeats_in([doc], Aligned(align_rules([doc]), (0,), (0,)), threshold))


def _markdown_line(rule: Rule) -> str:
    """A rule's Markdown on one line: marker and indentation removed, whitespace collapsed."""
    return " ".join(rule.source.split())[len(rule.marker):].strip()


def shared_in(docs: Sequence[AgentDoc], aligned: Sequence[Aligned], min_agents: int) -> list[SharedRule]:
    """The shared rules of ``docs`` (:func:`find_shared_rules`), from their :func:`align_each`."""
    # every rule without nested rules of each distinct body (byte-identical copies once), binned by key
    bins: dict[tuple[tuple[str, int], ...], list[tuple[Aligned, Item]]] = defaultdict(list)
    agent: dict[int, str] = {}  # id of an Aligned -> the agent it counts as: exact copies count once
    for body in aligned:
        agent[id(body)] = body_key(docs[body.docs[0]]) or docs[body.docs[0]].path
        for item in body.alignment.items:
            if not item.ref.rule.children:
                bins[item.key.terms].append((body, item))
    found = []
    for members in bins.values():
        count = len({agent[id(body)] for body, _ in members})
        if count >= min_agents:
            found.append(_shared_rule(docs, members, count))
    return sorted(found, key=lambda rule: (-rule.agents, rule.rules[0].path, rule.rules[0].line))


def _shared_rule(docs: Sequence[AgentDoc], members: Sequence[tuple[Aligned, Item]], count: int) -> SharedRule:
    wordings = Counter(_markdown_line(item.ref.rule) for _, item in members)
    text = max(wordings, key=lambda wording: (wordings[wording], len(wording.split())))
    sections = Counter(item.ref.section[-1] if item.ref.section else "" for _, item in members)
    rules = [(number, _rule_at(docs[number].path, item.ref, shift)) for body, item in members
             for number, shift in zip(body.docs, body.shifts, strict=True)]
    rules.sort(key=lambda pair: (pair[0], pair[1].line))
    return SharedRule(text, sections.most_common(1)[0][0], count, tuple(rule for _, rule in rules))


def find_shared_rules(docs: Sequence[AgentDoc], *, min_agents: int = MIN_AGENTS) -> tuple[SharedRule, ...]:
    """Find equivalent rules that at least ``min_agents`` agents state.

    Rules are equivalent when their comparator keys are equal (:func:`agentmerge.normalize.rule_key`:
    the same content stems with the same polarity, so markup, case, stop words, word order,
    abbreviations and "Never skip validation" / "Always validate" do not matter); the comparator
    scores such a pair 1.0. Rules with nested rules are left out (their text is a heading for
    the nested ones). Reworded rules that share fewer stems are not joined: that needs a
    candidate index over rule keys (the MinHash/LSH index of consolidate's role grouping was not
    available when this was written).

    Args:
        docs: parsed agents; exact copies (:func:`agentmerge.grouping.body_key`) count as one agent.
        min_agents: least number of distinct agents, >= 2 (default :data:`MIN_AGENTS`).

    Returns:
        Shared rules, the most widely shared first.
    """
    return tuple(shared_in(docs, align_each(docs), min_agents))
