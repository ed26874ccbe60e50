"""reviewdog's Diagnostic Format: ``rdjson`` (one DiagnosticResult) and ``rdjsonl`` (a Diagnostic a line).

For ``reviewdog -f=rdjson`` / ``-f=rdjsonl``. Lines are 1-based; a finding's range is line-wise
(no columns: reviewdog then covers whole lines, end line included). A suggestion replaces whole
lines: its range runs from column 1 of the first line to the end of the last one, columns
counted in UTF-8 bytes and the end exclusive, as reviewdog.rdf.Position requires. Severity is
ERROR, WARNING or INFO. The output validates against reviewdog's DiagnosticResult.json and
Diagnostic.json (tests/test_formats.py).
"""

from __future__ import annotations

import json
from typing import Any

from agentmerge.findings import Finding, Location, Review
from agentmerge.model import Severity
from agentmerge.render import dumps

SOURCE = {"name": "agentmerge"}
SEVERITY = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def diagnostic(f: Finding) -> dict[str, Any]:
    """One finding as a reviewdog ``Diagnostic``."""
    out: dict[str, Any] = {
        "message": f.text,
        "location": _location(Location(f.path, f.line, f.end_line, "")),
        "severity": SEVERITY[f.severity],
        "source": SOURCE,
        "code": {"value": f.rule},
    }
    if f.suggestion is not None:
        s = f.suggestion
        end = len(s.old.split("\n")[-1].encode("utf-8")) + 1
        span = {"start": {"line": s.line, "column": 1}, "end": {"line": s.end_line, "column": end}}
        out["suggestions"] = [{"range": span, "text": s.new}]
    if f.related:
        out["related_locations"] = [{"message": r.message, "location": _location(r)} for r in f.related]
    return out


def rdjson(review: Review) -> str:
    """A ``DiagnosticResult`` holding every finding, as indented JSON."""
    data = {"source": SOURCE, "diagnostics": [diagnostic(f) for f in review.findings]}
    return dumps(data)


def rdjsonl(review: Review) -> str:
    """One compact ``Diagnostic`` per line."""
    return "".join(json.dumps(diagnostic(f), ensure_ascii=False) + "\n" for f in review.findings)


def _location(where: Location) -> dict[str, Any]:
    out: dict[str, Any] = {"path": where.path}
    if where.line is not None:
        out["range"] = {"start": {"line": where.line}, "end": {"line": where.end_line or where.line}}
    return out
