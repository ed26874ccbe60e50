"""Frontmatter policies of the canonical agent: one deterministic rule per key.

* ``name``: the most common name (ties: the ``--prefer`` file's, then the shortest, then the
  alphabetically first), unless ``--name`` sets it; then made safe for a file name
  (:func:`agentmerge.files.safe_name`), because Claude Code wants ``name`` = file stem.
* ``description``: the most complete one, i.e. the one whose content words (the comparator's
  Snowball stems, :func:`agentmerge.normalize.rule_key`) cover the most of what the variants'
  descriptions say, each word weighted by the number of descriptions that use it (ties: the
  ``--prefer`` file's, then the most common, then the shortest, then alphabetical). The others
  stay in the report as alternatives.
* ``tools``: :class:`ToolsPolicy` (union by default). A variant without ``tools`` (or with
  ``*``) inherits every tool, which the policies respect: a union with it is every tool (the key
  is left out), an intersection is not narrowed by it, and it grants every tool in a majority.
* ``model``, ``color``, ``permissionMode``: the value most variants have, absence counting as a
  value (it means "inherit"); a tie is a conflict unless the ``--prefer`` file is among the
  leaders; otherwise the base variant's value, then the alphabetically first, is written.
* Every other key: kept when more than half of the variants set it (the ``--prefer`` file
  breaks an even split), with the value most of them have (ties as above).

A key whose chosen value equals the base variant's keeps the base's source text; the block as a
whole is kept byte for byte when nothing differs, so a single file consolidates to itself.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import yaml

from agentmerge.files import safe_name
from agentmerge.frontmatter import parse_tools, thaw
from agentmerge.model import AgentDoc, Dialect, FrontmatterStatus, Value
from agentmerge.normalize import rule_key
from agentmerge.report import FieldChoice


class ToolsPolicy(enum.Enum):
    """How the ``tools`` lists of the variants combine (``--tools``)."""

    UNION = "union"
    """Every tool any variant may use: no variant loses a capability."""
    INTERSECTION = "intersection"
    """Only the tools every variant may use: the least privilege they agree on."""
    MAJORITY = "majority"
    """The tools more than half of the variants may use."""


#: Keys decided by a plain majority with ties reported as conflicts (issue 4).
MAJORITY_KEYS = frozenset({"model", "color", "permissionMode"})
#: Dialects whose agents need a ``name`` (Claude Code "Subagents", Gemini CLI subagents).
NAMED_DIALECTS = frozenset({Dialect.CLAUDE_CODE, Dialect.GEMINI})


@dataclass(frozen=True, slots=True)
class _Votes:
    """The variants' values of one key: ``present[n]`` says whether variant ``n`` sets it."""

    key: str
    values: tuple[Value, ...]
    present: tuple[bool, ...]
    table: tuple[tuple[Value, tuple[str, ...]], ...]


def choose_fields(
    docs: Sequence[AgentDoc], *, base: int, prefer: int | None = None, name: str | None = None,
    tools: ToolsPolicy = ToolsPolicy.UNION,
) -> tuple[FieldChoice, ...]:
    """Choose the canonical value of every frontmatter key the variants use.

    Args:
        docs: the variants, in a fixed order (the result depends on their paths, not the order).
        base: index of the base variant: its key order is kept and it breaks the last ties.
        prefer: index of the ``--prefer`` variant, which wins every tie.
        name: the ``--name`` value, which overrides the name policy.
        tools: the ``--tools`` policy.

    Returns:
        One :class:`FieldChoice` per key, in the base's key order then first-seen order;
        ``name`` is always first or present.
    """
    keys: list[str] = list(docs[base].frontmatter.keys)
    for doc in docs:
        keys.extend(key for key in doc.frontmatter.keys if key not in keys)
    if "name" not in keys:
        keys.insert(0, "name")
    choices = []
    for key in keys:
        present = tuple(doc.frontmatter.field(key) is not None for doc in docs)
        values = tuple(doc.frontmatter.get(key) for doc in docs)
        if key == "name":
            values = tuple(doc.name for doc in docs)
        table: dict[Value, list[str]] = {}
        for doc, value, here in zip(docs, values, present, strict=True):
            table.setdefault(value if here or key == "name" else None, []).append(doc.path)
        votes = _Votes(key, values, present, tuple((v, tuple(p)) for v, p in table.items()))
        if key == "name":
            choices.append(_name(votes, docs, base, prefer, name))
        elif key == "description":
            choices.append(_description(votes, base, prefer))
        elif key == "tools":
            choices.append(_tools(votes, base, prefer, tools))
        else:
            choices.append(_majority(votes, base, prefer))
    return tuple(choices)


