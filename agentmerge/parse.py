"""Text -> :class:`~agentmerge.model.AgentDoc`. markdown-it tokens never leave this module.

The body is parsed by markdown-it-py (CommonMark plus GFM tables). Every line of the file ends up
in exactly one leaf of the model (frontmatter, heading, block), so the model renders back to the
input byte for byte. Structure that real agents use without Markdown headings is recognised: a
bold-only paragraph or a paragraph ending in ``:`` right before a list titles that list, and a
bold lead-in ``**Label**:`` of a list item becomes the rule's label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from agentmerge.dialects import detect_dialect
from agentmerge.frontmatter import read_frontmatter
from agentmerge.model import (
    AgentDoc,
    Block,
    BlockKind,
    Diagnostic,
    Heading,
    Rule,
    Section,
    Severity,
    Span,
)

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_LABEL_SEPARATOR = re.compile(r"\s*(?::|[-\u2013\u2014](?=\s))\s*")
_BOM = "\ufeff"

_SIMPLE_KINDS = {
    "paragraph_open": BlockKind.PARAGRAPH,
    "table_open": BlockKind.TABLE,
    "blockquote_open": BlockKind.QUOTE,
    "bullet_list_open": BlockKind.LIST,
    "ordered_list_open": BlockKind.LIST,
}


#: Most characters of inline content (the text of paragraphs, headings, list items, table cells)
#: whose markup is parsed in one file; a paragraph that does not fit in what is left is read as
#: plain text, with a warning.
#: markdown-it-py parses adversarial inline markup (runs of ``![`` or ``[``, unclosed links) at
#: 10-20 microseconds of CPU per character, so a 1 MB line took 20 s; 200,000 characters bound
#: that to about 3 s (benchmarks/hostile.py). The largest file in ../shared/corpus has 64 kB.
MAX_INLINE_CHARS = 200_000
#: Key of the ``env`` dict in which :func:`_budgeted_inline` leaves the 0-based body line of the
#: first text it read as plain text (-1 when that text has no line map).
_PLAIN_FROM = "agentmerge_plain_from"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    md = MarkdownIt("commonmark").enable("table")
    md.core.ruler.at("inline", _budgeted_inline)
    return md


def _budgeted_inline(state: StateCore) -> None:
    """markdown-it's core ``inline`` rule within :data:`MAX_INLINE_CHARS`; other text stays plain."""
    left = MAX_INLINE_CHARS
    for token in state.tokens:
        if token.type != "inline":
            continue
        if len(token.content) <= left:
            left -= len(token.content)
            token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)
            continue
        token.children = [Token("text", "", 0, content=token.content)]
        state.env.setdefault(_PLAIN_FROM, token.map[0] if token.map else -1)


def split_lines(text: str) -> list[str]:
    """Split ``text`` into lines that keep their endings, on ``\\r\\n``, ``\\r`` or ``\\n``.

    These are markdown-it's own line breaks, so its 0-based ``token.map`` indexes this list.
    """
    return _LINE.findall(text)


def parse_agent(text: str, *, path: str = "<string>") -> AgentDoc:
    """Parse the text of one agent file.

    Args:
        text: the whole file, decoded (a leading BOM is recorded and kept out of the tree).
        path: where the text came from; used for the dialect and in diagnostics.

    Returns:
        The :class:`AgentDoc`. Bad input never raises: invalid frontmatter, unclosed fences
        and the like become ``diagnostics``.
    """
    bom = text.startswith(_BOM)
    if bom:
        text = text[1:]
    lines = split_lines(text)
    read = read_frontmatter(lines, path=path)
    offset = read.body_start
    diagnostics = list(read.diagnostics)
    body = "".join(_dedent_body(lines[offset:], read.indent))
    env: dict[str, int] = {}
    tokens = _markdown().parse(body, env)
    if _PLAIN_FROM in env:
        diagnostics.append(
            Diagnostic(path, env[_PLAIN_FROM] + offset + 1 if env[_PLAIN_FROM] >= 0 else None,
                       Severity.WARNING, "inline-budget",
                       f"text over the budget of {MAX_INLINE_CHARS:,} characters of inline markup per file "
                       "starts here; it is read as plain text")
        )
    flat = _blocks(tokens, lines, offset, path, diagnostics)
    root = _sections(_titled(flat))
    dialect = detect_dialect(path, read.frontmatter)
    return AgentDoc(
        path=path,
        dialect=dialect,
        frontmatter=read.frontmatter,
        body=root,
        bom=bom,
        diagnostics=tuple(diagnostics),
    )


