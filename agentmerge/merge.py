"""Aligned variants -> one canonical agent and a report of every choice and conflict.

The policies, each deterministic (inputs are ordered by path first, so any input order gives
byte-identical output):

* **Base variant**: the ``--prefer`` file, else the one with the most rules (ties: the first
  path). It supplies the frontmatter layout and the preamble, and breaks the last ties.
* **Frontmatter**: one policy per key, see :mod:`agentmerge.policies`.
* **Body**: sections in consensus order, one rule per aligned group worded by the documented
  choice, see :mod:`agentmerge.layout`. ``--min-support K`` keeps the groups found in at least
  K variants (default 1: the union).
* **Contradictions** (:func:`agentmerge.align.align_rules` finds them): across files, the side
  more variants support is kept and the other left out; on equal support the ``--prefer``
  file's side is kept; otherwise both stay and the report says so. A contradiction is a
  conflict (exit status 1), like a frontmatter tie. Variants disagree only when one file states
  a side without the other and another file the other side without the first; two opposed
  rules of which every file stating one also states the other (one file's own, most often)
  are not reported. On ../shared/corpus (auto grouping) that left 3 of the 102 contradictions
  found before; none of the 28 left out that were read by eye was real, most set a checklist
  against a list of defects ("[ ] No merge conflicts" / "Check for merge conflicts and resolve").
  Since a topic or a search contradicts nothing (:meth:`agentmerge.align.Scorer.contradicts`),
  1 is left, and no rule is dropped for a topic of another variant.

A single file consolidates to itself, and consolidating the canonical agent with a copy of
itself gives it back unchanged (tests/test_merge.py checks both on real files).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from agentmerge.align import Alignment, Embed, align_rules
from agentmerge.layout import BodyPlan, compose
from agentmerge.model import AgentDoc
from agentmerge.policies import ToolsPolicy, choose_fields, render_frontmatter
from agentmerge.render.source import render_source
from agentmerge.report import (
    ConflictKind,
    Contradiction,
    Duplicate,
    FieldChoice,
    Member,
    MergeResult,
    MissingSection,
    RuleGroup,
    Source,
)

__all__ = [
    "ConflictKind", "Contradiction", "Duplicate", "FieldChoice", "Member", "MergeOptions", "MergeResult",
    "MissingSection", "RuleGroup", "Source", "ToolsPolicy", "consolidate", "merge_agents",
]


@dataclass(frozen=True, slots=True)
class MergeOptions:
    """The policy options of ``agentmerge consolidate``."""

    name: str | None = None
    """``--name``: the canonical agent's name instead of the most common one."""
    tools: ToolsPolicy = ToolsPolicy.UNION
    """``--tools``: how the variants' tool lists combine."""
    prefer: str | None = None
    """``--prefer``: path (as in ``AgentDoc.path``) of the variant that wins every tie and
    supplies the wording; ignored for roles it is not a member of."""
    min_support: int = 1
    """``--min-support``: keep rules found in at least this many variants (1: the union)."""
    provenance: bool = False
    """``--provenance``: write ``<!-- from: a.md:12, b.md:40 -->`` after each rule."""
    threshold: float | None = None
    """Alignment threshold, default :data:`agentmerge.align.THRESHOLD`."""

    def __post_init__(self) -> None:
        if self.min_support < 1:
            raise ValueError(f"min_support must be at least 1, not {self.min_support}")


