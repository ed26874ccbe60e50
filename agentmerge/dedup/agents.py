"""Duplicate agents: exact and near copies of one body, and agents that claim one ``name``.

* **Exact copies**: agents whose bodies are equal after normalisation. Normalised: the BOM and
  the whole frontmatter are left out (copies often differ only in ``name`` or ``description``;
  the differing keys are reported), and every run of whitespace (line endings, indentation,
  trailing spaces, blank lines) counts as one space. Markup, case and wording are not
  normalised. Files with an empty body are never copies.
* **Near copies**: agents whose bodies are similar at or above :data:`NEAR_THRESHOLD` but not
  equal: the Jaccard similarity of their word 3-shingle sets, the candidate pairs proposed by
  the MinHash/LSH index of role grouping (:class:`agentmerge.grouping.ContentIndex`), so all
  pairs are never compared. Each member of a copy group carries
  :func:`agentmerge.diff.diff_agents` against the group's first file.
* **Name collisions**: agents of one dialect with the same ``name``; which one Claude Code loads
  follows its precedence, project over user over plugin (:func:`scope_of`).
"""

from __future__ import annotations

import dataclasses
import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.diff import AgentDiff, diff_agents
from agentmerge.grouping import NEAR_COPY, ContentIndex
from agentmerge.model import AgentDoc, Dialect, Section

#: Least Jaccard similarity of two bodies' word 3-shingle sets (w-shingling, Broder 1997, "On the
#: resemblance and containment of documents") for a near copy; the one value consolidate's role
#: grouping also uses (:data:`agentmerge.grouping.NEAR_COPY`). Set by eye on the same-name pairs
#: of ../shared/corpus (benchmarks/dedup.py prints a sample): at 0.54 and above every pair keeps
#: most rules of the other, reworded or moved (VoltAgent agents re-hosted and edited by davila7);
#: at 0.45 and below most rules are added, removed or rewritten (qa-expert 0.45, data-scientist
#: 0.42), which is a new version, not a copy.
NEAR_THRESHOLD = NEAR_COPY
#: Highest LSH threshold datasketch can band 128 permutations for (at 0.99 it needs fewer than
#: two bands); a higher near-copy threshold filters the pairs proposed at this one.
LSH_CEILING = 0.98


class CopyKind(enum.Enum):
    """How alike the agents of an :class:`AgentCopies` group are."""

    EXACT = "exact"
    NEAR = "near"


class Scope(enum.Enum):
    """Where Claude Code loads an agent file from; members are in order of precedence."""

    PROJECT = "project"
    USER = "user"
    PLUGIN = "plugin"
    OTHER = "other"
    """Not a folder Claude Code loads agents from (a collection, a download folder)."""


@dataclass(frozen=True, slots=True)
class Copy:
    """One member of a copy group, compared with the group's first file."""

    path: str
    similarity: float
    """1.0 for an exact copy; for a near copy the Jaccard similarity of the bodies' shingles, 0-1."""
    diff: AgentDiff
    """The first file against this one; for an exact copy, frontmatter keys only."""


@dataclass(frozen=True, slots=True)
class AgentCopies:
    """Agents that are copies of one another: ``path`` first, then every other member."""

    kind: CopyKind
    path: str
    copies: tuple[Copy, ...]

    @property
    def paths(self) -> tuple[str, ...]:
        """Every member, the first file first."""
        return (self.path, *(copy.path for copy in self.copies))


@dataclass(frozen=True, slots=True)
class NamedAgent:
    """One of the agents that claim a name."""

    path: str
    line: int | None
    """Line of the ``name`` key, or None when the name comes from the file name."""
    scope: Scope


@dataclass(frozen=True, slots=True)
class NameCollision:
    """Agents of one dialect sharing a ``name``: a tool loads only one of them."""

    name: str
    dialect: Dialect
    agents: tuple[NamedAgent, ...]
    """In order of precedence, then input order."""
    winner: str | None
    """The path that is loaded, or None when no precedence rule decides."""
    reason: str


# -- copies ---------------------------------------------------------------------------------------


def _frontmatter_only(doc: AgentDoc) -> AgentDoc:
    return dataclasses.replace(doc, body=Section(None))


def exact_copies(docs: Sequence[AgentDoc], index: ContentIndex) -> list[AgentCopies]:
    """Groups of files with equal :func:`agentmerge.grouping.body_key` (``index`` built on ``docs``),
    in order of first member; each copy carries the diff of its frontmatter with the first file's."""
    found = []
    for group in index.exact_copies():
        first = _frontmatter_only(docs[group[0]])
        copies = tuple(Copy(docs[n].path, 1.0, diff_agents(first, _frontmatter_only(docs[n]))) for n in group[1:])
        found.append(AgentCopies(CopyKind.EXACT, docs[group[0]].path, copies))
    return found


def find_duplicate_agents(docs: Sequence[AgentDoc], *, threshold: float = NEAR_THRESHOLD) -> tuple[AgentCopies, ...]:
    """Find agents that are exact or near copies of one another.

    Args:
        docs: parsed agents, in a fixed order (the first member of a group is the earliest).
        threshold: least body similarity of a near copy, 0-1 exclusive (default :data:`NEAR_THRESHOLD`).

    Returns:
        Exact groups, then near groups, each in order of its first member. An exact copy is
        never also reported as a near copy.
    """
    index = ContentIndex.build(docs)
    return (*exact_copies(docs, index), *near_copies(docs, index, threshold))


