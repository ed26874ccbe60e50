"""Group agent files into roles at collection scale: by name, by content, and as copies.

:func:`group_roles` turns any number of parsed agents into :class:`RoleGroup` values that say
how each member joined its role. The steps, all linear in the number of files except the
pairs the index proposes:

1. :class:`ContentIndex` reads every file once: the body as exact copies compare it
   (:func:`body_key`), its word 3-shingles, its content terms (stemmed words of the
   description and body) with TF-IDF weights, and two MinHash signatures (datasketch).
2. Exact copies share a :func:`body_key`; near copies are the pairs that MinHash LSH proposes
   over the shingles and whose exact Jaccard similarity reaches :data:`NEAR_COPY`.
3. The first clusters join copies (``auto``, ``content``) and equal :func:`agentmerge.roles.name_key`
   of :func:`agentmerge.roles.agent_name` (``auto``, ``name``).
4. ``auto`` and ``content`` then merge clusters by average-link agglomerative clustering on the
   cosine similarity of the files' TF-IDF vectors, down to ``min_similarity``. Only cluster
   pairs with a candidate pair of files are scored: MinHash LSH over content terms at
   :data:`ROLE_BLOCKING` proposes them, one file per copy class, so all pairs are never compared.
   Each score is exact (the mean of every cross pair's cosine, from the clusters' vector sums).

Every order-dependent step runs in path order, and MinHash uses a fixed seed and CRC-32 (not
Python's salted ``hash``), so any input order gives the same groups.
"""

from __future__ import annotations

import heapq
import itertools
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import snowballstemmer
from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]
from numpy.typing import NDArray
from scipy import sparse  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from agentmerge.model import AgentDoc
from agentmerge.normalize import STOP_WORDS, TERMS
from agentmerge.render.source import render_source
from agentmerge.roles import GroupBy, Join, Member, RoleGroup, agent_name, common_key, name_key, role_key

#: Permutations per MinHash (datasketch's default): the estimate's standard error is
#: sqrt(J (1 - J) / 128), at most 0.044 (at J = 0.5; Broder 1997).
NUM_PERM = 128
#: MinHash seed, fixed so that signatures, and so LSH candidates, are the same in every run.
SEED = 1
#: Words per shingle, and the least Jaccard similarity of two bodies' shingle sets that makes them
#: near copies (w-shingling, Broder 1997). One value with ``agentmerge dedup``, set there by
#: reading the corpus's same-name pairs (agentmerge.dedup.agents.NEAR_THRESHOLD). On the whole
#: corpus 19 pairs reach it (0.54-0.99: davila7's re-hosts of VoltAgent agents, wshobson's plugin
#: copies, and davila7's agent-framework pairs written once for .NET and once for Python).
SHINGLE = 3
NEAR_COPY = 0.5
#: LSH threshold on the Jaccard similarity of two files' content-term sets (common terms left
#: out) at which a pair of files is proposed for a content merge. Measured with
#: benchmarks/grouping.py on ../shared/corpus (1,281 files), against 0.3 and 0.4 and against
#: no common-term cut: 8,081 candidate pairs of 819,840 (1 %); auto's F1 is the same as with
#: 240,039 candidates (every pair within reach), and content's ROLES.tsv F1 is 0.52 (0.31 at
#: LSH 0.3, 0.59 with no cut and 29 % of all pairs).
ROLE_BLOCKING = 0.2
#: Default least average-link cosine for a content merge: 0.8, near-copy closeness.
#: benchmarks/grouping.py, pairwise precision / recall / F1 of same-role pairs on
#: ../shared/corpus (ROLES.tsv; MANIFEST.tsv role_group for all 1,281 files): --group-by name
#: 1.000/0.928/0.963 (0.962); auto at 0.5 1.000/0.937/0.968 (0.950); at 0.6 and 0.7 as name on
#: ROLES.tsv (0.957, 0.959); at 0.8 1.000/0.928/0.963 (0.960). Of the 29 roles that content
#: joined at 0.5, the annotator's role_group agrees with one (mobile-app-developer into
#: mobile-developer, 0.50); the 28 others merge distinct agents, often of one author's template
#: (c4-context / c4-container / c4-component, bicep-plan / terraform-azure-planning,
#: brand-strategist / messaging-architect, pr-strategist / crisis-communication-expert). A false
#: merge blends two agents into one canonical file; a missed one leaves two files, which a lower
#: --min-similarity joins on request. ``content`` alone peaks at F1 0.52 (0.35-0.4): wording
#: differs too much across authors for content to find a role without its name.
MIN_SIMILARITY = 0.8
#: Terms in more than this share of the files (and in more than COMMON_FLOOR files, so small
#: inputs keep every term) are left out of the blocking sets: collection stop words ("code",
#: "best", "practic") that make every pair of agents look alike to MinHash (see ROLE_BLOCKING).
COMMON_TERMS = 0.1
COMMON_FLOOR = 20