def _dedent_body(lines: list[str], indent: str) -> list[str]:
    """Strip the frontmatter's indent from the body when every non-blank body line carries it.

    Without this a wholly indented file (0xfurai ``sqs-expert.md``) reads as one code block.
    Only the text given to markdown-it changes; sources still come from the original lines.
    """
    if not indent or not all(line.startswith(indent) for line in lines if line.strip()):
        return lines
    return [line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t") for line in lines]


# -- blocks -------------------------------------------------------------------------------------


def _blocks(
    tokens: Sequence[Token], lines: list[str], offset: int, path: str, diagnostics: list[Diagnostic]
) -> list[Block | Heading]:
    """Top-level blocks and headings in order, with gaps filled by BLANK or RAW blocks."""
    out: list[Block | Heading] = []
    cursor = offset  # next line index not yet covered
    index = 0
    while index < len(tokens):
        token = tokens[index]
        close = _closing(tokens, index)
        if token.map is None or token.level != 0:
            index = close + 1
            continue
        start, end = token.map[0] + offset, token.map[1] + offset
        if start > cursor:
            out.append(_gap(lines, cursor, start))
        start = max(start, cursor)
        cursor = max(cursor, end)
        if start < end:
            out.append(_block(tokens, index, close, lines, start, end, path, diagnostics))
        index = close + 1
    if cursor < len(lines):
        out.append(_gap(lines, cursor, len(lines)))
    return out


def _closing(tokens: Sequence[Token], index: int) -> int:
    token = tokens[index]
    if token.nesting != 1:
        return index
    depth = 0
    for position in range(index, len(tokens)):
        depth += tokens[position].nesting
        if depth == 0:
            return position
    return len(tokens) - 1


def _gap(lines: list[str], start: int, end: int) -> Block:
    source = "".join(lines[start:end])
    kind = BlockKind.BLANK if not source.strip() else BlockKind.RAW
    return Block(kind=kind, source=source, span=Span(start + 1, end), text=source.strip())


def _block(
    tokens: Sequence[Token],
    index: int,
    close: int,
    lines: list[str],
    start: int,
    end: int,
    path: str,
    diagnostics: list[Diagnostic],
) -> Block | Heading:
    token = tokens[index]
    source = "".join(lines[start:end])
    span = Span(start + 1, end)
    inner = tokens[index + 1 : close]
    if token.type == "heading_open":
        return Heading(level=int(token.tag[1]), title=_inline_text(inner), source=source, span=span)
    if token.type in ("fence", "code_block"):
        if token.type == "fence" and not _fence_closed(token, lines[end - 1], end - start):
            diagnostics.append(
                Diagnostic(path, start + 1, Severity.WARNING, "unclosed-fence",
                           "code fence is never closed; the rest of the file is read as code")
            )
        return Block(BlockKind.CODE, source, span, text=token.content, info=token.info.strip())
    if token.type == "hr":
        return Block(BlockKind.BREAK, source, span)
    if token.type == "html_block":
        return Block(BlockKind.HTML, source, span, text=token.content)
    kind = _SIMPLE_KINDS.get(token.type, BlockKind.RAW)
    if kind is BlockKind.LIST:
        return Block(kind, source, span, rules=_rules(inner, lines, start - token.map[0]))  # type: ignore[index]
    if kind is BlockKind.TABLE:
        return Block(kind, source, span)
    return Block(kind, source, span, text=_inline_text(inner))


def _fence_closed(token: Token, last_line: str, height: int) -> bool:
    if height < 2:
        return False
    text = last_line.strip()
    return len(text) >= len(token.markup) and set(text) == {token.markup[0]}


# -- rules --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Item:
    marker: str
    ordinal: int
    start: int
    end: int
    texts: list[str] = field(default_factory=list)
    first_inline: Token | None = None
    children: list[Rule] = field(default_factory=list)
    count: int = 0  # items seen so far in this item's nested list


def _rules(tokens: Sequence[Token], lines: list[str], offset: int) -> tuple[Rule, ...]:
    """Build the rule tree of one list from the tokens inside it, without recursion."""
    top: list[Rule] = []
    stack: list[_Item] = []
    counts = [0]  # item counter per open list, innermost last
    for token in tokens:
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            counts.append(0)
        elif kind in ("bullet_list_close", "ordered_list_close"):
            counts.pop()
        elif kind == "list_item_open":
            counts[-1] += 1
            marker = f"{token.info}{token.markup}" if token.info else token.markup
            start, end = token.map if token.map else (0, 0)
            stack.append(_Item(marker, counts[-1], start + offset, end + offset))
        elif kind == "list_item_close" and stack:
            item = stack.pop()
            rule = _rule(item, lines)
            (stack[-1].children if stack else top).append(rule)
        elif kind == "inline" and stack:
            item = stack[-1]
            if item.first_inline is None:
                item.first_inline = token
            else:
                item.texts.append(_inline_text([token]))
    return tuple(top)


def _rule(item: _Item, lines: list[str]) -> Rule:
    end = item.end
    while end - 1 > item.start and not lines[end - 1].strip():
        end -= 1
    label, text = _label([item.first_inline] if item.first_inline else [])
    text = " ".join(part for part in (text, *item.texts) if part)
    return Rule(
        source="".join(lines[item.start : end]),
        text=text,
        label=label,
        marker=item.marker,
        ordinal=item.ordinal,
        span=Span(item.start + 1, max(end, item.start + 1)),
        children=tuple(item.children),
    )


def _label(inline: Sequence[Token]) -> tuple[str | None, str]:
    """Split a bold lead-in (``**Label**: text`` or ``**Label:** text``) from the text."""
    children = list(inline[0].children or []) if inline else []
    # markdown-it emits an empty text token before a leading delimiter run such as ``**``.
    while children and children[0].type == "text" and not children[0].content:
        children.pop(0)
    if len(children) < 3 or children[0].type != "strong_open":
        return None, _inline_text(inline)
    depth, cut = 0, 0
    for position, child in enumerate(children):
        depth += 1 if child.type == "strong_open" else -1 if child.type == "strong_close" else 0
        if depth == 0:
            cut = position
            break
    bold = _plain(children[1:cut]).strip()
    rest = _plain(children[cut + 1 :])
    if bold.endswith(":"):
        return bold[:-1].strip() or None, rest.strip()
    separator = _LABEL_SEPARATOR.match(rest)
    if separator and rest[: separator.end()].strip() and bold:
        return bold, rest[separator.end() :].strip()
    return None, (bold + rest).strip()


def _inline_text(tokens: Sequence[Token]) -> str:
    parts = [_plain(token.children or []) for token in tokens if token.type == "inline"]
    return " ".join(part.strip() for part in parts if part.strip())


def _plain(children: Sequence[Token]) -> str:
    """Plain text of inline tokens: markup dropped, code and link text kept, breaks as spaces."""
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain(child.children or []))
    return "".join(parts)


