"""Renderers: each turns a result value into text. ``source`` gives back an agent file's text."""

from __future__ import annotations

from typing import Any


def dumps(data: Any) -> str:
    """``data`` (dicts, lists, str, int, float, bool, None) as JSON text with a stable layout:
    two-space indent, keys in insertion order, non-ASCII kept, one final newline.

    Serialised by orjson (the standard library's encoder falls back to pure Python whenever it
    indents: a consolidate report of ../shared/corpus took 4.7 s, orjson writes the same bytes in
    a fraction of it). Values orjson refuses (integers beyond 64 bits, from YAML frontmatter) go
    through :func:`json.dumps`, which gives the same layout. NaN and infinities become ``null``
    with orjson (valid JSON), ``NaN`` with the fallback.

    Raises:
        TypeError: a value neither encoder can serialise.
    """
    return dump_bytes(data).decode("utf-8")


def dump_bytes(data: Any) -> bytes:
    """:func:`dumps` as UTF-8 bytes, for output that goes straight to a file or standard output.

    A consolidate report of ../shared/corpus is 68 MB of JSON; as a ``str`` with emoji in it,
    Python holds it in four bytes per character, and building that string cost 0.9 s of fresh
    memory and 270 MB of peak size (benchmarks/consolidate_corpus.py).

    Raises:
        TypeError: a value neither encoder can serialise.
    """
    # The standard library's json is imported under another name: this package has a json module.
    import json as std_json

    try:
        import orjson
    except ImportError:  # pragma: no cover - a dependency; kept usable without it
        return (std_json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    try:
        # the newline from orjson, not by concatenation, which copies the whole text
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:
        return (std_json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