_WORD = re.compile(r"[^\W\d_][\w+#]*")
_STEMMER = snowballstemmer.stemmer("english")
_MIX = (np.uint32(0x9E3779B1), np.uint32(0x85EBCA77), np.uint32(0xC2B2AE3D))


@dataclass(frozen=True, slots=True)
class CandidatePair:
    """Two files the LSH index proposes, with their shingle-set similarity."""

    a: int
    b: int
    """Positions in the indexed sequence, ``a < b``."""
    estimate: float
    """Jaccard similarity estimated from the MinHash signatures."""
    jaccard: float
    """Exact Jaccard similarity of the shingle sets (shingles hashed to 32 bits)."""


def body_text(doc: AgentDoc) -> str:
    """The text of ``doc``'s file after its frontmatter (and BOM)."""
    return render_source(doc)[len(doc.frontmatter.source) + (1 if doc.bom else 0):]


def body_key(doc: AgentDoc) -> str:
    """The body as exact copies compare it: frontmatter and BOM left out, each whitespace run one
    space (so line endings and indentation do not count); ``""`` for an empty body."""
    return " ".join(body_text(doc).split())


@dataclass(frozen=True, slots=True)
class ContentIndex:
    """What grouping and ``dedup`` need to know about the content of many files, built once.

    Positions are those of the ``docs`` given to :meth:`build`. Exact copies and LSH candidates
    are reported with positions in ascending order, so build from a path-sorted sequence for
    results that do not depend on input order.
    """

    keys: tuple[str, ...]
    """:func:`body_key` of each file."""
    shingles: tuple[NDArray[np.uint32], ...]
    """Sorted, unique 32-bit hashes of each body's lowercased word :data:`SHINGLE`-grams."""
    vectors: sparse.csr_matrix
    """One L2-normalised TF-IDF row per file over its content terms."""
    body_signatures: tuple[MinHash, ...]
    """MinHash of each file's shingles."""
    term_signatures: tuple[MinHash, ...]
    """MinHash of each file's content terms less the collection's common ones (:data:`COMMON_TERMS`)."""

    @classmethod
    def build(cls, docs: Sequence[AgentDoc]) -> ContentIndex:
        """Read ``docs`` once. Cost: linear in their total size (about 1 s for ../shared/corpus)."""
        keys = tuple(body_key(doc) for doc in docs)
        hashes: dict[str, int] = {}  # word -> CRC-32, computed once per build
        distinct: dict[str, int] = {}  # exact copies share one shingle array and signature
        for key in keys:
            distinct.setdefault(key, len(distinct))
        unique = [_shingles(key, hashes) for key in distinct]
        signatures = _signatures(unique)
        shingles = tuple(unique[distinct[key]] for key in keys)
        columns: dict[str, int] = {}  # stem -> column of the TF-IDF matrix
        memo: dict[str, tuple[int, ...]] = {}  # word -> its stems' columns
        texts = (_description(doc) + "\n" + key for doc, key in zip(docs, keys, strict=True))
        counts = [_term_counts(text, memo, columns) for text in texts]
        vectors = _tfidf(counts, len(columns))
        frequency = np.bincount(vectors.indices, minlength=len(columns))
        rare = frequency <= max(COMMON_TERMS * len(docs), COMMON_FLOOR)
        stem_hashes = np.array([zlib.crc32(stem.encode()) for stem in columns], dtype=np.uint32)
        terms = []
        for number in range(len(docs)):
            row = vectors.indices[vectors.indptr[number] : vectors.indptr[number + 1]]
            terms.append(stem_hashes[row[rare[row]]])
        body_signatures = tuple(signatures[distinct[key]] for key in keys)
        return cls(keys, shingles, vectors, body_signatures, _signatures(terms))

    def exact_copies(self) -> tuple[tuple[int, ...], ...]:
        """Positions of files with equal, non-empty :func:`body_key`, groups of two or more in order."""
        classes: dict[str, list[int]] = {}
        for position, key in enumerate(self.keys):
            if key:
                classes.setdefault(key, []).append(position)
        return tuple(tuple(members) for members in classes.values() if len(members) > 1)

    def candidate_pairs(self, threshold: float) -> tuple[CandidatePair, ...]:
        """Pairs of distinct bodies that MinHash LSH at ``threshold`` proposes, with both similarities.

        Only the first file of each distinct non-empty body takes part (exact copies are
        :meth:`exact_copies`). ``threshold`` is on shingle Jaccard; datasketch picks the bands and
        rows that minimise false positives plus false negatives there, so a pair below it can be
        proposed and one above it missed, with the odds of the LSH S-curve.

        Returns:
            Pairs ``a < b`` sorted by position.

        Raises:
            ValueError: ``threshold`` is not within 0-0.98 (datasketch needs two bands or more).
        """
        heads = _firsts([key or None for key in self.keys])
        found = _lsh_pairs([self.body_signatures[n] for n in heads], threshold)
        return tuple(
            CandidatePair(a, b, round(float(self.body_signatures[a].jaccard(self.body_signatures[b])), 3),
                          round(_jaccard(self.shingles[a], self.shingles[b]), 3))
            for a, b in ((heads[i], heads[j]) for i, j in found)
        )

    def near_copies(self, threshold: float = NEAR_COPY) -> tuple[CandidatePair, ...]:
        """Candidate pairs of distinct bodies whose exact shingle Jaccard is at least ``threshold``."""
        return tuple(pair for pair in self.candidate_pairs(threshold) if pair.jaccard >= threshold)


