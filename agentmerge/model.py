"""Frozen values that describe one agent file: frontmatter, sections, blocks and rules.

Every node carries a :class:`Span` with 1-based, inclusive line numbers of the original file
(frontmatter lines included) and the exact source text it was read from, so that rendering an
unchanged model gives back the input byte for byte (see :func:`agentmerge.render.source.render_source`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

#: A frontmatter value made hashable: YAML mappings become :class:`YamlMap`, sequences tuples.
Scalar = Union[str, int, float, bool, None]
Value = Union[Scalar, "YamlMap", tuple["Value", ...]]


class Severity(enum.Enum):
    """How bad a diagnostic is; ``ERROR`` makes a command exit with status 2."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Dialect(enum.Enum):
    """The agent format a file is written for, detected from its path and frontmatter."""

    CLAUDE_CODE = "claude-code"
    COPILOT = "copilot"
    CURSOR = "cursor"
    OPENCODE = "opencode"
    GEMINI = "gemini"
    INSTRUCTIONS = "instructions"


class BlockKind(enum.Enum):
    """The kinds of body block; ``BLANK`` holds blank lines, ``RAW`` text markdown-it left unparsed."""

    PARAGRAPH = "paragraph"
    LIST = "list"
    CODE = "code"
    TABLE = "table"
    QUOTE = "quote"
    HTML = "html"
    BREAK = "break"
    BLANK = "blank"
    RAW = "raw"


class FrontmatterStatus(enum.Enum):
    """How the frontmatter was read."""

    ABSENT = "absent"
    VALID = "valid"  # strict YAML, safe loader
    RECOVERED = "recovered"  # invalid YAML, read line by line as Claude Code does
    UNREADABLE = "unreadable"  # present, but no key could be read


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based, inclusive range of lines of the original file."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 1 or self.end < self.start - 1:
            raise ValueError(f"bad span {self.start}-{self.end}")


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One finding about an input file, printed as ``path:line: severity: message``."""

    path: str
    line: int | None
    severity: Severity
    code: str
    """Stable identifier such as ``frontmatter-invalid-yaml``, for filtering and SARIF rule ids."""
    message: str

    def format(self) -> str:
        """Return the one-line form ``path[:line]: severity: message``, made safe by :func:`one_line`."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{one_line(where)}: {self.severity.value}: {one_line(self.message)}"


def one_line(text: str) -> str:
    """Return ``text`` with every unprintable character (line breaks, tabs, ESC, ...) as its Python
    escape (``\\n``, ``\\t``, ``\\x1b``).

    Messages quote values from input files (``name '...' differs from the file name``): a line
    break there split one diagnostic into two lines (tests/test_fuzz.py found it), and an ANSI
    escape sequence would reach the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


@dataclass(frozen=True, slots=True)
class YamlMap:
    """A YAML mapping as ordered, hashable ``(key, value)`` pairs."""

    items: tuple[tuple[str, Value], ...]

    def get(self, key: str, default: Value = None) -> Value:
        """Return the value of ``key``, or ``default`` when absent."""
        for name, value in self.items:
            if name == key:
                return value
        return default


@dataclass(frozen=True, slots=True)
class Field:
    """One top-level frontmatter key."""

    key: str
    value: Value
    """The loaded value (strict YAML, or recovered text when the YAML was invalid)."""
    source: str
    """The exact lines of the file that hold this key, continuation lines included."""
    span: Span


@dataclass(frozen=True, slots=True)
class Frontmatter:
    """The metadata block of an agent file; ``source`` is empty when the file has none."""

    source: str
    """Exact text of the block, delimiters and any blank lines before it included."""
    span: Span | None
    fields: tuple[Field, ...] = ()
    status: FrontmatterStatus = FrontmatterStatus.ABSENT

    def get(self, key: str, default: Value = None) -> Value:
        """Return the value of the top-level ``key``, or ``default``."""
        for item in self.fields:
            if item.key == key:
                return item.value
        return default

    def field(self, key: str) -> Field | None:
        """Return the :class:`Field` named ``key``, if any."""
        for item in self.fields:
            if item.key == key:
                return item
        return None

    @property
    def keys(self) -> tuple[str, ...]:
        """Top-level keys in source order."""
        return tuple(item.key for item in self.fields)


@dataclass(frozen=True, slots=True)
class Rule:
    """One list item: an instruction of the agent. Nested items are ``children``."""

    source: str
    """Exact lines of the item, nested items included."""
    text: str
    """Plain text of the item's own content: markup, label and nested items removed."""
    label: str | None
    """Bold lead-in such as ``**Validation**:`` -> ``"Validation"``."""
    marker: str
    """The list marker as written: ``-``, ``*``, ``+``, ``3.``, ``3)``."""
    ordinal: int
    """1-based position in its list."""
    span: Span
    children: tuple[Rule, ...] = ()

    @property
    def full_text(self) -> str:
        """The plain text with its label in front (``"Validation: Validate all input"``)."""
        return f"{self.label}: {self.text}" if self.label else self.text

    def walk(self) -> Iterator[Rule]:
        """Yield this rule and all nested rules, depth first, in source order."""
        stack: list[Rule] = [self]
        while stack:
            rule = stack.pop()
            yield rule
            stack.extend(reversed(rule.children))


