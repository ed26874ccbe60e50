"""Two agent documents -> a structural diff: frontmatter keys, sections, rules and other blocks.

Rules are paired by the comparator (:func:`agentmerge.pairing.align_pair`, an optimal one-to-one
assignment), so a reworded rule is one change, not a deletion and an insertion, and a rule and its
negation are a contradiction, never a rewording. Sections are paired by normalised heading and by
the rules they share; other blocks (paragraphs, code, tables, quotes, HTML) by equal text, then by
line similarity. deepdiff compares frontmatter values; its paths never leave this module.
"""

from __future__ import annotations

import bisect
import difflib
import enum
import itertools
import json
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from agentmerge.align import Item
from agentmerge.assign import assign
from agentmerge.frontmatter import parse_tools, thaw
from agentmerge.model import AgentDoc, Block, BlockKind, Field, Rule, Section, Value
from agentmerge.normalize import section_concept
from agentmerge.pairing import PairAlignment, align_pair


class Target(enum.Enum):
    """What part of an agent a :class:`Change` is about."""

    FRONTMATTER = "frontmatter"
    SECTION = "section"
    RULE = "rule"
    BLOCK = "block"


class ChangeKind(enum.Enum):
    """The edit taxonomy of a structural diff (after graphtage's match/replace/insert/remove)."""

    UNCHANGED = "unchanged"
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    """A frontmatter value or a block whose text differs."""
    REWORDED = "reworded"
    """A rule paired with a differently worded rule that says the same thing."""
    MOVED = "moved"
    """Same text, other section or other position."""
    RENAMED = "renamed"
    """A section paired by content or heading synonym whose heading text differs."""
    CONTRADICTION = "contradiction"
    """A removed rule and an added rule that say opposite things."""


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a change: where it is in its file (1-based, inclusive lines) and its text."""

    path: str
    line: int
    end_line: int
    text: str


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a structural diff."""

    target: Target
    kind: ChangeKind
    key: str
    """The frontmatter key, or the heading path of the section (``"Rules / Security"``)."""
    old: Side | None
    new: Side | None
    score: float | None = None
    """Comparator similarity (0-1) of a paired rule or section, else ``None``."""
    detail: str = ""
    """One line for people: a word diff (``[-old-]{+new+}``), a line diff, or a rename."""
    moved: bool = False
    """Whether a paired rule or section also changed section or position."""
    repeats: tuple[Side, ...] = ()
    """Other rules that say the same thing, found by the N-way grouping: for an added or removed
    rule, the rule of its own file it restates (and that rule's partner); for a paired rule,
    another pair of the same group (a file that states the rule twice)."""


@dataclass(frozen=True, slots=True)
class AgentDiff:
    """The structural diff of two agent documents: every change, in new-file order."""

    old_path: str
    new_path: str
    changes: tuple[Change, ...]

    @property
    def differs(self) -> bool:
        """Whether anything changed (an ``UNCHANGED`` entry is not a change)."""
        return any(change.kind is not ChangeKind.UNCHANGED for change in self.changes)

    def counts(self) -> Counter[tuple[Target, ChangeKind]]:
        """Number of changes per (target, kind), unchanged entries included."""
        return Counter((change.target, change.kind) for change in self.changes)


#: Frontmatter keys whose values are sets of names: order and the written form do not matter.
SET_KEYS = frozenset({"tools", "disallowedTools", "allowed-tools", "globs"})
#: Blocks compared as text (lists hold rules; blank lines and breaks are layout).
TEXT_BLOCKS = frozenset({BlockKind.PARAGRAPH, BlockKind.CODE, BlockKind.TABLE, BlockKind.QUOTE, BlockKind.HTML,
                         BlockKind.RAW})
#: Unpaired blocks of one kind pair as "changed" above this ``difflib`` ratio of their words; below
#: it they are a removal and an addition. 0.5 is difflib's own "close match" cut-off (``get_close_matches``).
BLOCK_THRESHOLD = 0.5
#: Sections with unrelated headings pair when this share of their rules pair (Dice, or the share
#: of the smaller section when two rules or more pair); half, so that a renamed section keeping
#: most of its rules is a rename, not a removal and an addition. Two document titles (each
#: file's lone top-level heading) pair on any rule they share.
SECTION_SHARED = 0.5


