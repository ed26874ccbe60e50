"""The section outline of a role: which sections of the variants play one part.

Sections are clustered across files in four passes, each joining only clusters that share no
file (a cluster holds at most one section per file):

1. the files' titles (a lone level-1 heading that holds every other section) together;
2. equal titles (case and spacing aside), the k-th "Examples" of one file with the k-th of another;
3. the groups of :func:`agentmerge.sections.align_sections` (heading concepts and sections that
   share :data:`agentmerge.sections.SHARED_RULES` aligned rules);
4. equal heading concepts (:func:`agentmerge.normalize.section_concept`: Process / Workflow /
   Instructions), again k-th with k-th.

The preambles (text before the first heading) always form cluster 0.

The clusters then form a tree (:func:`cluster_tree`): a cluster sits under the cluster of its
lead section's parent, and siblings come in consensus order, by the median of their sections'
relative positions in their files (median rank aggregation, Dwork, Kumar, Naor & Sivakumar
2001, "Rank aggregation methods for the web").
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence

from agentmerge.align import Alignment
from agentmerge.model import AgentDoc, Section
from agentmerge.normalize import section_concept
from agentmerge.sections import align_sections

Node = tuple[int, int]
"""A section of one file: (file index, section index in walk order)."""


def cluster_sections(
    docs: Sequence[AgentDoc], sections: Sequence[Sequence[Section]], titles: Mapping[int, int],
    alignment: Alignment, item_sections: Sequence[Node],
) -> tuple[dict[Node, int], list[list[Node]]]:
    """Cluster the sections of ``docs`` across files (see the module docstring).

    Args:
        docs: the variants.
        sections: each file's sections in walk order (index 0: the preamble, the root).
        titles: file index -> index of its title section (:func:`title_section`), when it has one.
        alignment: :func:`agentmerge.align.align_rules` of ``docs``.
        item_sections: for each alignment item, the (file, section) it sits in.

    Returns:
        (file, section) -> cluster index, and each cluster's (file, section) nodes; cluster 0
        holds the preambles.
    """
    nodes = [(d, s) for d, found in enumerate(sections) for s in range(len(found))]
    if len(docs) == 1:  # every join would put two sections of one file together
        return {node: s for node in nodes for s in [node[1]]}, [[node] for node in nodes]
    parent = {node: node for node in nodes}
    members = {node: {node[0]} for node in nodes}

    def find(node: Node) -> Node:
        while parent[node] != node:
            node = parent[node]
        return node

    def join(a: Node, b: Node) -> None:
        ra, rb = sorted((find(a), find(b)))
        if ra != rb and not members[ra] & members[rb]:
            parent[rb] = ra
            members[ra] |= members.pop(rb)

    for d in range(1, len(docs)):
        join((0, 0), (d, 0))

    def pair_kth(key: dict[Node, str]) -> None:
        buckets: dict[str, dict[int, list[Node]]] = defaultdict(lambda: defaultdict(list))
        for node in nodes:
            if node in key and key[node] and len(members.get(find(node), ())) == 1:
                buckets[key[node]][node[0]].append(node)
        for per_doc in buckets.values():
            lists = [found for _, found in sorted(per_doc.items())]
            for k in range(max(len(found) for found in lists)):
                row = [found[k] for found in lists if k < len(found)]
                for node in row[1:]:
                    join(row[0], node)

    pair_kth(dict.fromkeys(titles.items(), "\0title"))
    headings = {(d, s): section.title for d, found in enumerate(sections) for s, section in enumerate(found) if s}
    pair_kth({node: " ".join(title.casefold().split()) for node, title in headings.items()})
    spot = {}
    for n, item in enumerate(alignment.items):
        path = (*item.ref.section, *((item.ref.list_title,) if item.ref.list_title else ()))
        spot[(item.doc, path)] = item_sections[n]
    for group in align_sections(docs, alignment):
        found = list(dict.fromkeys(spot[member] for member in group.members if member in spot))
        found = [node for node in found if node[1]]  # the preamble stays with the preambles
        for node in found[1:]:
            join(found[0], node)
    pair_kth({node: section_concept(title) for node, title in headings.items()})
    clusters: dict[Node, list[Node]] = defaultdict(list)
    for node in nodes:
        clusters[find(node)].append(node)
    ordered = [clusters[root] for root in sorted(clusters)]
    return {node: c for c, found in enumerate(ordered) for node in found}, ordered


def section_parents(sections: Sequence[Section]) -> list[int | None]:
    """Index of each section's parent section (None for the root), sections in walk order."""
    number = {id(section): s for s, section in enumerate(sections)}
    up: list[int | None] = [None] * len(sections)
    for s, section in enumerate(sections):
        for child in section.children:
            up[number[id(child)]] = s
    return up


def title_section(doc: AgentDoc, sections: Sequence[Section]) -> int | None:
    """The section of the file's title: a lone level-1 heading that holds every other section."""
    top = doc.body.children
    return 1 if len(top) == 1 and top[0].level == 1 and sections[1] is top[0] else None


def cluster_tree(
    clusters: Sequence[Sequence[Node]], cluster_of: Mapping[Node, int], lead: Sequence[Node],
    parents: Sequence[Sequence[int | None]], titles: Mapping[int, int],
) -> dict[int | None, list[int]]:
    """Each cluster's child clusters (``None``: the top level), siblings in consensus order.

    Args:
        clusters, cluster_of: from :func:`cluster_sections`.
        lead: each cluster's lead section (the one it is written from).
        parents: per file, each section's parent section index (:func:`section_parents`).
        titles: file index -> its title section (:func:`title_section`).

    A cluster sits under the cluster of its lead section's parent; sections right under a
    file's title and the title cluster itself are top-level, the title cluster first.
    """
    def key(c: int) -> tuple[bool, float, Node]:
        spots = [(s - 0.5) / (len(parents[d]) - 1) for d, s in clusters[c]]
        titled = any(titles.get(d) == s for d, s in clusters[c])
        return not titled, statistics.median(spots), min(clusters[c])

    above: dict[int, int | None] = {}
    for c in range(1, len(clusters)):
        d, s = lead[c]
        up = parents[d][s]
        above[c] = None if up in (None, 0, titles.get(d)) else cluster_of[(d, up)]
    for c in above:  # a cycle (leads from different files) is cut at its start
        seen, up = {c}, above[c]
        while up is not None and up not in seen:
            seen.add(up)
            up = above.get(up)
        if up is not None:
            above[c] = None
    tree: dict[int | None, list[int]] = defaultdict(list)
    for c in sorted(above, key=key):
        tree[above[c]].append(c)
    return tree


def walk_tree(tree: Mapping[int | None, Sequence[int]]) -> list[tuple[int, int | None]]:
    """(cluster, parent cluster) in writing order: the preambles (cluster 0), then the tree depth first."""
    out: list[tuple[int, int | None]] = [(0, None)]
    pending: list[tuple[int, int | None]] = [(c, None) for c in reversed(tree.get(None, []))]
    while pending:
        c, up = pending.pop()
        out.append((c, up))
        pending.extend((kid, c) for kid in reversed(tree.get(c, [])))
    return out
