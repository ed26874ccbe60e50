"""Aligned variants -> one canonical agent and a report of every choice and conflict.

Policies (deterministic: inputs are ordered by path first, so any input order gives the
same result):

* The **base** variant is the one with the most rules (ties: the earliest path). Its layout
  (preamble, headings, paragraphs, code) is the canonical agent's layout.
* Frontmatter, per key: ``name`` is the most common name (ties: shortest, then alphabetical);
  ``description`` the longest one after whitespace is collapsed (the most complete); ``tools``
  the union of every listed tool in first-seen order; every other key the majority value, kept
  when more than half of the variants set it (ties: the base variant's value, reported as a
  conflict). A key whose chosen value equals the base's keeps the base's source text.
* Body: one rule per aligned group. The wording is the one most variants use word for word
  (ties: the one with the most content stems, i.e. the most specific, then the base's). A group
  the base has stays where the base has it (repeats inside the base are kept: removing them is
  ``dedup --fix``'s job, and a single file must consolidate to itself); another goes into the
  base list where most of its neighbours (rules of the same list in its own file) went, else
  under a new heading.
"""

from __future__ import annotations

import enum
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from agentmerge.align import Alignment, Embed, Item, align_rules
from agentmerge.frontmatter import parse_tools, thaw
from agentmerge.model import AgentDoc, Block, BlockKind, Rule, Value, file_stem
from agentmerge.parse import split_lines
from agentmerge.render.source import render_source


class ConflictKind(enum.Enum):
    """What kind of disagreement between variants a :class:`Conflict` records."""

    FRONTMATTER = "frontmatter"
    CONTRADICTION = "contradiction"
    UNIQUE_RULE = "unique-rule"


@dataclass(frozen=True, slots=True)
class Source:
    """Where a rule or value came from: 1-based line of the original file."""

    path: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """The canonical value of one frontmatter key and the values it was chosen from."""

    key: str
    value: Value
    reason: str
    values: tuple[tuple[Value, tuple[str, ...]], ...]
    """Each distinct value with the paths that have it (``None``: key absent)."""
    conflict: bool


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """One aligned group as it reaches the canonical agent."""

    text: str
    """The chosen wording (plain text)."""
    section: str
    sources: tuple[Source, ...]
    support: int
    """Number of variants that have this rule."""
    score: float
    reason: str


@dataclass(frozen=True, slots=True)
class Conflict:
    """A disagreement between variants that a person should look at."""

    kind: ConflictKind
    message: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class MergeResult:
    """One role: its member files, the canonical agent's text and the report."""

    name: str
    paths: tuple[str, ...]
    base: str
    """Path of the variant whose layout the canonical agent keeps."""
    text: str
    fields: tuple[FieldChoice, ...]
    groups: tuple[RuleGroup, ...]
    conflicts: tuple[Conflict, ...]


def merge_agents(
    docs: Sequence[AgentDoc], *, threshold: float | None = None, embed: Embed | None = None
) -> MergeResult:
    """Consolidate the variants of one role into one canonical agent.

    Args:
        docs: at least one parsed variant; their order does not matter.
        threshold: alignment threshold, default :data:`agentmerge.align.THRESHOLD`.
        embed: optional sentence embedder passed to :func:`agentmerge.align.align_rules`.

    Raises:
        ValueError: ``docs`` is empty.
    """
    if not docs:
        raise ValueError("merge_agents needs at least one document")
    docs = sorted(docs, key=lambda doc: doc.path)
    alignment = align_rules(docs, threshold=threshold, embed=embed)
    counts = Counter(item.doc for item in alignment.items)
    base = min(range(len(docs)), key=lambda n: (-counts[n], n))
    fields = _choose_fields(docs, base)
    groups, plan = _plan(docs, alignment, base)
    newline = _newline(docs[base])
    header = _frontmatter(docs[base], fields, newline)
    body = _body(docs[base], plan, newline)
    conflicts = _conflicts(docs, alignment, fields, groups)
    name = next((str(f.value) for f in fields if f.key == "name"), docs[base].name)
    return MergeResult(name, tuple(doc.path for doc in docs), docs[base].path, header + body,
                       fields, groups, conflicts)