def diff_agents(old: AgentDoc, new: AgentDoc, *, ignore_frontmatter: bool = False,
                ignore_order: bool = False) -> AgentDiff:
    """Compare two parsed agents structurally.

    Args:
        old, new: documents from :func:`agentmerge.parse.parse_agent`; either may have invalid or
            no frontmatter (its recovered keys are compared).
        ignore_frontmatter: leave frontmatter keys out.
        ignore_order: a rule or section in another position of the same parent is not ``MOVED``.

    Returns:
        An :class:`AgentDiff` whose changes are in new-file order (removed entries after the new
        entry that precedes them); ``diff_agents(a, a).differs`` is ``False``.
    """
    old_sections, new_sections = _sections(old), _sections(new)
    pair = align_pair(old, new)
    starts = [[sec.start if index else 0 for index, sec in enumerate(secs)] for secs in (old_sections, new_sections)]
    owner = [max(0, bisect.bisect_right(starts[item.doc], item.ref.rule.span.start) - 1) for item in pair.items]
    section_map = _pair_sections(old_sections, new_sections, pair, owner)
    changes = [] if ignore_frontmatter else _frontmatter(old, new)
    changes += _section_changes(old_sections, new_sections, section_map, ignore_order, (old.path, new.path))
    changes += _rule_changes((old.path, new.path), pair, owner, section_map, ignore_order)
    changes += _block_changes(old_sections, new_sections, section_map, old.path, new.path)
    return AgentDiff(old.path, new.path, tuple(_in_new_order(changes)))


def _in_new_order(changes: list[Change]) -> list[Change]:
    """Sort by target, then new line; a removed entry goes after the new side of the paired entry
    that precedes it in the old file, as a line diff shows a deletion where it happened."""
    paired = sorted((c.old.line, c.new.line) for c in changes if c.old and c.new)
    olds = [old for old, _ in paired]
    highest = list(itertools.accumulate((new for _, new in paired), max))

    def where(change: Change) -> tuple[float, int]:
        if change.new is not None:
            return change.new.line, change.old.line if change.old else 0
        assert change.old is not None
        before = bisect.bisect_left(olds, change.old.line)
        return (highest[before - 1] if before else 0) + 0.5, change.old.line

    order = {target: n for n, target in enumerate(Target)}
    return sorted(changes, key=lambda c: (order[c.target], *where(c)))


# -- frontmatter -------------------------------------------------------------------------------


def _frontmatter(old: AgentDoc, new: AgentDoc) -> list[Change]:
    olds = {f.key: f for f in old.frontmatter.fields}
    news = {f.key: f for f in new.frontmatter.fields}
    changes = []
    for key in [*news, *(k for k in olds if k not in news)]:
        before, after = olds.get(key), news.get(key)
        old_side = _field_side(old.path, before) if before else None
        new_side = _field_side(new.path, after) if after else None
        if before is None or after is None:
            kind = ChangeKind.ADDED if before is None else ChangeKind.REMOVED
            changes.append(Change(Target.FRONTMATTER, kind, key, old_side, new_side))
            continue
        a, b = _comparable(key, before.value), _comparable(key, after.value)
        edits = _structured_edits(a, b) if a != b and (_nested(a) or _nested(b)) else None
        if a == b or edits == []:
            changes.append(Change(Target.FRONTMATTER, ChangeKind.UNCHANGED, key, old_side, new_side))
        else:
            detail = "; ".join(edits) if edits else _value_detail(a, b)
            changes.append(Change(Target.FRONTMATTER, ChangeKind.CHANGED, key, old_side, new_side, detail=detail))
    return changes