def group_roles(
    docs: Sequence[AgentDoc], *, by: GroupBy | str = GroupBy.AUTO, min_similarity: float = MIN_SIMILARITY
) -> tuple[RoleGroup, ...]:
    """Group ``docs`` into roles and say why each member belongs.

    Args:
        docs: parsed agents, in any order (the result does not depend on it).
        by: what joins two files (a :class:`~agentmerge.roles.GroupBy` or its value, ``"auto"``...).
        min_similarity: least average-link cosine of two clusters that ``auto`` and ``content``
            merge, 0-1 (default :data:`MIN_SIMILARITY`); unused by ``name`` and ``none``.

    Returns:
        The roles sorted by key, then first path; every input is in exactly one. Empty for no docs.

    Raises:
        ValueError: ``min_similarity`` is outside 0-1, or ``by`` is no :class:`~agentmerge.roles.GroupBy`.
    """
    by = GroupBy(by)
    if not 0.0 <= min_similarity <= 1.0:
        raise ValueError(f"min_similarity must be within 0-1, not {min_similarity}")
    order = sorted(range(len(docs)), key=lambda n: (docs[n].path, n))
    ranked = [docs[n] for n in order]
    if not ranked:
        return ()
    if by is GroupBy.NONE:
        members = tuple(Member(n, docs[n].path, Join.ALL) for n in order)
        return (RoleGroup(common_key([role_key(agent_name(doc)) for doc in ranked]), members),)
    index = ContentIndex.build(ranked)
    names = [name_key(agent_name(doc)) for doc in ranked]
    near = index.near_copies()
    copies = [pair for group in index.exact_copies() for pair in itertools.pairwise(group)]
    copies += [(pair.a, pair.b) for pair in near]
    if by is GroupBy.NAME:
        first = _components(len(ranked), _equal_links(names))
        labels, merges = first, _Merges(tuple(range(int(first.max()) + 1)), ())
    else:
        first = _components(len(ranked), copies + (_equal_links(names) if by is GroupBy.AUTO else []))
        labels, merges = _average_link(index, first, _components(len(ranked), copies), min_similarity)
    clusters = _Clusters(first, labels, merges)
    return _explain(ranked, order, index, names if by is not GroupBy.CONTENT else None, clusters, near)


# -- features ------------------------------------------------------------------------------------


def _description(doc: AgentDoc) -> str:
    value = doc.frontmatter.get("description")
    return value if isinstance(value, str) else ""


