"""Agent dialects: which format a file is written for, and the keys and values each one accepts.

Key sets and value sets come from each tool's documentation (2026): Claude Code "Subagents"
(code.claude.com/docs/en/sub-agents), GitHub "Custom agents configuration"
(docs.github.com/copilot/reference/custom-agents-configuration), Cursor "Rules"
(docs.cursor.com/context/rules), OpenCode "Agents" (opencode.ai/docs/agents) and Gemini CLI
subagents. Unknown keys are warnings: tools ignore what they do not know.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import MappingProxyType

from agentmerge.model import AgentDoc, Diagnostic, Dialect, Frontmatter, Severity, Value, YamlMap, file_stem

Check = Callable[[Value], str | None]
"""Returns None when a value is acceptable, else what is wrong with it."""


def _one_of(*allowed: str) -> Check:
    def check(value: Value) -> str | None:
        if isinstance(value, str) and value in allowed:
            return None
        return f"must be one of {', '.join(allowed)}"
    return check


def _kind(*types: type, what: str) -> Check:
    def check(value: Value) -> str | None:
        if isinstance(value, bool) and bool not in types:
            return f"must be {what}"
        return None if isinstance(value, types) else f"must be {what}"
    return check


_TEXT = _kind(str, what="text")
_BOOL = _kind(bool, what="true or false")
_NUMBER = _kind(int, float, what="a number")
_TOOLS = _kind(str, tuple, what="a comma-separated string or a list")
_LIST = _kind(str, tuple, what="a list")
_MAP = _kind(YamlMap, what="a mapping")
_MODEL_ID = re.compile(r"claude-[a-z0-9.\-]+")


def _positive_int(value: Value) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    return None if ok else "must be a positive integer"


def _claude_model(value: Value) -> str | None:
    if isinstance(value, str) and (value in ("sonnet", "opus", "haiku", "inherit") or _MODEL_ID.fullmatch(value)):
        return None
    return "must be sonnet, opus, haiku, inherit or a full model id such as claude-sonnet-4-5"


@dataclass(frozen=True, slots=True)
class DialectSpec:
    """The frontmatter keys a dialect knows, each with its value check, and those it requires."""

    keys: MappingProxyType[str, Check]
    required: tuple[str, ...] = ()


SPECS: MappingProxyType[Dialect, DialectSpec] = MappingProxyType({
    Dialect.CLAUDE_CODE: DialectSpec(MappingProxyType({
        "name": _TEXT, "description": _TEXT, "tools": _TOOLS, "disallowedTools": _TOOLS,
        "model": _claude_model,
        "permissionMode": _one_of("default", "acceptEdits", "dontAsk", "bypassPermissions", "plan"),
        "maxTurns": _positive_int, "skills": _LIST, "mcpServers": _kind(str, tuple, YamlMap, what="a list"),
        "hooks": _MAP, "memory": _one_of("user", "project", "local"), "background": _BOOL,
        "effort": _one_of("low", "medium", "high", "max"), "isolation": _one_of("worktree"),
        "color": _one_of("red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan"),
        "initialPrompt": _TEXT,
    }), required=("name", "description")),
    Dialect.COPILOT: DialectSpec(MappingProxyType({
        "name": _TEXT, "description": _TEXT, "target": _one_of("vscode", "github-copilot"),
        "tools": _TOOLS, "model": _kind(str, tuple, what="text or a list"),
        "disable-model-invocation": _BOOL, "user-invocable": _BOOL, "infer": _BOOL,
        "mcp-servers": _MAP, "metadata": _MAP, "argument-hint": _TEXT, "handoffs": _LIST,
    }), required=("description",)),
    Dialect.CURSOR: DialectSpec(MappingProxyType({
        "description": _kind(str, type(None), what="text"),
        "globs": _kind(str, tuple, type(None), what="text or a list"),
        "alwaysApply": _BOOL,
    })),
    Dialect.OPENCODE: DialectSpec(MappingProxyType({
        "description": _TEXT, "mode": _one_of("primary", "subagent", "all"), "model": _TEXT,
        "temperature": _NUMBER, "top_p": _NUMBER, "tools": _MAP, "permission": _MAP, "prompt": _TEXT,
        "disable": _BOOL, "hidden": _BOOL, "color": _TEXT, "steps": _positive_int, "maxSteps": _positive_int,
    }), required=("description",)),
    Dialect.GEMINI: DialectSpec(MappingProxyType({
        "name": _TEXT, "description": _TEXT, "kind": _one_of("local", "remote"), "tools": _LIST,
        "model": _TEXT, "temperature": _NUMBER, "max_turns": _positive_int, "timeout_mins": _NUMBER,
    }), required=("name", "description")),
    Dialect.INSTRUCTIONS: DialectSpec(MappingProxyType({})),
})

_INSTRUCTION_NAMES = frozenset({"agents", "claude", "gemini", "copilot-instructions", "readme"})


def detect_dialect(path: str, frontmatter: Frontmatter) -> Dialect:
    """Guess the dialect from the path first (folder, suffix), then from the frontmatter keys."""
    where = "/" + path.replace("\\", "/").lower()
    if where.endswith(".mdc") or "/.cursor/rules/" in where:
        return Dialect.CURSOR
    if where.endswith(".agent.md") or "/.github/agents/" in where or "/.github/chatmodes/" in where:
        return Dialect.COPILOT
    if "/.opencode/agent" in where or frontmatter.get("mode") in ("primary", "subagent", "all"):
        return Dialect.OPENCODE
    if "/.gemini/agents/" in where:
        return Dialect.GEMINI
    if not frontmatter.fields or file_stem(path).lower() in _INSTRUCTION_NAMES:
        return Dialect.INSTRUCTIONS
    return Dialect.CLAUDE_CODE


def validate(doc: AgentDoc) -> tuple[Diagnostic, ...]:
    """Check the frontmatter of ``doc`` against its dialect: unknown keys, bad values, name vs stem.

    Returns warnings (unknown keys, name differing from the file stem) and errors (a value the
    dialect rejects, a required key missing), in line order.
    """
    spec = SPECS[doc.dialect]
    found: list[Diagnostic] = []
    fm = doc.frontmatter

    def add(line: int | None, severity: Severity, code: str, message: str) -> None:
        found.append(Diagnostic(doc.path, line, severity, code, message))

    if doc.dialect is Dialect.INSTRUCTIONS:
        return ()
    start = fm.span.start if fm.span else 1
    for key in spec.required:
        if fm.field(key) is None:
            add(start, Severity.ERROR, "missing-key", f"{doc.dialect.value} needs the '{key}' key")
    for item in fm.fields:
        check = spec.keys.get(item.key)
        if check is None:
            add(item.span.start, Severity.WARNING, "unknown-key",
                f"'{item.key}' is not a {doc.dialect.value} key; it is ignored there")
            continue
        problem = check(item.value)
        if problem:
            add(item.span.start, Severity.ERROR, "bad-value", f"'{item.key}' {problem} (got {_show(item.value)})")
    name = fm.field("name")
    if doc.dialect is Dialect.CLAUDE_CODE and name is not None and isinstance(name.value, str):
        stem = file_stem(doc.path)
        if doc.path not in ("-", "<string>") and name.value != stem:
            add(name.span.start, Severity.WARNING, "name-not-stem",
                f"name '{name.value}' differs from the file name '{stem}'")
    return tuple(sorted(found, key=lambda d: d.line or 0))


def duplicate_names(docs: Iterable[AgentDoc]) -> tuple[Diagnostic, ...]:
    """Warn about agents of one dialect that share a ``name``: the tool loads only one of them."""
    seen: dict[tuple[Dialect, str], AgentDoc] = {}
    found = []
    for doc in docs:
        if doc.dialect is Dialect.INSTRUCTIONS:
            continue
        key = (doc.dialect, doc.name)
        first = seen.setdefault(key, doc)
        if first is not doc:
            item = doc.frontmatter.field("name")
            found.append(Diagnostic(doc.path, item.span.start if item else None, Severity.WARNING,
                                    "duplicate-name", f"name '{doc.name}' is also used by {first.path}"))
    return tuple(found)


def _show(value: Value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


#: Instruction files read by name (AGENTS.md, CLAUDE.md, ...): agents even without frontmatter.
INSTRUCTION_FILES = frozenset({"agents", "claude", "gemini", "copilot-instructions"})


def is_agent(doc: AgentDoc) -> bool:
    """Whether a Markdown file is an agent definition rather than documentation.

    It is when its frontmatter has a ``name`` or ``description`` key (every dialect in
    :mod:`agentmerge.dialects` has one of them), when it is an instruction file
    (:data:`INSTRUCTION_FILES`), or when it sits where a tool looks for agents (``.claude/agents/``
    and the folders and suffixes :func:`detect_dialect` knows). A README or a
    docs page without such keys is not.
    """
    if doc.frontmatter.field("name") or doc.frontmatter.field("description"):
        return True
    if file_stem(doc.path).lower() in INSTRUCTION_FILES:
        return True
    where = "/" + doc.path.replace("\\", "/").lower()
    return "/.claude/agents/" in where or detect_dialect(doc.path, Frontmatter("", None)) is not Dialect.INSTRUCTIONS
