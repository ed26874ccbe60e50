"""Repeated rules: rules one agent states more than once; and each file's rules aligned once, for them
and for the rules many agents share (:mod:`agentmerge.dedup.shared`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.align import Alignment, align_rules, rule_items
from agentmerge.grouping import body_text
from agentmerge.model import AgentDoc, RuleRef
from agentmerge.parse import split_lines
from agentmerge.render.source import render_source

#: Least score (average pairwise comparator similarity) of a group of one file's rules to count
#: as a repetition. Chosen with ``benchmarks/dedup.py --rules`` on the same-file pairs of the gold
#: sets (../shared/gold/seeds.json, benchmarks/gold/*.json): precision 0.87, recall 0.47 at 0.6,
#: against 0.75 / 0.63 at 0.5 and 0.80 / 0.28 at 0.7; --fix deletes rules, so precision first.
#: Re-measured on the six sets once an item and the items nested under it could no longer be
#: repeats: 0.88 / 0.39 at 0.6, 0.77 / 0.56 at 0.5, 0.84 / 0.30 at 0.7. Two rules of a file are
#: compared by overlap only (``strict_repeats``: containment would make a topic named in passing a
#: repeat of every rule that mentions it, "Security controls" of "Help security-engineer with
#: security controls"): on the seven sets of today 0.88 / 0.35 at 0.6 either way; on VoltAgent's
#: 130 agents the removable rules fall from 2,345 to 2,177, and a second ``--fix`` removes 86
#: more instead of 197.
RULE_THRESHOLD = 0.6


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
    """Index into ``rules`` of the one :func:`~agentmerge.dedup.edit.plan_fixes` keeps: a rule with nested rules if
    there is one, else the most specific wording (most content stems), ties the first."""
    score: float
    """Average pairwise comparator similarity, 0-1."""
    reason: str

    @property
    def removable(self) -> tuple[RuleAt, ...]:
        """The rules :func:`~agentmerge.dedup.edit.plan_fixes` removes: all but the kept one and
        those with nested rules."""
        return tuple(rule for n, rule in enumerate(self.rules) if n != self.keep and not rule.nested)


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


def align_each(docs: Sequence[AgentDoc], *, jobs: int = 1) -> list[Aligned]:
    """Align the rules of each file with themselves, once per distinct body.

    Files whose bodies are byte-identical (plugin copies that differ in ``name`` only) share one
    :func:`agentmerge.align.align_rules` run: on ../shared/corpus that is 148 of 1,281 files and
    22% of the rules, the alignment being the costliest step of :func:`agentmerge.dedup.dedup`.
    With ``jobs`` above 1 the rules are read here and aligned by that many worker processes
    (:func:`agentmerge.workers.align_in_workers`); the result is the same.
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
    if jobs > 1 and len(members) > 1:
        from agentmerge.workers import align_in_workers

        bodies = [rule_items([docs[group[0][0]]]) for group in members]
        found = align_in_workers(bodies, jobs=jobs, strict_repeats=True)
        alignments = [Alignment(items, groups, contradictions)
                      for items, (groups, contradictions) in zip(bodies, found, strict=True)]
    else:
        alignments = [align_rules([docs[group[0][0]]], strict_repeats=True) for group in members]
    return [Aligned(alignment, tuple(n for n, _ in group), tuple(lines - group[0][1] for _, lines in group))
            for alignment, group in zip(alignments, members, strict=True)]


# -- repeated rules -------------------------------------------------------------------------------


def rule_at(path: str, ref: RuleRef, shift: int = 0) -> RuleAt:
    """Where ``ref`` is in the file at ``path``: its lines plus ``shift`` (the file's frontmatter is longer)."""
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
            rules = tuple(rule_at(docs[number].path, item.ref, shift) for item in items)
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
    return tuple(repeats_in([doc], Aligned(align_rules([doc], strict_repeats=True), (0,), (0,)), threshold))