def _shingles(key: str, hashes: dict[str, int]) -> NDArray[np.uint32]:
    """Hashes of the word SHINGLE-grams (the whole text when shorter), from CRC-32 word hashes."""
    words = key.lower().split()
    if not words:
        return np.zeros(0, dtype=np.uint32)
    for word in set(words).difference(hashes):
        hashes[word] = zlib.crc32(word.encode())
    hashed = np.fromiter(map(hashes.__getitem__, words), dtype=np.uint32, count=len(words))
    if len(hashed) < SHINGLE:
        hashed = np.concatenate([hashed, np.zeros(SHINGLE - len(hashed), dtype=np.uint32)])
    width = len(hashed) - SHINGLE + 1
    mixed = np.zeros(width, dtype=np.uint32)
    for offset, factor in enumerate(_MIX):  # uint32 arithmetic wraps: a multiplicative hash per slot
        mixed ^= hashed[offset : offset + width] * factor
    return np.unique(mixed)


def _term_counts(text: str, memo: dict[str, tuple[int, ...]], columns: dict[str, int]) -> dict[int, int]:
    """Count the content terms of ``text`` by column: its words with stop words and one-letter words
    left out and TERMS expanded, Snowball-stemmed. ``memo`` and ``columns`` grow across one build."""
    counts: dict[int, int] = {}
    for word, count in Counter(_WORD.findall(text.lower())).items():
        ids = memo.get(word)
        if ids is None:
            stems = [] if word in STOP_WORDS or len(word) < 2 else _STEMMER.stemWords(TERMS.get(word, word).split())
            ids = memo[word] = tuple(columns.setdefault(str(stem), len(columns)) for stem in stems)
        for column in ids:
            counts[column] = counts.get(column, 0) + count
    return counts


def _tfidf(counts: Sequence[dict[int, int]], width: int) -> sparse.csr_matrix:
    """Sublinear TF (1 + log tf) times smooth IDF (log((1 + n) / (1 + df)) + 1), rows L2-normalised:
    scikit-learn's TfidfVectorizer(sublinear_tf=True) weighting, which keeps weight on terms every
    file shares when only two or three files are compared."""
    indptr = np.cumsum([0, *map(len, counts)])
    indices = np.fromiter((column for row in counts for column in row), dtype=np.int64, count=int(indptr[-1]))
    tf = np.fromiter((count for row in counts for count in row.values()), dtype=np.float64, count=int(indptr[-1]))
    matrix = sparse.csr_matrix((1.0 + np.log(tf), indices, indptr), shape=(len(counts), width))
    matrix.sort_indices()
    frequency = np.bincount(matrix.indices, minlength=width)
    matrix = matrix @ sparse.diags(np.log((1 + len(counts)) / (1 + frequency)) + 1.0)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)


def _signatures(hashes: Sequence[NDArray[np.uint32]]) -> tuple[MinHash, ...]:
    """MinHash signatures of pre-hashed sets (values are already uniform 32-bit hashes)."""
    return tuple(MinHash.generator(hashes, num_perm=NUM_PERM, seed=SEED, hashfunc=int))


def _jaccard(a: NDArray[np.uint32], b: NDArray[np.uint32]) -> float:
    union = len(a) + len(b)
    if not union:
        return 0.0
    shared = len(np.intersect1d(a, b, assume_unique=True))
    return shared / (union - shared)


def _firsts(keys: Sequence[object]) -> list[int]:
    """The first position of each distinct key (None aside), ascending."""
    first: dict[object, int] = {}
    for position, key in enumerate(keys):
        if key is not None:
            first.setdefault(key, position)
    return sorted(first.values())


