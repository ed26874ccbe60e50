"""GitHub-flavoured Markdown renderers, for people and pull-request comments.

Text taken from agent files is escaped (:func:`escape`) so it cannot open HTML, break a table
or mention people.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from agentmerge.frontmatter import thaw
from agentmerge.model import Value

if TYPE_CHECKING:  # only for annotations: the diff and review renderers need escape() alone
    from agentmerge.report import MergeResult, Source

_SPECIAL = re.compile(r"([\\`*_\[\]|<>#~])")


def escape(text: str, width: int = 120) -> str:
    """Make ``text`` inert inline Markdown: one line, markup characters escaped, no @-mentions."""
    flat = " ".join(text.split())
    if len(flat) > width:
        flat = flat[: width - 3] + "..."
    flat = flat.replace("&", "&amp;")
    flat = _SPECIAL.sub(r"\\\1", flat)
    return flat.replace("@", "@\u200b")


def consolidate(results: Sequence[MergeResult]) -> str:
    """The conflict report of every role, with each canonical agent in a collapsed block.

    Per role: member files, aliases, frontmatter choices, contradictions, sections missing from
    some variants, rules found in one variant only, rules left out, within-file duplicates, the
    persona statements left out.
    """
    out = ["# agentmerge consolidate", ""]
    out.append("| role | files | rule groups | kept | conflicts |")
    out.append("|---|---:|---:|---:|---:|")
    for r in results:
        kept = sum(1 for g in r.groups if g.kept)
        out.append(f"| {escape(r.name)} | {len(r.members)} | {len(r.groups)} | {kept} | {r.conflicts} |")
    for r in results:
        out += ["", f"## {escape(r.name)}", ""]
        out += _members(r)
        out += _fields(r)
        out += _contradictions(r)
        out += _missing(r)
        out += _rules("Rules found in only one variant", [(g.sources[0], "") for g in r.unique], collapsed=True)
        dropped = [(g.sources[0], g.dropped or "") for g in r.groups if not g.kept]
        out += _rules("Rules left out", dropped, collapsed=False)
        duplicates = [(d.rules[0], "also at " + ", ".join(f"line {s.line}" for s in d.rules[1:])) for d in r.duplicates]
        out += _rules("Rules stated twice in one file", duplicates, collapsed=True)
        out += _persona(r)
        fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", r.text))])
        out += ["", "<details><summary>Canonical agent</summary>", "", f"{fence}markdown",
                r.text.rstrip("\n"), fence, "", "</details>"]
    return "\n".join(out) + "\n"


def _path(path: str, line: int | None = None) -> str:
    """A file reference as inline code, escaped instead when it holds what would break code."""
    where = path if line is None else f"{path}:{line}"
    return escape(where) if re.search(r"[`|\n]", where) else f"`{where}`"


def _members(r: MergeResult) -> list[str]:
    out = [f"{len(r.members)} file(s); base {_path(r.base)}; {r.conflicts} conflict(s).", ""]
    out += ["| file | name | joined by |", "|---|---|---|"]
    out += [f"| {_path(m.path)} | {escape(m.name)} | {escape(m.joined or '')} |" for m in r.members]
    if r.aliases:
        out += ["", "Aliases: " + ", ".join(f"{escape(old)} → {escape(new)}" for old, new in r.aliases)]
    return out


def _fields(r: MergeResult) -> list[str]:
    out = ["", "### Frontmatter", "", "| key | chosen | why | values |", "|---|---|---|---|"]
    for f in r.fields:
        values = "; ".join(f"{escape(_value(v), 40)} ({len(p)})" for v, p in f.values)
        mark = " **conflict**" if f.conflict else ""
        chosen = escape(_value(f.value), 60) if f.kept else "(left out)"
        out.append(f"| {escape(f.key)}{mark} | {chosen} | {escape(f.reason)} | {values} |")
    return out


def _contradictions(r: MergeResult) -> list[str]:
    lines = []
    for c in r.contradictions:
        a, b = c.sides
        lines.append(f"- {_path(a.path, a.line)} {escape(a.text)} **vs** {_path(b.path, b.line)} {escape(b.text)}"
                     f" ({escape(c.reason)}): {escape(c.resolution)}")
    return _listing("Contradictions", lines)


def _missing(r: MergeResult) -> list[str]:
    lines = [f"- **{escape(m.title)}** in {', '.join(_path(h.path, h.line) for h in m.headings)}; "
             f"missing from {', '.join(_path(p) for p in m.missing)}" for m in r.missing_sections]
    return _listing("Sections missing from some variants", lines)


def _persona(r: MergeResult) -> list[str]:
    if r.persona is None or not r.persona.alternatives:
        return []
    chosen = r.persona.chosen
    lines = [f"- kept: {_path(chosen.path, chosen.line)} {escape(chosen.text)} ({escape(r.persona.reason)})"]
    lines += [f"- left out: {_path(a.path, a.line)} {escape(a.text)}" for a in r.persona.alternatives]
    return _listing("Persona statements", lines, collapsed=True)


def _rules(title: str, rules: list[tuple[Source, str]], *, collapsed: bool) -> list[str]:
    lines = [f"- {_path(s.path, s.line)} {escape(s.text)}" + (f": {escape(note)}" if note else "") for s, note in rules]
    return _listing(title, lines, collapsed=collapsed)


def _listing(title: str, lines: list[str], *, collapsed: bool = False) -> list[str]:
    """A titled list of findings (none: nothing), collapsed into ``<details>`` when long-winded."""
    if not lines:
        return []
    if collapsed:
        return ["", f"<details><summary>{escape(title)} ({len(lines)})</summary>", "", *lines, "", "</details>"]
    return ["", f"### {escape(title)} ({len(lines)})", "", *lines]


def _value(value: Value) -> str:
    """A frontmatter value on one line: lists as ``a, b`` (how ``tools`` is written)."""
    plain = thaw(value)
    if plain is None:
        return "(absent)"
    return ", ".join(str(item) for item in plain) if isinstance(plain, list) else str(plain)
