"""Role grouping quality on ../shared/corpus: pairwise precision and recall of same-role file pairs.

Every corpus file is parsed and grouped by :func:`agentmerge.grouping.group_roles` in one run
over the whole corpus (1,281 files), for each ``--group-by`` mode and each ``--min-similarity``
of a grid. A pair of files is a true positive when both are in one gold group and one predicted
role. Two gold standards:

* ``ROLES.tsv``: the 96 roles found in three or more collections (540 files); only pairs of
  those files count, so a file joining a role that is not in ROLES.tsv costs nothing here;
* ``MANIFEST.tsv`` column ``role_group``: the same annotator's group for all 1,281 files (most
  are singletons), which also charges false joins with the other 741 files.

It also prints what the index found (exact-copy groups, near-copy pairs, LSH candidate pairs
against all pairs) and the time of each grouping.

Usage::

    .venv/bin/python benchmarks/grouping.py [--corpus ../shared/corpus] [--grid 0.3,0.35,0.4,0.45,0.5]
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from parse_corpus import DEFAULT_CORPUS, load_corpus

from agentmerge import parse_agent
from agentmerge.grouping import MIN_SIMILARITY, ROLE_BLOCKING, ContentIndex, group_roles
from agentmerge.model import AgentDoc
from agentmerge.roles import GroupBy, RoleGroup


def pairwise(groups: Sequence[RoleGroup], docs: Sequence[AgentDoc], gold: Mapping[str, str]) -> tuple[float, float]:
    """Precision and recall of same-role pairs among the files ``gold`` labels (path -> group)."""
    predicted: dict[str, int] = {}
    for number, group in enumerate(groups):
        for member in group.members:
            predicted[docs[member.index].path] = number
    paths = [path for path in gold if path in predicted]

    def pairs(counts: Counter[object]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter((gold[p], predicted[p]) for p in paths))
    found = pairs(Counter(predicted[p] for p in paths))
    true = pairs(Counter(gold[p] for p in paths))
    return (both / found if found else 1.0), (both / true if true else 1.0)


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder holding MANIFEST.tsv and ROLES.tsv (default {DEFAULT_CORPUS})")
    parser.add_argument("--grid", default="0.3,0.35,0.4,0.45,0.5",
                        help="--min-similarity values to try for auto and content")
    args = parser.parse_args(argv)
    if not (args.corpus / "ROLES.tsv").is_file():
        print(f"{args.corpus}: error: no ROLES.tsv here", file=sys.stderr)
        return 2
    grid = [float(value) for value in args.grid.split(",")]
    docs = [parse_agent(text, path=path) for path, text in load_corpus(args.corpus)]
    with (args.corpus / "ROLES.tsv").open(encoding="utf-8", newline="") as handle:
        roles = {row["path"]: row["group"] for row in csv.DictReader(handle, delimiter="\t")}
    with (args.corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        manifest = {row["path"]: row["role_group"] for row in csv.DictReader(handle, delimiter="\t")}

    started = time.perf_counter()
    index = ContentIndex.build(sorted(docs, key=lambda doc: doc.path))
    built = time.perf_counter() - started
    copies = index.exact_copies()
    near = index.near_copies()
    print(f"corpus: {len(docs)} files; index built in {built:.2f} s")
    print(f"exact-copy groups: {len(copies)} ({sum(map(len, copies))} files); near-copy pairs: {len(near)}")
    print(f"role blocking: LSH threshold {ROLE_BLOCKING} on content terms; default --min-similarity {MIN_SIMILARITY}")
    print()
    print(f"{'group-by':<9} {'min-sim':>7} {'roles':>6} | {'ROLES.tsv P':>11} {'R':>6} {'F1':>6} |"
          f" {'MANIFEST P':>10} {'R':>6} {'F1':>6} | {'time':>7}")
    runs = [(GroupBy.NAME, None), (GroupBy.NONE, None)]
    runs += [(by, value) for by in (GroupBy.AUTO, GroupBy.CONTENT) for value in grid]
    for by, value in runs:
        started = time.perf_counter()
        groups = group_roles(docs, by=by, min_similarity=MIN_SIMILARITY if value is None else value)
        took = time.perf_counter() - started
        p1, r1 = pairwise(groups, docs, roles)
        p2, r2 = pairwise(groups, docs, manifest)
        shown = "-" if value is None else f"{value:.2f}"
        print(f"{by.value:<9} {shown:>7} {len(groups):>6} | {p1:>11.3f} {r1:>6.3f} {f1(p1, r1):>6.3f} |"
              f" {p2:>10.3f} {r2:>6.3f} {f1(p2, r2):>6.3f} | {took:>6.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