def _lsh_pairs(signatures: Sequence[MinHash], threshold: float) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j``, of ``signatures`` that share an LSH bucket, sorted."""
    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    for number, signature in enumerate(signatures):
        lsh.insert(number, signature, check_duplication=False)
    found = {(number, other) for number, signature in enumerate(signatures)
             for other in lsh.query(signature) if other > number}
    return sorted(found)


# -- clustering ------------------------------------------------------------------------------------


def _equal_links(keys: Sequence[str]) -> list[tuple[int, int]]:
    """Links that chain the positions with equal keys."""
    last: dict[str, int] = {}
    links = []
    for position, key in enumerate(keys):
        if key in last:
            links.append((last[key], position))
        last[key] = position
    return links


def _components(count: int, links: Sequence[tuple[int, int]]) -> NDArray[np.int64]:
    """Connected-component label of each position (scipy.sparse.csgraph), numbered by first position."""
    if not links:
        return np.arange(count)
    a, b = zip(*links, strict=True)
    graph = sparse.coo_matrix((np.ones(len(a)), (a, b)), shape=(count, count))
    _, labels = connected_components(graph, directed=False)
    return _renumber(labels)


def _renumber(labels: NDArray[np.int64]) -> NDArray[np.int64]:
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(first))
    return rank[inverse.ravel()]


def _average_link(
    index: ContentIndex, labels: NDArray[np.int64], copies: NDArray[np.int64], threshold: float
) -> tuple[NDArray[np.int64], _Merges]:
    """Merge clusters greedily by average-link cosine, best pair first, while it is >= ``threshold``.

    The link of two clusters is the mean cosine over all their cross pairs of files, computed
    exactly as ``sum(A) . sum(B) / (|A| |B|)`` from the clusters' vector sums (the vectors are
    unit length). Only cluster pairs joined by an LSH candidate pair (:data:`ROLE_BLOCKING`, one
    file per copy class, ``copies`` labelling them) are scored; a merged cluster inherits both
    sides' neighbours. Ties go to the lower cluster numbers, which follow path order.
    """
    clusters = int(labels.max()) + 1
    heads = _firsts(copies.tolist())
    found = np.array(_lsh_pairs([index.term_signatures[n] for n in heads], ROLE_BLOCKING), dtype=np.int64)
    pairs = labels[np.asarray(heads, dtype=np.int64)[found]] if len(found) else np.zeros((0, 2), dtype=np.int64)
    pairs = np.unique(np.sort(pairs[pairs[:, 0] != pairs[:, 1]], axis=1), axis=0)
    members = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(clusters, len(labels)))
    sums = sparse.csr_matrix(members @ index.vectors)
    rows: dict[int, sparse.csr_matrix] = {}  # sums of merged clusters

    def row(node: int) -> sparse.csr_matrix:
        return rows[node] if node >= clusters else sums[node]

    sizes = np.bincount(labels).tolist()
    neighbours: list[set[int]] = [set() for _ in range(clusters)]
    for a, b in pairs.tolist():
        neighbours[a].add(b)
        neighbours[b].add(a)
    heap = [(-score, a, b) for (a, b), score in zip(pairs.tolist(), _links(sums, pairs, sizes), strict=True)
            if score >= threshold]
    heapq.heapify(heap)
    parent = list(range(clusters))
    scores: list[float] = []
    while heap:
        negative, a, b = heapq.heappop(heap)
        if parent[a] != a or parent[b] != b:
            continue  # one side was merged since this pair was scored
        merged = len(parent)
        parent[a] = parent[b] = merged
        parent.append(merged)
        scores.append(-negative)
        rows[merged] = row(a) + row(b)
        sizes.append(sizes[a] + sizes[b])
        around = sorted((neighbours[a] | neighbours[b]) - {a, b})
        neighbours.append(set(around))
        for other in around:
            neighbours[other] -= {a, b}
            neighbours[other].add(merged)
        if around:
            shared = (sparse.vstack([row(o) for o in around]) @ rows[merged].T).toarray().ravel()
            for other, dot in zip(around, shared.tolist(), strict=True):
                if (score := dot / (sizes[other] * sizes[merged])) >= threshold:
                    heapq.heappush(heap, (-score, other, merged))
    merges = _Merges(tuple(parent), tuple(scores))
    return _renumber(np.array([merges.root(label) for label in labels.tolist()])), merges


def _links(sums: sparse.csr_matrix, pairs: NDArray[np.int64], sizes: Sequence[int]) -> list[float]:
    """Average-link cosine of each cluster pair, in chunks that bound the memory of the products."""
    scores: list[float] = []
    weight = np.asarray(sizes, dtype=np.float64)
    for start in range(0, len(pairs), 4096):
        a, b = pairs[start : start + 4096, 0], pairs[start : start + 4096, 1]
        dots = np.asarray(sums[a].multiply(sums[b]).sum(axis=1)).ravel()
        scores += (dots / (weight[a] * weight[b])).tolist()
    return scores


@dataclass(frozen=True, slots=True)
class _Merges:
    """The merge tree of :func:`_average_link`: nodes below ``len(parent) - len(scores)`` are the
    first clusters, node ``first + i`` is the i-th merge and ``scores[i]`` its average link."""

    parent: tuple[int, ...]
    """Each node's parent; a root is its own parent."""
    scores: tuple[float, ...]

    def root(self, node: int) -> int:
        while self.parent[node] != node:
            node = self.parent[node]
        return node

    def joined_at(self, a: int, b: int) -> float | None:
        """The average link at which first clusters ``a`` and ``b`` came together (their lowest
        common ancestor: the cophenetic similarity), None when they did not."""
        above = {a}
        while self.parent[a] != a:
            a = self.parent[a]
            above.add(a)
        while b not in above and self.parent[b] != b:
            b = self.parent[b]
        first = len(self.parent) - len(self.scores)
        return self.scores[b - first] if b in above and b >= first else None