def _nested(value: object) -> bool:
    """Whether a value holds a mapping (an OpenCode ``tools`` map, an MCP server table, ...)."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list) and any(isinstance(item, dict | list) for item in value)


def _comparable(key: str, value: Value) -> object:
    """A frontmatter value in the form two variants are compared in (tools as a sorted set)."""
    if key in SET_KEYS:
        tools = parse_tools(value)
        return sorted(tools) if tools is not None else None
    if isinstance(value, str):
        return " ".join(value.split())
    return thaw(value)


def _structured_edits(a: object, b: object) -> list[str]:
    """The edits between two nested values, by deepdiff, as ``"servers.db.port: 5432 -> 5433"``.

    Numbers compare by value (``1`` equals ``1.0``). deepdiff's own paths (``root['servers']``)
    are turned into dotted keys here and never leave this module. Scalars and name lists do not
    come here: equality after :func:`_comparable` decides them, which keeps deepdiff (and the
    numpy it imports) out of the common case.
    """
    from deepdiff import DeepDiff

    found = DeepDiff(a, b, ignore_numeric_type_changes=True, ignore_string_type_changes=True, view="tree")
    edits = []
    for kind in sorted(found):
        for level in found[kind]:
            where = ".".join(str(step) for step in level.path(output_format="list")) or "(value)"
            if kind.endswith("_added"):
                edits.append(f"+{where}: {_display(level.t2)}")
            elif kind.endswith("_removed"):
                edits.append(f"-{where}: {_display(level.t1)}")
            else:
                edits.append(f"{where}: {_display(level.t1)} -> {_display(level.t2)}")
    return sorted(edits)


def _value_detail(a: object, b: object) -> str:
    if isinstance(a, list) and isinstance(b, list):
        gone = [str(x) for x in a if x not in b]
        came = [str(x) for x in b if x not in a]
        return ", ".join([*(f"-{x}" for x in gone), *(f"+{x}" for x in came)])
    if isinstance(a, str) and isinstance(b, str):
        return word_diff_text(a, b)
    return f"{_display(a)} -> {_display(b)}"


def _display(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _field_side(path: str, item: Field) -> Side:
    value = item.value
    text = ", ".join(parse_tools(value) or ()) if item.key in SET_KEYS else _display(thaw(value))
    return Side(path, item.span.start, item.span.end, text)


# -- word diff ---------------------------------------------------------------------------------


def word_diff(a: str, b: str) -> tuple[tuple[str, str], ...]:
    """Word-level edit script from ``a`` to ``b``: ``("=", words)``, ``("-", words)``, ``("+", words)``.

    Words are runs of non-space characters; the script comes from ``difflib.SequenceMatcher``
    (Ratcliff/Obershelp) with the automatic junk heuristic off, so common words still align.
    """
    left, right = a.split(), b.split()
    script: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            script.append(("=", " ".join(left[i1:i2])))
            continue
        if i2 > i1:
            script.append(("-", " ".join(left[i1:i2])))
        if j2 > j1:
            script.append(("+", " ".join(right[j1:j2])))
    return tuple(script)


def word_diff_text(a: str, b: str) -> str:
    """The word diff of ``a`` and ``b`` in ``git diff --word-diff=plain`` notation."""
    marks = {"=": "{}", "-": "[-{}-]", "+": "{{+{}+}}"}
    return " ".join(marks[op].format(words) for op, words in word_diff(a, b))


# -- sections ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Sec:
    """A section with its place: index in walk order (0 = the root), title path, lines it covers."""

    path: tuple[str, ...]
    section: Section
    parent: int
    start: int
    end: int


def _sections(doc: AgentDoc) -> list[_Sec]:
    out: list[_Sec] = []

    def visit(section: Section, path: tuple[str, ...], parent: int) -> None:
        index = len(out)
        here = (*path, section.title) if section.heading else path
        start = section.heading.span.start if section.heading else 1
        out.append(_Sec(here, section, parent, start, _end(section, start)))
        for child in section.children:
            visit(child, here, index)

    visit(doc.body, (), -1)
    return out


def _end(section: Section, start: int) -> int:
    ends = [start] + [b.span.end for b in section.blocks] + [_end(c, c.heading.span.start) for c in section.children
                                                            if c.heading]
    return max(ends)


def _pair_sections(old: Sequence[_Sec], new: Sequence[_Sec], pair: PairAlignment,
                   owner: Sequence[int]) -> dict[int, int]:
    """Map old section index -> new section index (the roots always pair).

    ``owner[n]`` is the index of the innermost section holding item ``n`` of ``pair``: the one
    that starts last at or before the rule, as a section runs to the next heading of its level.
    """
    # A section holds the rules of its subsections too, so two document titles (level-1
    # headings over everything) pair by the rules under them.
    lineage = [_lineage(new if item.doc else old, owner[n]) for n, item in enumerate(pair.items)]
    sizes_old = Counter(s for n, item in enumerate(pair.items) if item.doc == 0 for s in lineage[n])
    sizes_new = Counter(s for n, item in enumerate(pair.items) if item.doc == 1 for s in lineage[n])
    shared = Counter((i, j) for m in pair.matches for i in lineage[m.a] for j in lineage[m.b])
    concepts_old = [section_concept(s.path[-1]) if s.path else "" for s in old]
    concepts_new = [section_concept(s.path[-1]) if s.path else "" for s in new]
    # a document title: the file's only top-level heading, over all of it ("# Backend Engineer")
    titles_old = [s.parent == 0 and len(old[0].section.children) == 1 for s in old]
    titles_new = [s.parent == 0 and len(new[0].section.children) == 1 for s in new]
    scores: dict[tuple[int, int], float] = {}
    for i in range(1, len(old)):
        for j in range(1, len(new)):
            # A heading over subsections pairs by content only with another such heading: the
            # rules under a document title must not make it the twin of one of its subsections.
            alike = bool(old[i].section.children) == bool(new[j].section.children)
            common = shared[(i, j)] if alike else 0
            dice = 2 * common / max(1, sizes_old[i] + sizes_new[j])
            # the smaller section's share: one that grew or shrank in the rename still pairs
            smaller = common / max(1, min(sizes_old[i], sizes_new[j])) if common >= 2 else 0.0
            title = 1.0 if old[i].path[-1] == new[j].path[-1] else 0.9 if concepts_old[i] == concepts_new[j] else 0.0
            # below SECTION_SHARED the shared rules pair only two document titles, and else
            # break ties
            kept = max(dice, smaller)
            content = kept if kept >= SECTION_SHARED or (common and titles_old[i] and titles_new[j]) else 0.0
            score = max(title, content)
            if score > 0:
                scores[(i, j)] = score + 0.01 * dice
    return {0: 0} | {i: j for i, j, _ in assign(scores)}


def _lineage(sections: Sequence[_Sec], index: int) -> tuple[int, ...]:
    """The section and its ancestors, root excluded."""
    out = []
    while index > 0:
        out.append(index)
        index = sections[index].parent
    return tuple(out)


def _moved(pairs: Sequence[tuple[int, int]]) -> set[tuple[int, int]]:
    """Pairs (old position, new position) outside a longest increasing run of new positions."""
    ordered = sorted(pairs)
    tails: list[int] = []
    before: list[int] = [-1] * len(ordered)
    at: list[int] = []
    import bisect

    for n, (_, position) in enumerate(ordered):
        k = bisect.bisect_left([ordered[t][1] for t in tails], position)
        before[n] = tails[k - 1] if k else -1
        if k == len(tails):
            tails.append(n)
        else:
            tails[k] = n
    node = tails[-1] if tails else -1
    while node >= 0:
        at.append(node)
        node = before[node]
    keep = {ordered[n] for n in at}
    return {p for p in ordered if p not in keep}


def _section_changes(old: Sequence[_Sec], new: Sequence[_Sec], section_map: dict[int, int],
                     ignore_order: bool, paths: tuple[str, str]) -> list[Change]:
    changes = []
    reverse = {j: i for i, j in section_map.items()}
    by_parent: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i, j in section_map.items():
        if i:
            by_parent.setdefault((old[i].parent, new[j].parent), []).append((i, j))
    out_of_order = set() if ignore_order else {p for group in by_parent.values() for p in _moved(group)}
    for i, j in sorted(section_map.items()):
        if not i:
            continue
        reparented = section_map.get(old[i].parent) != new[j].parent
        moved = reparented or (i, j) in out_of_order
        renamed = old[i].path[-1] != new[j].path[-1]
        kind = ChangeKind.RENAMED if renamed else ChangeKind.MOVED if moved else ChangeKind.UNCHANGED
        detail = f"{old[i].path[-1]} -> {new[j].path[-1]}" if renamed else ""
        if reparented:
            detail = (detail + "; " if detail else "") + f"moved from {' / '.join(old[i].path[:-1]) or '(top)'}"
        elif moved:
            detail = (detail + "; " if detail else "") + "moved among its sibling sections"
        changes.append(Change(Target.SECTION, kind, " / ".join(new[j].path), _sec_side(paths[0], old, i),
                              _sec_side(paths[1], new, j), detail=detail, moved=moved))
    for i in range(1, len(old)):
        if i not in section_map:
            side = _sec_side(paths[0], old, i)
            changes.append(Change(Target.SECTION, ChangeKind.REMOVED, " / ".join(old[i].path), side, None))
    for j in range(1, len(new)):
        if j not in reverse:
            side = _sec_side(paths[1], new, j)
            changes.append(Change(Target.SECTION, ChangeKind.ADDED, " / ".join(new[j].path), None, side))
    return changes


def _sec_side(path: str, sections: Sequence[_Sec], index: int) -> Side:
    sec = sections[index]
    return Side(path, sec.start, sec.end, sec.path[-1] if sec.path else "")


# -- rules -------------------------------------------------------------------------------------


def _rule_changes(paths: tuple[str, str], pair: PairAlignment, owner: Sequence[int], section_map: dict[int, int],
                  ignore_order: bool) -> list[Change]:
    items = pair.items
    # Position of each rule among the rules of its own section, to find rules that moved inside one.
    rank: dict[int, int] = {}
    seen: Counter[tuple[int, int]] = Counter()
    for n, item in enumerate(items):
        rank[n] = seen[(item.doc, owner[n])]
        seen[(item.doc, owner[n])] += 1
    same_place: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for match in pair.matches:
        if section_map.get(owner[match.a]) == owner[match.b]:
            same_place.setdefault((owner[match.a], owner[match.b]), []).append((rank[match.a], rank[match.b]))
    out_of_order = set() if ignore_order else {p for group in same_place.values() for p in _moved(group)}
    changes = []
    group_of = {member: group.members for group in pair.groups for member in group.members}
    for match in pair.matches:
        a, b = items[match.a], items[match.b]
        # A group holding several matches: each rule of a file restates the other one.
        also = tuple(_rule_side(paths, items[m]) for m in group_of.get(match.a, ()) if m not in (match.a, match.b))
        crossed = section_map.get(owner[match.a]) != owner[match.b]
        moved = crossed or ((rank[match.a], rank[match.b]) in out_of_order and not crossed)
        same = " ".join(a.ref.rule.full_text.split()) == " ".join(b.ref.rule.full_text.split())
        detail = "" if same else word_diff_text(a.ref.rule.full_text, b.ref.rule.full_text)
        if crossed:
            where = " / ".join(a.ref.section) or "(top)"
            detail = (detail + "; " if detail else "") + f"moved from {where}"
        elif moved:
            detail = (detail + "; " if detail else "") + f"moved from position {a.ref.rule.ordinal}"
        if also:
            detail = (detail + "; " if detail else "") + "also stated at " + ", ".join(
                f"{side.path}:{side.line}" for side in also)
        kind = ChangeKind.REWORDED if not same else ChangeKind.MOVED if moved else ChangeKind.UNCHANGED
        changes.append(Change(Target.RULE, kind, " / ".join(b.ref.section), _rule_side(paths, a),
                              _rule_side(paths, b), match.score, detail, moved, also))
    paired = {m.a for m in pair.matches} | {m.b for m in pair.matches}
    for found in sorted(pair.contradictions, key=lambda c: (-c.score, c.a, c.b)):
        if found.a in paired or found.b in paired:
            continue
        paired |= {found.a, found.b}
        a, b = sorted((items[found.a], items[found.b]), key=lambda item: item.doc)
        changes.append(Change(Target.RULE, ChangeKind.CONTRADICTION, " / ".join(b.ref.section), _rule_side(paths, a),
                              _rule_side(paths, b), found.score, found.reason))
    repeats = _repeats(pair, paired)
    for n, item in enumerate(items):
        if n not in paired:
            side = _rule_side(paths, item)
            kind = ChangeKind.REMOVED if item.doc == 0 else ChangeKind.ADDED
            again = tuple(_rule_side(paths, items[r]) for r in repeats.get(n, ()))
            detail = f"repeats {again[0].path}:{again[0].line}" if again else ""
            old_side, new_side = (side, None) if item.doc == 0 else (None, side)
            changes.append(Change(Target.RULE, kind, " / ".join(item.ref.section), old_side, new_side,
                                  detail=detail, repeats=again))
    return changes


def _repeats(pair: PairAlignment, paired: set[int]) -> dict[int, tuple[int, ...]]:
    """For each unpaired rule in a group of the alignment: the group's other rules.

    :func:`~agentmerge.pairing.align_pair` groups the rules of both files as
    :func:`~agentmerge.align.align_rules` does; the unpaired members of a group restate, in
    their own file, a rule of the group. Paired members come first.
    """
    out = {}
    for group in pair.groups:
        for member in group.members:
            if member not in paired and len(group.members) > 1:
                others = [m for m in group.members if m != member]
                out[member] = tuple(sorted(others, key=lambda m: (m not in paired, m)))
    return out


def _rule_side(paths: tuple[str, str], item: Item) -> Side:
    rule: Rule = item.ref.rule
    own_end = rule.children[0].span.start - 1 if rule.children else rule.span.end
    return Side(paths[item.doc], rule.span.start, max(rule.span.start, own_end), rule.full_text)


# -- other blocks ------------------------------------------------------------------------------


def _text_blocks(sections: Sequence[_Sec]) -> list[tuple[int, Block]]:
    return [(index, block) for index, sec in enumerate(sections) for block in sec.section.blocks
            if block.kind in TEXT_BLOCKS and block.source.strip()]


def _block_changes(old: Sequence[_Sec], new: Sequence[_Sec], section_map: dict[int, int], old_path: str,
                   new_path: str) -> list[Change]:
    before, after = _text_blocks(old), _text_blocks(new)
    paired: dict[int, int] = {}
    free = list(range(len(after)))
    # Equal text pairs first, preferring the paired section, then anywhere.
    for strict in (True, False):
        for i, (where, block) in enumerate(before):
            if i in paired:
                continue
            for j in free:
                there, other = after[j]
                if other.kind is block.kind and other.source.strip() == block.source.strip() and (
                        not strict or section_map.get(where) == there):
                    paired[i] = j
                    free.remove(j)
                    break
    scores = {}
    for i, (_, block) in enumerate(before):
        if i in paired:
            continue
        for j in free:
            other = after[j][1]
            if other.kind is block.kind:
                ratio = difflib.SequenceMatcher(None, block.source.split(), other.source.split(),
                                                autojunk=False).ratio()
                if ratio >= BLOCK_THRESHOLD:
                    scores[(i, j)] = ratio
    similar = {i: (j, score) for i, j, score in assign(scores)}
    changes = []
    key_old = [" / ".join(old[w].path) for w, _ in before]
    key_new = [" / ".join(new[w].path) for w, _ in after]
    for i, (_, block) in enumerate(before):
        old_side = _block_side(old_path, block)
        if i in paired:
            j = paired[i]
            changes.append(Change(Target.BLOCK, ChangeKind.UNCHANGED, key_new[j], old_side,
                                  _block_side(new_path, after[j][1])))
        elif i in similar:
            j, score = similar[i]
            other = after[j][1]
            changes.append(Change(Target.BLOCK, ChangeKind.CHANGED, key_new[j], old_side, _block_side(new_path, other),
                                  round(score, 3), _block_detail(block.source, other.source)))
        else:
            changes.append(Change(Target.BLOCK, ChangeKind.REMOVED, key_old[i], old_side, None))
    taken = set(paired.values()) | {j for j, _ in similar.values()}
    for j, (_, block) in enumerate(after):
        if j not in taken:
            changes.append(Change(Target.BLOCK, ChangeKind.ADDED, key_new[j], None, _block_side(new_path, block)))
    return changes


def _block_side(path: str, block: Block) -> Side:
    return Side(path, block.span.start, block.span.end, block.source.rstrip("\r\n"))


def _block_detail(a: str, b: str) -> str:
    """A word diff for one-line blocks, else the changed lines ``-``/``+`` prefixed, one per line."""
    if "\n" not in a.strip() and "\n" not in b.strip():
        return word_diff_text(a, b)
    lines = difflib.ndiff(a.splitlines(), b.splitlines())
    return "\n".join(line for line in lines if line[:1] in "-+")


def iter_changes(diffs: Sequence[AgentDiff], *, changed_only: bool = True) -> Iterator[Change]:
    """Every change of ``diffs`` in order, unchanged entries left out when ``changed_only``."""
    for diff in diffs:
        for change in diff.changes:
            if not changed_only or change.kind is not ChangeKind.UNCHANGED:
                yield change
