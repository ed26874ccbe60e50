"""Terminal output with rich: the text format of a diff, coloured by kind of change.

Outside the pure core (it imports rich); the CLI decides whether colour is on (a TTY, ``NO_COLOR``,
``--color/--no-color``) and prints what this returns.
"""

from __future__ import annotations

from rich.text import Text

from agentmerge.diff import AgentDiff, ChangeKind
from agentmerge.render.diff import text_lines

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
    """A detail line with ``[-removed-]`` in red and ``{+added+}`` in green.

    A left-to-right scan, not a regular expression: an unclosed mark is read once, so a line of
    thousands of ``{+`` renders in linear time.
    """
    out = Text()
    position = 0
    while True:
        marks = [(found, opener) for opener in ("[-", "{+") if (found := line.find(opener, position)) >= 0]
        if not marks:
            break
        start, opener = min(marks)
        closer = "-]" if opener == "[-" else "+}"
        end = line.find(closer, start + 2)
        if end < 0:
            break
        out.append(line[position:start])
        out.append(line[start : end + 2], style="red" if opener == "[-" else "green")
        position = end + 2
    out.append(line[position:])
    return out
