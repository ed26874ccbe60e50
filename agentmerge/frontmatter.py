"""Find the frontmatter block of an agent file and load it: strict YAML first, then line by line.

Strict loading goes through python-frontmatter's ``YAMLHandler`` (PyYAML's safe loader, the C one
when libyaml is present), so no YAML tag can construct an arbitrary object. Agent files often hold
YAML that PyYAML rejects but Claude Code accepts (an unquoted ``: `` in a description, ``tools: *``,
a plain scalar over many lines); those are read key by key, as Claude Code's loader does, and
reported with a warning.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from agentmerge.model import (
    Diagnostic,
    Field,
    Frontmatter,
    FrontmatterStatus,
    Severity,
    Span,
    Value,
    YamlMap,
)

#: Most values a frontmatter may expand to. Real agents use well under 200 (the largest in
#: ../shared/corpus, a ``hooks`` map, has 31); a YAML alias bomb expands to billions.
MAX_VALUES = 10_000
#: Deepest nesting of YAML collections accepted; real agents use at most 5.
MAX_DEPTH = 50

# A key ends at a blank or at the line's end, whichever ending the line has: ``$`` alone sees only
# ``\n``, so ``tools:`` followed by a block list went unseen in CRLF and CR files.
_KEY_LINE = re.compile(r"([A-Za-z_$@][\w.\-$@/]*)[ \t]*:(?=[ \t\r\n]|$)")
_DASHES = re.compile(r"-{3,}")


class _TooLargeError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class FrontmatterRead:
    """What :func:`read_frontmatter` found: the block, where the body starts, and diagnostics."""

    frontmatter: Frontmatter
    body_start: int
    """0-based index of the first body line in the list of lines."""
    diagnostics: tuple[Diagnostic, ...]
    indent: str = ""
    """Whitespace before the opening ``---`` (one corpus file indents its whole file by 4 spaces)."""


def read_frontmatter(lines: list[str], *, path: str) -> FrontmatterRead:
    """Locate and load the frontmatter at the top of ``lines``.

    Args:
        lines: the file's lines with their line endings (BOM already removed).
        path: used in diagnostics only.

    Returns:
        The :class:`FrontmatterRead`; a file without frontmatter gets an empty, ``ABSENT`` block
        and ``body_start == 0``. Never raises for bad input: problems become diagnostics.
    """
    located = _locate(lines, path)
    if located is None:
        return FrontmatterRead(Frontmatter(source="", span=None), 0, ())
    first, opening, closing, end, indent, notes = located
    inner = [_dedent(line, indent) for line in lines[opening + 1 : closing]]
    fields, status, more = _load(inner, opening + 2, lines[opening + 1 : closing], path)
    source = "".join(lines[first:end])
    block = Frontmatter(source=source, span=Span(first + 1, end), fields=fields, status=status)
    return FrontmatterRead(block, end, (*notes, *more), indent)


def _locate(
    lines: list[str], path: str
) -> tuple[int, int, int, int, str, tuple[Diagnostic, ...]] | None:
    """Return (first, opening, closing, end, indent, diagnostics) as 0-based indexes, or None."""
    opening = 0
    while opening < len(lines) and opening < 3 and not lines[opening].strip():
        opening += 1
    if opening >= len(lines) or lines[opening].strip() != "---":
        return None
    head = lines[opening]
    indent = head[: len(head) - len(head.lstrip())]
    notes: list[Diagnostic] = []
    shifted = bool(indent) or opening > 0
    following = _next_content(lines, opening + 1)
    if following is None or not _KEY_LINE.match(_dedent(lines[following], indent)):
        return None  # a thematic break, not frontmatter
    if shifted:
        notes.append(
            _warn(path, opening + 1, "frontmatter-indented",
                  "frontmatter is indented or preceded by blank lines; read anyway")
        )
    for index in range(opening + 1, len(lines)):
        text = _dedent(lines[index], indent).rstrip()
        if text == "---":
            return 0, opening, index, index + 1, indent, tuple(notes)
        if _DASHES.fullmatch(text) or text == "...":
            notes.append(
                _warn(path, index + 1, "frontmatter-delimiter",
                      f"frontmatter closes with {text[:12]!r}, not '---'; read anyway")
            )
            return 0, opening, index, index + 1, indent, tuple(notes)
    # Unterminated: take the key lines and their continuations up to the first blank line.
    index = opening + 1
    while index < len(lines) and lines[index].strip():
        index += 1
    notes.append(
        _warn(path, opening + 1, "frontmatter-unterminated",
              f"frontmatter has no closing '---'; read lines {opening + 2}-{index} as frontmatter")
    )
    return 0, opening, index, index, indent, tuple(notes)


def _next_content(lines: list[str], start: int) -> int | None:
    for index in range(start, min(len(lines), start + 3)):
        if lines[index].strip():
            return index
    return None


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if indent and line.startswith(indent) else line


def _safe_load(text: str) -> Any:
    """Load YAML ``text`` through python-frontmatter's ``YAMLHandler``: PyYAML's safe loader, the C
    one (``CSafeLoader``, libyaml) when PyYAML was built with it; both build plain types only (the
    C loader read the frontmatter of 396 files of ../shared/corpus in 13 ms, the pure-Python one
    in 147 ms).

    Imported here, not with this module, so a file without frontmatter loads neither library:
    PyYAML's import is 14% of the instructions of a whole ``agentmerge diff`` of two seeds
    (callgrind), most of it compiling one regular expression (``yaml.reader.Reader.NON_PRINTABLE``).

    Raises:
        yaml.YAMLError: ``text`` is not valid YAML.
    """
    from frontmatter.default_handlers import YAMLHandler

    return YAMLHandler().load(text)


def _load(
    inner: list[str], first_line: int, original: list[str], path: str
) -> tuple[tuple[Field, ...], FrontmatterStatus, tuple[Diagnostic, ...]]:
    """Load the lines between the delimiters; ``first_line`` is the 1-based line of ``inner[0]``."""
    import yaml

    chunks = _chunks(inner)
    text = "".join(inner)
    try:
        data = _safe_load(text)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise yaml.YAMLError(f"the frontmatter is a {type(data).__name__}, not a mapping")
        frozen = _freeze(data, _Budget())
    except _TooLargeError as error:
        return (), FrontmatterStatus.UNREADABLE, (
            Diagnostic(path, first_line - 1, Severity.ERROR, "frontmatter-too-large",
                       f"frontmatter is not read: {error}"),
        )
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return _recover(chunks, first_line, original, path, error)
    assert isinstance(frozen, YamlMap)
    fields = []
    spans = {key: (start, end) for key, start, end in chunks}
    whole = (0, len(inner))
    for key, value in frozen.items:
        start, end = spans.get(key, whole)
        fields.append(_field(key, value, original, start, end, first_line))
    return tuple(fields), FrontmatterStatus.VALID, ()


def _recover(
    chunks: list[tuple[str, int, int]],
    first_line: int,
    original: list[str],
    path: str,
    error: BaseException,
) -> tuple[tuple[Field, ...], FrontmatterStatus, tuple[Diagnostic, ...]]:
    """Read each top-level ``key: value`` chunk on its own, as Claude Code's loader does."""
    fields = []
    seen: set[str] = set()
    for key, start, end in chunks:
        if key in seen:
            continue
        seen.add(key)
        lines = original[start:end]
        fields.append(_field(key, _recover_value(key, lines), original, start, end, first_line))
    line = first_line
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        line = first_line + mark.line
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    status = FrontmatterStatus.RECOVERED if fields else FrontmatterStatus.UNREADABLE
    message = f"frontmatter is not valid YAML ({problem}); recovered {len(fields)} keys"
    severity = Severity.WARNING if fields else Severity.ERROR
    return tuple(fields), status, (Diagnostic(path, line, severity, "frontmatter-invalid-yaml", message),)


