"""Renderers of a structural diff (:class:`agentmerge.diff.AgentDiff`): text, JSON and Markdown.

``RENDERERS`` maps each ``--format`` name to a function ``(diff, *, stat) -> str``; the terminal
format (rich) lives in :mod:`agentmerge.render.terminal`, outside the pure core.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any

from agentmerge.diff import AgentDiff, Change, ChangeKind, Side, Target, word_diff
from agentmerge.render import dumps
from agentmerge.render.markdown import escape

#: Symbol in front of each change in the text format (as diff(1): ``-`` old, ``+`` new).
SYMBOLS = MappingProxyType({
    ChangeKind.ADDED: "+", ChangeKind.REMOVED: "-", ChangeKind.CHANGED: "~", ChangeKind.REWORDED: "~",
    ChangeKind.MOVED: ">", ChangeKind.RENAMED: ">", ChangeKind.CONTRADICTION: "!", ChangeKind.UNCHANGED: " ",
})
PLURALS = MappingProxyType({Target.FRONTMATTER: "keys", Target.SECTION: "sections", Target.RULE: "rules",
                            Target.BLOCK: "blocks"})


def summary(diff: AgentDiff) -> str:
    """One line of counts per target and kind: ``rules: 3 reworded, 1 added; sections: 1 renamed``."""
    counts = diff.counts()
    parts = []
    for target in Target:
        kinds = [f"{counts[(target, kind)]} {kind.value}" for kind in ChangeKind
                 if kind is not ChangeKind.UNCHANGED and counts[(target, kind)]]
        if kinds:
            parts.append(f"{PLURALS[target]}: {', '.join(kinds)}")
    return "; ".join(parts) if parts else "no semantic difference"


def _where(change: Change, *, short: bool = False) -> str:
    """``old.md:12 -> new.md:14``; ``short`` writes ``a:12 -> b:14`` (the paths are in the header)."""
    sides = [f"{('a' if n == 0 else 'b') if short else side.path}:{side.line}"
             for n, side in enumerate((change.old, change.new)) if side is not None]
    return " -> ".join(sides)


def _label(change: Change) -> str:
    score = f" ({change.score:.2f})" if change.score is not None and change.kind is not ChangeKind.UNCHANGED else ""
    return f"{SYMBOLS[change.kind]} {change.target.value} {change.kind.value}{score}"


def _side_text(change: Change) -> str:
    side = change.new if change.new is not None else change.old
    assert side is not None
    if change.target is Target.FRONTMATTER:
        return f"{change.key}: {side.text}" if change.kind in (ChangeKind.ADDED, ChangeKind.REMOVED) else change.key
    return " ".join(side.text.split())[:200] if change.target is not Target.BLOCK else side.text.splitlines()[0][:200]


def text_lines(diff: AgentDiff) -> Iterator[tuple[ChangeKind | None, str]]:
    """The text format line by line, each with the kind that colours it (``None``: plain)."""
    yield None, f"--- {diff.old_path}"
    yield None, f"+++ {diff.new_path}"
    for change in diff.changes:
        if change.kind is ChangeKind.UNCHANGED:
            continue
        context = f" [{change.key}]" if change.key and change.target in (Target.RULE, Target.BLOCK) else ""
        yield change.kind, f"{_label(change)} {_where(change, short=True)}{context}: {_side_text(change)}"
        if change.kind is ChangeKind.CONTRADICTION and change.old and change.new:
            yield ChangeKind.REMOVED, f"    - {change.old.text}"
            yield ChangeKind.ADDED, f"    + {change.new.text}"
        for line in change.detail.splitlines():
            yield None, f"    {line}"
    yield None, summary(diff)


def text(diff: AgentDiff, *, stat: bool = False) -> str:
    """Plain text, one change per line (details indented below it), then the summary line."""
    if stat:
        return f"{diff.old_path} -> {diff.new_path}: {summary(diff)}\n"
    return "".join(line + "\n" for _, line in text_lines(diff))


def _side(side: Side) -> dict[str, Any]:
    return {"path": side.path, "line": side.line, "end_line": side.end_line, "text": side.text}


def as_dict(diff: AgentDiff, *, stat: bool = False) -> dict[str, Any]:
    """The JSON document of a diff (shape: ``agentmerge/schemas/diff.schema.json``).

    Each change lists its sides under ``"sources"`` (two for a paired entry, one for an added or
    removed one), except a contradiction, whose two opposite rules are under ``"sides"``: they
    are not aligned as equivalent, and alignment scorers read ``"sources"`` as exactly that. An
    entry whose rules restate other rules (``"repeats": true``) lists those after its own sides:
    all of them say the same thing (:attr:`agentmerge.diff.Change.repeats`).
    """
    counts = diff.counts()
    out: dict[str, Any] = {
        "version": 1,
        "old": diff.old_path,
        "new": diff.new_path,
        "differs": diff.differs,
        "summary": {t.value: {k.value: counts[(t, k)] for k in ChangeKind if counts[(t, k)]} for t in Target},
    }
    if stat:
        return out
    entries = []
    for change in diff.changes:
        sides = [_side(s) for s in (change.old, change.new, *change.repeats) if s is not None]
        entry: dict[str, Any] = {"target": change.target.value, "kind": change.kind.value, "key": change.key}
        entry["sides" if change.kind is ChangeKind.CONTRADICTION else "sources"] = sides
        if change.score is not None:
            entry["score"] = change.score
        if change.moved:
            entry["moved"] = True
        if change.repeats:
            entry["repeats"] = True
        if change.detail:
            entry["detail"] = change.detail
        if change.kind is ChangeKind.REWORDED and change.old and change.new:
            entry["words"] = [{"op": op, "text": words} for op, words in word_diff(change.old.text, change.new.text)]
        entries.append(entry)
    out["changes"] = entries
    return out


def json(diff: AgentDiff, *, stat: bool = False) -> str:
    """The diff as indented JSON, keys in a fixed order."""
    return dumps(as_dict(diff, stat=stat))


def _md_words(change: Change) -> str:
    if change.old is None or change.new is None:
        return ""
    marks = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}
    return " ".join(marks[op].format(escape(words, 400)) for op, words in word_diff(change.old.text,
                                                                                       change.new.text))


def _md_line(change: Change) -> str:
    where = escape(_where(change))
    if change.kind is ChangeKind.REWORDED or (change.target is Target.FRONTMATTER and change.kind is ChangeKind.CHANGED
                                              and change.old and "\n" not in change.old.text):
        body = _md_words(change)
    elif change.kind is ChangeKind.CONTRADICTION and change.old and change.new:
        body = f"<del>{escape(change.old.text)}</del> vs <ins>{escape(change.new.text)}</ins>"
    else:
        body = escape(_side_text(change)) + (f" ({escape(change.detail)})" if change.detail else "")
    key = f" *{escape(change.key)}*" if change.key and change.target is not Target.FRONTMATTER else ""
    return f"- **{change.kind.value}**{key} ({where}): {body}"


def markdown(diff: AgentDiff, *, stat: bool = False) -> str:
    """GitHub-flavoured Markdown for a pull-request comment: a summary table, then collapsed details."""
    counts = diff.counts()
    kinds = [k for k in ChangeKind if k is not ChangeKind.UNCHANGED and any(counts[(t, k)] for t in Target)]
    out = [f"### agentmerge diff {escape(diff.old_path)} → {escape(diff.new_path)}", ""]
    if not kinds:
        return "\n".join([*out, "No semantic difference.", ""])
    out += ["| | " + " | ".join(k.value for k in kinds) + " |", "|---|" + "---:|" * len(kinds)]
    for target in Target:
        if any(counts[(target, k)] for k in kinds):
            out.append(f"| {PLURALS[target]} | " + " | ".join(str(counts[(target, k)] or "") for k in kinds) + " |")
    if stat:
        return "\n".join([*out, ""])
    for target in Target:
        changed = [c for c in diff.changes if c.target is target and c.kind is not ChangeKind.UNCHANGED]
        if changed:
            out += ["", f"<details><summary>{PLURALS[target].capitalize()}: {len(changed)} changed</summary>", ""]
            out += [_md_line(change) for change in changed]
            out += ["", "</details>"]
    return "\n".join([*out, ""])


RENDERERS: MappingProxyType[str, Callable[..., str]] = MappingProxyType(
    {"text": text, "json": json, "markdown": markdown}
)
