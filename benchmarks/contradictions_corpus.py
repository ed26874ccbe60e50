"""Contradictions the comparator reports on ../shared/corpus, for reading by eye.

Every corpus file is parsed, grouped into roles with the default settings of ``agentmerge
consolidate`` (auto grouping), and each role's rules are scored as
:func:`agentmerge.align.align_rules` scores them. The script counts the opposed pairs (kept apart: never aligned)
and the contradictions among them (reported, and in ``consolidate`` a conflict that may leave one
side out), across files and within one file, then prints a seeded random sample of the reported
ones with their overlap (:meth:`agentmerge.align.Scorer.overlap`), sections and texts.

Precision on real files is what this measures: the written pairs of tests/data/contradictions.tsv
(scored by benchmarks/alignment.py) hold true contradictions by design; the corpus mostly holds
look-alikes, such as a topic named in a list of capabilities against the same words in a list of
defects.

Usage::

    .venv/bin/python benchmarks/contradictions_corpus.py [--show 30] [--seed 1] [--across]
"""

from __future__ import annotations

import argparse
import random
import sys

from parse_corpus import DEFAULT_CORPUS, load_corpus

from agentmerge import parse_agent
from agentmerge.align import Item, rule_items, score_items
from agentmerge.grouping import group_roles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=30, help="reported pairs to print (default 30)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the sample (default 1)")
    parser.add_argument("--across", action="store_true", help="print only pairs from two different files")
    args = parser.parse_args(argv)
    docs = [parse_agent(text, path=path) for path, text in load_corpus(DEFAULT_CORPUS)]
    roles = group_roles(docs)
    opposed = {True: 0, False: 0}
    reported: list[tuple[str, bool, float, Item, Item, str]] = []
    for role in roles:
        # the first half of align_rules: its scorer and scored pairs, the opposed ones at -1
        members = [docs[n] for n in role.indexes]
        every = rule_items(members)
        scored = score_items(every, documents=len(members))
        items, scorer = scored.scorer.items, scored.scorer
        for (a, b), value in scored.pairs.items():
            if value < 0:
                opposed[items[a].doc != items[b].doc] += 1
        for pair in scored.contradictions:
            left, right = items[pair.a], items[pair.b]
            reported.append((role.key, left.doc != right.doc, scorer.overlap(pair.a, pair.b), left, right,
                             pair.reason))
    for across in (True, False):
        where = "across files" if across else "within a file"
        count = sum(1 for entry in reported if entry[1] == across)
        print(f"{where}: {opposed[across]} opposed pairs (never aligned), {count} reported as contradictions")
    sample = [entry for entry in reported if entry[1] or not args.across]
    random.Random(args.seed).shuffle(sample)
    for name, across, overlap, left, right, reason in sample[:args.show]:
        print(f"\n[{name}] {'across files' if across else 'one file'}, overlap {overlap:.2f}, {reason}")
        for item in (left, right):
            section = " > ".join(item.ref.section)
            print(f"   {item.ref.rule.full_text[:110]!r}  <{section[-40:]}>")
    return 0


if __name__ == "__main__":
    sys.exit(main())