def _recover_value(key: str, lines: list[str]) -> Value:
    import yaml

    try:
        data = _safe_load("".join(_dedent_all(lines)))
        if isinstance(data, dict) and len(data) == 1 and key in data:
            return _freeze(data[key], _Budget())
    except (yaml.YAMLError, RecursionError, ValueError):
        pass
    match = _KEY_LINE.match(lines[0].lstrip())
    head = lines[0].lstrip()[match.end() if match else 0 :].strip()
    rest = [line.strip() for line in lines[1:] if line.strip()]
    if not rest and len(head) >= 2 and head[0] == head[-1] and head[0] in "'\"":
        head = head[1:-1]
    value = "\n".join([head, *rest]).strip() if rest else head
    return value or None


def _dedent_all(lines: list[str]) -> list[str]:
    first = lines[0]
    indent = first[: len(first) - len(first.lstrip())]
    return [_dedent(line, indent) for line in lines]


def _chunks(inner: list[str]) -> list[tuple[str, int, int]]:
    """Split the frontmatter into top-level keys: (key, start, end) as 0-based line indexes."""
    starts: list[tuple[str, int]] = []
    for index, line in enumerate(inner):
        match = _KEY_LINE.match(line)
        if match:
            starts.append((match.group(1), index))
    chunks = []
    for number, (key, start) in enumerate(starts):
        end = starts[number + 1][1] if number + 1 < len(starts) else len(inner)
        while end - 1 > start and not inner[end - 1].strip():
            end -= 1
        chunks.append((key, start, end))
    return chunks