# -- lead-in titles and sections ----------------------------------------------------------------


def _titled(items: list[Block | Heading]) -> list[Block | Heading]:
    """Fold a lead-in paragraph into the list right after it, as that list's title."""
    out: list[Block | Heading] = []
    for item in items:
        if isinstance(item, Block) and item.kind is BlockKind.LIST:
            lead = _lead_in(out)
            if lead is not None:
                position, paragraph = lead
                between = out[position:]
                del out[position:]
                source = "".join(part.source for part in between) + item.source
                title = paragraph.text.strip().rstrip(":").strip()
                item = replace(item, source=source, span=Span(paragraph.span.start, item.span.end),
                               title=title or None)
        out.append(item)
    return out


def _lead_in(out: list[Block | Heading]) -> tuple[int, Block] | None:
    position = len(out) - 1
    while position >= 0 and isinstance(out[position], Block) and out[position].kind is BlockKind.BLANK:  # type: ignore[union-attr]
        position -= 1
    if position < 0 or len(out) - position > 2:
        return None
    candidate = out[position]
    if not isinstance(candidate, Block) or candidate.kind is not BlockKind.PARAGRAPH:
        return None
    source = candidate.source.strip()
    bold_only = (
        len(source) > 4 and source[:2] in ("**", "__") and source[-2:] == source[:2]
        and "\n" not in source
    )
    if bold_only or source.endswith(":"):
        return position, candidate
    return None


@dataclass(slots=True)
class _Open:
    heading: Heading | None
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def close(self) -> Section:
        return Section(self.heading, tuple(self.blocks), tuple(self.children))


def _sections(items: list[Block | Heading]) -> Section:
    """Nest blocks under headings: a heading opens a section closing at the next of level <= its own."""
    stack = [_Open(None)]
    for item in items:
        if isinstance(item, Heading):
            while len(stack) > 1 and stack[-1].heading is not None and stack[-1].heading.level >= item.level:
                closed = stack.pop().close()
                stack[-1].children.append(closed)
            stack.append(_Open(item))
        else:
            stack[-1].blocks.append(item)
    while len(stack) > 1:
        closed = stack.pop().close()
        stack[-1].children.append(closed)
    return stack[0].close()
