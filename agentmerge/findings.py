"""Findings: what a change does to agent files, as one list every review format renders.

A :class:`Finding` is a place on the HEAD side of a change (repository-relative path, 1-based
inclusive lines), a :class:`~agentmerge.model.Severity`, a stable rule id from :data:`RULES`, a
one-line plain-text message and, where a fix is known, a :class:`Suggestion` that replaces whole
lines. The builders here turn what the core already computes into findings:

* structural diffs (:func:`agentmerge.diff.diff_agents`) of each changed file against its BASE
  version: one finding per change, rule id ``<target>-<kind>`` (``rule-reworded``);
* pairwise rule alignments (:func:`agentmerge.pairing.align_pair`) of each added or changed file
  with every other agent at HEAD: ``duplicate-agent`` and ``contradicts-agent``;
* ``check`` diagnostics (parse diagnostics, :func:`agentmerge.dialects.validate`,
  :func:`agentmerge.dialects.duplicate_names`) of the changed files, rule id = diagnostic code.

Messages are plain text: renderers escape them for their format. Pure: values in, values out.
"""

from __future__ import annotations

import enum
import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import yaml

from agentmerge.dialects import duplicate_names, validate
from agentmerge.diff import Change, ChangeKind, Target, diff_agents
from agentmerge.model import AgentDoc, Diagnostic, FrontmatterStatus, Section, Severity
from agentmerge.pairing import PairAlignment, align_pair

#: Two agents are duplicates when one of them has this share of its rules paired with the other's
#: (Hungarian pairing of :func:`agentmerge.pairing.align_pair`, counting pairs scored at least
#: :data:`STRONG`) and at least :data:`MIN_SHARED` rules pair. Chosen with benchmarks/review.py
#: on ../shared/corpus (400 same-role pairs of ROLES.tsv groups, 1500 pairs of different roles,
#: seed 1, comparator of 2026-11-21): 0.7 flags 18.8% of same-role pairs and none of the
#: different-role ones; 0.6 flags 0.1% of different-role pairs, 0.5 0.3% (react vs vue, flutter
#: vs mobile); counting every match (score 0.4 up) flags 0.3% at 0.6. A review compares one agent
#: with every other, so the different-role rate is the false-alarm rate per comparison.
OVERLAP = 0.7
#: Least comparator score of a rule pair that counts towards the overlap (see :data:`OVERLAP`).
STRONG = 0.5
#: Least number of paired rules for a duplicate, so two tiny agents sharing a line of boilerplate
#: are not one (benchmarks/review.py: 1, 3 and 5 flag nearly the same pairs).
MIN_SHARED = 3
#: Frontmatter keys that decide what an agent may do; a change to them is a warning, not a note.
#: From the dialect references in agentmerge/dialects.py (tools, permissions, MCP servers).
PERMISSION_KEYS = frozenset({"tools", "disallowedTools", "allowed-tools", "permissionMode", "permission",
                             "mcpServers", "mcp-servers"})
_CLIP = 160


class FileStatus(enum.Enum):
    """How a file changed between BASE and HEAD (git's ``A``, ``M``, ``D``, ``R``)."""

    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule of the catalogue: its stable id, a one-line description and its usual severity."""

    id: str
    summary: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class Location:
    """Another place a finding refers to (the rule it contradicts, the agent it duplicates)."""

    path: str
    line: int | None
    end_line: int | None
    message: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A known fix: replace the whole lines ``line``..``end_line`` (1-based, inclusive).

    ``old`` is the text of those lines as in the file and ``new`` their replacement, both without
    the final line break, so renderers can count columns (UTF-8 bytes for reviewdog, code points
    for SARIF) to the end of the last line.
    """

    line: int
    end_line: int
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a reviewer should see, placed on the HEAD side of the change."""

    path: str
    """Repository-relative POSIX path (the BASE path for a deleted file)."""
    line: int | None
    """First line, 1-based; ``None`` when the finding has no place in the HEAD file."""
    end_line: int | None
    severity: Severity
    rule: str
    """Stable rule id (a key of :data:`RULES`, or a ``check`` diagnostic code)."""
    message: str
    """One line of plain text."""
    detail: str = ""
    """Optional plain text shown below the message (a word diff, a line diff); may span lines."""
    key: str = ""
    """What the finding is about, independent of line numbers (fingerprints use it)."""
    suggestion: Suggestion | None = None
    related: tuple[Location, ...] = ()

    @property
    def text(self) -> str:
        """The message, then the detail on the lines below it (when there is one)."""
        return f"{self.message}\n{self.detail}" if self.detail else self.message

    @property
    def title(self) -> str:
        """A short heading: the rule's description."""
        return rule_info(self.rule).summary

    @property
    def fingerprint(self) -> str:
        """32 hex digits of SHA-256 over rule, path and key: stable while lines move."""
        text = "\0".join((self.rule, self.path, " ".join((self.key or self.message).split())))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class FileChange:
    """One changed agent file with both of its versions, as read from version control."""

    status: FileStatus
    path: str
    """HEAD path (the BASE path for a deleted file)."""
    old_path: str | None
    """BASE path for a modified, renamed or deleted file."""
    old: AgentDoc | None
    new: AgentDoc | None
    touched: tuple[tuple[int, int], ...]
    """HEAD-side line ranges the change added or modified (1-based, inclusive)."""
    similarity: int | None = None
    """git's rename similarity in percent."""

    def touches(self, line: int | None, end_line: int | None = None) -> bool:
        """Whether any line of ``line``..``end_line`` is one the change touched."""
        if line is None:
            return False
        last = end_line or line
        return any(start <= last and line <= end for start, end in self.touched)


