"""Constrained clustering: average link, then local search (agentmerge.cluster)."""

from __future__ import annotations

from agentmerge.cluster import cluster


def _single(count: int) -> list[list[int]]:
    return [[n] for n in range(count)]


def test_average_link_joins_above_the_threshold_only() -> None:
    pairs = {(0, 1): 0.8, (1, 2): 0.3}
    assert cluster([0, 1, 2], ["a", "b", "c"], _single(3), pairs, 0.4, repeat=0.4) == [(0, 1), (2,)]


def test_no_chaining_across_a_weak_link() -> None:
    """Single link would join 0-1-2 through two strong pairs; average link needs the mean."""
    pairs = {(0, 1): 0.6, (1, 2): 0.6, (0, 2): 0.0}
    groups = cluster([0, 1, 2], ["a", "b", "c"], _single(3), pairs, 0.5, repeat=0.4)
    assert len(groups) == 2


def test_local_search_evicts_a_weaker_rule_of_the_same_document() -> None:
    """Average link builds {0, 1, 3, 4} (0 and 1 at 0.9, 3 and 4 at 0.8, then the two at mean 0.45);
    rule 2, of 0's document, cannot join beside 0 (no repeat of it). In the group, 2 would gain
    (0.6 - 0.4) + 2 x (0.44 - 0.4) = 0.28 and 0 gains 0.9 + 0.2 + 0.2 - 1.2 = 0.1: local search
    moves 2 in and evicts 0."""
    docs = [0, 1, 0, 2, 3]
    lists = ["a", "b", "c", "d", "e"]
    pairs = {(0, 1): 0.9, (3, 4): 0.8, (0, 3): 0.2, (0, 4): 0.2, (1, 3): 0.7, (1, 4): 0.7,
             (1, 2): 0.6, (2, 3): 0.44, (2, 4): 0.44}
    assert cluster(docs, lists, _single(5), pairs, 0.4, repeat=0.4, refine=False) == [(0, 1, 3, 4), (2,)]
    assert cluster(docs, lists, _single(5), pairs, 0.4, repeat=0.4) == [(0,), (1, 2, 3, 4)]


def test_local_search_moves_a_rule_to_where_it_gains_most() -> None:
    """Average link pairs 0 and 1 (0.9) before {2, 3, 4} forms, and 0 keeps 1 out of it; 1 gains
    0.85 + 0.7 + 0.7 - 1.2 = 1.05 there against 0.5 beside 0, so it moves."""
    docs = [0, 1, 0, 2, 3]
    lists = ["a", "b", "c", "d", "e"]
    pairs = {(0, 1): 0.9, (1, 2): 0.85, (2, 3): 0.8, (2, 4): 0.8, (1, 3): 0.7, (1, 4): 0.7, (3, 4): 0.7}
    assert cluster(docs, lists, _single(5), pairs, 0.4, repeat=0.4, refine=False) == [(0, 1), (2, 3, 4)]
    assert cluster(docs, lists, _single(5), pairs, 0.4, repeat=0.4) == [(0,), (1, 2, 3, 4)]


def test_a_rule_is_never_moved_out_to_a_group_of_its_own() -> None:
    """Average link joins {0, 1, 2} (2 scores 0.9 with 0 and 1) and {3, 4, 5}, then the two (mean
    0.6). Rule 2 scores nothing with 3, 4 and 5, so its cross-file pairs now cost the group
    (0.9 + 0.9 - 5 x 0.4 = -0.2), but no other group holds a strong partner of it: it stays. A file's
    own repeats, which the objective does not count, may be what holds such a rule in its group."""
    docs = [0, 1, 2, 3, 4, 5]
    pairs = {(0, 1): 0.97, (0, 2): 0.9, (1, 2): 0.9}
    pairs.update({(a, b): 0.9 for a in (0, 1, 3, 4) for b in (3, 4, 5) if a < b})
    lists = ["a", "b", "c", "d", "e", "f"]
    assert cluster(docs, lists, _single(6), pairs, 0.4, repeat=0.4, refine=False) == [(0, 1, 2, 3, 4, 5)]
    assert cluster(docs, lists, _single(6), pairs, 0.4, repeat=0.4) == [(0, 1, 2, 3, 4, 5)]


def test_contradictions_and_lists_are_never_joined() -> None:
    docs = [0, 1, 1]
    lists = ["a", "b", "b"]  # 1 and 2 sit in one list of document 1
    pairs = {(0, 1): -1.0, (0, 2): 0.9, (1, 2): 0.9}
    groups = cluster(docs, lists, _single(3), pairs, 0.4, repeat=0.4)
    assert groups == [(0, 2), (1,)]


def test_copies_form_one_group_unless_they_share_a_list() -> None:
    docs = [0, 0, 0, 1]
    lists = ["a", "a", "b", "c"]
    groups = cluster(docs, lists, [[0, 1, 2, 3]], {}, 0.4, repeat=0.4)
    assert groups == [(0, 2, 3), (1,)]
