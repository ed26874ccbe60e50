"""Edits that remove duplicate rules: list items out of agent files, and a shared rules file.

Whole list items are removed: the item's lines, nested items included, and in a loose list the
blank lines after it; later items of an ordered list are renumbered. A rule with nested items is
never removed (its children would go with it).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from agentmerge.dedup.rules import RULE_THRESHOLD, RepeatedRules, RuleAt, align_each, repeats_in
from agentmerge.dedup.shared import SharedRule
from agentmerge.model import AgentDoc, Rule
from agentmerge.parse import split_lines
from agentmerge.render.source import render_source


@dataclass(frozen=True, slots=True)
class Edit:
    """A file's text before and after removing duplicates; ``before`` is ``""`` for a new file."""

    path: str
    before: str
    after: str
    removed: tuple[RuleAt, ...] = ()


_ORDINAL = re.compile(r"([ \t>]*)(\d{1,9})([.)])")


#: Most alignment passes of :func:`plan_fixes`. On ../shared/corpus the passes remove 7,521, 305
#: and 23 rules (1,284, 939 and 191 files aligned), and the fourth finds none; VoltAgent's
#: collection alone 2,175, 86, 7, then none.
FIX_PASSES = 5


def _siblings(doc: AgentDoc) -> dict[tuple[int, int], tuple[Rule, ...]]:
    """(first line, last line) of every rule -> the items of the list it is in."""
    found: dict[tuple[int, int], tuple[Rule, ...]] = {}
    lists = [block.rules for section in doc.body.walk() for block in section.blocks if block.rules]
    while lists:
        items = lists.pop()
        for rule in items:
            found[(rule.span.start, rule.span.end)] = items
            if rule.children:
                lists.append(rule.children)
    return found


#: Most words of a list's lead-in that goes with the list when all its items are removed: a title
#: ("Content types:"), not an instruction that ends in a colon ("Save output to ... Notify user
#: and suggest next steps with agents like:"), which stays whatever happens to its list.
TITLE_WORDS = 8


def _bare_title(title: str | None) -> bool:
    return title is not None and len(title.split()) <= TITLE_WORDS and not re.search(r"[.!?](?:\s|$)", title)


def remove_rules(doc: AgentDoc, rules: Iterable[RuleAt]) -> str:
    """Return the text of ``doc`` without the list items ``rules`` (lines of ``doc``'s file).

    Each item goes with its lines (nested items included); in a loose list (a blank line before
    the item) the blank lines after it go too, so no double gap is left, while a tight list keeps
    the blank line that ends it. A list left with no item loses its lead-in title too ("Content
    types:" over items all repeated under "Content creation:"; a title of at most
    :data:`TITLE_WORDS` words and no sentence break), and the blank lines after it. The items
    after a removed one in an ordered list are renumbered.
    Every other line keeps its bytes, and a file without a final newline still ends without one.
    """
    return _remove(doc, rules)[0]


def _remove(doc: AgentDoc, rules: Iterable[RuleAt]) -> tuple[str, list[int]]:
    """:func:`remove_rules`, and the 0-based lines of ``doc``'s file that the result keeps, in order."""
    text = render_source(doc)
    lines = split_lines(text)
    siblings = _siblings(doc)
    drop: set[int] = set()
    renumber: dict[int, int] = {}  # 0-based line -> how many earlier items of its list were removed
    rules = sorted(rules, key=lambda rule: rule.line)
    gone = {(rule.line, rule.end_line) for rule in rules}
    for block in (block for section in doc.body.walk() for block in section.blocks):
        if _bare_title(block.title) and block.rules and all((r.span.start, r.span.end) in gone for r in block.rules):
            # the lead-in of a list emptied ("Content types:"), with the blank lines after the list
            drop.update(range(block.span.start - 1, block.span.end))
            end = block.span.end
            while end < len(lines) and not lines[end].strip():
                drop.add(end)
                end += 1
    for rule in rules:
        first, last = rule.line - 1, rule.end_line
        drop.update(range(first, last))
        if first > 0 and not lines[first - 1].strip():
            while last < len(lines) and not lines[last].strip():
                drop.add(last)
                last += 1
        items = siblings.get((rule.line, rule.end_line), ())
        for item in items:
            if item.span.start > rule.line and item.marker[:-1].isdigit():
                renumber[item.span.start - 1] = renumber.get(item.span.start - 1, 0) + 1
    out = []
    kept = []
    for number, line in enumerate(lines):
        if number in drop:
            continue
        kept.append(number)
        if number in renumber:
            match = _ORDINAL.match(line)
            if match:
                value = max(int(match.group(2)) - renumber[number], 0)
                line = f"{match.group(1)}{value}{match.group(3)}{line[match.end():]}"
        out.append(line)
    result = "".join(out)
    if lines and not lines[-1].endswith(("\n", "\r")) and result.endswith(("\n", "\r")):
        result = result.rstrip("\r\n")
    return result, kept


