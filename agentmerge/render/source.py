"""Render an :class:`~agentmerge.model.AgentDoc` back to the text of its file."""

from __future__ import annotations

from agentmerge.model import AgentDoc, Section


def render_source(doc: AgentDoc) -> str:
    """Return the file text of ``doc``: for an unchanged parse, the input byte for byte."""
    parts = ["\ufeff" if doc.bom else "", doc.frontmatter.source]
    _section(doc.body, parts)
    return "".join(parts)


def _section(section: Section, parts: list[str]) -> None:
    stack = [section]
    while stack:
        current = stack.pop()
        if current.heading is not None:
            parts.append(current.heading.source)
        parts.extend(block.source for block in current.blocks)
        stack.extend(reversed(current.children))