@dataclass(frozen=True, slots=True)
class Review:
    """Every finding about the agent files changed between two revisions."""

    base: str
    """Label of the BASE revision (``origin/main (1a2b3c4)``)."""
    head: str
    """Label of the HEAD revision, or ``working tree``."""
    files: tuple[FileChange, ...]
    findings: tuple[Finding, ...]
    """Sorted by path, line, rule."""

    def counts(self, findings: Iterable[Finding] | None = None) -> dict[Severity, int]:
        """Number of findings per severity (of ``findings``, by default all of them)."""
        out = dict.fromkeys(Severity, 0)
        for finding in self.findings if findings is None else findings:
            out[finding.severity] += 1
        return out


_KIND_WORDS = MappingProxyType({
    ChangeKind.ADDED: "added", ChangeKind.REMOVED: "removed", ChangeKind.CHANGED: "changed",
    ChangeKind.REWORDED: "reworded", ChangeKind.MOVED: "moved", ChangeKind.RENAMED: "renamed",
    ChangeKind.CONTRADICTION: "now says the opposite of what it said",
})
_TARGET_WORDS = MappingProxyType({Target.FRONTMATTER: "frontmatter key", Target.SECTION: "section",
                                  Target.RULE: "rule", Target.BLOCK: "block"})

#: The rule catalogue: ids are stable (SARIF ``ruleId``, reviewdog ``code``, fingerprints).
RULES: MappingProxyType[str, RuleInfo] = MappingProxyType({
    info.id: info for info in (
        *(RuleInfo(f"{target.value}-{kind.value}", f"{_TARGET_WORDS[target]} {words}",
                   Severity.WARNING if kind is ChangeKind.CONTRADICTION else Severity.INFO)
          for target in Target for kind, words in _KIND_WORDS.items()),
        RuleInfo("agent-added", "agent added", Severity.INFO),
        RuleInfo("agent-removed", "agent removed", Severity.INFO),
        RuleInfo("agent-renamed", "agent renamed", Severity.INFO),
        RuleInfo("duplicate-agent", "agent duplicates another agent", Severity.WARNING),
        RuleInfo("contradicts-agent", "rule contradicts another agent", Severity.WARNING),
        RuleInfo("frontmatter-invalid-yaml", "frontmatter is not valid YAML", Severity.WARNING),
        RuleInfo("frontmatter-too-large", "frontmatter too large to read", Severity.ERROR),
        RuleInfo("frontmatter-indented", "frontmatter is indented", Severity.WARNING),
        RuleInfo("frontmatter-delimiter", "odd frontmatter delimiter", Severity.WARNING),
        RuleInfo("frontmatter-unterminated", "frontmatter has no closing delimiter", Severity.WARNING),
        RuleInfo("unclosed-fence", "code fence is never closed", Severity.WARNING),
        RuleInfo("missing-key", "required frontmatter key missing", Severity.ERROR),
        RuleInfo("unknown-key", "frontmatter key unknown to the dialect", Severity.WARNING),
        RuleInfo("bad-value", "frontmatter value the dialect rejects", Severity.ERROR),
        RuleInfo("name-not-stem", "name differs from the file name", Severity.WARNING),
        RuleInfo("duplicate-name", "name used by another agent", Severity.WARNING),
        RuleInfo("exact-copy-agent", "agent is an exact copy of another", Severity.WARNING),
        RuleInfo("near-copy-agent", "agent nearly copies another", Severity.WARNING),
        RuleInfo("repeated-rule", "rule the agent already states", Severity.WARNING),
        RuleInfo("shared-rule", "rule many agents share (a shared instructions file could hold it)",
                 Severity.INFO),
    )
})


