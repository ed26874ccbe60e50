"""GitHub Actions workflow commands (``::warning file=...,line=...::message``): annotations.

Escaping follows GitHub's toolkit (``@actions/core`` ``command.ts``): in a message ``%``, CR and
LF are percent-encoded; in a property value ``:`` and ``,`` too, since they separate properties.
"""

from __future__ import annotations

from collections.abc import Sequence

from agentmerge.findings import Review
from agentmerge.model import Diagnostic, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a message as GitHub's toolkit does: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(severity: Severity, message: str, *, file: str, line: int | None = None,
            end_line: int | None = None, title: str | None = None) -> str:
    """One workflow command line: ``::notice|warning|error file=F[,line=L[,endLine=E]][,title=T]::message``.

    ``endLine`` is written only when it differs from ``line``; lines are 1-based.
    """
    props = [f"file={escape_property(file)}"]
    if line is not None:
        props.append(f"line={line}")
        if end_line is not None and end_line != line:
            props.append(f"endLine={end_line}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{_LEVEL[severity]} {','.join(props)}::{escape_data(message)}\n"


def check(diagnostics: Sequence[Diagnostic]) -> str:
    """One workflow command per diagnostic."""
    return "".join(command(d.severity, d.message, file=d.path, line=d.line, title=f"agentmerge {d.code}")
                   for d in diagnostics)


def findings(review: Review) -> str:
    """One workflow command per finding; the detail and a suggested replacement follow the message
    on lines of their own. A finding without a line annotates the whole file."""
    out = []
    for f in review.findings:
        message = f.text
        if f.suggestion is not None:
            message += f"\nsuggested replacement:\n{f.suggestion.new}"
        out.append(command(f.severity, message, file=f.path, line=f.line, end_line=f.end_line,
                           title=f"agentmerge {f.rule}: {f.title}"))
    return "".join(out)
