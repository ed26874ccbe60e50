"""Role names: which role an agent's name stands for, however a collection spells it.

* :func:`role_key` is the readable form: lowercased kebab-case with role suffixes removed
  (``"Backend Engineer"`` -> ``"backend"``); reports show it.
* :func:`name_key` is the form names are matched on: the words of :func:`role_key` with
  abbreviations and aliases expanded, each stemmed, joined without separators, so that
  ``full-stack`` = ``fullstack``, ``database-optimization`` = ``database-optimizer``,
  ``ml`` = ``machine-learning`` and ``golang`` = ``go``.
* :func:`agent_name` drops a plugin-folder prefix (``backend-development-backend-architect`` in
  ``plugins/backend-development/agents/backend-architect.md`` is ``backend-architect``).

A role found among many files is a :class:`RoleGroup`: its members and how each joined
(:class:`Join`). :func:`agentmerge.grouping.group_roles` finds them by name and by content.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from types import MappingProxyType

import snowballstemmer

from agentmerge.model import AgentDoc, file_stem
from agentmerge.normalize import TERMS

#: Suffixes that name the same role ("backend-engineer" = "backend-developer"), from the
#: role-suffix rules of ../shared/corpus/ROLES.md. ``architect`` was added after measuring name
#: keys alone on the same-role pairs of ROLES.tsv (the pairwise measure of benchmarks/grouping.py):
#: recall 0.88 without it, 0.93 with it, precision 1.00 both (backend-architect =
#: backend-developer, graphql-architect = graphql-expert). ROLES.md's annotator dropped it too,
#: so this figure is partly by construction.
ROLE_SUFFIXES = (
    "engineer", "developer", "dev", "expert", "pro", "specialist", "agent", "assistant",
    "master", "guru", "ninja", "consultant", "advisor", "architect",
)
#: Technology names commonly written two ways (Go/golang, PostgreSQL/Postgres, Node.js/nodejs),
#: beyond the abbreviations of :data:`agentmerge.normalize.TERMS`; each maps to one spelling.
NAME_ALIASES: MappingProxyType[str, str] = MappingProxyType({
    "golang": "go", "postgresql": "postgres", "nodejs": "node", "reactjs": "react", "vuejs": "vue",
})
_SEPARATORS = re.compile(r"[\s_.\-/]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_STEMMER = snowballstemmer.stemmer("english")


def _words(name: str) -> list[str]:
    return [w for w in _SEPARATORS.split(_CAMEL.sub("-", name.strip()).lower()) if w]


def role_key(name: str) -> str:
    """Return the role a name stands for: lowercased, kebab-case, role suffixes removed.

    ``"Backend Engineer"``, ``"backend_developer"`` and ``"BackendExpert"`` all give ``"backend"``;
    a name that is only a suffix (``"engineer"``) is kept.
    """
    words = _words(name)
    while len(words) > 1 and words[-1] in ROLE_SUFFIXES:
        words.pop()
    return "-".join(words)


def name_key(name: str) -> str:
    """Return the key names are matched on: :func:`role_key` words, expanded and stemmed, unseparated.

    Each word is replaced by its :data:`NAME_ALIASES` or single-word :data:`~agentmerge.normalize.TERMS`
    form (``ml`` -> ``machine learning``), then stemmed with the Snowball English stemmer
    (``optimizer``/``optimization`` -> ``optim``, ``reviewer``/``review`` -> ``review``); the stems
    are joined without separators (``c-sharp`` = ``csharp``). Never empty for a non-empty name.
    """
    words = role_key(name).split("-")
    expanded = [part for word in words for part in NAME_ALIASES.get(word, TERMS.get(word, word)).split()]
    return "".join(_STEMMER.stemWords(expanded or words))


def agent_name(doc: AgentDoc) -> str:
    """Return ``doc.name`` without a plugin-folder prefix.

    Claude Code plugins keep their agents in ``<plugin>/agents/<agent>.md``, and some collections
    (wshobson/agents) name each copy ``<plugin>-<agent>`` to keep the copies apart. When the
    name is exactly that (case and separators aside), the file stem is the agent's name;
    any other name is returned unchanged.
    """
    parts = doc.path.replace("\\", "/").split("/")
    if len(parts) >= 3 and parts[-2] == "agents":
        stem = file_stem(doc.path)
        if _words(doc.name) == _words(parts[-3]) + _words(stem):
            return stem
    return doc.name


def group_by_name(docs: Sequence[AgentDoc]) -> list[list[int]]:
    """Indexes of ``docs`` grouped by :func:`name_key` of :func:`agent_name`, groups in first-seen order."""
    groups: dict[str, list[int]] = {}
    for number, doc in enumerate(docs):
        groups.setdefault(name_key(agent_name(doc)), []).append(number)
    return list(groups.values())


def common_key(keys: Sequence[str]) -> str:
    """The most common of ``keys``; ties: the shortest, then the first alphabetically."""
    counts = Counter(keys)
    return min(counts, key=lambda key: (-counts[key], len(key), key))


# -- roles found among many files ------------------------------------------------------------------


class GroupBy(enum.Enum):
    """What puts two files in one role (``--group-by``)."""

    AUTO = "auto"
    """Same name key, or content similar enough; copies always join."""
    NAME = "name"
    """Same name key only."""
    CONTENT = "content"
    """Copies and content similarity; names are ignored."""
    NONE = "none"
    """Every input is one role."""


class Join(enum.Enum):
    """How a member came to be in its role."""

    FIRST = "first"
    """The member the role is anchored on: the first path among those with the role's key."""
    SAME_NAME = "same-name"
    """Its :func:`name_key` is another member's (``auto``, ``name``)."""
    EXACT_COPY = "exact-copy"
    """Its body equals another member's (:func:`agentmerge.grouping.body_key`)."""
    NEAR_COPY = "near-copy"
    """Its body's shingles are at least :data:`agentmerge.grouping.NEAR_COPY` Jaccard-similar to another member's."""
    CONTENT = "content"
    """Its content is similar to the other members' (average-link TF-IDF cosine)."""
    ALL = "all"
    """``--group-by none``: every input is in the one role."""


