"""Duplicates in a collection of agents: copied agents, name collisions, rules an agent repeats,
and rules many agents share; and the edits that remove them.

* :mod:`agentmerge.dedup.agents`: exact and near copies, name collisions and Claude Code's
  precedence among them.
* :mod:`agentmerge.dedup.rules`: rules one file repeats (:func:`find_repeated_rules`).
* :mod:`agentmerge.dedup.shared`: rules at least K agents share, reworded or not
  (:func:`find_shared_rules`).
* :mod:`agentmerge.dedup.edit`: removing repeated rules (:func:`plan_fixes`),
  moving shared rules into one instructions file (:func:`extract_shared`).

:func:`dedup` runs every check, aligning each file's rules once for both rule checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.dedup.agents import (
    NEAR_THRESHOLD,
    AgentCopies,
    Copy,
    CopyKind,
    NameCollision,
    NamedAgent,
    Scope,
    exact_copies,
    find_duplicate_agents,
    find_name_collisions,
    near_copies,
    scope_of,
)
from agentmerge.dedup.edit import Edit, extract_shared, plan_fixes, remove_rules, shared_text
from agentmerge.dedup.rules import (
    RULE_THRESHOLD,
    Aligned,
    RepeatedRules,
    RuleAt,
    align_each,
    find_repeated_rules,
    repeats_in,
)
from agentmerge.dedup.shared import MIN_AGENTS, SHARED_THRESHOLD, SharedRule, find_shared_rules, shared_in
from agentmerge.grouping import ContentIndex
from agentmerge.model import AgentDoc

__all__ = [
    "MIN_AGENTS", "NEAR_THRESHOLD", "RULE_THRESHOLD", "SHARED_THRESHOLD", "AgentCopies", "Aligned", "Copy",
    "CopyKind", "DedupResult", "Edit", "NameCollision", "NamedAgent", "RepeatedRules", "RuleAt", "Scope",
    "SharedRule", "align_each", "dedup", "extract_shared", "find_duplicate_agents", "find_name_collisions",
    "find_repeated_rules", "find_shared_rules", "plan_fixes", "remove_rules", "repeats_in", "scope_of",
    "shared_text",
]


@dataclass(frozen=True, slots=True)
class DedupResult:
    """Everything :func:`dedup` found, and the thresholds it used."""

    copies: tuple[AgentCopies, ...]
    collisions: tuple[NameCollision, ...]
    repeats: tuple[RepeatedRules, ...]
    shared: tuple[SharedRule, ...]
    threshold: float
    rule_threshold: float
    min_agents: int
    shared_threshold: float = SHARED_THRESHOLD

    @property
    def found(self) -> bool:
        """Whether any duplicate was found (the exit status 1 of ``agentmerge dedup``)."""
        return bool(self.copies or self.collisions or self.repeats or self.shared)


def dedup(docs: Sequence[AgentDoc], *, threshold: float = NEAR_THRESHOLD, rule_threshold: float = RULE_THRESHOLD,
          min_agents: int = MIN_AGENTS, shared_threshold: float = SHARED_THRESHOLD,
          home: str | None = None, jobs: int = 1) -> DedupResult:
    """Run every check on ``docs``: copies, name collisions, repeated rules, shared rules.

    Each body's rules are aligned once (:func:`align_each`) for both rule checks.

    Args:
        docs: parsed agents, in a fixed order (results depend only on it).
        threshold: least body similarity of a near copy, 0-1 exclusive (default :data:`NEAR_THRESHOLD`).
        rule_threshold: least score of a group of repeated rules (:data:`RULE_THRESHOLD`).
        min_agents: least number of agents stating a shared rule, >= 2.
        shared_threshold: least similarity of a shared rule's wordings to the one kept, 0-1
            (:data:`SHARED_THRESHOLD`).
        home: the user's home folder (:func:`scope_of`).
        jobs: processes that align the files' rules (:func:`align_each`); any number gives the
            same result.

    Raises:
        ValueError: ``min_agents`` below 2, ``threshold`` not strictly between 0 and 1 (the LSH
            index needs that), or ``rule_threshold`` or ``shared_threshold`` outside 0-1.
    """
    if min_agents < 2 or not (0 < threshold < 1 and 0 <= rule_threshold <= 1 and 0 <= shared_threshold <= 1):
        raise ValueError("min_agents must be at least 2, threshold within 0-1 exclusive, "
                         "rule_threshold and shared_threshold within 0-1")
    index = ContentIndex.build(docs)
    order = {doc.path: number for number, doc in enumerate(docs)}
    aligned = align_each(docs, jobs=jobs)
    repeats = sorted((group for body in aligned for group in repeats_in(docs, body, rule_threshold)),
                     key=lambda group: order[group.path])
    return DedupResult(
        copies=(*exact_copies(docs, index), *near_copies(docs, index, threshold)),
        collisions=find_name_collisions(docs, home=home),
        repeats=tuple(repeats),
        shared=tuple(shared_in(docs, aligned, min_agents, shared_threshold)),
        threshold=threshold, rule_threshold=rule_threshold, min_agents=min_agents, shared_threshold=shared_threshold,
    )
