"""Review renderers: the pull-request comment (Markdown), a pull-request review (GitHub's JSON), text.

:data:`RENDERERS` maps every ``agentmerge review --format`` name to a function ``(Review) -> str``,
the formats of :mod:`agentmerge.render.github`, :mod:`~agentmerge.render.sarif` and
:mod:`~agentmerge.render.rdjson` included.

Text taken from agent files (messages quote rules, paths are the repository's) is escaped: inline
with :func:`agentmerge.render.markdown.escape` (markup and ``<`` backslash-escaped, ``@`` broken
by a zero-width space so nobody is mentioned), inside HTML (``<summary>``) with HTML entities, in
code blocks by a fence longer than any run of backticks in the text. So a rule cannot open HTML,
close ``<details>``, start a table or mention a person.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from types import MappingProxyType

from agentmerge.findings import FileChange, FileStatus, Finding, Review
from agentmerge.model import Severity
from agentmerge.render import dumps, github, rdjson, sarif
from agentmerge.render.markdown import escape

#: The hidden first line of the comment: the GitHub Action finds the comment to update by it.
MARKER = "<!-- agentmerge-review -->"
#: GitHub's maximum length of a comment or review body (65,536 characters). The body is kept
#: under it counting UTF-8 bytes, which are never fewer than characters or UTF-16 code units.
LIMIT = 65_536
#: Most files listed in the summary table; with a path shown in at most 300 characters, the table
#: stays under a third of :data:`LIMIT`, leaving the rest to the findings.
TABLE_ROWS = 50
#: Longest detail (a word or line diff) shown under a finding, in characters.
DETAIL_WIDTH = 2_000
_WIDTH = 300
_WORDS = {Severity.ERROR: ("error", "errors"), Severity.WARNING: ("warning", "warnings"),
          Severity.INFO: ("note", "notes")}


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _html(text: str) -> str:
    """Text for an HTML context (``<summary>``): entities, one line, no @-mention."""
    return html.escape(" ".join(text.split())).replace("@", "@\u200b")


def _fence(text: str, info: str = "") -> list[str]:
    """``text`` as a fenced code block whose fence no run of backticks inside can close."""
    fence = "`" * max([3, *(len(run) + 1 for run in re.findall(r"`{3,}", text))])
    return [f"{fence}{info}", *text.split("\n"), fence]


def _counts(review: Review, findings: Sequence[Finding]) -> str:
    counts = review.counts(findings)
    parts = [f"{counts[s]} {_WORDS[s][counts[s] != 1]}" for s in Severity if counts[s]]
    return ", ".join(parts) if parts else "no findings"


def _where(f: Finding) -> str:
    if f.line is None:
        return "file"
    return f"line {f.line}" if f.end_line in (None, f.line) else f"lines {f.line}-{f.end_line}"


def _item(f: Finding, *, inline: bool = False) -> list[str]:
    """One finding as a list item, its detail, related places and suggestion indented under it.

    ``inline``: for a comment on the finding's own lines, without the bullet and the line number.
    """
    label = f"**{_WORDS[f.severity][0]}**" if f.severity is not Severity.INFO else _WORDS[f.severity][0]
    head = f"{label}: " if inline else f"- {label} {_where(f)}: "
    lines = [f"{head}{escape(f.message, _WIDTH)} (`{f.rule}`)"]
    detail = f.detail if len(f.detail) <= DETAIL_WIDTH else f.detail[: DETAIL_WIDTH - 3] + "..."
    if "\n" in detail:
        lines += ["", *(f"  {line}" for line in _fence(detail, "diff")), ""]
    elif detail:
        lines.append(f"  - {escape(detail, DETAIL_WIDTH)}")
    for r in f.related:
        where = f"{r.path}:{r.line}" if r.line is not None else r.path
        lines.append(f"  - see {escape(where, _WIDTH)}" + (f": {escape(r.message, _WIDTH)}" if r.message else ""))
    if f.suggestion is not None:
        lines += ["", "  suggested replacement:", "",
                  *(f"  {line}" for line in _fence(f"-{f.suggestion.old}\n+{f.suggestion.new}", "diff")), ""]
    return lines


def _heading(change: FileChange | None, path: str) -> str:
    if change is None:
        return f"### {escape(path, _WIDTH)}"
    status = change.status.value
    if change.status is FileStatus.RENAMED and change.old_path:
        status = f"renamed from {escape(change.old_path, _WIDTH)}"
    return f"### {escape(path, _WIDTH)} ({status})"


def _blocks(review: Review, findings: Sequence[Finding]) -> list[tuple[str, int, int]]:
    """The comment after its header as (text, open details after it, findings in it) blocks."""
    files = {change.path: change for change in review.files}
    paths = list(dict.fromkeys(f.path for f in findings))
    blocks: list[tuple[str, int, int]] = []
    for path in paths:
        mine = [f for f in findings if f.path == path]
        blocks.append(("\n" + _heading(files.get(path), path) + "\n", 0, 0))
        major = [f for f in mine if f.severity is not Severity.INFO]
        notes = [f for f in mine if f.severity is Severity.INFO]
        if major:
            blocks.append(("\n", 0, 0))
        blocks += [("\n".join(_item(f)) + "\n", 0, 1) for f in major]
        if notes:
            blocks.append((f"\n<details><summary>{len(notes)} {_WORDS[Severity.INFO][len(notes) != 1]}"
                           "</summary>\n\n", 1, 0))
            blocks += [("\n".join(_item(f)) + "\n", 1, 1) for f in notes]
            blocks.append(("\n</details>\n", 0, 0))
    return blocks


def _assemble(head: str, blocks: list[tuple[str, int, int]], limit: int) -> str:
    """``head`` and as many blocks as fit in ``limit`` UTF-8 bytes, then a note of what was left out.

    Each block is kept only if the note (and the closing of an open ``<details>``) still fits after it.
    """
    out, size, depth, shown = [head], _size(head), 0, 0
    total = sum(count for _, _, count in blocks)
    for number, (text, after, count) in enumerate(blocks):
        last = number == len(blocks) - 1
        reserve = 0 if last else _size(_truncated(total - shown - count, after))
        if size + _size(text) + reserve > limit:
            out.append(_truncated(total - shown, depth))
            break
        out.append(text)
        size += _size(text)
        depth, shown = after, shown + count
    return "".join(out)


def _truncated(left: int, depth: int) -> str:
    closing = "\n</details>\n" * depth
    return (f"{closing}\n_{left} more finding{'s' if left != 1 else ''} not shown: a comment holds at most "
            f"{LIMIT:,} characters. Run `agentmerge review` for all of them._\n")


def _summary(review: Review) -> list[str]:
    span = f"{escape(review.base, _WIDTH)} → {escape(review.head, _WIDTH)}"
    if not review.files:
        return [f"No agent file changed ({span})."]
    out = [f"{len(review.files)} agent file{'s' if len(review.files) != 1 else ''} changed ({span}): "
           f"{_counts(review, review.findings)}.", ""]
    out += ["| file | change | errors | warnings | notes |", "|---|---|---:|---:|---:|"]
    for change in review.files[:TABLE_ROWS]:
        counts = review.counts(f for f in review.findings if f.path == change.path)
        out.append(f"| {escape(change.path, _WIDTH)} | {change.status.value} | {counts[Severity.ERROR]} | "
                   f"{counts[Severity.WARNING]} | {counts[Severity.INFO]} |")
    if len(review.files) > TABLE_ROWS:
        out += ["", f"_and {len(review.files) - TABLE_ROWS} more files._"]
    return out


def markdown(review: Review) -> str:
    """The pull-request comment: hidden marker, summary table, a section per file.

    Errors and warnings are listed; notes (every structural change) sit in a collapsed
    ``<details>``. Findings that do not fit under :data:`LIMIT` are left out with a note.
    """
    head = "\n".join([MARKER, "## agentmerge review", "", *_summary(review)]) + "\n"
    return _assemble(head, _blocks(review, review.findings), LIMIT - 1)


def _place(f: Finding, change: FileChange | None) -> tuple[int, int] | None:
    """The lines of ``f`` inside one range the change touched (GitHub comments only on the diff)."""
    if change is None or f.line is None:
        return None
    end = f.end_line or f.line
    for start, stop in change.touched:
        if start <= end and f.line <= stop:
            return max(start, f.line), min(stop, end)
    return None


def _comment(f: Finding, lines: tuple[int, int]) -> str:
    parts = ["\n".join(_item(f, inline=True))]
    s = f.suggestion
    if s is not None and (s.line, s.end_line) == lines:
        parts.append("\n".join(_fence(s.new, "suggestion")))
    return "\n\n".join(parts) + "\n"


def github_review(review: Review) -> str:
    """The JSON body of GitHub's "create a review for a pull request" endpoint.

    ``event`` is ``COMMENT``; ``comments[]`` has one comment per finding on lines the change
    touched (``side`` ``RIGHT``, multi-line ranges as ``start_line``..``line``), with a
    ``suggestion`` block when its fix replaces exactly those lines. Findings elsewhere (removed
    rules, untouched lines, deleted files) are listed in ``body``.
    """
    files = {change.path: change for change in review.files}
    comments, elsewhere = [], []
    for f in review.findings:
        lines = _place(f, files.get(f.path))
        if lines is None:
            elsewhere.append(f)
            continue
        comment: dict[str, object] = {"path": f.path, "line": lines[1], "side": "RIGHT", "body": _comment(f, lines)}
        if lines[0] != lines[1]:
            comment |= {"start_line": lines[0], "start_side": "RIGHT"}
        comments.append(comment)
    head = ["## agentmerge review", "", *_summary(review)]
    if elsewhere:
        head += ["", f"{len(elsewhere)} finding{'s' if len(elsewhere) != 1 else ''} outside the changed lines:"]
    body = _assemble("\n".join(head) + "\n", _blocks(review, elsewhere), LIMIT - 1)
    return dumps({"event": "COMMENT", "body": body, "comments": comments})


def text(review: Review) -> str:
    """One ``path[:line]: severity: message [rule]`` line per finding, its detail indented below."""
    out = []
    for f in review.findings:
        where = f.path if f.line is None else f"{f.path}:{f.line}"
        out.append(f"{where}: {f.severity.value}: {f.message} [{f.rule}]\n")
        out += [f"    {line}\n" for line in f.detail.splitlines()]
        if f.suggestion is not None:
            out += [f"    suggested: {line}\n" for line in f.suggestion.new.splitlines()]
    return "".join(out)


RENDERERS: MappingProxyType[str, Callable[[Review], str]] = MappingProxyType({
    "text": text,
    "markdown": markdown,
    "github": github.findings,
    "github-review": github_review,
    "sarif": sarif.sarif,
    "rdjson": rdjson.rdjson,
    "rdjsonl": rdjson.rdjsonl,
})