@dataclass(frozen=True, slots=True)
class Member:
    """One file of a role and why it is there."""

    index: int
    """Position of the file in the sequence given to :func:`agentmerge.grouping.group_roles`."""
    path: str
    join: Join
    score: float | None = None
    """EXACT_COPY: 1.0; NEAR_COPY: shingle Jaccard with ``of``; CONTENT: the average-link cosine at
    which its cluster joined the first member's (at least ``min_similarity``), 0-1."""
    of: int | None = None
    """EXACT_COPY/NEAR_COPY: index of the member this one copies; SAME_NAME: of a member with the
    same name key (the first member, or one that joined as a copy)."""


@dataclass(frozen=True, slots=True)
class RoleGroup:
    """Files that are variants of one role, members in path order."""

    key: str
    """The most common :func:`role_key` of the members (ties: shortest, then
    alphabetical), e.g. ``"backend"``."""
    members: tuple[Member, ...]

    @property
    def indexes(self) -> tuple[int, ...]:
        """Input positions of the members, in path order."""
        return tuple(member.index for member in self.members)

    def reasons(self) -> dict[str, str]:
        """Path -> how that member joined, in words for a report: ``"name: backend"``, ``"exact copy
        of a.md"``, ``"near copy of a.md (0.76)"``, ``"content 0.52"``, ``"all inputs"``."""
        paths = {member.index: member.path for member in self.members}
        first = next(member.index for member in self.members if member.join in (Join.FIRST, Join.ALL))
        out = {}
        for member in self.members:
            if member.join is Join.FIRST or (member.join is Join.SAME_NAME and member.of == first):
                text = f"name: {self.key}"
            elif member.join is Join.SAME_NAME:
                text = f"same name as {paths[member.of or 0]}"
            elif member.join is Join.EXACT_COPY:
                text = f"exact copy of {paths[member.of or 0]}"
            elif member.join is Join.NEAR_COPY:
                text = f"near copy of {paths[member.of or 0]} ({member.score:.2f})"
            elif member.join is Join.CONTENT:
                text = f"content {member.score:.2f}" if member.score is not None else "content"
            else:
                text = "all inputs"
            out[member.path] = text
        return out
