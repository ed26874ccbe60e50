"""What ``agentmerge dedup`` found, as review findings (:class:`agentmerge.findings.Finding`).

One finding per place, in the order of the report (copies, name collisions, repeated rules,
shared rules), so that the pull-request formats of ``agentmerge review`` (GitHub annotations,
SARIF, reviewdog) render dedup's results too, and ``dedup --check`` prints one
``path:line: message`` line per finding. Pure: values in, values out.
"""

from __future__ import annotations

import posixpath
import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING

from agentmerge.findings import Finding, Location, Review
from agentmerge.model import Severity

if TYPE_CHECKING:
    from agentmerge.dedup import DedupResult

#: Other places a shared rule's finding lists (its related locations): a rule 40 agents share
#: would otherwise give each of its 40 findings 39 of them, and SARIF logs grow with the square.
RELATED = 10
#: Longest rule text quoted in a message, in characters (cut at a word).
QUOTE = 80


def dedup_findings(result: DedupResult) -> tuple[Finding, ...]:
    """One :class:`~agentmerge.findings.Finding` per duplicate ``result`` holds.

    * an exact or near copy: at the copy, rule ``exact-copy-agent`` or ``near-copy-agent``
      (warning), the group's first file related;
    * a name collision: at each agent the tool does not load (all of them when none wins), rule
      ``duplicate-name`` (warning), the other agents of that name related;
    * a repeated rule: at each rule of the group but the kept one, rule ``repeated-rule``
      (warning), the kept rule related;
    * a shared rule: at each agent's wording, rule ``shared-rule`` (info: moving it to a shared
      file is a choice), up to :data:`RELATED` other wordings related.
    """
    from agentmerge.dedup import CopyKind

    out = []
    for group in result.copies:
        exact = group.kind is CopyKind.EXACT
        first = (Location(group.path, None, None, "the first file of the group"),)
        rule_id = "exact-copy-agent" if exact else "near-copy-agent"
        for copy in group.copies:
            kind = "exact copy" if exact else f"near copy ({copy.similarity:.2f})"
            out.append(Finding(copy.path, None, None, Severity.WARNING, rule_id, f"{kind} of {group.path}",
                               key=group.path, related=first))
    for collision in result.collisions:
        for agent in collision.agents:
            if agent.path == collision.winner:
                continue
            namesakes = [other for other in collision.agents if other is not agent]
            out.append(Finding(agent.path, agent.line, agent.line, Severity.WARNING, "duplicate-name",
                               f"name '{collision.name}' is also used by {', '.join(o.path for o in namesakes)}",
                               key=collision.name,
                               related=tuple(Location(o.path, o.line, o.line, "same name") for o in namesakes)))
    for repeat in result.repeats:
        kept = repeat.rules[repeat.keep]
        for rule in repeat.rules:
            if rule is not kept:
                out.append(Finding(rule.path, rule.line, rule.end_line, Severity.WARNING, "repeated-rule",
                                   f"repeats line {kept.line}: {_quote(rule.text)}", key=rule.text,
                                   related=(Location(kept.path, kept.line, kept.end_line, "the wording kept"),)))
    for shared in result.shared:
        for rule in shared.rules:
            others = [other for other in shared.rules if other is not rule][:RELATED]
            out.append(Finding(rule.path, rule.line, rule.end_line, Severity.INFO, "shared-rule",
                               f"shared by {shared.agents} agents: {_quote(rule.text)}", key=shared.text,
                               related=tuple(Location(o.path, o.line, o.end_line, "also stated here") for o in others)))
    return tuple(out)


def dedup_review(result: DedupResult) -> Review:
    """The findings of ``result`` as a :class:`~agentmerge.findings.Review` of the working tree,
    the value the pull-request renderers take (it has no BASE revision and no changed files).

    Relative paths are normalised (``./agents/a.md`` -> ``agents/a.md``), as GitHub and SARIF
    consumers match them against the repository's files; absolute ones stay as they are.
    """
    found = tuple(replace(f, path=_normal(f.path), related=tuple(replace(r, path=_normal(r.path)) for r in f.related))
                  for f in dedup_findings(result))
    return Review("", "working tree", (), found)


def _normal(path: str) -> str:
    return path if path == "-" or posixpath.isabs(path) else posixpath.normpath(path)


def _quote(text: str) -> str:
    return textwrap.shorten(text, width=QUOTE, placeholder="...")