def rule_info(rule: str) -> RuleInfo:
    """The catalogue entry of ``rule``; a diagnostic code the catalogue lacks gets a generic one."""
    return RULES.get(rule) or RuleInfo(rule, f"agentmerge check: {rule}", Severity.WARNING)


def review_changes(files: Sequence[FileChange], others: Sequence[AgentDoc], *, base: str, head: str,
                   overlap: float = OVERLAP) -> Review:
    """Build every finding about ``files``.

    Args:
        files: the changed agent files, each with its BASE and HEAD documents.
        others: the agents at HEAD that did not change (compared with added and changed files).
        base, head: labels of the two revisions, for display.
        overlap: the share of paired rules at which two agents are duplicates (:data:`OVERLAP`).

    Returns:
        A :class:`Review` whose findings are sorted by path, line and rule id.
    """
    found: list[Finding] = []
    current = [f for f in files if f.new is not None]
    for change in files:
        found += file_findings(change)
    found += cross_findings(current, others, overlap=overlap)
    found += check_findings(current, others)
    found.sort(key=lambda f: (f.path, f.line or 0, f.rule, f.message))
    return Review(base, head, tuple(sorted(files, key=lambda f: f.path)), tuple(found))


# -- one file: what it is and what changed in it ------------------------------------------------


def file_findings(change: FileChange) -> list[Finding]:
    """The file-level finding (added, removed, renamed) and one finding per structural change."""
    new, old = change.new, change.old
    if change.status is FileStatus.DELETED:
        assert old is not None
        return [Finding(change.path, None, None, Severity.INFO, "agent-removed",
                        f"agent `{old.name}` removed ({_count(old)} rules)", key=old.name)]
    assert new is not None
    line = anchor(new)
    out = []
    if change.status is FileStatus.ADDED:
        out.append(Finding(change.path, line, line, Severity.INFO, "agent-added",
                           f"agent `{new.name}` added ({new.dialect.value}, {_count(new)} rules)", key=new.name))
    elif change.status is FileStatus.RENAMED:
        similar = f", {change.similarity}% similar" if change.similarity is not None else ""
        out.append(Finding(change.path, line, line, Severity.INFO, "agent-renamed",
                           f"renamed from {change.old_path}{similar}", key=change.old_path or ""))
    if old is not None and change.status is not FileStatus.ADDED:
        headings = _heading_lines(new.body)
        for item in diff_agents(old, new).changes:
            if item.kind is not ChangeKind.UNCHANGED:
                out.append(change_finding(change.path, item, headings))
    return out


def change_finding(path: str, change: Change, headings: dict[str, int]) -> Finding:
    """One structural change as a finding on the HEAD side.

    Args:
        path: the HEAD path of the file.
        change: an entry of :class:`agentmerge.diff.AgentDiff` other than ``UNCHANGED``.
        headings: heading path (``"Rules / Security"``) -> line of that heading in the HEAD file;
            a removed entry is placed on the heading of the section it was in, when that section
            is still there, else it has no line.
    """
    rule = f"{change.target.value}-{change.kind.value}"
    severity = rule_info(rule).severity
    if change.target is Target.FRONTMATTER and change.key in PERMISSION_KEYS:
        severity = Severity.WARNING
    old, new = change.old, change.new
    side = new or old
    text = _clip(side.text) if side else ""
    where = f" in {change.key}" if change.key and change.target in (Target.RULE, Target.BLOCK) else ""
    if change.target is Target.FRONTMATTER:
        message = f"frontmatter key '{change.key}' {_KIND_WORDS[change.kind]}"
        if change.kind is not ChangeKind.CHANGED:
            message += f": {text}"
    elif change.kind is ChangeKind.CONTRADICTION and old and new:
        message = f"rule now says the opposite: '{_clip(old.text)}' became '{_clip(new.text)}'"
    elif change.target is Target.SECTION:
        message = f"section {_KIND_WORDS[change.kind]}: {change.key}"
    elif change.target is Target.BLOCK:
        first = side.text.strip().splitlines()[0] if side and side.text.strip() else ""
        message = f"block {_KIND_WORDS[change.kind]}{where}: {_clip(first)}"
    else:
        message = f"rule {_KIND_WORDS[change.kind]}{where}: {text}"
    line: int | None
    end: int | None
    if new is not None:
        line, end = new.line, new.end_line
    else:
        line = end = headings.get(change.key)
        message += f" (was line {old.line})" if old else ""
    key = f"{change.key}\0{(old.text if old else '')}\0{(new.text if new else '')}"
    return Finding(path, line, end, severity, rule, message, change.detail, key)


