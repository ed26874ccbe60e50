"""Group agent files into roles: variants of one agent that consolidate should merge."""

from __future__ import annotations

import re
from collections.abc import Sequence

from agentmerge.model import AgentDoc

#: Suffixes that name the same role ("backend-engineer" = "backend-developer"), from the
#: role-suffix rules of ../shared/corpus/ROLES.md.
ROLE_SUFFIXES = (
    "engineer", "developer", "dev", "expert", "pro", "specialist", "agent", "assistant",
    "master", "guru", "ninja", "consultant", "advisor",
)
_SEPARATORS = re.compile(r"[\s_.\-/]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def role_key(name: str) -> str:
    """Return the role a name stands for: lowercased, kebab-case, role suffixes removed.

    ``"Backend Engineer"``, ``"backend_developer"`` and ``"BackendExpert"`` all give ``"backend"``;
    a name that is only a suffix (``"engineer"``) is kept.
    """
    words = [w for w in _SEPARATORS.split(_CAMEL.sub("-", name.strip()).lower()) if w]
    while len(words) > 1 and words[-1] in ROLE_SUFFIXES:
        words.pop()
    return "-".join(words)


def group_by_name(docs: Sequence[AgentDoc]) -> list[list[int]]:
    """Indexes of ``docs`` grouped by :func:`role_key` of their name, groups in first-seen order."""
    groups: dict[str, list[int]] = {}
    for number, doc in enumerate(docs):
        groups.setdefault(role_key(doc.name), []).append(number)
    return list(groups.values())
