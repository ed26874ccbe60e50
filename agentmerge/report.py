"""The values of a consolidation: the canonical agent's text and the report of every choice.

These are plain frozen values; :mod:`agentmerge.merge` builds them and the renderers in
:mod:`agentmerge.render` turn them into text, JSON (agentmerge/schemas/consolidate.schema.json)
and Markdown.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from agentmerge.model import Value


class ConflictKind(enum.Enum):
    """A disagreement that the policies could not settle: it makes ``consolidate`` exit with 1."""

    FRONTMATTER = "frontmatter"
    """Two or more values of one key tie (``model``, ``color``, ...) and no ``--prefer`` file breaks it."""
    CONTRADICTION = "contradiction"
    """A rule of one variant forbids what a rule of another asks for."""


@dataclass(frozen=True, slots=True)
class Source:
    """One input rule (or heading, or paragraph): its file, the 1-based line where it starts, its plain text."""

    path: str
    line: int
    text: str


@dataclass(frozen=True, slots=True)
class Member:
    """One input file of a role."""

    path: str
    name: str
    """The agent's name (frontmatter ``name``, else the file stem)."""
    joined: str | None = None
    """How the file joined its role, when the grouping says (``"name: backend"``, ``"content 0.82"``)."""


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """The canonical value of one frontmatter key and the values it was chosen from."""

    key: str
    value: Value
    """The chosen value (``None`` when the key is left out)."""
    kept: bool
    """Whether the canonical agent writes the key."""
    reason: str
    values: tuple[tuple[Value, tuple[str, ...]], ...]
    """Each distinct value with the paths that have it (``None``: the key is absent there)."""
    conflict: bool
    """A tie no policy or ``--prefer`` file settled (see :class:`ConflictKind`)."""


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """One aligned group of rules (the comparator's output) and what the canonical agent makes of it."""

    text: str
    """The chosen wording (plain text)."""
    section: str
    """Headings above the chosen wording, outermost first, joined with ``" > "``."""
    sources: tuple[Source, ...]
    """Every input rule aligned into the group, in path then line order."""
    support: int
    """Number of variants that have the rule."""
    score: float
    """Mean pairwise similarity of the members, 0-1 (1 for a single rule)."""
    reason: str
    """Why the comparator aligned the members (the stems they share)."""
    wording: str
    """Why this wording was chosen."""
    kept: bool
    """Whether the canonical agent holds the rule."""
    dropped: str | None = None
    """Why the rule was left out (``--min-support``, a contradiction lost), when it was."""


@dataclass(frozen=True, slots=True)
class Contradiction:
    """Two rules of different variants with opposite polarity on the same thing, and what the
    canonical agent keeps: always a conflict."""

    sides: tuple[Source, Source]
    reason: str
    """The stems whose polarity flips."""
    score: float
    """How much of the forbidding clause the flipped stems cover, 0-1."""
    resolution: str
    """Which side the canonical agent keeps, and why (or that it keeps both)."""


@dataclass(frozen=True, slots=True)
class MissingSection:
    """A section (heading cluster) that only some variants have."""

    title: str
    """The heading the canonical agent uses."""
    headings: tuple[Source, ...]
    """The headings of the variants that have it (path, line, title)."""
    missing: tuple[str, ...]
    """Paths of the variants without it."""


@dataclass(frozen=True, slots=True)
class Persona:
    """The variants' persona statements ("You are a senior backend engineer ...") and the one the
    canonical agent keeps: an agent says who it is once (see :mod:`agentmerge.layout`)."""

    chosen: Source
    """The statement written (path, line, plain text)."""
    alternatives: tuple[Source, ...]
    """The other variants' statements, left out of the canonical agent, in path order."""
    reason: str
    """Why ``chosen`` was written."""


@dataclass(frozen=True, slots=True)
class Duplicate:
    """Rules one file states more than once (aligned into one group)."""

    path: str
    rules: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class MergeResult:
    """One role: its member files, the canonical agent's text and the report."""

    name: str
    """The canonical agent's name; its file is ``<name>.md``."""
    members: tuple[Member, ...]
    base: str
    """Path of the variant that supplies the frontmatter layout and breaks the last ties."""
    text: str
    """The canonical agent file."""
    fields: tuple[FieldChoice, ...]
    groups: tuple[RuleGroup, ...]
    contradictions: tuple[Contradiction, ...]
    missing_sections: tuple[MissingSection, ...]
    duplicates: tuple[Duplicate, ...]
    aliases: tuple[tuple[str, str], ...]
    """(absorbed agent name, canonical name) pairs, sorted: users route old names this way."""
    persona: Persona | None = None
    """The persona statement kept and its alternatives; ``None`` when no variant opens with one."""

    @property
    def paths(self) -> tuple[str, ...]:
        """The member files' paths."""
        return tuple(member.path for member in self.members)

    @property
    def unique(self) -> tuple[RuleGroup, ...]:
        """Rule groups found in only one variant (none for a single-file role)."""
        if len(self.members) < 2:
            return ()
        return tuple(group for group in self.groups if group.support == 1)

    @property
    def conflicts(self) -> int:
        """Number of conflicts: tied frontmatter keys plus contradictions between variants."""
        return sum(1 for choice in self.fields if choice.conflict) + len(self.contradictions)