def scope_of(path: str, *, home: str | None = None) -> Scope:
    """Classify where Claude Code would load the agent file ``path`` from.

    After the Claude Code sub-agents documentation (code.claude.com/docs/en/sub-agents): a file in
    ``.claude/agents/`` is a project agent, unless that ``.claude`` is the one in the user's home
    (``home``, or a literal ``~``), which makes it a user agent; a file in an ``agents/`` folder
    with a ``plugins`` folder above it is a plugin agent (plugins keep their agents in
    ``<plugin>/agents/``; installed ones sit under ``~/.claude/plugins/``). Anything else is
    :attr:`Scope.OTHER`. Only the path is read; nothing on disk is checked.
    """
    parts = path.replace("\\", "/").split("/")
    folders = parts[:-1]
    if "agents" not in folders:
        return Scope.OTHER
    at = len(folders) - 1 - folders[::-1].index("agents")
    if "plugins" in folders[:at]:
        return Scope.PLUGIN
    if at == 0 or folders[at - 1] != ".claude":
        return Scope.OTHER
    above = "/".join(folders[: at - 1])
    user = {"~", home.replace("\\", "/").rstrip("/")} if home else {"~"}
    return Scope.USER if above in user else Scope.PROJECT


def find_name_collisions(docs: Sequence[AgentDoc], *, home: str | None = None) -> tuple[NameCollision, ...]:
    """Find agents of one dialect that share a ``name`` (instruction files such as AGENTS.md aside).

    For Claude Code agents the winner follows :func:`scope_of`: project over user over plugin.
    No winner is named when the best scope holds two of them, when none is in a folder Claude
    Code loads, or for other dialects.

    Args:
        docs: parsed agents.
        home: the user's home folder, to tell user agents from project agents.

    Returns:
        One collision per (dialect, name) claimed twice or more, in order of first appearance.
    """
    claims: dict[tuple[Dialect, str], list[NamedAgent]] = defaultdict(list)
    for doc in docs:
        if doc.dialect is not Dialect.INSTRUCTIONS:
            item = doc.frontmatter.field("name")
            claims[(doc.dialect, doc.name)].append(
                NamedAgent(doc.path, item.span.start if item else None, scope_of(doc.path, home=home)))
    order = list(Scope)
    found = []
    for (dialect, name), agents in claims.items():
        if len(agents) < 2:
            continue
        ranked = tuple(sorted(agents, key=lambda agent: order.index(agent.scope)))
        winner, reason = _winner(dialect, ranked)
        found.append(NameCollision(name, dialect, ranked, winner, reason))
    return tuple(found)


def _winner(dialect: Dialect, ranked: Sequence[NamedAgent]) -> tuple[str | None, str]:
    best = ranked[0].scope
    if dialect is not Dialect.CLAUDE_CODE:
        return None, f"no load order is known for {dialect.value} agents"
    if best is Scope.OTHER:
        return None, "none is in a folder Claude Code loads agents from"
    tied = sum(1 for agent in ranked if agent.scope is best)
    if tied > 1:
        return None, f"{tied} are {best.value} agents: Claude Code loads one of them, which one is not documented"
    lower = sorted({agent.scope.value for agent in ranked[1:] if agent.scope is not Scope.OTHER})
    if not lower:
        return ranked[0].path, f"only the {best.value} agent is in a folder Claude Code loads agents from"
    return ranked[0].path, f"{best.value} agents take precedence over {' and '.join(lower)} agents in Claude Code"


def near_copies(docs: Sequence[AgentDoc], index: ContentIndex, threshold: float) -> list[AgentCopies]:
    """Groups of agents whose bodies are similar at or above ``threshold`` but not equal
    (the shingle Jaccard of the pairs :meth:`agentmerge.grouping.ContentIndex.candidate_pairs`
    proposes at ``threshold``, or at :data:`LSH_CEILING` above it); an exact-copy group takes
    part through its first file.

    Groups form by leader clustering in input order: a file not yet grouped leads, and each
    partner at least ``threshold`` similar to it joins (so no chain of small edits links two
    unlike files). Each member carries :func:`agentmerge.diff.diff_agents` against the leader.
    """
    partners: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for pair in index.candidate_pairs(min(threshold, LSH_CEILING)):
        if pair.jaccard < threshold:
            continue
        partners[pair.a].append((pair.b, pair.jaccard))
        partners[pair.b].append((pair.a, pair.jaccard))
    taken: set[int] = set()
    found = []
    for lead in sorted(partners):
        if lead in taken:
            continue
        joined = [Copy(docs[other].path, similarity, diff_agents(docs[lead], docs[other]))
                  for other, similarity in sorted(partners[lead]) if other not in taken]
        if joined:
            taken.update(other for other, _ in partners[lead])
            taken.add(lead)
            found.append(AgentCopies(CopyKind.NEAR, docs[lead].path, tuple(joined)))
    return found
