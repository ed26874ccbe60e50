"""Renderers of ``agentmerge dedup``: the report (text, JSON, Markdown, and the pull-request formats
of ``agentmerge review``), the ``--check`` lines, and the edits (unified diff, list of removed rules).

``RENDERERS`` maps each ``--format`` name to a function ``(result) -> str``.
"""

from __future__ import annotations

import difflib
import textwrap
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any

from agentmerge.dedup import AgentCopies, Copy, CopyKind, DedupResult, Edit, NameCollision, RuleAt, SharedRule
from agentmerge.dedup.findings import dedup_findings, dedup_review
from agentmerge.diff import ChangeKind, Target
from agentmerge.render import dumps
from agentmerge.render.diff import summary
from agentmerge.render.markdown import escape
from agentmerge.render.review import RENDERERS as REVIEW_RENDERERS

SCHEMA_VERSION = 1
_WIDTH = 100


def _clip(text: str, width: int = _WIDTH) -> str:
    """One line of at most ``width`` characters, cut at a word (textwrap.shorten)."""
    return textwrap.shorten(text, width=width, placeholder="...")


def _keys(copy: Copy) -> list[str]:
    """Frontmatter keys whose values differ between the copy and its group's first file."""
    return [c.key for c in copy.diff.changes if c.target is Target.FRONTMATTER and c.kind is not ChangeKind.UNCHANGED]


def _counts(result: DedupResult) -> dict[str, int]:
    return {
        "exact_copies": sum(1 for group in result.copies if group.kind is CopyKind.EXACT),
        "near_copies": sum(1 for group in result.copies if group.kind is CopyKind.NEAR),
        "name_collisions": len(result.collisions),
        "repeated_rules": len(result.repeats),
        "shared_rules": len(result.shared),
    }


_LABELS = MappingProxyType({"exact_copies": "groups of exact copies", "near_copies": "groups of near copies",
                            "name_collisions": "name collisions", "repeated_rules": "groups of repeated rules",
                            "shared_rules": "shared rules"})


def _summary_line(result: DedupResult) -> str:
    return ", ".join(f"{value} {_LABELS[key]}" for key, value in _counts(result).items())


# -- text -------------------------------------------------------------------------------------------


def text(result: DedupResult) -> str:
    """The report for a terminal or a log: one block per finding kind, then a summary line."""
    out: list[str] = []
    for group in result.copies:
        what = "exact copies" if group.kind is CopyKind.EXACT else f"near copies (similarity >= {result.threshold})"
        out.append(f"{what}: {group.path}")
        for copy in group.copies:
            detail = _copy_detail(group, copy)
            out.append(f"  {'=' if group.kind is CopyKind.EXACT else '~'} {copy.path}  {detail}")
    for collision in result.collisions:
        out.append(f"name collision: '{collision.name}' ({collision.dialect.value}): {collision.reason}")
        for agent in collision.agents:
            where = agent.path if agent.line is None else f"{agent.path}:{agent.line}"
            mark = "  (loaded)" if agent.path == collision.winner else ""
            out.append(f"  {agent.scope.value:<8} {where}{mark}")
    for repeat in result.repeats:
        out.append(f"repeated rules: {repeat.path}  ({repeat.score:.2f}, {repeat.reason})")
        out.extend(_rule_lines(repeat.rules, keep=repeat.keep, with_path=False))
    for rule in result.shared:
        out.append(f"shared rule, {rule.agents} agents: {_clip(rule.text)}{_reworded(rule)}")
        out.extend(_rule_lines(rule.rules, keep=None, with_path=True))
    out.append(f"summary: {_summary_line(result)}")
    return "\n".join(out) + "\n"


def _reworded(rule: SharedRule) -> str:
    """How many wordings a shared rule has and how close they are, when it has more than one."""
    return f"  ({len(rule.wordings)} wordings, similarity >= {rule.score:.2f})" if len(rule.wordings) > 1 else ""


def _copy_detail(group: AgentCopies, copy: Copy) -> str:
    if group.kind is CopyKind.EXACT:
        keys = _keys(copy)
        return f"(frontmatter differs: {', '.join(keys)})" if keys else "(identical frontmatter)"
    return f"{copy.similarity:.2f}  {summary(copy.diff)}"


def _rule_lines(rules: Sequence[RuleAt], *, keep: int | None, with_path: bool) -> list[str]:
    lines = []
    for number, rule in enumerate(rules):
        where = f"{rule.path}:{rule.line}" if with_path else f"{rule.line:>5}"
        mark = "  (kept)" if number == keep else "  (nested rules: kept)" if keep is not None and rule.nested else ""
        lines.append(f"  {where}  {_clip(rule.text, 80)}{mark}")
    return lines


def check(result: DedupResult) -> str:
    """``--check``: one ``path:line: message`` line per finding, nothing else."""
    return "".join(f"{f.path if f.line is None else f'{f.path}:{f.line}'}: {f.message}\n"
                   for f in dedup_findings(result))


#: The pull-request formats of ``agentmerge review`` that render dedup's findings too
#: (:mod:`agentmerge.dedup.findings`): GitHub annotations, SARIF, reviewdog.
REVIEW_FORMATS = ("github", "rdjson", "rdjsonl", "sarif")


def _as_review(fmt: str) -> Callable[[DedupResult], str]:
    def rendered(result: DedupResult) -> str:
        return REVIEW_RENDERERS[fmt](dedup_review(result))

    return rendered