def merge_agents(
    docs: Sequence[AgentDoc], *, options: MergeOptions | None = None, embed: Embed | None = None,
    joined: Mapping[str, str] | None = None,
) -> MergeResult:
    """Consolidate the variants of one role into one canonical agent and its report.

    Args:
        docs: at least one parsed variant; their order does not matter.
        options: the policy options (defaults: the issue's defaults).
        embed: optional sentence embedder passed to :func:`agentmerge.align.align_rules`.
        joined: path -> how that file joined the role, for the report (from the grouping).

    Raises:
        ValueError: ``docs`` is empty.
    """
    if not docs:
        raise ValueError("merge_agents needs at least one document")
    options = options or MergeOptions()
    docs = sorted(docs, key=lambda doc: doc.path)
    prefer = next((n for n, doc in enumerate(docs) if doc.path == options.prefer), None)
    alignment = align_rules(docs, threshold=options.threshold, embed=embed)
    counts = Counter(item.doc for item in alignment.items)
    base = prefer if prefer is not None else min(range(len(docs)), key=lambda n: (-counts[n], n))
    fields = choose_fields(docs, base=base, prefer=prefer, name=options.name, tools=options.tools)
    support = [len({alignment.items[m].doc for m in group.members}) for group in alignment.groups]
    dropped = {g: f"found in {count} variant(s), fewer than --min-support {options.min_support}"
               for g, count in enumerate(support) if count < options.min_support}
    contradictions = _contradictions(docs, alignment, support, prefer, dropped)
    newline = _newline(docs[base])
    kept = tuple(g not in dropped for g in range(len(alignment.groups)))
    name = str(next(f.value for f in fields if f.key == "name"))
    plan = BodyPlan(base, prefer, kept, options.min_support, options.provenance, newline, name)
    layout = compose(docs, alignment, plan, render_frontmatter(docs[base], fields, newline))
    groups = tuple(
        _group(docs, alignment, g, layout.chosen[g], support[g], prefer, dropped.get(g))
        for g in range(len(alignment.groups))
    ) + layout.text_groups
    joined = joined or {}
    members = tuple(Member(doc.path, doc.name, joined.get(doc.path)) for doc in docs)
    aliases = tuple(sorted({(doc.name, name) for doc in docs if doc.name != name}))
    return MergeResult(name, members, docs[base].path, layout.text, fields, groups, contradictions,
                       layout.missing, _duplicates(docs, alignment), aliases, layout.persona)


def consolidate(
    docs: Sequence[AgentDoc], groups: Sequence[Sequence[int]], *, options: MergeOptions | None = None,
    embed: Embed | None = None, joined: Mapping[str, str] | None = None,
    progress: Callable[[MergeResult], None] | None = None, jobs: int = 1,
) -> tuple[MergeResult, ...]:
    """Merge each role of ``groups`` (lists of indexes into ``docs``); results sorted by name.

    Two roles whose names collide (case aside) are told apart by a ``-2``, ``-3``, ... suffix on
    the later ones in (name, paths) order, so every role gets a file of its own.

    Args:
        progress: called once per role as it is merged (a progress bar).
        joined: path -> how that file joined its role, for the report.
        jobs: processes that merge roles (:mod:`agentmerge.workers`); the results are the same
            for any number. Without ``embed`` only: an embedder stays in this process.
    """
    options = options or MergeOptions()
    roles = [members for members in groups if members]
    merged: Iterable[MergeResult]
    if jobs > 1 and embed is None and len(roles) > 1:
        from agentmerge.workers import merge_in_workers

        merged = merge_in_workers(docs, roles, options=options, joined=joined or {}, jobs=jobs)
    else:
        merged = (merge_agents([docs[n] for n in members], options=options, embed=embed, joined=joined)
                  for members in roles)
    results = []
    for result in merged:
        results.append(result)
        if progress is not None:
            progress(result)
    results.sort(key=lambda r: (r.name, r.paths))
    taken: set[str] = set()
    for number, result in enumerate(results):
        name, suffix = result.name, 1
        while name.casefold() in taken:
            suffix += 1
            name = f"{result.name}-{suffix}"
        if name != result.name:
            renamed = replace(options, name=name)
            results[number] = merge_agents([docs[n] for members in groups for n in members
                                            if docs[n].path in result.paths],
                                           options=renamed, embed=embed, joined=joined)
        taken.add(name.casefold())
    return tuple(sorted(results, key=lambda r: (r.name, r.paths)))


