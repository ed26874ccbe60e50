"""Parsing: real files round-trip byte for byte, structure matches the source, hostile input is bounded.

Expected values in the seed and corpus tests were read off the files with ``cat -n``; line numbers
are 1-based lines of the whole file, frontmatter included.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import assert_spans_point_at_source

from agentmerge import parse_agent, render_source
from agentmerge.dialects import validate
from agentmerge.errors import InputError
from agentmerge.files import discover, read_text
from agentmerge.frontmatter import parse_tools
from agentmerge.model import (
    AgentDoc,
    Block,
    BlockKind,
    Dialect,
    FrontmatterStatus,
    RuleRef,
    Severity,
    Span,
)

Load = Callable[..., tuple[str, AgentDoc]]
DAVILA = "davila7__claude-code-templates/cli-tool/components/agents"


# -- helpers ------------------------------------------------------------------------------------


def _rule_at(doc: AgentDoc, line: int) -> RuleRef:
    found = [ref for ref in doc.rules() if ref.rule.span.start == line]
    assert len(found) == 1, f"expected one rule starting on line {line}, found {len(found)}"
    return found[0]


def _blocks(doc: AgentDoc) -> list[Block]:
    return [block for section in doc.body.walk() for block in section.blocks]


def _list_titled(doc: AgentDoc, title: str) -> Block:
    found = [b for b in _blocks(doc) if b.kind is BlockKind.LIST and b.title == title]
    assert len(found) == 1, f"expected one list titled {title!r}, found {len(found)}"
    return found[0]


def _block_at(doc: AgentDoc, line: int) -> Block:
    found = [b for b in _blocks(doc) if b.span.start == line]
    assert len(found) == 1, f"expected one block starting on line {line}, found {len(found)}"
    return found[0]


def _headings(doc: AgentDoc) -> list[tuple[int, str, int]]:
    """(level, title, line) of every heading, in source order."""
    return [(s.level, s.title, s.heading.span.start) for s in doc.body.walk() if s.heading]


def _codes(doc: AgentDoc) -> list[tuple[str, Severity, int | None]]:
    return [(d.code, d.severity, d.line) for d in doc.diagnostics]


def _read(path: Path) -> str:
    """The bytes of ``path`` decoded as UTF-8: no newline translation, BOM kept."""
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8")


def _assert_round_trip(text: str, path: str) -> AgentDoc:
    """Parse, check the render is the input byte for byte and every span points at its source."""
    doc = parse_agent(text, path=path)
    assert render_source(doc) == text
    assert_spans_point_at_source(doc, text)
    return doc


# -- every real file round-trips ----------------------------------------------------------------


def test_corpus_file_round_trips(corpus_file: Path) -> None:
    _assert_round_trip(_read(corpus_file), corpus_file.as_posix())


def test_seed_round_trips(seed_file: Path) -> None:
    _assert_round_trip(_read(seed_file), seed_file.as_posix())


# -- seed 002: invalid YAML, lead-in paragraphs, no headings -----------------------------------

SEED_002 = ("seeds", "002_59c9f4250e3f9764.txt")


def test_seed_002_invalid_yaml_recovers_every_key(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    fm = doc.frontmatter
    assert fm.status is FrontmatterStatus.RECOVERED
    assert fm.keys == ("name", "description", "tools", "color")
    assert fm.get("name") == "backend-engineer"
    assert fm.get("color") == "green"
    description = fm.get("description")
    assert isinstance(description, str)
    assert description.startswith("Use this agent when you need backend development expertise, including API")
    assert description.endswith("so use the backend-engineer agent.</commentary></example>")
    assert [(item.key, item.span) for item in fm.fields] == [
        ("name", Span(2, 2)), ("description", Span(3, 3)), ("tools", Span(4, 4)), ("color", Span(5, 5)),
    ]
    assert fm.span == Span(1, 6)


def test_seed_002_reports_one_yaml_warning(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    assert _codes(doc) == [("frontmatter-invalid-yaml", Severity.WARNING, 3)]
    assert "recovered 4 keys" in doc.diagnostics[0].message


def test_seed_002_tools_comma_string(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    assert parse_tools(doc.frontmatter.get("tools")) == (
        "Task", "Bash", "Glob", "Grep", "LS", "Read", "Edit", "MultiEdit", "Write", "TodoWrite",
    )


def test_seed_002_lead_in_paragraph_titles_list(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    block = _list_titled(doc, "Your core responsibilities include")
    assert block.span == Span(10, 21)  # the lead-in line 10 through the list and its blank line
    assert [rule.span.start for rule in block.rules] == list(range(12, 21))
    assert block.rules[0].text == "Please follow the guidelines in docs/nextjs.md"
    assert block.rules[-1].text == "Code review with focus on backend-specific concerns"
    titles = [b.title for b in doc.body.blocks if b.kind is BlockKind.LIST]
    assert titles == [
        "Your core responsibilities include",
        "When working on backend tasks, you will",
        "For database operations",
        "For API development",
    ]


def test_seed_002_rule_line_34(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    ref = _rule_at(doc, 34)
    assert ref.rule.span == Span(34, 34)
    assert ref.rule.source == "- Always use parameterized queries to prevent SQL injection\n"
    assert ref.rule.text == "Always use parameterized queries to prevent SQL injection"
    assert (ref.rule.marker, ref.rule.ordinal, ref.rule.label) == ("-", 1, None)
    assert ref.section == ()  # the file has no heading at all
    assert doc.body.children == ()
    assert ref.list_title == "For database operations"
    assert (ref.depth, ref.parent) == (0, None)


def test_seed_002_numbered_steps_have_labels(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_002)
    ref = _rule_at(doc, 24)
    assert ref.rule.label == "Analyze Requirements"
    assert ref.rule.text.startswith("Thoroughly understand the functional and non-functional requirements")
    assert ref.list_title == "When working on backend tasks, you will"
    assert _rule_at(doc, 30).rule.label == "Test Thoroughly"


# -- seed 000: headings, numbered steps with labels, nested rules ------------------------------

SEED_000 = ("seeds", "000_c13d21cbee3c67d6.txt")


def test_seed_000_sections(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_000)
    assert _headings(doc) == [
        (1, "Purpose", 9), (2, "Core Competencies", 13), (2, "Instructions", 23), (2, "Output Format", 55),
    ]
    (purpose,) = doc.body.children
    assert [child.title for child in purpose.children] == ["Core Competencies", "Instructions", "Output Format"]


def test_seed_000_steps_are_labelled_rules(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_000)
    steps = [ref for ref in doc.rules() if ref.section == ("Purpose", "Instructions") and ref.depth == 0]
    assert [ref.rule.label for ref in steps] == [
        "Analyze the Request", "Review Existing Code", "Plan the Implementation",
        "Implement with Best Practices", "Verify Quality",
    ]
    assert [ref.rule.marker for ref in steps] == ["1.", "2.", "3.", "4.", "5."]
    assert [ref.rule.span.start for ref in steps] == [27, 29, 36, 42, 49]
    assert {ref.list_title for ref in steps} == {"When invoked, follow these steps"}
    assert steps[0].rule.text == (
        "Understand the backend task requirements, identifying API endpoints, data models, "
        "and integration points."
    )
    assert steps[1].rule.text == "Use Glob and Read to examine existing backend patterns:"  # code markup dropped
    assert steps[2].rule.text == ""  # the label is all the item's own text


def test_seed_000_nested_rule_is_child_of_step(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_000)
    ref = _rule_at(doc, 44)
    assert ref.rule.text == "Implement proper input validation"
    assert (ref.rule.marker, ref.rule.ordinal, ref.depth) == ("-", 2, 1)
    assert ref.parent is not None
    assert ref.parent.span == Span(42, 47)
    assert ref.parent.label == "Implement with Best Practices"
    assert ref.parent is _rule_at(doc, 42).rule
    assert [child.span.start for child in ref.parent.children] == [43, 44, 45, 46, 47]
    assert ref.section == ("Purpose", "Instructions")


def test_seed_000_output_format_list_title(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_000)
    block = _list_titled(doc, "Provide implementation with")
    assert block.span == Span(57, 63)
    assert [rule.text for rule in block.rules] == [
        "API endpoint definitions", "Database schema/migrations", "Controller/service logic",
        "Middleware additions", "Integration examples", "Security considerations documented",
    ]


# -- seed 004: bold-only paragraphs title lists; **NEVER** is not a label ----------------------

SEED_004 = ("seeds", "004_a0f0db0754634d8a.txt")


def test_seed_004_bold_paragraph_titles_list(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_004)
    block = _list_titled(doc, "API Development")
    assert block.span == Span(13, 20)
    assert [rule.span.start for rule in block.rules] == [15, 16, 17, 18, 19]
    assert block.rules[0].text == "Design and implement RESTful API endpoints"
    (section,) = [s for s in doc.body.walk() if s.title == "Core Responsibilities"]
    assert [b.title for b in section.blocks if b.kind is BlockKind.LIST] == [
        "API Development", "Database and Data Layer", "Security and Authentication",
    ]


def test_seed_004_bold_lead_without_colon_is_not_a_label(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_004)
    rules = [ref.rule for ref in doc.rules() if ref.section == ("Rules",)]
    assert len(rules) == 10
    assert all(rule.label is None for rule in rules)
    assert rules[0].text == "NEVER expose sensitive data in API responses"
    assert rules[0].span == Span(62, 62)
    # One loose list: the blank line 67 does not restart numbering.
    assert (rules[5].text, rules[5].ordinal, rules[5].span) == (
        "DO NOT ignore TypeScript strict mode errors", 6, Span(68, 68),
    )


# -- seed 001: JSON-style tools list, unknown keys ---------------------------------------------

SEED_001 = ("seeds", "001_d017a2a914e77492.txt")


def test_seed_001_tools_flow_list(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_001)
    item = doc.frontmatter.field("tools")
    assert item is not None
    assert item.source == 'tools: ["Read", "Grep", "Glob", "Bash"]\n'
    assert item.span == Span(9, 9)
    assert parse_tools(item.value) == ("Read", "Grep", "Glob", "Bash")
    assert doc.frontmatter.status is FrontmatterStatus.VALID
    assert doc.frontmatter.get("description") == (
        'Backend development expert for APIs, databases, and server-side logic. Trigger: "backend help", '
        '"API design", "database query", "server optimization".\n'
    )


def test_seed_001_unknown_keys_are_warnings(load_shared: Load) -> None:
    _, doc = load_shared(*SEED_001)
    found = validate(doc)
    unknown = [(d.line, d.severity, d.message.split("'")[1]) for d in found if d.code == "unknown-key"]
    assert unknown == [
        (6, Severity.WARNING, "confidence_threshold"),
        (7, Severity.WARNING, "load_on_demand"),
        (8, Severity.WARNING, "keywords"),
    ]
    assert not [d for d in found if d.severity is Severity.ERROR]


# -- corpus oddities (../shared/corpus/ODDITIES.md) --------------------------------------------


def test_indented_frontmatter(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "0xfurai__claude-code-subagents/agents/sqs-expert.md")
    fm = doc.frontmatter
    assert fm.status is FrontmatterStatus.VALID
    assert fm.span == Span(1, 6)  # the leading blank line belongs to the block
    assert [(item.key, item.span.start) for item in fm.fields] == [("name", 3), ("description", 4), ("model", 5)]
    assert fm.get("model") == "claude-sonnet-4-20250514"
    assert _codes(doc) == [("frontmatter-indented", Severity.WARNING, 2)]
    # The body is indented like the frontmatter; it is read as Markdown, not as one code block.
    assert _headings(doc) == [(2, "Focus Areas", 8), (2, "Approach", 20), (2, "Quality Checklist", 32),
                              (2, "Output", 44)]
    assert _rule_at(doc, 9).rule.text == "Understanding SQS standard and FIFO queue types"
    assert not [b for b in _blocks(doc) if b.kind is BlockKind.CODE]


def test_nonstandard_closing_line(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "vijaythecoder__awesome-claude-agents/agents/universal/frontend-developer.md")
    fm = doc.frontmatter
    assert fm.keys == ("name", "description", "tools")
    assert fm.span == Span(1, 6)
    assert fm.field("name").span == Span(3, 3)  # type: ignore[union-attr]  # blank line 2 skipped
    assert _codes(doc) == [("frontmatter-delimiter", Severity.WARNING, 6)]
    assert _headings(doc)[0] == (1, "Frontend\u2011Developer \u2013 Universal UI Builder", 8)


def test_tools_star(load_shared: Load) -> None:
    _, doc = load_shared("corpus", f"{DAVILA}/data-ai/monday-bug-fixer.md")
    assert doc.frontmatter.status is FrontmatterStatus.RECOVERED
    assert doc.frontmatter.keys == ("name", "description", "tools")
    assert doc.frontmatter.get("tools") == "*"
    assert parse_tools(doc.frontmatter.get("tools")) == ("*",)
    assert _codes(doc) == [("frontmatter-invalid-yaml", Severity.WARNING, 4)]


def test_description_starting_with_bold(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "rshah515__claude-code-subagents/core/architect.md")
    description = doc.frontmatter.get("description")
    assert isinstance(description, str)
    assert description.startswith("**TECHNICAL DESIGN SPECIALIST**: Transforms business requirements")
    assert parse_tools(doc.frontmatter.get("tools")) == (
        "Task", "Grep", "Glob", "LS", "Read", "Write", "MultiEdit", "TodoWrite", "WebSearch", "WebFetch",
    )
    assert _codes(doc) == [("frontmatter-invalid-yaml", Severity.WARNING, 3)]


def test_multiline_plain_description(load_shared: Load) -> None:
    _, doc = load_shared("corpus", f"{DAVILA}/data-ai/prompt-engineer.md")
    fm = doc.frontmatter
    assert fm.status is FrontmatterStatus.RECOVERED
    assert fm.keys == ("name", "description", "tools", "model")
    assert (fm.get("tools"), fm.get("model")) == ("Read", "sonnet")
    assert fm.field("description").span == Span(3, 27)  # type: ignore[union-attr]
    description = fm.get("description")
    assert isinstance(description, str)
    assert "\n# Output Format\n" in description  # kept as text, not dropped as a YAML comment
    assert description.endswith("</example>")
    assert fm.span == Span(1, 30)
    assert _headings(doc)[0] == (1, "Prompt Engineer", 32)


def test_crlf_file(load_shared: Load) -> None:
    text, doc = load_shared("corpus", f"{DAVILA}/development-tools/unused-code-cleaner.md")
    assert "\r\n" in text
    fm = doc.frontmatter
    assert (fm.get("name"), fm.get("color")) == ("unused-code-cleaner", "orange")
    assert fm.field("color").source == "color: orange\r\n"  # type: ignore[union-attr]
    ref = _rule_at(doc, 12)
    assert (ref.rule.text, ref.rule.source) == (
        "Identify project languages and structure", "1. Identify project languages and structure\r\n",
    )
    assert ref.list_title == "When invoked"
    assert not [r for r in doc.rules() if "\r" in r.rule.text]


def test_hash_lines_in_code_fence_are_not_headings(load_shared: Load) -> None:
    _, doc = load_shared("corpus", f"{DAVILA}/development-tools/unused-code-cleaner.md")
    block = _block_at(doc, 32)
    assert (block.kind, block.span, block.info) == (BlockKind.CODE, Span(32, 37), "python")
    assert block.text.startswith("# Python: AST-based analysis\n")
    assert (3, "Unused Imports", 30) in _headings(doc)
    assert not [h for h in _headings(doc) if "AST" in h[1]]


def test_dash_lines_in_code_fence_are_not_breaks_or_headings(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "wshobson__agents/plugins/c4-architecture/agents/c4-code.md")
    block = _block_at(doc, 181)
    assert (block.kind, block.span, block.info) == (BlockKind.CODE, Span(181, 208), "mermaid")
    assert block.text.startswith("---\ntitle: Module Structure for [Component Name]\n---\n")
    assert not [b for b in _blocks(doc) if b.kind is BlockKind.BREAK]


def test_four_backtick_fence_holds_three_backtick_fences(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "wshobson__agents/plugins/c4-architecture/agents/c4-code.md")
    block = _block_at(doc, 104)
    assert (block.kind, block.span, block.info) == (BlockKind.CODE, Span(104, 173), "markdown")
    assert block.text.startswith("# C4 Code Level: [Directory Name]\n")
    assert "```mermaid\n---\n" in block.text
    titles = [title for _, title, _ in _headings(doc)]
    assert "C4 Code Level: [Directory Name]" not in titles
    assert "Overview" not in titles
    assert (3, "Functional/Procedural Code (Modules, Functions)", 175) in _headings(doc)
    assert doc.diagnostics == ()


def test_second_frontmatter_block_in_code_fence(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "davila7__claude-code-templates/.claude/agents/agent-expert.md")
    assert doc.frontmatter.span == Span(1, 5)
    assert doc.frontmatter.get("name") == "agent-expert"
    block = _block_at(doc, 20)
    assert (block.kind, block.span) == (BlockKind.CODE, Span(20, 50))
    assert block.text.startswith("---\nname: agent-name\n")
    assert "When to Use This Agent" not in [title for _, title, _ in _headings(doc)]


def test_unbalanced_fence(load_shared: Load) -> None:
    _, doc = load_shared("corpus", "rshah515__claude-code-subagents/data-ai/ml-engineer.md")
    assert _codes(doc) == [("unclosed-fence", Severity.WARNING, 173)]
    last = _blocks(doc)[-1]
    assert (last.kind, last.span) == (BlockKind.CODE, Span(173, 199))  # no final newline: 199 lines
    assert last.text.startswith("\n## Best Practices\n")
    assert "Best Practices" not in [title for _, title, _ in _headings(doc)]


# -- hostile input, built here ------------------------------------------------------------------


def test_bom_and_crlf_round_trip() -> None:
    text = "\ufeff---\r\nname: bom-agent\r\ndescription: Has a BOM\r\n---\r\n\r\n## Rules\r\n\r\n- one\r\n- two\r\n"
    doc = _assert_round_trip(text, "bom-agent.md")
    assert doc.bom is True
    assert not doc.frontmatter.source.startswith("\ufeff")
    assert doc.frontmatter.span == Span(1, 4)
    assert doc.frontmatter.get("name") == "bom-agent"
    assert [(r.rule.text, r.rule.span.start) for r in doc.rules()] == [("one", 8), ("two", 9)]
    assert _headings(doc) == [(2, "Rules", 6)]
    assert doc.diagnostics == ()


def test_no_bom_recorded_when_absent() -> None:
    assert parse_agent("---\nname: a\n---\nText\n").bom is False


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("- " * 10_000 + "x\n", id="bullets"),
        pytest.param("1. " * 10_000 + "x\n", id="ordered"),
        pytest.param("> " * 10_000 + "- x\n", id="quotes"),
        pytest.param("".join("  " * depth + f"- level {depth}\n" for depth in range(1_000)), id="indented"),
    ],
)
def test_deep_nesting_is_bounded(text: str) -> None:
    doc = _assert_round_trip(text, "deep.md")  # a RecursionError would fail here
    depths = [ref.depth for ref in doc.rules()]
    assert max(depths, default=0) < 100


def _alias_bomb(levels: int = 9) -> str:
    names = "abcdefghijklmnopqrstuvwxyz"[:levels]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 9) + "]" for prev, name in itertools.pairwise(names)]
    return "---\nname: bomb\n" + "\n".join(lines) + "\n---\n\nBody.\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        pytest.param(_alias_bomb(), "expands to more than", id="alias-bomb"),
        pytest.param("---\nname: deep\nx: " + "[" * 5_000 + "]" * 5_000 + "\n---\nBody\n", "nests deeper",
                     id="deep-flow"),
    ],
)
def test_frontmatter_too_large(text: str, why: str) -> None:
    started = time.perf_counter()
    doc = _assert_round_trip(text, "bomb.md")
    assert time.perf_counter() - started < 5  # 9**9 expanded values would take minutes and gigabytes
    assert _codes(doc) == [("frontmatter-too-large", Severity.ERROR, 1)]
    assert why in doc.diagnostics[0].message
    assert doc.frontmatter.status is FrontmatterStatus.UNREADABLE


@pytest.mark.parametrize(
    "tag",
    ["!!python/object/apply:os.system", "!!python/object/new:os.system", "!python/object/apply:os.system"],
)
def test_python_tags_are_never_executed(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    text = f'---\nname: evil\nhook: {tag} ["touch {marker}"]\ndescription: d\n---\nBody\n'
    doc = _assert_round_trip(text, "evil.md")
    assert not marker.exists()
    assert [d.code for d in doc.diagnostics] == ["frontmatter-invalid-yaml"]
    assert doc.frontmatter.keys == ("name", "hook", "description")
    assert isinstance(doc.frontmatter.get("hook"), str)  # its text, never a constructed object


def test_unterminated_code_fence() -> None:
    text = "Intro\n\n```python\n# not a heading\n## neither\n---\n"
    doc = _assert_round_trip(text, "fence.md")
    assert _codes(doc) == [("unclosed-fence", Severity.WARNING, 3)]
    assert _headings(doc) == []
    assert [b.kind for b in doc.body.blocks] == [BlockKind.PARAGRAPH, BlockKind.BLANK, BlockKind.CODE]


def test_closed_code_fence_has_no_diagnostic() -> None:
    doc = _assert_round_trip("```\n# x\n```\n", "fence.md")
    assert doc.diagnostics == ()


def test_unterminated_frontmatter() -> None:
    text = "---\nname: open\ndescription: never closed\n\n# Title\n\n- rule one\n"
    doc = _assert_round_trip(text, "open.md")
    assert _codes(doc) == [("frontmatter-unterminated", Severity.WARNING, 1)]
    assert doc.frontmatter.keys == ("name", "description")
    assert doc.frontmatter.span == Span(1, 3)
    assert _headings(doc) == [(1, "Title", 5)]
    assert [(r.rule.text, r.rule.span.start) for r in doc.rules()] == [("rule one", 7)]


@pytest.mark.parametrize(
    ("path", "name", "dialect"),
    [
        ("repo/AGENTS.md", "AGENTS", Dialect.INSTRUCTIONS),
        ("repo/CLAUDE.md", "CLAUDE", Dialect.INSTRUCTIONS),
        ("agents/code-reviewer.md", "code-reviewer", Dialect.INSTRUCTIONS),
        (".cursor/rules/style.mdc", "style", Dialect.CURSOR),
    ],
)
def test_no_frontmatter(path: str, name: str, dialect: Dialect) -> None:
    doc = _assert_round_trip("# Guide\n\n- Run the tests before every commit\n", path)
    assert doc.name == name
    assert doc.dialect is dialect
    assert doc.frontmatter.status is FrontmatterStatus.ABSENT
    assert (doc.frontmatter.source, doc.frontmatter.span, doc.frontmatter.fields) == ("", None, ())
    assert _rule_at(doc, 3).rule.text == "Run the tests before every commit"


def test_thematic_break_is_not_frontmatter() -> None:
    doc = _assert_round_trip("---\n\nJust prose after a rule.\n", "note.md")
    assert doc.frontmatter.status is FrontmatterStatus.ABSENT
    assert doc.body.blocks[0].kind is BlockKind.BREAK


def test_one_megabyte_line() -> None:
    line = "word " * 200_000
    text = "---\nname: long\ndescription: d\n---\n" + line + "\n"
    doc = _assert_round_trip(text, "long.md")
    (block,) = doc.body.blocks
    assert (block.kind, block.span, len(block.source)) == (BlockKind.PARAGRAPH, Span(5, 5), 1_000_001)


# -- files.read_text and files.discover --------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        pytest.param(b"", "file is empty", None, id="empty"),
        pytest.param(b"\n  \n\t\n", "file is empty", None, id="blank"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file", None, id="binary"),
        pytest.param("---\nname: x\n---\n".encode("utf-16"), "binary file", None, id="utf-16"),
        pytest.param(b"---\nname: x\n---\ncaf\xe9 au lait\n", "byte 0xe9", 4, id="latin-1"),
    ],
)
def test_read_text_refuses(tmp_path: Path, data: bytes, message: str, line: int | None) -> None:
    path = tmp_path / "agent.md"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_text(str(path))
    assert message in caught.value.message
    assert (caught.value.path, caught.value.line) == (str(path), line)


def test_read_text_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.md"
    path.write_bytes(b"---\nname: x\n---\ncaf\xe9\n")
    with pytest.raises(InputError) as caught:
        read_text(str(path))
    assert caught.value.format() == f"{path}:4: error: not UTF-8 text (byte 0xe9 cannot be decoded)"


def test_read_text_small_limit(tmp_path: Path) -> None:
    path = tmp_path / "agent.md"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="101 bytes, over the 100 bytes limit"):
        read_text(str(path), max_bytes=100)
    assert read_text(str(path), max_bytes=101) == "x" * 101


def test_read_text_twenty_megabytes(tmp_path: Path) -> None:
    path = tmp_path / "dump.md"
    with open(path, "wb") as handle:
        handle.write(b"- line of a log passed by mistake\n" * 600_000)  # 20.4 MB
    with pytest.raises(InputError, match=r"file is 20\.4 MB, over the 250 kB limit"):
        read_text(str(path))


def test_read_text_missing(tmp_path: Path) -> None:
    path = tmp_path / "absent.md"
    with pytest.raises(InputError, match="No such file"):
        read_text(str(path))


def test_read_text_keeps_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "agent.md"
    path.write_bytes("\ufeff---\r\nname: a\r\n---\r\nBody\r\n".encode())
    assert read_text(str(path)) == "\ufeff---\r\nname: a\r\n---\r\nBody\r\n"


def test_discover_directory_without_agents(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not an agent\n")
    found, errors = discover([str(tmp_path)])
    assert found == []
    assert [(e.path, e.message) for e in errors] == [
        (str(tmp_path), "no agent files (*.md, *.mdc) in this directory"),
    ]


def test_discover_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere")
    found, errors = discover([missing])
    assert found == []
    assert [(e.path, e.message) for e in errors] == [(missing, "no such file or directory")]


def test_discover_walks_hidden_folders_and_skips_vendored(tmp_path: Path) -> None:
    for relative in (".claude/agents/b.md", "a.mdc", "node_modules/pkg/c.md", ".git/d.md", "e.txt"):
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x\n")
    found, errors = discover([str(tmp_path), str(tmp_path / "a.mdc")])
    assert found == [str(tmp_path / ".claude/agents/b.md"), str(tmp_path / "a.mdc")]
    assert errors == []


# -- samples/ ---------------------------------------------------------------------------------

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


@pytest.mark.parametrize(
    "relative", sorted(p.relative_to(SAMPLES).as_posix() for p in SAMPLES.rglob("*.md"))
)
def test_sample_round_trips(relative: str) -> None:
    doc = _assert_round_trip(_read(SAMPLES / relative), f"samples/{relative}")
    assert doc.dialect is Dialect.CLAUDE_CODE
    assert validate(doc) == ()


def test_sample_with_invalid_yaml_is_recovered() -> None:
    doc = parse_agent(_read(SAMPLES / "backend-developer.md"), path="samples/backend-developer.md")
    assert doc.frontmatter.status is FrontmatterStatus.RECOVERED
    assert doc.frontmatter.get("description") == (
        "Use for backend work. Triggers: API, database, server code, background jobs."
    )
    assert parse_tools(doc.frontmatter.get("tools")) == ("Read", "Grep", "Glob", "Edit", "Write", "Bash", "WebFetch")
    assert _codes(doc) == [("frontmatter-invalid-yaml", Severity.WARNING, 3)]