@dataclass(frozen=True, slots=True)
class Block:
    """A block of the body between headings. Lists hold rules; other kinds keep their text."""

    kind: BlockKind
    source: str
    span: Span
    text: str = ""
    """Plain text (paragraph, quote, list title) or the code of a code block."""
    title: str | None = None
    """For lists: the lead-in that heads them (a bold-only paragraph or one ending in ``:``)."""
    info: str = ""
    """For code blocks: the fence's info string (language)."""
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    """An ATX (``## Title``) or setext heading."""

    level: int
    title: str
    source: str
    span: Span


@dataclass(frozen=True, slots=True)
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level.

    The root section of a document has ``heading=None`` and level 0; it holds the blocks before
    the first heading and the top-level sections as ``children``.
    """

    heading: Heading | None
    blocks: tuple[Block, ...] = ()
    children: tuple[Section, ...] = ()

    @property
    def level(self) -> int:
        """Heading level 1-6, or 0 for the root."""
        return self.heading.level if self.heading else 0

    @property
    def title(self) -> str:
        """Heading text, or ``""`` for the root."""
        return self.heading.title if self.heading else ""

    def walk(self) -> Iterator[Section]:
        """Yield this section and all nested sections in source order."""
        stack: list[Section] = [self]
        while stack:
            section = stack.pop()
            yield section
            stack.extend(reversed(section.children))


@dataclass(frozen=True, slots=True)
class RuleRef:
    """A rule with where it sits: the section path and the list title above it."""

    rule: Rule
    section: tuple[str, ...]
    """Titles of the enclosing headings, outermost first."""
    list_title: str | None
    depth: int
    """0 for top-level items, 1 for their children, ..."""
    parent: Rule | None


@dataclass(frozen=True, slots=True)
class AgentDoc:
    """One parsed agent file."""

    path: str
    dialect: Dialect
    frontmatter: Frontmatter
    body: Section
    bom: bool = False
    """Whether the file started with a UTF-8 byte order mark."""
    diagnostics: tuple[Diagnostic, ...] = field(default=())

    @property
    def name(self) -> str:
        """The frontmatter ``name`` as text, falling back to the file stem."""
        value = self.frontmatter.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
        return file_stem(self.path)

    def rules(self) -> Iterator[RuleRef]:
        """Yield every rule (nested ones included) with its context, in source order."""
        stack: list[tuple[Section, tuple[str, ...]]] = [(self.body, ())]
        while stack:
            section, path = stack.pop()
            here = (*path, section.title) if section.heading else path
            for block in section.blocks:
                for top in block.rules:
                    yield from _refs(top, here, block.title, 0, None)
            stack.extend((child, here) for child in reversed(section.children))


def _refs(
    rule: Rule, section: tuple[str, ...], title: str | None, depth: int, parent: Rule | None
) -> Iterator[RuleRef]:
    pending = [(rule, depth, parent)]
    while pending:
        item, level, above = pending.pop()
        yield RuleRef(item, section, title, level, above)
        pending.extend((child, level + 1, item) for child in reversed(item.children))


def file_stem(path: str) -> str:
    """Return the agent name implied by a path: the file name without ``.agent.md``/``.md``/``.mdc``."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    for suffix in (".agent.md", ".md", ".mdc", ".txt"):
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