# -- frontmatter --------------------------------------------------------------------------------


def _choose_fields(docs: Sequence[AgentDoc], base: int) -> tuple[FieldChoice, ...]:
    keys: list[str] = list(docs[base].frontmatter.keys)
    for doc in docs:
        keys.extend(key for key in doc.frontmatter.keys if key not in keys)
    if "name" not in keys:
        keys.insert(0, "name")
    choices = []
    for key in keys:
        values = [doc.frontmatter.get(key) if key != "name" else doc.name for doc in docs]
        table = _value_table(docs, values)
        choice = _choose(key, values, docs, base, table)
        if choice is not None:
            choices.append(choice)
    return tuple(choices)


def _value_table(docs: Sequence[AgentDoc], values: list[Value]) -> tuple[tuple[Value, tuple[str, ...]], ...]:
    table: dict[Value, list[str]] = {}
    for doc, value in zip(docs, values, strict=True):
        table.setdefault(value, []).append(doc.path)
    return tuple((value, tuple(paths)) for value, paths in table.items())


def _choose(
    key: str, values: list[Value], docs: Sequence[AgentDoc], base: int,
    table: tuple[tuple[Value, tuple[str, ...]], ...],
) -> FieldChoice | None:
    differ = len(table) > 1
    present = [v for v in values if v is not None]
    if key == "name":
        names = Counter(str(v) for v in present)
        most = max(names.values())
        value: Value = min((n for n in names if names[n] == most), key=lambda n: (len(n), n))
        return FieldChoice(key, value, "most common name (ties: shortest, then alphabetical)", table, False)
    if key == "description":
        texts = [v for v in present if isinstance(v, str)]
        if not texts:
            return None
        value = max(texts, key=lambda t: (len(" ".join(t.split())), t == values[base]))
        return FieldChoice(key, value, "longest description (the most complete)", table, False)
    if key == "tools" and present:
        union: list[str] = []
        for v in present:
            union.extend(t for t in parse_tools(v) or () if t not in union)
        reason = "union of the variants' tools"
        if len(present) < len(values):
            reason += f"; {len(values) - len(present)} variant(s) set no tools and inherit all"
        return FieldChoice(key, ", ".join(union), reason, table, differ)
    if len(present) * 2 <= len(values) and values[base] is None:
        return None
    count: Counter[Value] = Counter(values)
    top = max(count.values())
    leaders = [v for v in count if count[v] == top]
    if len(leaders) == 1:
        value = leaders[0]
        reason = f"majority ({top} of {len(values)})"
        tie = False
    else:
        value = values[base] if values[base] in leaders else sorted(leaders, key=repr)[0]
        reason = f"tie between {len(leaders)} values; taken from the base variant"
        tie = True
    if value is None:
        return None
    return FieldChoice(key, value, reason, table, tie or differ)


def _frontmatter(base: AgentDoc, fields: tuple[FieldChoice, ...], newline: str) -> str:
    if not fields:
        return base.frontmatter.source
    lines = []
    for choice in fields:
        kept = base.frontmatter.field(choice.key)
        same = kept is not None and (
            kept.value == choice.value
            or (choice.key == "tools" and parse_tools(kept.value) == parse_tools(choice.value))
        )
        if kept is not None and same and base.frontmatter.status.value == "valid":
            lines.append(kept.source.rstrip("\r\n") + newline)
        else:
            lines.append(_dump(choice.key, choice.value).replace("\n", newline))
    return f"---{newline}{''.join(lines)}---{newline}"


def _dump(key: str, value: Value) -> str:
    return yaml.safe_dump({key: thaw(value)}, sort_keys=False, allow_unicode=True, width=100_000,
                          default_flow_style=False)


