"""The assignment solver: the optimum of small tables, checked against brute force."""

from __future__ import annotations

import itertools
import random

import pytest

from agentmerge import assign as solver


def brute_force(scores: dict[tuple[int, int], float], rows: int, cols: int) -> float:
    """Best total over every one-to-one choice of candidate pairs (tables of a few rows only)."""
    best = 0.0
    for size in range(min(rows, cols) + 1):
        for picked in itertools.permutations(range(cols), size):
            for chosen_rows in itertools.combinations(range(rows), size):
                pairs = list(zip(chosen_rows, picked, strict=True))
                if all(p in scores for p in pairs):
                    best = max(best, sum(scores[p] for p in pairs))
    return best


@pytest.mark.parametrize("small", [solver.SMALL, 0], ids=["munkres", "lap"])
@pytest.mark.parametrize("seed", range(40))
def test_assign_finds_the_optimum(seed: int, small: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver, "SMALL", small)
    pick = random.Random(seed)
    rows, cols = pick.randint(1, 5), pick.randint(1, 5)
    scores = {(pick.randrange(rows), pick.randrange(cols)): round(pick.random(), 3) for _ in range(8)}
    chosen = solver.assign(scores)
    assert len({r for r, _, _ in chosen}) == len(chosen) == len({c for _, c, _ in chosen})
    assert sum(value for _, _, value in chosen) == pytest.approx(brute_force(scores, rows, cols))


def test_threshold_drops_weak_pairs_after_solving() -> None:
    assert solver.assign({(0, 0): 0.9, (1, 1): 0.2, (0, 1): 0.5}, threshold=0.3) == [(0, 0, 0.9)]
