"""Fuzzing the reader and parser with raw bytes: only documented errors, never a crash.

Input comes from :func:`strategies.agent_bytes`: generated agents encoded as UTF-8, the same with
random byte edits (delimiters, markers, invalid UTF-8, NUL, BOM, YAML syntax spliced in), and
arbitrary bytes. Each goes through :func:`agentmerge.files.decode_text` (what every command
reads with), then :func:`agentmerge.parse.parse_agent` and everything that consumes a parsed
document. The only exception allowed is :class:`agentmerge.errors.InputError` from decoding;
``parse_agent`` documents that it never raises.

The example counts come from the Hypothesis profile (conftest.py): the ``ci`` profile keeps
this file to seconds; ``HYPOTHESIS_PROFILE=long`` runs the same tests fifty times longer.
"""

from __future__ import annotations

import json
import os
import re
import tempfile

from click.testing import CliRunner
from conftest import assert_spans_point_at_source
from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import agent_bytes

from agentmerge import parse_agent, render_source
from agentmerge.cli import cli
from agentmerge.dialects import duplicate_names, validate
from agentmerge.diff import diff_agents
from agentmerge.errors import InputError
from agentmerge.files import decode_text
from agentmerge.merge import merge_agents
from agentmerge.model import AgentDoc
from agentmerge.render import json as render_json
from agentmerge.render import text as render_text

#: Paths that select each dialect, so the dialect checks see every kind of file.
PATHS = ("agent.md", ".claude/agents/x.md", ".github/agents/x.agent.md", ".cursor/rules/x.mdc", "AGENTS.md")
#: One line of standard error: ``path[:line]: severity: message`` (and printable: no terminal escapes).
DIAGNOSTIC_LINE = re.compile(r"[^\n]+?(?::\d+)?: (?:error|warning|info): [^\n]+")
#: Twice the profile's examples: the parser is the cheapest and the most exposed part.
MANY = settings(max_examples=settings.default.max_examples * 2)


def _decode(data: bytes, path: str) -> str | None:
    """Decode as the commands do; an :class:`InputError` must be one well-formed line."""
    try:
        return decode_text(data, path)
    except InputError as error:
        assert error.path == path
        assert DIAGNOSTIC_LINE.fullmatch(error.format()), error.format()
        return None


@MANY
@given(agent_bytes(), st.sampled_from(PATHS))
@example(b"---\nname: \x01\n\x01", "agent.md")  # a line break inside a diagnostic (fixed in model.py)
@example(b"---\nname: \x1b[2J\n---\n", "agent.md")  # an ANSI escape for the terminal
def test_any_bytes_give_a_document_or_one_input_error(data: bytes, path: str) -> None:
    text = _decode(data, path)
    if text is None:
        return
    doc = parse_agent(text, path=path)
    assert render_source(doc) == text
    for item in (*doc.diagnostics, *validate(doc)):
        assert DIAGNOSTIC_LINE.fullmatch(item.format()) and item.format().isprintable(), item.format()
    assert_spans_point_at_source(doc, text)
    json.loads(render_json.show([doc]))
    render_text.show([doc])


@given(agent_bytes(), agent_bytes())
def test_fuzzed_documents_merge_and_diff(first: bytes, second: bytes) -> None:
    docs: list[AgentDoc] = []
    for number, data in enumerate((first, second)):
        text = _decode(data, f"{number}.md")
        if text is not None:
            docs.append(parse_agent(text, path=f"v{number}/agent.md"))
    if not docs:
        return
    duplicate_names(docs)
    result = merge_agents(docs)
    assert render_source(parse_agent(result.text, path="canonical.md")) == result.text
    diff_agents(docs[0], docs[-1])


@given(agent_bytes(), st.sampled_from(("show", "check", "consolidate", "diff")))
def test_commands_on_fuzzed_files(data: bytes, command: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "agent.md")
        with open(path, "wb") as handle:
            handle.write(data)
        args = [command, "--format", "json", path] + ([path] if command == "diff" else [])
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code in (0, 1, 2)
    for line in result.stderr.splitlines():
        assert DIAGNOSTIC_LINE.fullmatch(line) and line.isprintable(), line
    if result.stdout:
        json.loads(result.stdout)