def _newline(doc: AgentDoc) -> str:
    """The line ending of the file's first line (CRLF files stay CRLF)."""
    text = render_source(doc)
    end = text.find("\n")
    return "\r\n" if end > 0 and text[end - 1] == "\r" else "\n"


# -- body ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    replace: dict[int, str]  # base rule line -> new own source (reworded)
    append: dict[int, list[str]]  # base list start line -> texts to add at its end
    new_sections: dict[str, list[str]]  # heading -> texts


def _plan(docs: Sequence[AgentDoc], alignment: Alignment, base: int) -> tuple[tuple[RuleGroup, ...], _Plan]:
    items = alignment.items
    group_of = {member: number for number, group in enumerate(alignment.groups) for member in group.members}
    lists: dict[tuple[int, tuple[str, ...], str | None], list[int]] = defaultdict(list)
    for number, item in enumerate(items):
        lists[_list_key(item)].append(number)
    home: dict[int, int] = {}  # group -> base list start line
    for number, group in enumerate(alignment.groups):
        for member in group.members:
            if items[member].doc == base:
                home.setdefault(number, _list_of(docs[base], items[member].ref.rule))
                break
    replace: dict[int, str] = {}
    append: dict[int, list[str]] = {}
    new_sections: dict[str, list[str]] = {}
    groups = []
    for group in alignment.groups:
        chosen = _wording(items, group.members, base)
        sources = tuple(
            Source(docs[items[m].doc].path, items[m].ref.rule.span.start, items[m].ref.rule.full_text)
            for m in group.members
        )
        section = " > ".join(items[chosen].ref.section) or (items[chosen].ref.list_title or "")
        support = len({items[m].doc for m in group.members})
        wording = items[chosen].ref.rule.full_text
        groups.append(RuleGroup(wording, section, sources, support, group.score, group.reason))
        in_base = [m for m in group.members if items[m].doc == base]
        if in_base:
            first = items[in_base[0]].ref.rule
            if items[chosen].doc != base:
                replace[first.span.start] = _own_text(items[chosen].ref.rule)
            continue
        target = _neighbour_home(lists[_list_key(items[chosen])], group_of, home)
        text = _own_text(items[chosen].ref.rule)
        if target is not None:
            append.setdefault(target, []).append(text)
        else:
            ref = items[chosen].ref
            title = ref.list_title or (ref.section[-1] if ref.section else "Rules")
            new_sections.setdefault(title, []).append(text)
    return tuple(groups), _Plan(replace, append, new_sections)


def _wording(items: Sequence[Item], members: tuple[int, ...], base: int) -> int:
    support = Counter(" ".join(items[m].ref.rule.full_text.lower().split()) for m in members)

    def rank(m: int) -> tuple[int, int, int, int]:
        text = " ".join(items[m].ref.rule.full_text.lower().split())
        return (-support[text], -len(items[m].key.terms), items[m].doc != base, m)

    return min(members, key=rank)


def _list_key(item: Item) -> tuple[int, tuple[str, ...], str | None]:
    """The list a rule sits in: its file, section path and list title."""
    return item.doc, item.ref.section, item.ref.list_title


def _neighbour_home(neighbours: list[int], group_of: dict[int, int], home: dict[int, int]) -> int | None:
    """The base list where most ``neighbours`` (rules of one list) have their group, if any."""
    votes: Counter[int] = Counter()
    for number in neighbours:
        target = home.get(group_of.get(number, -1))
        if target is not None:
            votes[target] += 1
    if not votes:
        return None
    return min(votes, key=lambda line: (-votes[line], line))


def _list_of(doc: AgentDoc, rule: Rule) -> int:
    for section in doc.body.walk():
        for block in section.blocks:
            if block.kind is BlockKind.LIST and block.span.start <= rule.span.start <= block.span.end:
                return block.span.start
    raise LookupError(rule.span.start)


