"""Invariants of the canonical agents of all of ../shared/corpus, checked file by file.

Every corpus file is parsed and grouped into roles as ``agentmerge consolidate`` does by default
(auto grouping), each role is merged, and each canonical agent is checked for:

* idempotence: it consolidates to itself, alone and beside a copy of itself;
* headings over nothing (a heading followed by one of its level or higher, no text between)
  that no member file has empty too;
* list items written more often than any member file writes them (a rule written twice);
* kept rule groups whose wording is not in the canonical text (markup and separators aside;
  an item that holds a table or a code block between its words shows here too, as 2 do).

It prints the count of each finding and the first few of each kind. Exit status 0 when there
are none, 1 otherwise. Last run (after the fixes of this audit): 0, 0, 0 and the 2 items above.

Usage::

    .venv/bin/python benchmarks/canonical_audit.py [--show 5]
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from collections import Counter
from collections.abc import Sequence

from parse_corpus import DEFAULT_CORPUS, load_corpus

from agentmerge import parse_agent
from agentmerge.grouping import group_roles
from agentmerge.merge import MergeResult, merge_agents

_HEADING = re.compile(r"^(#{1,6})\s+(.*)")
_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(.*)")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
#: List items shorter than this are left out of the repeat count ("Testing", "- [ ] Done").
ITEM_CHARS = 25
#: Characters of a kept rule's text (squeezed, see :func:`_squeezed`) looked for in the canonical
#: text: its lead, since an item holding a code block has a text that leaves the code out (with 50,
#: 6 rules of the corpus show: "Check run status: Valid completion statuses:").
LEAD = 20


def outline(text: str) -> tuple[set[str], Counter[str]]:
    """(titles of headings over nothing, count of each list item's text), code blocks aside."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []
    items: Counter[str] = Counter()
    fenced = False
    for number, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
        if fenced:
            continue
        if heading := _HEADING.match(line):
            heads.append((number, len(heading.group(1)), heading.group(2).strip()))
        elif (item := _ITEM.match(line)) and len(item.group(1)) > ITEM_CHARS:
            items[item.group(1).strip()] += 1
    empty = {title for (start, level, title), (end, below, _) in itertools.pairwise(heads)
             if below <= level and not any(line.strip() for line in lines[start + 1:end])}
    return empty, items


def _squeezed(text: str) -> str:
    """``text`` without blanks, emphasis and code marks, colons and dashes, HTML tags and type
    parameters (``Span<T>``), links by their text: a rule's text against the source that writes
    it ("**Label** - text", "`Glob`/`Grep`")."""
    return re.sub(r"<[^>\n]*>|[\s*_`:\-\u2013\u2014\\]", "", _LINK.sub(r"\1", text))


def audit(sources: Sequence[str], result: MergeResult) -> dict[str, list[str]]:
    """The findings of one role (kind -> descriptions), from its member files' texts and its result."""
    found: dict[str, list[str]] = {"not idempotent": [], "heading over nothing": [], "rule written twice": [],
                                   "kept rule not written": []}
    name = result.name
    alone = parse_agent(result.text, path=f"canonical/{name}.md")
    copy = parse_agent(result.text, path=f"copy/{name}.md")
    if merge_agents([alone]).text != result.text or merge_agents([alone, copy]).text != result.text:
        found["not idempotent"].append(name)
    empty, items = outline(result.text)
    outlines = [outline(text) for text in sources]
    for title in sorted(empty - set().union(*(found[0] for found in outlines))):
        found["heading over nothing"].append(f"{name}: {title}")
    for text, count in sorted(items.items()):
        if count > 1 and all(found[1][text] < count for found in outlines):
            found["rule written twice"].append(f"{name}: {text[:70]} (x{count})")
    written = _squeezed(result.text)
    for group in result.groups:
        if group.kept and _squeezed(group.text)[:LEAD] not in written:
            found["kept rule not written"].append(f"{name}: {group.text[:70]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=5, help="findings of each kind to print (default 5)")
    args = parser.parse_args(argv)
    texts = load_corpus(DEFAULT_CORPUS)
    docs = [parse_agent(text, path=path) for path, text in texts]
    source_of = dict(texts)
    totals: dict[str, list[str]] = {}
    roles = group_roles(docs)
    for role in roles:
        members = [docs[n] for n in role.indexes]
        result = merge_agents(members)
        for kind, entries in audit([source_of[doc.path] for doc in members], result).items():
            totals.setdefault(kind, []).extend(entries)
    print(f"{len(roles)} roles of {len(docs)} files")
    for kind, entries in totals.items():
        print(f"{kind}: {len(entries)}")
        for entry in entries[:args.show]:
            print(f"   {entry}")
    return 1 if any(totals.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
