"""Markdown source editing for the canonical agent: list items re-marked and re-indented, blocks
joined with the blank lines CommonMark needs, headings re-levelled.

Everything here works on source lines (``str`` with their line endings), so text that is not
changed keeps its bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentmerge.model import Block, BlockKind, Rule, Section
from agentmerge.parse import split_lines

#: A list item's marker with its indent and the spaces after it.
MARKER = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|(?=[\r\n])|$)")
#: How a provenance comment written by ``--provenance`` opens.
PROVENANCE = "<!-- from: "
#: The opening or closing line of a fenced code block.
FENCE = re.compile(r"[ \t]*(?:```|~~~)")


@dataclass(frozen=True, slots=True)
class ListStyle:
    """How a list is written: lines before and after its items, marker, indent, blank lines between."""

    prefix: str
    indent: str
    marker: str
    sep: str
    suffix: str

    def marker_at(self, k: int) -> str:
        """The marker of the k-th item (0-based): ordered lists count up from the first number."""
        number = self.marker[:-1]
        return f"{int(number) + k}{self.marker[-1]}" if number.isdigit() else self.marker


def relevel(section: Section, level: int, newline: str) -> str:
    """The section's heading written as an ATX heading of ``level``."""
    return f"{'#' * level} {section.title}{newline}"


def block_key(block: Block) -> tuple[str, str]:
    """What makes two blocks equal: their kind and text, whitespace and case aside."""
    if block.kind is BlockKind.CODE:
        return block.kind.value, block.info.strip() + "\n" + block.text
    text = block.text if block.kind is BlockKind.PARAGRAPH and block.text else block.source
    return block.kind.value, " ".join(text.split()).casefold()


def list_style(block: Block) -> ListStyle:
    lines = split_lines(block.source)
    first = block.span.start
    rules = block.rules
    start = rules[0].span.start - first
    gap = "".join(lines[rules[0].span.end - first + 1 : rules[1].span.start - first]) if len(rules) > 1 else ""
    return ListStyle("".join(lines[:start]), indent_of(lines[start]), rules[0].marker, gap,
                  "".join(lines[rules[-1].span.end - first + 1 :]))


def split_item(rule: Rule, lines: list[str]) -> tuple[list[str], list[str], ListStyle]:
    """A list item's own lines, the lines after its children, and the style of its children."""
    if not rule.children:
        return lines, [], ListStyle("", "", "-", "", "")
    kids = rule.children
    start = rule.span.start
    own = lines[: kids[0].span.start - start]
    tail = lines[kids[-1].span.end - start + 1 :]
    gap = "".join(lines[kids[0].span.end - start + 1 : kids[1].span.start - start]) if len(kids) > 1 else ""
    first = lines[kids[0].span.start - start] if kids[0].span.start - start < len(lines) else ""
    return own, tail, ListStyle("", indent_of(first), kids[0].marker, gap, "")


def indent_of(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def shift(line: str, old: int, new: int) -> str:
    """Move a continuation line from content offset ``old`` to ``new`` (blank lines stay)."""
    if not line.strip() or old == new:
        return line
    spaces = len(line) - len(line.lstrip(" "))
    return " " * new + line[min(spaces, old) :]


def ensure_newline(text: str, newline: str) -> str:
    return text if text.endswith(("\n", "\r")) else text + newline


class TextBuilder:
    """The file being written: chunks joined with the blank lines Markdown needs between blocks."""

    def __init__(self, newline: str, start: str) -> None:
        self.parts = [start]
        self.newline = newline
        self._tail = start[-4:].lstrip("\ufeff")

    def add(self, text: str, *, separate: bool) -> None:
        """Append ``text`` on a line of its own; ``separate``: after a blank line."""
        if not text:
            return
        if self._tail and not self._tail.endswith(("\n", "\r")):
            self._put(self.newline)
        if separate and self._tail and not self._tail.endswith(("\n\n", "\n\r\n", "\r\r")):
            self._put(self.newline)
        self._put(text)

    def _put(self, text: str) -> None:
        self.parts.append(text)
        self._tail = (self._tail + text)[-4:]

    def text(self) -> str:
        return "".join(self.parts)


def strip_provenance(line: str) -> str:
    """Remove the ``<!-- from: ... -->`` comments ``--provenance`` wrote, and the blanks before them.

    A left-to-right scan with ``str.find``, not a regular expression: a line of many unclosed
    comments is read once (a lazy ``.*?-->`` rescans the rest of the line from every opening).
    """
    out = []
    position = 0
    while (start := line.find(PROVENANCE, position)) >= 0:
        end = line.find("-->", start + len(PROVENANCE))
        if end < 0 or "\n" in line[start:end]:
            break
        out.append(line[position:start].rstrip(" \t"))
        position = end + 3
    out.append(line[position:])
    return "".join(out)
