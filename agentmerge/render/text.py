"""Plain-text renderers (for pipes and logs): one line per item, line numbers first."""

from __future__ import annotations

from collections.abc import Sequence

from agentmerge.frontmatter import thaw
from agentmerge.model import AgentDoc, Block, BlockKind, Diagnostic, Rule, Section
from agentmerge.report import MergeResult

_WIDTH = 72


def _clip(text: str, width: int = _WIDTH) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def show(docs: Sequence[AgentDoc]) -> str:
    """The parsed structure of each document, one node per line with its line range.

    Diagnostics are not included: the CLI prints them to standard error.
    """
    out: list[str] = []
    for doc in docs:
        fm = doc.frontmatter
        out.append(f"{doc.path}  [{doc.dialect.value}]  name={doc.name}")
        if fm.span is not None:
            out.append(f"{_lines(fm.span.start, fm.span.end)}  frontmatter ({fm.status.value})")
            for item in fm.fields:
                value = _clip(str(thaw(item.value)), 60)
                out.append(f"{_lines(item.span.start, item.span.end)}    {item.key}: {value}")
        _section(doc.body, 0, out)
        out.append("")
    return "\n".join(out)


def _lines(start: int, end: int) -> str:
    return f"{start:>5}-{end:<5}" if end != start else f"{start:>5}      "


def _section(section: Section, depth: int, out: list[str]) -> None:
    pad = "  " * depth
    if section.heading is not None:
        h = section.heading
        out.append(f"{_lines(h.span.start, h.span.end)}  {pad}{'#' * h.level} {h.title}")
    for block in section.blocks:
        _block(block, pad + "  ", out)
    for child in section.children:
        _section(child, depth + 1, out)


def _block(block: Block, pad: str, out: list[str]) -> None:
    if block.kind is BlockKind.BLANK:
        return
    where = _lines(block.span.start, block.span.end)
    if block.kind is BlockKind.LIST:
        title = f" \"{_clip(block.title, 50)}\"" if block.title else ""
        out.append(f"{where}  {pad}list{title}")
        for rule in block.rules:
            _rule(rule, pad + "  ", out)
        return
    detail = f" {block.info}" if block.info else ""
    text = f": {_clip(block.text, 50)}" if block.text and block.kind is not BlockKind.CODE else ""
    out.append(f"{where}  {pad}{block.kind.value}{detail}{text}")


def _rule(rule: Rule, pad: str, out: list[str]) -> None:
    label = f"[{rule.label}] " if rule.label else ""
    out.append(f"{_lines(rule.span.start, rule.span.end)}  {pad}{rule.marker} {label}{_clip(rule.text, 60)}")
    for child in rule.children:
        _rule(child, pad + "  ", out)


def check(diagnostics: Sequence[Diagnostic]) -> str:
    """One ``path:line: severity: message`` line per diagnostic."""
    return "".join(d.format() + "\n" for d in diagnostics)


def report(results: Sequence[MergeResult]) -> str:
    """The conflict report of each role, as text: one line per finding, ``path:line`` first."""
    out: list[str] = []
    for result in results:
        kept = sum(1 for g in result.groups if g.kept)
        out.append(f"role {result.name}: {len(result.members)} file(s), {len(result.groups)} rule group(s), "
                   f"{kept} kept, {result.conflicts} conflict(s), base {result.base}")
        for member in result.members:
            joined = f"  ({member.joined})" if member.joined else ""
            out.append(f"  member {member.path}  name={member.name}{joined}")
        for old, new in result.aliases:
            out.append(f"  alias {old} -> {new}")
        for choice in result.fields:
            flag = "CONFLICT " if choice.conflict else ""
            value = _clip(str(thaw(choice.value)), 50) if choice.kept else "(left out)"
            out.append(f"  {flag}{choice.key} = {value}  ({choice.reason})")
        for c in result.contradictions:
            a, b = c.sides
            out.append(f"  CONFLICT contradiction: {a.path}:{a.line} {_clip(a.text, 50)!r} vs "
                       f"{b.path}:{b.line} {_clip(b.text, 50)!r}: {c.resolution}")
        for m in result.missing_sections:
            where = ", ".join(f"{h.path}:{h.line}" for h in m.headings)
            out.append(f"  section {_clip(m.title, 40)!r} in {where}; missing from {', '.join(m.missing)}")
        for group in result.unique:
            s = group.sources[0]
            out.append(f"  unique-rule: {s.path}:{s.line} {_clip(s.text, 60)!r}")
        for group in result.groups:
            if not group.kept:
                s = group.sources[0]
                out.append(f"  left out: {s.path}:{s.line} {_clip(s.text, 50)!r}: {group.dropped}")
        for dup in result.duplicates:
            lines = ", ".join(str(s.line) for s in dup.rules)
            out.append(f"  duplicate: {dup.path}:{dup.rules[0].line} {_clip(dup.rules[0].text, 50)!r} (lines {lines})")
        if result.persona is not None:
            chosen = result.persona.chosen
            for alternative in result.persona.alternatives:
                out.append(f"  persona left out: {alternative.path}:{alternative.line} {_clip(alternative.text, 50)!r}"
                           f" (kept {chosen.path}:{chosen.line}, {result.persona.reason})")
        out.append("")
    return "\n".join(out)


def consolidate(results: Sequence[MergeResult]) -> str:
    """Each canonical agent, then the report."""
    parts = []
    for result in results:
        parts.append(f"==> {result.name}.md <==\n{result.text}")
        if not result.text.endswith("\n"):
            parts.append("\n")
        parts.append("\n")
    parts.append(report(results))
    return "".join(parts)
