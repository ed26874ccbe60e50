"""GitHub-flavoured Markdown renderers, for people and pull-request comments.

Text taken from agent files is escaped (:func:`escape`) so it cannot open HTML, break a table
or mention people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentmerge.frontmatter import thaw
from agentmerge.merge import ConflictKind, MergeResult

_SPECIAL = re.compile(r"([\\`*_\[\]|<>#])")


def escape(text: str, width: int = 120) -> str:
    """Make ``text`` inert inline Markdown: one line, markup characters escaped, no @-mentions."""
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width - 3] + "..."
    flat = flat.replace("&", "&amp;")
    flat = _SPECIAL.sub(r"\\\1", flat)
    return flat.replace("@", "@\u200b")


def consolidate(results: Sequence[MergeResult]) -> str:
    """The conflict report of every role, with each canonical agent in a collapsed block."""
    out = ["# agentmerge consolidate", ""]
    out.append("| role | files | rule groups | conflicts |")
    out.append("|---|---:|---:|---:|")
    for r in results:
        out.append(f"| {escape(r.name)} | {len(r.paths)} | {len(r.groups)} | {len(r.conflicts)} |")
    for r in results:
        out += ["", f"## {escape(r.name)}", "", "Files: " + ", ".join(f"`{p}`" for p in r.paths), ""]
        out += ["### Frontmatter", "", "| key | chosen | why | values |", "|---|---|---|---|"]
        for f in r.fields:
            values = "; ".join(f"{escape(_value(v), 40)} ({len(p)})" for v, p in f.values)
            mark = " **conflict**" if f.conflict else ""
            out.append(f"| {escape(f.key)}{mark} | {escape(_value(f.value), 60)} | {escape(f.reason)} | {values} |")
        contradictions = [c for c in r.conflicts if c.kind is ConflictKind.CONTRADICTION]
        if contradictions:
            out += ["", "### Contradictions", ""]
            for c in contradictions:
                a, b = c.sources
                out.append(f"- `{a.path}:{a.line}` {escape(a.text)} **vs** `{b.path}:{b.line}` {escape(b.text)}"
                           f" ({escape(c.message)})")
        unique = [c for c in r.conflicts if c.kind is ConflictKind.UNIQUE_RULE]
        if unique:
            out += ["", f"<details><summary>Rules found in only one variant ({len(unique)})</summary>", ""]
            out += [f"- `{c.sources[0].path}:{c.sources[0].line}` {escape(c.sources[0].text)}" for c in unique]
            out += ["", "</details>"]
        fence = "````" if "```" in r.text else "```"
        out += ["", "<details><summary>Canonical agent</summary>", "", f"{fence}markdown",
                r.text.rstrip("\n"), fence, "", "</details>"]
    return "\n".join(out) + "\n"


def _value(value: object) -> str:
    return "(absent)" if value is None else str(thaw(value))  # type: ignore[arg-type]
