"""SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format) for review findings.

What GitHub code scanning and other SARIF consumers read: one run of the ``agentmerge`` driver,
its rules (the catalogue entries the findings use, :data:`agentmerge.findings.RULES`), and one
result per finding with a repository-relative URI (``uriBaseId`` ``%SRCROOT%``), 1-based lines,
``partialFingerprints`` that survive moved lines, related locations and, where a fix is known,
``fixes``. Columns count Unicode code points (``columnKind``). The output validates against
``sarif-schema-2.1.0.json`` (OASIS Errata 01; tests/test_formats.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from agentmerge import __version__
from agentmerge.findings import Finding, Location, Review, rule_info
from agentmerge.model import Severity
from agentmerge.render import dumps

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
#: Key of our fingerprint in ``partialFingerprints`` (versioned, as SARIF §3.27.17 advises).
FINGERPRINT = "agentmergeFinding/v1"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def sarif(review: Review) -> str:
    """The SARIF log of ``review`` as JSON text (two-space indent, ends with a newline)."""
    rules = sorted({f.rule for f in review.findings})
    index = {rule: n for n, rule in enumerate(rules)}
    descriptors = []
    for rule in rules:
        info = rule_info(rule)
        descriptors.append({"id": rule, "shortDescription": {"text": info.summary},
                            "defaultConfiguration": {"level": LEVEL[info.severity]}})
    run = {
        "tool": {"driver": {"name": "agentmerge", "version": __version__, "rules": descriptors}},
        "columnKind": "unicodeCodePoints",
        "properties": {"base": review.base, "head": review.head},
        "results": [_result(f, index[f.rule]) for f in review.findings],
    }
    log = {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return dumps(log)


def _result(f: Finding, rule_index: int) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[f.severity],
        "message": {"text": f.text},
        "locations": [_location(Location(f.path, f.line, f.end_line, ""))],
        "partialFingerprints": {FINGERPRINT: f.fingerprint},
    }
    if f.related:
        result["relatedLocations"] = [_location(r, n) for n, r in enumerate(f.related, 1)]
    if f.suggestion is not None:
        s = f.suggestion
        last = s.old.split("\n")[-1]
        region = {"startLine": s.line, "startColumn": 1, "endLine": s.end_line, "endColumn": len(last) + 1}
        result["fixes"] = [{
            "description": {"text": f"replace line {s.line}" if s.line == s.end_line
                            else f"replace lines {s.line}-{s.end_line}"},
            "artifactChanges": [{"artifactLocation": _artifact(f.path),
                                 "replacements": [{"deletedRegion": region, "insertedContent": {"text": s.new}}]}],
        }]
    return result


def _artifact(path: str) -> dict[str, str]:
    """A repository-relative URI reference: each path segment percent-encoded (RFC 3986); an
    absolute path (``agentmerge dedup /abs/dir``) is a ``file://`` URI of its own instead."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path, safe="/")}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def _location(where: Location, ident: int | None = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(where.path)}
    if where.line is not None:
        physical["region"] = {"startLine": where.line, "endLine": where.end_line or where.line}
    out: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        out["id"] = ident
    if where.message:
        out["message"] = {"text": where.message}
    return out
