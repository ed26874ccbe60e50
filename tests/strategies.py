"""Hypothesis strategies that write agent files the way people and collections do.

A generated file is frontmatter of one of :data:`FRONTMATTER_SHAPES` (valid YAML maps, lists,
block scalars, quoted strings, invalid YAML with an unquoted ``: ``, ``tools: *``, JSON-array
strings, absent, unterminated, indented, closed by a dashed line) followed by a body of nested
sections and blocks: bullet and numbered lists nested up to three levels, ``**Label**:`` lead-ins,
lead-in titles (a bold-only paragraph or one ending in ``:``), code fences holding lines that look
like headings, rules and delimiters, tables, quotes, HTML, thematic breaks. The whole text then
gets one of the line-ending styles (LF, CRLF, CR, mixed), optionally a BOM, with or without a
final newline.

Rule wording is drawn from a vocabulary of engineering instructions (:data:`WORDS`) so that rules
have content stems for the comparator, mixed with inline markup and non-ASCII text.

Public strategies: :func:`agent_texts` (one file), :func:`variant_sets` (several variants of one
role, as ``(path, text)`` pairs with distinct paths), :func:`agent_bytes` (raw bytes for the
fuzzer: encoded agents, mutated agents, arbitrary bytes) and :func:`agent_names` (names as found in
frontmatter, hostile ones included).
"""

from __future__ import annotations

from hypothesis import strategies as st

#: Content words of engineering instructions (nouns and verbs that survive stop-word removal).
WORDS = (
    "validate", "input", "database", "queries", "tests", "secrets", "logs", "errors", "retry",
    "cache", "deploy", "review", "migrations", "authentication", "endpoints", "schema", "latency",
    "metrics", "tracing", "containers", "kubernetes", "dependencies", "documentation", "types",
    "security", "passwords", "tokens", "requests", "responses", "timeouts", "pagination", "indexes",
    "transactions", "rollback", "monitoring", "alerts", "linting", "formatting", "commits", "branches",
    "ORM", "API", "REST", "GraphQL", "k8s", "env", "var", "config", "auth", "DB", "PR",
)
#: Words that set a rule's strength or polarity ("Never X" and "Always X" contradict).
MODALS = ("Always", "Never", "Do not", "Must", "Prefer", "Avoid", "Ensure", "Use", "")
#: Text that is not ASCII: accents, CJK, emoji, a zero-width space, a right-to-left word.
UNICODE = ("naïve", "café", "日本語", "Straße", "🚀", "zero\u200bwidth", "עברית", "Ωmega")

#: The frontmatter shapes :func:`frontmatter` writes (``absent`` writes none).
FRONTMATTER_SHAPES = (
    "valid", "flow-list", "block-list", "json-array", "block-scalar", "folded-scalar", "quoted",
    "invalid-colon", "tools-star", "plain-multiline", "absent", "unterminated", "indented",
    "dashes-close", "empty",
)
#: Line-ending styles applied to a whole file.
NEWLINES = ("\n", "\r\n", "\r", "mixed")

words = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join)


@st.composite
def inline(draw: st.DrawFn) -> str:
    """One line of inline Markdown with content words: some bold, code, links, emphasis, unicode."""
    parts = [draw(words)]
    for _ in range(draw(st.integers(0, 2))):
        piece = draw(st.sampled_from(("**{}**", "`{}`", "[{}](https://example.com/x)", "_{}_", "{}", "{} (see {})")))
        parts.append(piece.format(draw(words), draw(words)))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(UNICODE)))
    return " ".join(parts)


@st.composite
def rule_line(draw: st.DrawFn) -> str:
    """The text of one list item: a modal, the instruction, maybe a ``**Label**:`` lead-in."""
    modal = draw(st.sampled_from(MODALS))
    text = f"{modal} {draw(inline())}".strip()
    label = draw(st.one_of(st.none(), words.map(lambda w: w.title())))
    if label is None:
        return text
    return draw(st.sampled_from((f"**{label}**: {text}", f"**{label}:** {text}", f"**{label}** - {text}")))


