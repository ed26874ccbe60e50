"""GitHub Actions workflow commands (``::warning file=...,line=...::message``) for diagnostics."""

from __future__ import annotations

from collections.abc import Sequence

from agentmerge.model import Diagnostic, Severity

_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a message as GitHub's toolkit does: ``%``, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as :func:`escape_data`, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check(diagnostics: Sequence[Diagnostic]) -> str:
    """One workflow command per diagnostic."""
    lines = []
    for d in diagnostics:
        props = [f"file={escape_property(d.path)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
        props.append(f"title={escape_property('agentmerge ' + d.code)}")
        lines.append(f"::{_LEVEL[d.severity]} {','.join(props)}::{escape_data(d.message)}\n")
    return "".join(lines)