# -- JSON -------------------------------------------------------------------------------------------


def _rule(rule: RuleAt) -> dict[str, Any]:
    return {"path": rule.path, "line": rule.line, "end_line": rule.end_line, "text": rule.text,
            "section": rule.section, "nested": rule.nested}


def _copy(copy: Copy) -> dict[str, Any]:
    counts = copy.diff.counts()
    return {
        "path": copy.path,
        "similarity": copy.similarity,
        "frontmatter_keys": _keys(copy),
        "summary": summary(copy.diff),
        "changes": [{"target": target.value, "kind": kind.value, "count": count}
                    for (target, kind), count in sorted(counts.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value))
                    if kind is not ChangeKind.UNCHANGED],
    }


def data(result: DedupResult) -> dict[str, Any]:
    """The report as plain data (agentmerge/schemas/dedup.schema.json)."""
    return {
        "version": SCHEMA_VERSION,
        "thresholds": {"near_copy": result.threshold, "rule": result.rule_threshold, "min_agents": result.min_agents,
                       "shared": result.shared_threshold},
        "summary": _counts(result),
        "copies": [{"kind": g.kind.value, "path": g.path, "copies": [_copy(c) for c in g.copies]}
                   for g in result.copies],
        "collisions": [_collision(c) for c in result.collisions],
        "repeats": [{"path": g.path, "score": g.score, "reason": g.reason, "keep": g.keep,
                     "rules": [_rule(r) for r in g.rules]} for g in result.repeats],
        "shared": [{"text": s.text, "section": s.section, "agents": s.agents, "wordings": list(s.wordings),
                    "score": s.score, "rules": [_rule(r) for r in s.rules]} for s in result.shared],
    }


def _collision(collision: NameCollision) -> dict[str, Any]:
    return {"name": collision.name, "dialect": collision.dialect.value, "winner": collision.winner,
            "reason": collision.reason,
            "agents": [{"path": a.path, "line": a.line, "scope": a.scope.value} for a in collision.agents]}


def json(result: DedupResult) -> str:
    """The report as JSON text, two-space indented, UTF-8 kept."""
    return dumps(data(result))


# -- Markdown ---------------------------------------------------------------------------------------


def _code(text: str) -> str:
    """A path as inline code; escaped text instead when it holds what would end the code span."""
    return escape(text) if any(c in text for c in "`|\n") else f"`{text}`"


def markdown(result: DedupResult) -> str:
    """The report as GitHub-flavoured Markdown, file text escaped (:func:`agentmerge.render.markdown.escape`)."""
    out = ["# agentmerge dedup", "", f"{_summary_line(result)}."]
    if result.copies:
        out += ["", "## Copied agents", "", "| agent | copy | similarity | differences |", "|---|---|---:|---|"]
        for group in result.copies:
            out += [f"| {_code(group.path)} | {_code(c.path)} | {c.similarity:.2f} | "
                    f"{escape(_copy_detail(group, c))} |" for c in group.copies]
    if result.collisions:
        out += ["", "## Name collisions", "", "| name | agents | loaded | why |", "|---|---|---|---|"]
        for c in result.collisions:
            agents = "<br>".join(f"{_code(a.path)} ({a.scope.value})" for a in c.agents)
            loaded = _code(c.winner) if c.winner else "undecided"
            out.append(f"| {escape(c.name)} | {agents} | {loaded} | {escape(c.reason)} |")
    if result.repeats:
        out += ["", "## Rules repeated within one agent"]
        for g in result.repeats:
            out += ["", f"{_code(g.path)} (similarity {g.score:.2f}):", ""]
            out += [f"- line {r.line}: {escape(r.text)}{' **(kept)**' if n == g.keep else ''}"
                    for n, r in enumerate(g.rules)]
    if result.shared:
        out += ["", f"## Rules shared by at least {result.min_agents} agents", "",
                "| rule | agents | where |", "|---|---:|---|"]
        for s in result.shared:
            where = "<br>".join(_code(f"{r.path}:{r.line}") for r in s.rules)
            also = "".join(f"<br>~ {escape(wording)}" for wording in s.wordings[1:])
            out.append(f"| {escape(s.text)}{also} | {s.agents} | {where} |")
    return "\n".join(out) + "\n"


RENDERERS: MappingProxyType[str, Callable[[DedupResult], str]] = MappingProxyType({
    "text": text, "json": json, "markdown": markdown, **{fmt: _as_review(fmt) for fmt in REVIEW_FORMATS},
})


# -- edits ------------------------------------------------------------------------------------------


def unified(edits: Sequence[Edit]) -> str:
    """The unified diff of every edit (``--dry-run``); a new file is diffed against /dev/null."""
    out: list[str] = []
    for edit in edits:
        path = edit.path.replace("\\", "/").lstrip("/")
        old = f"a/{path}" if edit.before else "/dev/null"
        out.extend(difflib.unified_diff(edit.before.splitlines(keepends=True), edit.after.splitlines(keepends=True),
                                        old, f"b/{path}"))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def removed(edits: Sequence[Edit]) -> str:
    """What applied edits did: ``path:line: removed: text`` per rule, ``wrote PATH`` for a new file."""
    out = []
    for edit in edits:
        if not edit.removed:
            out.append(f"wrote {edit.path}")
        out.extend(f"{rule.path}:{rule.line}: removed: {_clip(rule.text, 80)}" for rule in edit.removed)
    return "".join(line + "\n" for line in out)