@st.composite
def rule_list(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """Lines of one list: bullets or numbers, items nested up to three levels deep."""
    numbered = draw(st.booleans())
    bullet = draw(st.sampled_from("-*+"))
    closer = draw(st.sampled_from(".)"))
    lines = []
    for ordinal in range(1, draw(st.integers(1, 4)) + 1):
        marker = f"{ordinal}{closer}" if numbered else bullet
        lines.append(f"{marker} {draw(rule_line())}")
        if depth < 2 and draw(st.integers(0, 4)) == 0:
            pad = " " * (len(marker) + 1)
            lines += [pad + line for line in draw(rule_list(depth + 1))]
    return lines


@st.composite
def block(draw: st.DrawFn) -> list[str]:
    """One body block and the blank line after it."""
    kind = draw(st.sampled_from(("list", "list", "titled-list", "paragraph", "fence", "table", "quote",
                                 "html", "break")))
    if kind == "list":
        lines = draw(rule_list())
    elif kind == "titled-list":
        title = draw(st.sampled_from(("**{}**", "{}:", "**{}:**"))).format(draw(words).title())
        gap = [""] if draw(st.booleans()) else []
        lines = [title, *gap, *draw(rule_list())]
    elif kind == "paragraph":
        lines = [draw(inline()) for _ in range(draw(st.integers(1, 3)))]
    elif kind == "fence":
        fence = draw(st.sampled_from(("```", "~~~", "````")))
        inside = draw(st.lists(st.sampled_from(("# not a heading", "- not a rule", "---", "name: x", "```",
                                                "  indented", "")), max_size=5))
        if fence != "````":
            inside = [line for line in inside if not line.startswith(fence[:3])]
        lines = [fence + draw(st.sampled_from(("", "python", "yaml", "bash"))), *inside, fence]
    elif kind == "table":
        rows = draw(st.lists(st.tuples(words, words), min_size=1, max_size=3))
        lines = ["| a | b |", "|---|:--|", *(f"| {a} | {b} |" for a, b in rows)]
    elif kind == "quote":
        lines = [f"> {draw(inline())}", "> - " + draw(rule_line())]
    elif kind == "html":
        lines = ["<example>", draw(inline()), "</example>"]
    else:
        lines = [draw(st.sampled_from(("***", "___", "- - -")))]
    return [*lines, ""]


@st.composite
def section(draw: st.DrawFn, level: int = 1, depth: int = 3) -> list[str]:
    """A heading (ATX or setext), its blocks, and maybe subsections nested ``depth`` levels in all."""
    title = draw(inline())
    if level <= 2 and draw(st.integers(0, 3)) == 0:
        heading = [title, "=" * 3 if level == 1 else "-" * 5]
    else:
        heading = [f"{'#' * level} {title}" + draw(st.sampled_from(("", " #", "  ")))]
    lines = [*heading, ""]
    for _ in range(draw(st.integers(0, 2))):
        lines += draw(block())
    if depth > 1:
        below = level + draw(st.integers(1, 2))  # one level for all subsections: siblings, not nested
        for _ in range(draw(st.integers(0, 2))):
            lines += draw(section(below, depth - 1))
    return lines


def agent_names() -> st.SearchStrategy[str]:
    """Agent names: plain kebab-case ones, and hostile ones (paths, dots, reserved, control chars)."""
    plain = st.sampled_from(("backend-engineer", "backend-developer", "Backend Expert", "docs-writer", "api"))
    hostile = st.sampled_from(("../../etc/passwd", "..", ".", ".hidden", "CON", "nul.txt", "a/b\\c",
                               "x\x00y", "tab\there", "line\nbreak", "-", " ", "COM1", "aux"))
    return st.one_of(plain, hostile, st.text(max_size=30))


@st.composite
def frontmatter(draw: st.DrawFn, name: str | None = None, shape: str | None = None) -> list[str]:
    """Frontmatter lines (delimiters included) of one of :data:`FRONTMATTER_SHAPES`."""
    shape = shape or draw(st.sampled_from(FRONTMATTER_SHAPES))
    name = name or draw(st.sampled_from(("backend-engineer", "backend-developer", "docs-writer")))
    description = draw(inline()).replace("`", "").replace("*", "")
    model = draw(st.sampled_from(("sonnet", "opus", "haiku", "inherit")))
    tools = draw(st.lists(st.sampled_from(("Read", "Grep", "Glob", "Edit", "Bash")), min_size=1, max_size=4,
                          unique=True))
    body: list[str]
    if shape == "absent":
        return []
    if shape == "empty":
        return ["---", "---"]
    if shape in ("valid", "unterminated", "indented", "dashes-close"):
        body = [f"name: {name}", f"description: '{description}'", f"tools: {', '.join(tools)}", f"model: {model}"]
    elif shape == "flow-list":
        body = [f"name: {name}", f'description: "{description}"', f"tools: [{', '.join(tools)}]"]
    elif shape == "block-list":
        body = [f"name: {name}", "tools:", *(f"  - {tool}" for tool in tools), f"model: {model}"]
    elif shape == "json-array":
        body = [f"name: {name}", "tools: '[" + ", ".join(f'"{t}"' for t in tools) + "]'"]
    elif shape == "block-scalar":
        body = [f"name: {name}", "description: |", f"  {description}", "  <example>see: this</example>"]
    elif shape == "folded-scalar":
        body = [f"name: {name}", "description: >-", f"  {description}", f"  {draw(words)}"]
    elif shape == "quoted":
        body = [f'name: "{name}"', f"description: \"Use when: {description}\"", "color: 'blue'"]
    elif shape == "invalid-colon":
        body = [f"name: {name}", f"description: Use this agent when: {description}. Examples: one", f"model: {model}"]
    elif shape == "tools-star":
        body = [f"name: {name}", "tools: *", f"description: {description}"]
    else:  # plain-multiline: a plain scalar over several lines, with a ': ' on a continuation
        body = [f"name: {name}", f"description: {description}", f"  and then: {draw(words)}", "tools: Read"]
    if shape == "unterminated":
        return ["---", *body, ""]
    if shape == "indented":
        return ["    ---", *(f"    {line}" for line in body), "    ---"]
    closer = "-----" if shape == "dashes-close" else "---"
    return ["---", *body, closer]


@st.composite
def agent_texts(draw: st.DrawFn, shape: str | None = None) -> str:
    """The text of one agent file: frontmatter (of ``shape``, else any), a preamble, sections
    nested up to three levels; then line endings and a BOM."""
    head = draw(frontmatter(shape=shape))
    lines = [*head]
    if head and draw(st.booleans()):
        lines.append("")
    if draw(st.booleans()):
        lines += [draw(inline()), ""]
    for _ in range(draw(st.integers(0, 2))):
        lines += draw(block())
    top = draw(st.integers(1, 2))
    for _ in range(draw(st.integers(0, 2))):
        lines += draw(section(top))
    return draw(finish(lines))


@st.composite
def finish(draw: st.DrawFn, lines: list[str]) -> str:
    """Join ``lines`` with one of :data:`NEWLINES`, maybe trailing spaces, a BOM, no final newline."""
    style = draw(st.sampled_from(NEWLINES))
    if style == "mixed":
        endings = draw(st.lists(st.sampled_from(("\n", "\r\n", "\r")), min_size=len(lines), max_size=len(lines)))
    else:
        endings = [style] * len(lines)
    if lines and draw(st.booleans()):
        endings[-1] = ""
    spaces = draw(st.sampled_from(("", " ", "  ", "\t")))
    text = "".join(line + (spaces if line and n % 3 == 0 else "") + end
                   for n, (line, end) in enumerate(zip(lines, endings, strict=True)))
    return ("\ufeff" if draw(st.booleans()) else "") + text


@st.composite
def variant_sets(draw: st.DrawFn, *, min_size: int = 2, max_size: int = 4) -> list[tuple[str, str]]:
    """Variants of one role: ``(path, text)`` pairs with distinct paths, sharing some rules.

    Each variant takes a random subset of one pool of rules, in its own order and list style,
    under its own headings, with its own frontmatter shape and values, as real variants do; a
    variant may state a rule more than once.
    """
    pool = draw(st.lists(rule_line(), min_size=1, max_size=8, unique=True))
    count = draw(st.integers(min_size, max_size))
    names = draw(st.lists(st.sampled_from(("backend-engineer", "backend-developer", "backend-expert")),
                          min_size=count, max_size=count))
    variants = []
    for number, name in enumerate(names):
        chosen = draw(st.lists(st.sampled_from(pool), max_size=len(pool) + 1))
        lines = [*draw(frontmatter(name)), ""]
        heading = draw(st.sampled_from(("## Rules", "## Constraints", "## Core Competencies", "**Guidelines**",
                                        "")))
        if heading:
            lines += [heading, ""]
        marker = draw(st.sampled_from(("-", "*", "1.")))
        lines += [f"{marker} {rule}" for rule in chosen]
        lines.append("")
        lines += draw(block())
        folder = draw(st.sampled_from(("a", "b", ".claude/agents", "team/x")))
        variants.append((f"{folder}/{number}-{name}.md", draw(finish(lines))))
    return variants


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, delete count, insert bytes) edits, positions taken modulo the length."""
    out = bytearray(data)
    for position, delete, insert in edits:
        at = position % (len(out) + 1)
        out[at : at + delete] = insert
    return bytes(out)


#: Byte strings a mutation inserts: delimiters, markers, invalid UTF-8, NUL, YAML syntax.
SPLICES = (b"---\n", b"\n", b"\r\n", b"\r", b"```", b"- ", b"  ", b"1. ", b"# ", b": ", b"**", b"|", b"> ",
           b"\xef\xbb\xbf", b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x00", b"&a ", b"*a", b"!!python/object:x ",
           b"[", b"{", b"\t", b"\\", b"<", b"\xe2\x80\xa8")


def agent_bytes() -> st.SearchStrategy[bytes]:
    """Raw input for the fuzzer: agents encoded as UTF-8, the same with byte edits, arbitrary bytes."""
    encoded = agent_texts().map(lambda text: text.encode("utf-8"))
    edit = st.tuples(st.integers(0, 1 << 16), st.integers(0, 4),
                     st.one_of(st.sampled_from(SPLICES), st.binary(max_size=4)))
    mutated = st.tuples(encoded, st.lists(edit, min_size=1, max_size=8)).map(lambda pair: _mutate(*pair))
    return st.one_of(encoded, mutated, st.binary(max_size=400))

