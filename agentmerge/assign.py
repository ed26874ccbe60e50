"""Optimal one-to-one assignment between two lists of things, from a sparse table of scores."""

from __future__ import annotations

from collections.abc import Mapping

#: Components with at most this many rows and columns are solved by ``munkres`` (pure Python,
#: O(n^3), imported in 2 ms) instead of ``lap`` (which needs numpy, about 0.1 s to import): a
#: diff of two agents of 60 rules has components of at most 8 (benchmarks/diff.py on the seeds),
#: where both solvers take well under a millisecond.
SMALL = 12


def assign(scores: Mapping[tuple[int, int], float], *, threshold: float = 0.0) -> list[tuple[int, int, float]]:
    """Pair rows with columns one to one so that the summed score is as large as possible.

    Args:
        scores: ``(row, column) -> score`` for the candidate pairs only (any non-negative
            integers as indexes; a pair that is absent cannot be chosen).
        threshold: chosen pairs scoring below this are dropped from the answer.

    Returns:
        ``(row, column, score)`` triples sorted by row. Rows and columns that share no
        candidate with anything are solved without the solver, which keeps small diffs fast.

    The solver is the Jonker-Volgenant shortest augmenting path algorithm (Jonker & Volgenant
    1987, "A shortest augmenting path algorithm for dense and sparse linear assignment problems")
    as implemented by the ``lap`` package (``lap.lapjv``, rectangular tables padded by
    ``extend_cost``), run on each connected component of the candidate graph separately: a
    component that is a single pair needs no solver, and one of at most :data:`SMALL` rows and
    columns goes to the Hungarian method of ``munkres`` (Kuhn 1955, Munkres 1957), which gives the
    same optimum without importing numpy. ``lap`` was chosen over
    ``scipy.optimize.linear_sum_assignment`` (the same optimum) because importing scipy.optimize
    takes about 0.45 s, three times the whole-process budget of ``agentmerge diff``; ``lap``
    needs only numpy (about 0.1 s).
    """
    chosen: list[tuple[int, int, float]] = []
    for rows, cols in _components(scores):
        if len(rows) == 1 and len(cols) == 1:
            row, col = rows[0], cols[0]
            chosen.append((row, col, scores[(row, col)]))
            continue
        if max(len(rows), len(cols)) <= SMALL:
            chosen += _solve_small(scores, rows, cols)
            continue
        import lap
        import numpy

        matrix = numpy.zeros((len(rows), len(cols)))
        row_at = {row: k for k, row in enumerate(rows)}
        col_at = {col: k for k, col in enumerate(cols)}
        for (row, col), value in scores.items():
            if row in row_at and col in col_at:
                matrix[row_at[row], col_at[col]] = value
        _, picked, _ = lap.lapjv(-matrix, extend_cost=True)
        for r, c in enumerate(picked):
            if c >= 0 and (rows[r], cols[c]) in scores:
                chosen.append((rows[r], cols[c], float(matrix[r, c])))
    return sorted(item for item in chosen if item[2] >= threshold)


def _solve_small(
    scores: Mapping[tuple[int, int], float], rows: list[int], cols: list[int]
) -> list[tuple[int, int, float]]:
    """One small component by the Hungarian method of the pure-Python ``munkres`` package."""
    from munkres import Munkres

    cost = [[-scores.get((row, col), 0.0) for col in cols] for row in rows]
    return [(rows[r], cols[c], scores[(rows[r], cols[c])]) for r, c in Munkres().compute(cost)
            if (rows[r], cols[c]) in scores]


def _components(scores: Mapping[tuple[int, int], float]) -> list[tuple[list[int], list[int]]]:
    """Connected components of the bipartite candidate graph, as sorted row and column lists."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(node: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for row, col in scores:
        a, b = find((0, row)), find((1, col))
        if a != b:
            parent[b] = a
    members: dict[tuple[int, int], tuple[list[int], list[int]]] = {}
    for node in sorted(parent):
        rows, cols = members.setdefault(find(node), ([], []))
        (rows if node[0] == 0 else cols).append(node[1])
    return sorted(members.values())