@dataclass(frozen=True, slots=True)
class _Clusters:
    first: NDArray[np.int64]
    """Cluster of each position before content merges (copies, and names for ``auto``/``name``)."""
    labels: NDArray[np.int64]
    """Final cluster of each position."""
    merges: _Merges


# -- explanation -----------------------------------------------------------------------------------


def _explain(
    ranked: Sequence[AgentDoc], order: Sequence[int], index: ContentIndex, names: Sequence[str] | None,
    clusters: _Clusters, near: Sequence[CandidatePair],
) -> tuple[RoleGroup, ...]:
    """One :class:`RoleGroup` per cluster, each member with how it joined (see :class:`Join`)."""
    partners: dict[int, list[tuple[float, int]]] = {}
    for pair in near:
        partners.setdefault(pair.a, []).append((pair.jaccard, pair.b))
        partners.setdefault(pair.b, []).append((pair.jaccard, pair.a))
    groups: dict[int, list[int]] = {}
    for position, label in enumerate(clusters.labels.tolist()):
        groups.setdefault(label, []).append(position)
    roles = []
    for positions in groups.values():
        readable = [role_key(agent_name(ranked[p])) for p in positions]
        key = common_key(readable)
        anchor = positions[readable.index(key)]
        joins = _joins(anchor, positions, index, names, clusters, partners)
        members = []
        for position in positions:
            join, score, of = joins[position]
            copied = None if of is None else order[of]
            members.append(Member(order[position], ranked[position].path, join, score, copied))
        roles.append(RoleGroup(key, tuple(members)))
    return tuple(sorted(roles, key=lambda role: (role.key, role.members[0].path)))


def _joins(
    anchor: int, positions: Sequence[int], index: ContentIndex, names: Sequence[str] | None,
    clusters: _Clusters, partners: dict[int, list[tuple[float, int]]],
) -> dict[int, tuple[Join, float | None, int | None]]:
    """Why each member of one role is there, explained from members already explained.

    The anchor comes first. A member is then an exact copy of an explained member with its
    body, else a near copy of its most similar explained partner, else (``auto``, ``name``)
    of the same name key as an explained member. When no member can be explained that way,
    the first remaining in path order joined by content: its score is the average link at
    which its first cluster met the anchor's.
    """
    joins: dict[int, tuple[Join, float | None, int | None]] = {}
    bodies: dict[str, int] = {}  # body key -> first explained member with it
    named: dict[str, int] = {}  # name key -> first explained member with it
    rank = {position: number for number, position in enumerate(positions)}

    def explain(position: int, join: Join, score: float | None, of: int | None) -> None:
        joins[position] = (join, score, of)
        bodies.setdefault(index.keys[position], position)
        if names is not None:
            named.setdefault(names[position], position)

    explain(anchor, Join.FIRST, None, None)
    pending = [p for p in positions if p != anchor]
    while pending:
        for position in pending:
            twin = bodies.get(index.keys[position]) if index.keys[position] else None
            near = [(score, -rank[p], p) for score, p in partners.get(position, ()) if p in joins]
            same = named.get(names[position]) if names is not None else None
            if twin is not None:
                explain(position, Join.EXACT_COPY, 1.0, twin)
            elif near:
                score, _, other = max(near)
                explain(position, Join.NEAR_COPY, score, other)
            elif same is not None:
                explain(position, Join.SAME_NAME, None, same)
        unexplained = [p for p in pending if p not in joins]
        if len(unexplained) == len(pending):
            position = unexplained.pop(0)
            link = clusters.merges.joined_at(int(clusters.first[position]), int(clusters.first[anchor]))
            explain(position, Join.CONTENT, None if link is None else round(link, 3), None)
        pending = unexplained
    return joins