def _source(docs: Sequence[AgentDoc], alignment: Alignment, item: int) -> Source:
    found = alignment.items[item]
    return Source(docs[found.doc].path, found.ref.rule.span.start, found.ref.rule.full_text)


def _contradictions(
    docs: Sequence[AgentDoc], alignment: Alignment, support: list[int], prefer: int | None, dropped: dict[int, str]
) -> tuple[Contradiction, ...]:
    """Report every contradiction and leave out the losing side (see the module docstring)."""
    group_of = {m: g for g, group in enumerate(alignment.groups) for m in group.members}
    files = [{alignment.items[m].doc for m in group.members} for group in alignment.groups]
    found = []
    seen: set[tuple[int, int]] = set()
    for pair in alignment.contradictions:
        a, b = group_of[pair.a], group_of[pair.b]
        if (min(a, b), max(a, b)) in seen:
            continue  # one entry per pair of groups
        seen.add((min(a, b), max(a, b)))
        if not files[a] - files[b] or not files[b] - files[a]:
            continue  # no file states one side against another that states the other alone
        sides = (_source(docs, alignment, pair.a), _source(docs, alignment, pair.b))
        if support[a] != support[b]:
            winner, loser = (a, b) if support[a] > support[b] else (b, a)
            side = sides[0] if winner == a else sides[1]
            resolution = f"kept {side.path}:{side.line} ({support[winner]} variants against {support[loser]})"
        elif prefer is not None and prefer in files[a] | files[b]:
            winner, loser = (a, b) if prefer in files[a] else (b, a)
            side = sides[0] if winner == a else sides[1]
            resolution = f"kept {side.path}:{side.line}, the --prefer file's side (equal support)"
        else:
            resolution, loser = "both kept: equal support; choose with --prefer", None
        if loser is not None:
            side = sides[0] if loser == a else sides[1]
            dropped.setdefault(loser, f"contradicts a rule more variants (or the --prefer file) state: {side.path}")
        found.append(Contradiction(sides, pair.reason, pair.score, resolution))
    return tuple(found)


def _group(
    docs: Sequence[AgentDoc], alignment: Alignment, g: int, chosen: int, support: int, prefer: int | None,
    dropped: str | None,
) -> RuleGroup:
    group = alignment.groups[g]
    item = alignment.items[chosen]
    if len(group.members) == 1:
        wording = "the only wording"
    elif item.doc == prefer:
        wording = "the --prefer file's wording"
    elif (same := sum(1 for m in group.members if _words(alignment.items[m].ref.rule.full_text)
                      == _words(item.ref.rule.full_text))) > 1:
        wording = f"the wording {same} of {len(group.members)} rules use"
    else:
        wording = "no wording is shared: the most specific (most content words)"
    section = " > ".join(item.ref.section) or (item.ref.list_title or "")
    sources = tuple(_source(docs, alignment, m) for m in group.members)
    return RuleGroup(item.ref.rule.full_text, section, sources, support, group.score, group.reason, wording,
                     dropped is None, dropped)


def _duplicates(docs: Sequence[AgentDoc], alignment: Alignment) -> tuple[Duplicate, ...]:
    found = []
    for group in alignment.groups:
        if len(group.members) == 1:
            continue
        per_doc: dict[int, list[int]] = defaultdict(list)
        for m in group.members:
            per_doc[alignment.items[m].doc].append(m)
        for d, members in sorted(per_doc.items()):
            if len(members) > 1:
                found.append(Duplicate(docs[d].path, tuple(_source(docs, alignment, m) for m in members)))
    return tuple(sorted(found, key=lambda dup: (dup.path, dup.rules[0].line)))


def _words(text: str) -> str:
    """Text compared word for word: lowercased, whitespace collapsed."""
    return " ".join(text.lower().split())


def _newline(doc: AgentDoc) -> str:
    """The line ending of the file's first line (CRLF files stay CRLF)."""
    text = render_source(doc)
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"