def _field(key: str, value: Value, original: list[str], start: int, end: int, first_line: int) -> Field:
    source = "".join(original[start:end])
    return Field(key=key, value=value, source=source, span=Span(first_line + start, first_line + end - 1))


class _Budget:
    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = MAX_VALUES


def _freeze(value: Any, budget: _Budget, depth: int = 0) -> Value:
    """Make a loaded YAML value hashable, refusing alias bombs and absurd nesting."""
    budget.left -= 1
    if budget.left < 0:
        raise _TooLargeError(f"it expands to more than {MAX_VALUES} values (a YAML alias bomb?)")
    if depth > MAX_DEPTH:
        raise _TooLargeError(f"it nests deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        return YamlMap(tuple((str(k), _freeze(v, budget, depth + 1)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set)):
        return tuple(_freeze(v, budget, depth + 1) for v in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # dates, timestamps, binary: their text form


def thaw(value: Value) -> Any:
    """Turn a frozen frontmatter value back into plain JSON-ready Python (dicts and lists)."""
    if isinstance(value, YamlMap):
        return {key: thaw(item) for key, item in value.items}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value


def parse_tools(value: Value) -> tuple[str, ...] | None:
    """Return the tool names of a ``tools`` value in any of its forms, in source order.

    ``Read, Grep`` (comma string), ``[Read, Grep]`` (YAML list), ``'["Read"]'`` (JSON-array
    string) and ``*`` all give tuples (``("*",)`` for the wildcard); an absent value (``None``)
    gives ``None``, meaning every tool is inherited. Duplicates are dropped, first kept.
    """
    if value is None:
        return None
    items: list[Any]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                loaded = json.loads(text)
                items = loaded if isinstance(loaded, list) else [text]
            except ValueError:
                items = text.strip("[]").split(",")
        else:
            items = text.split(",")
    elif isinstance(value, tuple):
        items = list(value)
    elif isinstance(value, YamlMap):  # OpenCode: {write: true, bash: false}
        items = [key for key, enabled in value.items if enabled]
    else:
        items = [value]
    names: list[str] = []
    for item in items:
        name = str(item).strip().strip("'\"").strip()
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _warn(path: str, line: int, code: str, message: str) -> Diagnostic:
    return Diagnostic(path, line, Severity.WARNING, code, message)