# -- against the other agents: duplicates and contradictions -----------------------------------


def cross_findings(current: Sequence[FileChange], others: Sequence[AgentDoc], *,
                   overlap: float = OVERLAP) -> list[Finding]:
    """Duplicates and contradictions between each added or changed file and every other agent.

    Each unordered pair is compared once (:func:`agentmerge.pairing.align_pair`). A duplicate is
    reported on the reviewed file (on the added one when both are reviewed), and for a changed
    file only when its BASE version was not already one. A contradiction is reported on a rule
    the change touched.
    """
    out: list[Finding] = []
    for index, change in enumerate(current):
        pool: list[tuple[AgentDoc, FileChange | None]] = [
            (other.new, other) for other in current[index + 1:] if other.new is not None]
        pool += [(doc, None) for doc in others]
        for doc, other in pool:
            out += _pair_findings(change, doc, other, overlap)
    return out


@dataclass(frozen=True, slots=True)
class Overlap:
    """How much two agents share: rules paired one to one, out of each one's rules."""

    shared: int
    left_rules: int
    right_rules: int

    @property
    def left_covered(self) -> float:
        """Share of the left agent's rules paired with a rule of the right one (0-1)."""
        return self.shared / self.left_rules if self.left_rules else 0.0

    @property
    def right_covered(self) -> float:
        """Share of the right agent's rules paired with a rule of the left one (0-1)."""
        return self.shared / self.right_rules if self.right_rules else 0.0

    def duplicate(self, threshold: float = OVERLAP, minimum: int = MIN_SHARED) -> bool:
        """At least ``minimum`` rules paired and one agent covered to ``threshold`` (0-1)."""
        return self.shared >= minimum and max(self.left_covered, self.right_covered) >= threshold


def overlap_of(pair: PairAlignment, *, strong: float = STRONG) -> Overlap:
    """The :class:`Overlap` of an :func:`~agentmerge.pairing.align_pair` result, counting the pairs
    scored at least ``strong`` (:data:`STRONG`)."""
    left = sum(1 for item in pair.items if item.doc == 0)
    shared = sum(1 for match in pair.matches if match.score >= strong)
    return Overlap(shared, left, len(pair.items) - left)


def _pair_findings(change: FileChange, doc: AgentDoc, other: FileChange | None, threshold: float) -> list[Finding]:
    new = change.new
    assert new is not None
    pair = align_pair(new, doc)
    found = overlap_of(pair)
    out = []
    if found.duplicate(threshold):
        # Reported on the reviewed file; of two reviewed files, on the added one.
        sides = [(change, new, found.left_covered), (other, doc, found.right_covered)]
        if other is not None and other.status is FileStatus.ADDED and change.status is not FileStatus.ADDED:
            sides.reverse()
        (here, _, mine), (_, there, theirs) = sides
        assert here is not None
        if _newly_duplicate(here, there, threshold):
            out.append(_duplicate(here, there, mine, theirs))
    for item in pair.contradictions:
        a, b = sorted((pair.items[item.a], pair.items[item.b]), key=lambda i: i.doc)
        ours, theirs_rule = a.ref.rule, b.ref.rule
        if change.touches(ours.span.start, ours.span.start):
            here_path, rule, far, far_path = change.path, ours, theirs_rule, doc.path
        elif other is not None and other.touches(theirs_rule.span.start):
            here_path, rule, far, far_path = other.path, theirs_rule, ours, change.path
        else:
            continue
        message = f"'{_clip(rule.full_text)}' contradicts {far_path}:{far.span.start} '{_clip(far.full_text)}'"
        out.append(Finding(here_path, rule.span.start, rule.span.start, Severity.WARNING, "contradicts-agent",
                           message, item.reason, key=f"{rule.full_text}\0{far_path}\0{far.full_text}",
                           related=(Location(far_path, far.span.start, far.span.start, _clip(far.full_text)),)))
    return out