def _own_text(rule: Rule) -> str:
    """The rule's own Markdown (nested items left out), without its marker, on one line."""
    lines = split_lines(rule.source)
    own = lines[: len(lines) - sum(len(split_lines(c.source)) for c in rule.children)] if rule.children else lines
    first = re.sub(r"^\s*(?:[-*+]|\d+[.)])\s?", "", own[0]) if own else ""
    return " ".join(part.strip() for part in [first, *own[1:]] if part.strip())


def _body(base: AgentDoc, plan: _Plan, newline: str) -> str:
    parts: list[str] = ["\ufeff" if base.bom else ""]
    for section in base.body.walk():
        if section.heading is not None:
            parts.append(section.heading.source)
        for block in section.blocks:
            parts.append(_edit_block(block, plan, newline) if block.kind is BlockKind.LIST else block.source)
    text = "".join(parts)
    for title, texts in plan.new_sections.items():
        if not text.endswith(("\n", "\r")):
            text += newline
        text += f"{newline}## {title}{newline}{newline}" + "".join(f"- {t}{newline}" for t in texts)
    return text


def _edit_block(block: Block, plan: _Plan, newline: str) -> str:
    lines = split_lines(block.source)
    first = block.span.start
    edits: list[tuple[int, int, list[str]]] = []  # (start index, end index, new lines)
    for top in block.rules:
        for rule in top.walk():
            own_end = (rule.children[0].span.start - 1) if rule.children else rule.span.end
            start, end = rule.span.start - first, own_end - first + 1
            if rule.span.start in plan.replace:
                prefix = re.match(r"\s*(?:[-*+]|\d+[.)])\s?", lines[start])
                lead = prefix.group(0) if prefix else "- "
                edits.append((start, end, [lead + plan.replace[rule.span.start] + newline]))
    added = plan.append.get(block.span.start)
    if added and block.rules:
        last = block.rules[-1]
        at = last.span.end - first + 1
        marker = last.marker
        lines_out = []
        for offset, text in enumerate(added, 1):
            lead = f"{last.ordinal + offset}{marker[-1]} " if marker[-1] in ".)" else f"{marker} "
            lines_out.append(lead + text + newline)
        if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
            lines[at - 1] += newline
        edits.append((at, at, lines_out))
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        lines[start:end] = new
    return "".join(lines)


# -- report -------------------------------------------------------------------------------------


def _conflicts(
    docs: Sequence[AgentDoc], alignment: Alignment, fields: tuple[FieldChoice, ...], groups: tuple[RuleGroup, ...]
) -> tuple[Conflict, ...]:
    found = []
    for choice in fields:
        if choice.conflict:
            parts = "; ".join(f"{_short(v)} in {', '.join(file_stem(p) for p in paths)}" for v, paths in choice.values)
            found.append(Conflict(ConflictKind.FRONTMATTER, f"'{choice.key}' differs: {parts}", ()))
    items = alignment.items
    for pair in alignment.contradictions:
        sources = tuple(
            Source(docs[items[n].doc].path, items[n].ref.rule.span.start, items[n].ref.rule.full_text)
            for n in (pair.a, pair.b)
        )
        found.append(Conflict(ConflictKind.CONTRADICTION, pair.reason, sources))
    if len(docs) > 1:
        for group in groups:
            if group.support == 1:
                found.append(Conflict(ConflictKind.UNIQUE_RULE, "only one variant has this rule", group.sources[:1]))
    return tuple(found)


def _short(value: Value) -> str:
    text = "(absent)" if value is None else str(thaw(value))
    return text if len(text) <= 50 else text[:47] + "..."


def consolidate(
    docs: Sequence[AgentDoc], groups: Sequence[Sequence[int]], *, embed: Embed | None = None
) -> tuple[MergeResult, ...]:
    """Merge each role of ``groups`` (index lists into ``docs``); results sorted by name."""
    results = [merge_agents([docs[n] for n in members], embed=embed) for members in groups if members]
    return tuple(sorted(results, key=lambda r: (r.name, r.paths)))