def plan_fixes(docs: Sequence[AgentDoc], *, threshold: float = RULE_THRESHOLD,
               jobs: int = 1) -> tuple[tuple[Edit, ...], bool]:
    """The edit of every file of ``docs`` that repeats a rule: every :attr:`RepeatedRules.removable`
    rule removed (:func:`remove_rules`), pass after pass until no repeat is left.

    Removing repeats lowers the document frequency of their stems, so the file's IDF weights
    change and two rules that were not repeats can become one ("Compile-time computation",
    "Compile-time checks" once three other compile-time rules are gone); a file is aligned again
    after each pass, up to :data:`FIX_PASSES` passes, so that ``dedup`` finds no repeat in what
    ``--fix`` wrote. The lines of :attr:`Edit.removed` are those of the original file.

    Args:
        docs: parsed agents.
        threshold: least score of a group of repeated rules (:data:`RULE_THRESHOLD`).
        jobs: processes that align the files' rules (:func:`align_each`).

    Returns:
        The edits, in input order, and whether a repetition is left after them (a group whose
        other rules have nested rules keeps more than one rule, or the passes ran out).
    """
    from agentmerge.parse import parse_agent

    current = {doc.path: doc for doc in docs}
    origin: dict[str, list[int]] = {}  # path -> the original 0-based line of each line of its current text
    removed: dict[str, list[RuleAt]] = defaultdict(list)
    stuck: dict[str, bool] = {}  # path -> whether its last alignment has a repeat --fix cannot remove
    pending = list(docs)
    for _ in range(FIX_PASSES):
        found: dict[str, list[RepeatedRules]] = defaultdict(list)
        for body in align_each(pending, jobs=jobs):
            for group in repeats_in(pending, body, threshold):
                found[group.path].append(group)
        changed = []
        for doc in pending:
            groups = found.get(doc.path, ())
            stuck[doc.path] = any(len(group.removable) < len(group.rules) - 1 for group in groups)
            rules = sorted((rule for group in groups for rule in group.removable), key=lambda rule: rule.line)
            if not rules:
                continue
            text, kept = _remove(doc, rules)
            lines = origin.get(doc.path)  # None: the text is still the original one
            removed[doc.path].extend(rules if lines is None else (
                replace(rule, line=lines[rule.line - 1] + 1, end_line=lines[rule.end_line - 1] + 1) for rule in rules))
            origin[doc.path] = kept if lines is None else [lines[n] for n in kept]
            current[doc.path] = parse_agent(text, path=doc.path)
            changed.append(current[doc.path])
        pending = changed
        if not pending:
            break
    edits = tuple(Edit(doc.path, render_source(doc), render_source(current[doc.path]),
                       tuple(sorted(removed[doc.path], key=lambda rule: rule.line)))
                  for doc in docs if removed.get(doc.path))
    return edits, bool(pending) or any(stuck.values())


def shared_text(shared: Sequence[SharedRule], *, existing: str = "", newline: str = "\n") -> str:
    """The shared instructions file (CLAUDE.md / AGENTS.md style) holding ``shared``.

    Rules go under the heading they sit under most often in the agents (``## Rules`` when
    none), headings in order of first use. A new file starts with ``# Shared rules``; an existing
    one (``existing``) is kept as it is and the sections are appended after a blank line.
    """
    sections: dict[str, list[str]] = {}
    for rule in shared:
        title = re.sub(r"^[\d.\s]+", "", rule.section).strip() or "Rules"
        sections.setdefault(title, []).append(rule.text)
    parts = [existing.rstrip("\r\n") + newline + newline] if existing.strip() else [f"# Shared rules{newline}{newline}"]
    for title, texts in sections.items():
        parts.append(f"## {title}{newline}{newline}" + "".join(f"- {text}{newline}" for text in texts) + newline)
    return "".join(parts).rstrip("\r\n") + newline


def extract_shared(docs: Sequence[AgentDoc], shared: Sequence[SharedRule], *, path: str,
                   existing: str = "") -> tuple[Edit, ...]:
    """The edits that move ``shared`` rules into one file at ``path``: that file first, then each
    agent of ``docs`` that states one of them, without it.

    Args:
        docs: the agents ``shared`` was found in.
        shared: from :func:`find_shared_rules` or :attr:`DedupResult.shared`.
        path: the shared file to write; ``existing`` is its current text (``""``: a new file).
    """
    newline = "\r\n" if existing.count("\r\n") * 2 > existing.count("\n") else "\n"
    edits = [Edit(path, existing, shared_text(shared, existing=existing, newline=newline))]
    by_path: dict[str, list[RuleAt]] = defaultdict(list)
    for rule in shared:
        for at in rule.rules:
            by_path[at.path].append(at)
    for doc in docs:
        removed = tuple(by_path.get(doc.path, ()))
        if removed:
            edits.append(Edit(doc.path, render_source(doc), remove_rules(doc, removed), removed))
    return tuple(edits)