def _newly_duplicate(change: FileChange, other: AgentDoc, threshold: float) -> bool:
    """Whether ``change`` made the duplicate: added, or its BASE version was not one of ``other``."""
    if change.old is None or change.status is FileStatus.ADDED:
        return True
    return not overlap_of(align_pair(change.old, other)).duplicate(threshold)


def _duplicate(change: FileChange, other: AgentDoc, mine: float, theirs: float) -> Finding:
    new = change.new
    assert new is not None
    who = "new agent" if change.status is FileStatus.ADDED else "agent"
    verb = "covers" if change.status is FileStatus.ADDED else "now covers"
    if theirs >= mine:
        message = f"{who} `{new.name}` {verb} {round(theirs * 100)}% of the rules of `{other.name}` ({other.path})"
    else:
        message = f"{round(mine * 100)}% of the rules of {who} `{new.name}` are in `{other.name}` ({other.path})"
    line = anchor(new)
    return Finding(change.path, line, line, Severity.WARNING, "duplicate-agent", message, key=other.path,
                   related=(Location(other.path, anchor(other), anchor(other), f"agent `{other.name}`"),))


# -- check diagnostics -------------------------------------------------------------------------


def check_findings(current: Sequence[FileChange], others: Sequence[AgentDoc]) -> list[Finding]:
    """``agentmerge check`` on the HEAD version of each changed file, as findings.

    Duplicate names are looked for among all agents at HEAD and reported on the changed file.
    A recovered key whose single line is invalid YAML gets a suggestion: the same value quoted.
    """
    docs = [c.new for c in current if c.new is not None]
    paths = {doc.path for doc in docs}
    diagnostics = [d for doc in docs for d in (*doc.diagnostics, *validate(doc))]
    diagnostics += [d for d in duplicate_names([*others, *docs]) if d.path in paths]
    by_path = {doc.path: doc for doc in docs}
    return [diagnostic_finding(d, by_path[d.path]) for d in diagnostics]


def diagnostic_finding(item: Diagnostic, doc: AgentDoc) -> Finding:
    """One diagnostic as a finding, with a quoting suggestion for invalid YAML it can fix."""
    fix = _quote_fix(doc, item.line) if item.code == "frontmatter-invalid-yaml" else None
    line = fix.line if fix is not None else item.line
    return Finding(item.path, line, line, item.severity, item.code, item.message, key=item.message, suggestion=fix)


def _quote_fix(doc: AgentDoc, line: int | None) -> Suggestion | None:
    """Quote the first one-line key that strict YAML rejects (at ``line`` if it is one such)."""
    if doc.frontmatter.status is not FrontmatterStatus.RECOVERED:
        return None
    broken = []
    for field in doc.frontmatter.fields:
        if field.span.start != field.span.end or not isinstance(field.value, str):
            continue
        try:
            yaml.safe_load(field.source)
        except yaml.YAMLError:
            broken.append(field)
    if not broken:
        return None
    field = next((f for f in broken if f.span.start == line), broken[0])
    old = field.source.rstrip("\r\n")
    indent = old[: len(old) - len(old.lstrip())]
    quoted = yaml.safe_dump({field.key: field.value}, allow_unicode=True, width=math.inf, sort_keys=False)
    return Suggestion(field.span.start, field.span.end, old, indent + quoted.rstrip("\n"))


# -- helpers -----------------------------------------------------------------------------------


def anchor(doc: AgentDoc) -> int:
    """The line that stands for a whole agent: its ``name`` key, else its frontmatter, else 1."""
    name = doc.frontmatter.field("name")
    if name is not None:
        return name.span.start
    return doc.frontmatter.span.start if doc.frontmatter.span else 1


def _heading_lines(body: Section) -> dict[str, int]:
    """Heading path (titles joined by ``" / "``) -> line of the heading, for every section."""
    out: dict[str, int] = {}
    stack: list[tuple[Section, tuple[str, ...]]] = [(body, ())]
    while stack:
        section, path = stack.pop()
        here = (*path, section.title) if section.heading else path
        if section.heading is not None:
            out.setdefault(" / ".join(here), section.heading.span.start)
        stack.extend((child, here) for child in section.children)
    return out


def _count(doc: AgentDoc) -> int:
    return sum(1 for _ in doc.rules())


def _clip(text: str, width: int = _CLIP) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."