def _name(votes: _Votes, docs: Sequence[AgentDoc], base: int, prefer: int | None, name: str | None) -> FieldChoice:
    counts = Counter(str(v) for v in votes.values)
    most = max(counts.values())
    leaders = sorted(n for n in counts if counts[n] == most)
    if name is not None:
        value, reason = name, "set by --name"
    elif prefer is not None and str(votes.values[prefer]) in leaders and len(leaders) > 1:
        value, reason = str(votes.values[prefer]), "tie between names, won by the --prefer file"
    else:
        value = min(leaders, key=lambda n: (len(n), n))
        reason = f"most common name ({most} of {len(votes.values)})"
        if len(leaders) > 1:
            reason += "; tie: the shortest, then alphabetical"
    safe = safe_name(value)
    if safe != value:
        reason += f"; made safe for a file name (was {value!r})"
    kept = any(votes.present) or docs[base].dialect in NAMED_DIALECTS
    return FieldChoice("name", safe, kept, reason, votes.table, False)


def _description(votes: _Votes, base: int, prefer: int | None) -> FieldChoice:
    texts = [(n, v) for n, (v, here) in enumerate(zip(votes.values, votes.present, strict=True))
             if here and isinstance(v, str)]
    if not texts:
        return _majority(votes, base, prefer)
    if len({text for _, text in texts}) == 1:
        return FieldChoice("description", texts[0][1], True, "the variants agree", votes.table, False)
    stems = {n: set(rule_key(text).stems) for n, text in texts}
    used = Counter(stem for found in stems.values() for stem in found)
    common = Counter(" ".join(text.split()) for _, text in texts)

    def rank(entry: tuple[int, str]) -> tuple[int, bool, int, int, str]:
        n, text = entry
        return (-sum(used[s] for s in stems[n]), n != prefer, -common[" ".join(text.split())], len(text), text)

    number, value = min(texts, key=rank)
    reason = "most complete: covers the most content words the descriptions use"
    if len(common) > 1:
        reason += f" (weight {sum(used[s] for s in stems[number])}); the others are alternatives"
    return FieldChoice("description", value, True, reason, votes.table, False)


def _tools(votes: _Votes, base: int, prefer: int | None, policy: ToolsPolicy) -> FieldChoice:
    order = [n for n in (prefer, base) if n is not None] + list(range(len(votes.values)))
    lists: dict[int, tuple[str, ...]] = {}
    for n in dict.fromkeys(order):
        tools = parse_tools(votes.values[n]) if votes.present[n] else None
        if tools is not None and "*" not in tools:
            lists[n] = tools
    everything = len(votes.values) - len(lists)  # variants that inherit every tool
    seen = list(dict.fromkeys(tool for tools in lists.values() for tool in tools))
    total = len(votes.values)
    if policy is ToolsPolicy.UNION:
        chosen = None if everything else seen
        reason = "union of the variants' tools"
        if everything:
            reason += f"; {everything} variant(s) set no tools and inherit all, so all are kept (key left out)"
    elif policy is ToolsPolicy.INTERSECTION:
        chosen = [t for t in seen if all(t in tools for tools in lists.values())] if lists else None
        reason = "intersection of the variants' tools"
        if everything:
            reason += f"; {everything} variant(s) inherit all tools and narrow nothing"
    else:
        if everything * 2 > total:
            chosen = None
        else:
            chosen = [t for t in seen if (sum(t in tools for tools in lists.values()) + everything) * 2 > total]
        reason = "tools more than half of the variants may use"
        if everything:
            reason += f" (the {everything} without tools inherit all)"
    wildcard = votes.present[base] and parse_tools(votes.values[base]) == ("*",)
    if chosen is None:
        value: Value = votes.values[base] if wildcard else None
        return FieldChoice("tools", value, wildcard, reason, votes.table, False)
    return FieldChoice("tools", ", ".join(chosen), True, reason, votes.table, False)


