"""Terminal output with rich: the text format of a diff, coloured by kind of change.

Outside the pure core (it imports rich); the CLI decides whether colour is on (a TTY, ``NO_COLOR``,
``--color/--no-color``) and prints what this returns.
"""

from __future__ import annotations

import re

from rich.text import Text

from agentmerge.diff import AgentDiff, ChangeKind
from agentmerge.render.diff import text_lines

_MARKS = re.compile(r"\[-(.*?)-\]|\{\+(.*?)\+\}")
STYLES = {
    ChangeKind.ADDED: "green", ChangeKind.REMOVED: "red", ChangeKind.CHANGED: "yellow",
    ChangeKind.REWORDED: "yellow", ChangeKind.MOVED: "cyan", ChangeKind.RENAMED: "cyan",
    ChangeKind.CONTRADICTION: "bold magenta",
}


def diff(result: AgentDiff) -> Text:
    """The diff as one rich ``Text``: headers bold, each change in its kind's colour, words marked."""
    out = Text()
    for kind, line in text_lines(result):
        style = STYLES.get(kind, "") if kind else ("bold" if line.startswith(("---", "+++")) else "")
        if kind is None and line.startswith("    "):
            out.append_text(_words(line))
        else:
            out.append(line, style=style)
        out.append("\n")
    return out


def _words(line: str) -> Text:
    """A detail line with ``[-removed-]`` in red and ``{+added+}`` in green (no markup parsing)."""
    out = Text()
    last = 0
    for found in _MARKS.finditer(line):
        out.append(line[last : found.start()])
        out.append(found.group(0), style="red" if found.group(1) is not None else "green")
        last = found.end()
    out.append(line[last:])
    return out
