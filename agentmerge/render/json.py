"""JSON renderers: plain dicts and lists, ready for ``json.dumps``. Shapes follow agentmerge/schemas/."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentmerge.frontmatter import parse_tools, thaw
from agentmerge.model import AgentDoc, Block, Diagnostic, Rule, Section, Span
from agentmerge.render import dump_bytes, dumps
from agentmerge.report import MergeResult, Source

SCHEMA_VERSION = 1




def span(value: Span | None) -> dict[str, int] | None:
    """``{"start": 1, "end": 3}`` or None."""
    return None if value is None else {"start": value.start, "end": value.end}


def diagnostic(item: Diagnostic) -> dict[str, Any]:
    """One diagnostic as a dict."""
    return {"path": item.path, "line": item.line, "severity": item.severity.value,
            "code": item.code, "message": item.message}


def document(doc: AgentDoc) -> dict[str, Any]:
    """The parsed structure of one agent file (agentmerge/schemas/show.schema.json, ``documents[]``)."""
    fm = doc.frontmatter
    tools = parse_tools(fm.get("tools"))
    return {
        "path": doc.path,
        "dialect": doc.dialect.value,
        "name": doc.name,
        "bom": doc.bom,
        "frontmatter": {
            "status": fm.status.value,
            "span": span(fm.span),
            "fields": [
                {"key": f.key, "value": thaw(f.value), "span": span(f.span), "source": f.source}
                for f in fm.fields
            ],
            "tools": None if tools is None else list(tools),
        },
        "body": _section(doc.body),
        "diagnostics": [diagnostic(d) for d in doc.diagnostics],
    }


def _section(section: Section) -> dict[str, Any]:
    heading = section.heading
    return {
        "level": section.level,
        "title": section.title,
        "span": span(heading.span) if heading else None,
        "blocks": [_block(block) for block in section.blocks],
        "sections": [_section(child) for child in section.children],
    }


def _block(block: Block) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": block.kind.value, "span": span(block.span)}
    if block.title is not None:
        out["title"] = block.title
    if block.info:
        out["info"] = block.info
    if block.rules:
        out["rules"] = [_rule(rule) for rule in block.rules]
    elif block.text:
        out["text"] = block.text
    return out


def _rule(rule: Rule) -> dict[str, Any]:
    return {
        "span": span(rule.span),
        "marker": rule.marker,
        "ordinal": rule.ordinal,
        "label": rule.label,
        "text": rule.text,
        "children": [_rule(child) for child in rule.children],
    }


def show(docs: Sequence[AgentDoc]) -> str:
    """The ``show --format json`` document."""
    return dumps({"version": SCHEMA_VERSION, "documents": [document(doc) for doc in docs]})


def check(diagnostics: Sequence[Diagnostic]) -> str:
    """The ``check --format json`` document."""
    return dumps({"version": SCHEMA_VERSION, "diagnostics": [diagnostic(d) for d in diagnostics]})


def _source(item: Source) -> dict[str, Any]:
    return {"path": item.path, "line": item.line, "text": item.text}


def role(result: MergeResult) -> dict[str, Any]:
    """One consolidated role (agentmerge/schemas/consolidate.schema.json, ``roles[]``).

    Only aligned rule groups carry ``sources`` (path, 1-based line, text): that is the form
    ../shared/tools/score_alignment.py reads as one predicted group. Everything else that
    points at input lines uses other keys (``sides``, ``headings``, ``rules``).
    """
    return {
        "name": result.name,
        "files": [{"path": m.path, "name": m.name, "joined": m.joined} for m in result.members],
        "base": result.base,
        "conflicts": result.conflicts,
        "aliases": [{"name": old, "canonical": new} for old, new in result.aliases],
        "frontmatter": [
            {"key": f.key, "value": thaw(f.value), "kept": f.kept, "reason": f.reason, "conflict": f.conflict,
             "values": [{"value": thaw(v), "files": list(p)} for v, p in f.values]}
            for f in result.fields
        ],
        "groups": [
            {"text": g.text, "section": g.section, "support": g.support, "score": g.score, "reason": g.reason,
             "wording": g.wording, "kept": g.kept, "dropped": g.dropped, "sources": [_source(s) for s in g.sources]}
            for g in result.groups
        ],
        "contradictions": [
            {"sides": [_source(s) for s in c.sides], "reason": c.reason, "score": c.score,
             "resolution": c.resolution}
            for c in result.contradictions
        ],
        "unique": [{**_source(g.sources[0]), "section": g.section} for g in result.unique],
        "missing_sections": [
            {"title": m.title, "headings": [_source(h) for h in m.headings], "missing": list(m.missing)}
            for m in result.missing_sections
        ],
        "duplicates": [
            {"path": d.path, "rules": [{"line": r.line, "text": r.text} for r in d.rules]} for d in result.duplicates
        ],
        "persona": None if result.persona is None else {
            "chosen": _source(result.persona.chosen), "reason": result.persona.reason,
            "alternatives": [_source(a) for a in result.persona.alternatives],
        },
        "canonical": result.text,
    }


def consolidate_bytes(results: Sequence[MergeResult], diagnostics: Sequence[Diagnostic]) -> bytes:
    """The ``consolidate --format json`` document as UTF-8 bytes, as the command line writes it
    (see :func:`~agentmerge.render.dump_bytes`)."""
    return dump_bytes({
        "version": SCHEMA_VERSION,
        "roles": [role(r) for r in results],
        "diagnostics": [diagnostic(d) for d in diagnostics],
    })