def _majority(votes: _Votes, base: int, prefer: int | None) -> FieldChoice:
    total = len(votes.values)
    count = sum(votes.present)
    if votes.key not in MAJORITY_KEYS and count * 2 <= total:
        won = prefer is not None and votes.present[prefer] and count * 2 == total
        if not won:
            reason = f"set by {count} of {total} variants; kept only when a majority sets it"
            return FieldChoice(votes.key, None, False, reason, votes.table, False)
    candidates = [(here, v) for v, here in zip(votes.values, votes.present, strict=True)
                  if here or votes.key in MAJORITY_KEYS]
    tally = Counter(candidates)
    top = max(tally.values())
    leaders = [entry for entry in tally if tally[entry] == top]
    conflict = False
    if len(leaders) == 1:
        [(here, value)] = leaders
        reason = f"majority ({top} of {len(candidates)})"
    else:
        pick = next((entry for n in (prefer, base) if n is not None
                     for entry in [(votes.present[n], votes.values[n])] if entry in leaders), None)
        if prefer is not None and pick == (votes.present[prefer], votes.values[prefer]):
            reason = f"tie between {len(leaders)} values, won by the --prefer file"
        elif pick is not None:
            conflict = True
            reason = f"tie between {len(leaders)} values; the base variant's is written"
        else:
            conflict = True
            pick = min(leaders, key=lambda entry: (not entry[0], repr(entry[1])))
            reason = f"tie between {len(leaders)} values; the alphabetically first is written"
        here, value = pick
    return FieldChoice(votes.key, value if here else None, here, reason, votes.table, conflict)


def render_frontmatter(base: AgentDoc, fields: Sequence[FieldChoice], newline: str) -> str:
    """The canonical frontmatter block (``---`` lines included), ``""`` when nothing is written.

    The base's block is returned byte for byte when it is tidy (valid YAML between ``---`` lines
    at the start of the file, keys not indented) and every written key has the base's value in
    the base's order; otherwise a key keeps the base's source line when its value is unchanged
    and the block is tidy, and is dumped with PyYAML's safe dumper (key order kept) when not.
    For Claude Code, ``tools`` is always a comma string, as its documentation writes it.
    """
    kept = [choice for choice in fields if choice.kept]
    claude = base.dialect is Dialect.CLAUDE_CODE
    same = [_tidy(base) and _unchanged(base, choice, claude) for choice in kept]
    if all(same) and tuple(c.key for c in kept) == base.frontmatter.keys and base.frontmatter.source:
        return base.frontmatter.source
    if not kept:
        return ""
    lines = []
    for choice, unchanged in zip(kept, same, strict=True):
        field = base.frontmatter.field(choice.key)
        if unchanged and field is not None:
            lines.append(field.source.rstrip("\r\n") + newline)
        else:
            lines.append(_dump(choice.key, choice.value).replace("\n", newline))
    return f"---{newline}{''.join(lines)}---{newline}"


def _tidy(doc: AgentDoc) -> bool:
    """Whether the frontmatter's text can be reused: valid YAML between ``---`` lines at the very
    start of the file, keys at column 0 (not indented, not closed by ``...``)."""
    fm = doc.frontmatter
    lines = fm.source.splitlines()
    return (fm.status is FrontmatterStatus.VALID and len(lines) >= 2 and lines[0] == "---" and lines[-1] == "---"
            and not any(item.source[:1].isspace() for item in fm.fields))


def _unchanged(base: AgentDoc, choice: FieldChoice, claude: bool) -> bool:
    field = base.frontmatter.field(choice.key)
    if field is None:
        return False
    if choice.key != "tools" or field.value == choice.value:
        return field.value == choice.value
    comma = isinstance(field.value, str) and not field.value.strip().startswith("[")
    return parse_tools(field.value) == parse_tools(choice.value) and (comma or not claude)


def _dump(key: str, value: Value) -> str:
    return yaml.safe_dump({key: thaw(value)}, sort_keys=False, allow_unicode=True, width=100_000,
                          default_flow_style=False)
