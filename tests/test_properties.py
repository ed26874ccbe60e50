"""Invariants checked on generated agent files (tests/strategies.py), not only on hand-picked cases.

- parse then render gives the input back byte for byte, and every span points at its source;
- consolidate gives the same result for any input order, is idempotent, reports no conflict for
  identical variants, and loses no rule (every input rule is in some group's sources);
- the structural diff of a file with itself is empty, and ``agentmerge diff`` exits 0;
- output file names from :func:`agentmerge.files.safe_name` are safe whatever the agent's name, and
  text from agent files is inert in rendered Markdown (:func:`agentmerge.render.markdown.escape`).

Example counts come from the Hypothesis profile loaded in conftest.py (``ci`` by default,
``HYPOTHESIS_PROFILE=long`` for a deeper search).
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from pathlib import Path
from random import Random

import pytest
from click.testing import CliRunner
from conftest import assert_spans_point_at_source
from hypothesis import assume, example, given, note, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from strategies import FRONTMATTER_SHAPES, agent_names, agent_texts, variant_sets

from agentmerge import parse_agent, render_source
from agentmerge.cli import cli
from agentmerge.diff import ChangeKind, diff_agents
from agentmerge.files import safe_name
from agentmerge.merge import MergeResult, consolidate, merge_agents
from agentmerge.model import AgentDoc
from agentmerge.render.markdown import escape
from agentmerge.roles import group_by_name


def _parse_all(variants: list[tuple[str, str]]) -> list[AgentDoc]:
    return [parse_agent(text, path=path) for path, text in variants]


def _merge(variants: list[tuple[str, str]]) -> MergeResult:
    return merge_agents(_parse_all(variants))


# -- parse and render ---------------------------------------------------------------------------


@pytest.mark.parametrize("shape", FRONTMATTER_SHAPES)
@settings(max_examples=max(5, settings.default.max_examples // 6))  # 15 shapes: 2.5x the examples in all
@given(data=st.data())
def test_parse_then_render_is_byte_identical(shape: str, data: st.DataObject) -> None:
    text = data.draw(agent_texts(shape=shape), label="text")
    assert render_source(parse_agent(text, path="agent.md")) == text


@given(agent_texts())
@example("---\r\nname: a\r\ntools:\r\n  - Read\r\nmodel: opus\r\n---\r\n- rule\r\n")  # CRLF keys (fixed)
@example("---\rname: a\rtools:\r  - Read\r---\r- rule\r")  # CR keys (fixed)
def test_every_span_points_at_its_source(text: str) -> None:
    assert_spans_point_at_source(parse_agent(text, path="agent.md"), text, keys=True)


# -- consolidate --------------------------------------------------------------------------------

#: Inputs that broke a property once; each runs on every test run, before the generated ones.
#: A variant with CR line endings whose key lines were not found (frontmatter fix).
CR_KEYS = [("b/0-backend-developer.md", "\ufeff---\t\rname: backend-developer\rtools:\r")]
#: An indented base whose unchanged keys kept their indent in the canonical frontmatter.
INDENTED_BASE = [("a.md", "    ---\n    name: api-developer\n    model: opus\n    ---\n- Validate input\n- Write "
                  "tests\n"), ("b.md", "---\nname: api\nmodel: opus\n---\n- Validate input\n")]
#: A canonical agent stating one rule three times gained a fourth with a copy of itself.
_TRACING = ("- **Tracing**: review **validate config REST alerts tokens** "
            "`database pagination latency secrets retry formatting`\n")
REPEATS = [("c.md", f"**Guidelines**\n- validate_\n{_TRACING}- Secrets** review\n## Competencies\n- timeouts \n"
                    f"{_TRACING}{_TRACING}")]


@given(variant_sets(), st.randoms(use_true_random=False))
def test_consolidate_is_independent_of_input_order(variants: list[tuple[str, str]], random: Random) -> None:
    docs = _parse_all(variants)
    shuffled = list(docs)
    random.shuffle(shuffled)
    note(f"shuffled order: {[doc.path for doc in shuffled]}")
    assert consolidate(shuffled, group_by_name(shuffled)) == consolidate(docs, group_by_name(docs))


@given(variant_sets(min_size=1))
@example(CR_KEYS)
@example(INDENTED_BASE)
@example(REPEATS)
def test_consolidate_is_idempotent(variants: list[tuple[str, str]]) -> None:
    canonical = _merge(variants).text
    note(f"canonical:\n{canonical}")
    assert merge_agents([parse_agent(canonical, path="out/canonical.md")]).text == canonical
    twice = merge_agents([parse_agent(canonical, path="out/a.md"), parse_agent(canonical, path="out/b.md")])
    assert twice.text == canonical


@given(agent_texts(), st.integers(2, 4))
def test_identical_variants_report_no_conflict(text: str, copies: int) -> None:
    result = _merge([(f"copy{n}/agent.md", text) for n in range(copies)])
    assert result.conflicts == 0
    assert all(group.support == copies for group in result.groups)


@given(variant_sets(min_size=1))
def test_no_rule_of_any_input_is_lost(variants: list[tuple[str, str]]) -> None:
    docs = _parse_all(variants)
    merged = {(source.path, source.line) for group in merge_agents(docs).groups for source in group.sources}
    for doc in docs:
        for ref in doc.rules():  # nested rules and rules without content words included
            assert (doc.path, ref.rule.span.start) in merged, ref.rule.source


# -- diff ---------------------------------------------------------------------------------------


@given(agent_texts())
@example("# Guide\n\n## Security\n\n### Secrets\n\n- Never log secrets\n")  # sections paired crosswise once
@example("# Rules\n\n- Write tests\n\n# Rules\n\n- Review code\n")  # repeated heading reported moved once
def test_diff_of_a_file_with_itself_is_empty(text: str) -> None:
    result = diff_agents(parse_agent(text, path="old/agent.md"), parse_agent(text, path="new/agent.md"))
    assert not result.differs, [change for change in result.changes if change.kind is not ChangeKind.UNCHANGED]
    data = text.encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "agent.md")
        path.write_bytes(data)
        ran = CliRunner().invoke(cli, ["diff", "--format", "json", str(path), str(path)], catch_exceptions=False)
    assert ran.exit_code == (0 if data.strip() else 2), ran.stderr  # an empty file is an input error


# -- safe output names --------------------------------------------------------------------------


_RESERVED = {"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10))}


@given(st.one_of(agent_names(), st.text()))
@example("../../etc/passwd")  # was "-etc-passwd"
@example("nul.txt")  # reserved on Windows whatever the extension
@example("a..b")
@example("日本" * 80)  # 160 characters, 480 UTF-8 bytes
def test_safe_name_is_one_safe_file_stem(name: str) -> None:
    stem = safe_name(name)
    assert 0 < len(stem) <= 100 and len(stem.encode("utf-8")) <= 200
    assert "/" not in stem and "\\" not in stem and ".." not in stem
    assert not stem.startswith((".", "-", " ")) and not stem.endswith((".", " "))
    assert not any(unicodedata.category(c).startswith(("C", "Z")) for c in stem)
    assert stem.split(".")[0].lower() not in _RESERVED
    assert safe_name(stem) == stem


@given(st.from_regex(r"[A-Za-z0-9]+(-[A-Za-z0-9]+)*", fullmatch=True))
def test_safe_name_keeps_plain_names(name: str) -> None:
    assume(len(name) <= 100 and name.lower() not in _RESERVED)
    assert safe_name(name) == name


#: Text a hostile agent file could hold, piece by piece: HTML, Markdown markup, mentions, links.
_MARKUP = st.lists(st.sampled_from([*"ab <>&|`*_[]()#~!@\\\n:/-=+.\"'", "~~", "http://x.y", "<script>", "&lt;",
                                    "@user", "\t", "\u2028", "\x85", "<details>", "</details>", "-->"]),
                   max_size=40).map("".join)
#: An HTML tag other than the paragraph and table ones the test wraps the text in.
_TAG = re.compile(r"<(?!/?(?:p|table|thead|tbody|tr|th|td)>)[a-zA-Z/!?]")


@given(st.one_of(_MARKUP, st.text(max_size=40)))
def test_markdown_escape_makes_agent_text_inert(text: str) -> None:
    out = escape(text)
    md = MarkdownIt("commonmark").enable("table")
    assert "\n" not in out and "\r" not in out
    assert not _TAG.search(md.renderInline(out)), out  # no HTML, no emphasis, code or link
    assert md.render(f"| h |\n|---|\n| {out} |\n").count("<td") == 1  # one table cell, whatever the pipes
    assert not re.search(r"@\w", out)  # no @-mention


def test_markdown_escape_leaves_no_strikethrough() -> None:
    html = MarkdownIt("commonmark").enable(["table", "strikethrough"]).renderInline(escape("~~Never log secrets~~"))
    assert "<s>" not in html

