"""Quality and speed of ``agentmerge dedup`` on ../shared/corpus and the gold sets.

* ``copies`` (default): exact copies found by :func:`agentmerge.dedup.find_duplicate_agents` on
  the whole corpus against the corpus's own reference, the groups of files with the same body
  (ODDITIES.md: 123 groups, 273 files; the MANIFEST's source_blob column holds no repeated blob,
  so no two files are byte-identical). The reference is recomputed here without agentmerge: the
  text after the dashes closing the frontmatter, whitespace runs collapsed. Precision and recall
  over pairs of files, and the number of groups found whole. Then ``--sample N`` near-copy pairs
  with their similarity and what differs, to check by eye.
* ``--rules``: precision and recall of rule pairs on the five gold sets (../shared/gold/seeds.json,
  benchmarks/gold/*.json): pairs of one file in a repeated-rule group
  (:func:`agentmerge.dedup.find_repeated_rules`) at several thresholds, which chose
  :data:`agentmerge.dedup.RULE_THRESHOLD`; and pairs of two files with equal comparator keys (the
  join of shared rules before rewordings joined; see ``--shared``).
* ``--shared``: rules shared across agents (:func:`agentmerge.dedup.shared.shared_in`), found among
  every rule of the corpus and the five seeds, so the comparator's IDF is the collection's: precision
  and recall of the cross-file pairs of the five gold sets that end in one group, at several
  thresholds (``equal keys`` is the join of equal comparator keys alone, as before rewordings
  joined), which chose :data:`agentmerge.dedup.SHARED_THRESHOLD`; the time of each run and the
  groups reaching ``MIN_AGENTS`` agents; then ``--sample N`` random reworded groups at the
  default threshold, to read by eye.
* ``--speed``: one run of markdown-it-py over every text, then one run of parse_agent and of each
  stage of :func:`agentmerge.dedup.dedup`, on the corpus and on ``--scale`` times as many files:
  the corpus plus k-1 replicas of it whose body words carry a per-replica prefix (:func:`replica`),
  so the replicas are distinct agents of the same size and structure, not copies. The garbage
  collector runs with the console script's thresholds (:data:`agentmerge.cli.GC_THRESHOLDS`).

Usage::

    .venv/bin/python benchmarks/dedup.py [--sample 12] [--rules] [--shared] [--speed] [--scale 1,2,5,10]
"""

from __future__ import annotations

import argparse
import csv
import gc
import itertools
import json
import random
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from agentmerge import parse_agent
from agentmerge.align import rule_items
from agentmerge.cli import GC_THRESHOLDS
from agentmerge.cli._common import auto_jobs
from agentmerge.dedup import CopyKind, find_duplicate_agents, find_repeated_rules
from agentmerge.dedup.agents import NEAR_THRESHOLD, exact_copies, near_copies
from agentmerge.dedup.rules import RULE_THRESHOLD, align_each, repeats_in
from agentmerge.dedup.shared import MIN_AGENTS, SHARED_THRESHOLD, SharedRule, shared_in
from agentmerge.grouping import ContentIndex
from agentmerge.model import AgentDoc
from agentmerge.render.diff import summary

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
GOLD = [SHARED / "gold" / "seeds.json", *sorted((ROOT / "benchmarks" / "gold").glob("*.json"))]
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)
SHARED_THRESHOLDS = (1.01, 0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.9)  # 1.01: equal keys only
_DASHES = re.compile(r"\s*-{3,}\s*")


def load_corpus() -> list[tuple[str, str]]:
    """(path relative to the corpus, text) of every MANIFEST.tsv row, in its order."""
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    return [(path, (CORPUS / path).read_bytes().decode("utf-8")) for path in paths]


def reference_body(text: str) -> str:
    """The body as ODDITIES.md counts copies: after the closing dashes, whitespace collapsed."""
    lines = text.splitlines()
    opened = next((n for n, line in enumerate(lines) if line.strip()), 0)
    if not _DASHES.fullmatch(lines[opened]):
        return " ".join(text.split())
    close = next((n for n in range(opened + 1, len(lines)) if _DASHES.fullmatch(lines[n])), len(lines))
    return " ".join("\n".join(lines[close + 1:]).split())


def pairs_of(groups: list[list[str]]) -> set[frozenset[str]]:
    return {frozenset(pair) for group in groups for pair in itertools.combinations(group, 2)}


def copies(texts: list[tuple[str, str]], sample: int) -> None:
    bodies: dict[str, list[str]] = defaultdict(list)
    for path, text in texts:
        bodies[reference_body(text)].append(path)
    gold = [group for group in bodies.values() if len(group) > 1]
    docs = [parse_agent(text, path=path) for path, text in texts]
    found = find_duplicate_agents(docs)
    exact = [list(g.paths) for g in found if g.kind is CopyKind.EXACT]
    want, got = pairs_of(gold), pairs_of(exact)
    hit = len(want & got)
    print(f"reference: {len(gold)} groups, {sum(map(len, gold))} files, {len(want)} pairs")
    print(f"found:     {len(exact)} groups, {sum(map(len, exact))} files, {len(got)} pairs")
    print(f"exact copies: pair precision {hit / max(1, len(got)):.3f}  recall {hit / max(1, len(want)):.3f}  "
          f"groups found whole {len({frozenset(g) for g in gold} & {frozenset(g) for g in exact})}/{len(gold)}")
    near = [(g, c) for g in found if g.kind is CopyKind.NEAR for c in g.copies]
    print(f"near copies: {sum(1 for g in found if g.kind is CopyKind.NEAR)} groups, {len(near)} pairs")
    for group, copy in random.Random(6).sample(near, min(sample, len(near))):
        print(f"  {copy.similarity:.2f}  {group.path}\n        {copy.path}\n        {summary(copy.diff)}")


def _gold(path: Path) -> tuple[list[AgentDoc], list[str], dict[str, str], set[frozenset[str]]]:
    gold = json.loads(path.read_text())
    folder = SHARED / gold["root"]
    prefixes = list(gold["files"])
    docs = [parse_agent((folder / name).read_text(), path=name) for name in gold["files"].values()]
    cluster = {item: cid for cid, items in gold["clusters"].items() for item in items}
    cluster.update({item: item for item in gold.get("singletons", [])})
    related = {frozenset((x, y)) for a, b in gold.get("related", [])
               for x in gold["clusters"].get(a, [a]) for y in gold["clusters"].get(b, [b])}
    return docs, prefixes, cluster, related


def _score(found: dict[float, set[frozenset[str]]], positives: set[frozenset[str]], label: str) -> None:
    for threshold in THRESHOLDS:
        pairs = found[threshold]
        hit = len(pairs & positives)
        print(f"  {label} >= {threshold:.1f}: precision {hit / max(1, len(pairs)):.2f}  "
              f"recall {hit / max(1, len(positives)):.2f}  ({hit} of {len(pairs)} found, {len(positives)} in gold)")


def rules() -> None:
    same: dict[float, set[frozenset[str]]] = defaultdict(set)
    cross: set[frozenset[str]] = set()
    same_gold: set[frozenset[str]] = set()
    cross_gold: set[frozenset[str]] = set()
    for path in GOLD:
        docs, prefixes, cluster, related = _gold(path)

        def scored(a: str, b: str) -> bool:
            return a in cluster and b in cluster and frozenset((a, b)) not in related  # noqa: B023

        for items in (list(v) for v in json.loads(path.read_text())["clusters"].values()):
            for a, b in itertools.combinations(items, 2):
                (same_gold if a.split(":")[0] == b.split(":")[0] else cross_gold).add(frozenset((a, b)))
        for prefix, doc in zip(prefixes, docs, strict=True):
            for group in find_repeated_rules(doc, threshold=min(THRESHOLDS)):
                ids = [f"{prefix}:{rule.line}" for rule in group.rules]
                for threshold in THRESHOLDS:
                    if group.score >= threshold:
                        same[threshold].update(frozenset(p) for p in itertools.combinations(ids, 2) if scored(*p))
        items = rule_items(docs)
        ids = [f"{prefixes[item.doc]}:{item.ref.rule.span.start}" for item in items]
        cross.update(frozenset((ids[a], ids[b])) for a, b in itertools.combinations(range(len(items)), 2)
                     if items[a].doc != items[b].doc and items[a].key.terms == items[b].key.terms
                     and scored(ids[a], ids[b]))
    print(f"rule pairs on {len(GOLD)} gold sets")
    _score(same, same_gold, "repeated in one file")
    hit = len(cross & cross_gold)
    print(f"  shared by two files (equal keys): precision {hit / max(1, len(cross)):.2f}  "
          f"recall {hit / max(1, len(cross_gold)):.2f}  ({hit} of {len(cross)} found, {len(cross_gold)} in gold)")


def _gold_pairs(path: Path) -> tuple[dict[tuple[str, int], str], set[frozenset[tuple[str, int]]],
                                     set[frozenset[tuple[str, int]]]]:
    """One gold set as (path, line) of each labelled rule -> its cluster, the cross-file pairs of one
    cluster, and the related pairs (left out of the score); seeds' paths are ``seeds/NAME``."""
    gold = json.loads(path.read_text())
    root = "seeds/" if gold["root"] == "seeds" else ""

    def where(item: str) -> tuple[str, int]:
        prefix, line = item.split(":")
        return root + gold["files"][prefix], int(line)

    cluster = {where(item): cid for cid, items in gold["clusters"].items() for item in items}
    cluster.update({where(item): item for item in gold.get("singletons", [])})
    related = {frozenset((where(x), where(y))) for a, b in gold.get("related", [])
               for x in gold["clusters"].get(a, [a]) for y in gold["clusters"].get(b, [b])}
    positives = {frozenset((where(x), where(y))) for items in gold["clusters"].values()
                 for x, y in itertools.combinations(items, 2) if x.split(":")[0] != y.split(":")[0]}
    return cluster, positives, related


def shared(texts: list[tuple[str, str]], sample: int) -> None:
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    docs = [parse_agent(text, path=path) for path, text in texts]
    docs += [parse_agent(seed.read_text(encoding="utf-8"), path=f"seeds/{seed.name}") for seed in seeds]
    aligned = align_each(docs)
    sets = [_gold_pairs(path) for path in GOLD]
    wanted = sum(len(positives) for _, positives, _ in sets)
    print(f"shared rules among {len(docs)} files (corpus and seeds); cross-file pairs of {len(GOLD)} gold sets")
    chosen: list[SharedRule] = []
    for threshold in SHARED_THRESHOLDS:
        started = time.perf_counter()
        found = shared_in(docs, aligned, 1, threshold)
        took = time.perf_counter() - started
        hit = got = 0
        for cluster, positives, related in sets:
            pairs = set()
            for rule in found:
                labelled = [(at.path, at.line) for at in rule.rules if (at.path, at.line) in cluster]
                pairs.update(frozenset(p) for p in itertools.combinations(labelled, 2)
                             if p[0][0] != p[1][0] and frozenset(p) not in related)
            hit, got = hit + len(pairs & positives), got + len(pairs)
        many = [rule for rule in found if rule.agents >= MIN_AGENTS]
        label = "equal keys" if threshold > 1 else f">= {threshold:.2f}"
        print(f"  {label:<10}: precision {hit / max(1, got):.2f}  recall {hit / max(1, wanted):.2f}  "
              f"({hit} of {got} found, {wanted} in gold); {len(many)} shared by >= {MIN_AGENTS} agents, "
              f"{sum(1 for rule in many if rule.score < 1)} with rewordings; {took:.1f} s", flush=True)
        if threshold == SHARED_THRESHOLD:
            chosen = [rule for rule in many if rule.score < 1]
    for rule in random.Random(6).sample(chosen, min(sample, len(chosen))):
        print(f"  {rule.agents} agents, least similarity {rule.score:.2f}: {rule.text[:110]}")
        for wording in rule.wordings[1:]:
            print(f"      ~ {wording[:110]}")


def _timed(label: str, run: Any, times: dict[str, float]) -> Any:
    started = time.perf_counter()
    value = run()
    times[label] = time.perf_counter() - started
    return value


_WORD = re.compile(r"\b[A-Za-z]{4,}\b")
_NAME = re.compile(r"^[ \t]*name:[^\r\n]*", re.MULTILINE)


def replica(path: str, text: str, k: int) -> tuple[str, str]:
    """A distinct agent of the same size and structure: every word of 4+ letters of the body gets
    the prefix ``zx<k>``, and the ``name`` and the file name the suffix ``x<k>`` (``k`` as a
    letter), so replicas share no words, rules, bodies or names with each other or the corpus.
    (A suffix on body words let the comparator's stem families join them with the corpus's:
    "optimizexa" extends "optim", so every replica rule was a rewording of its original.)"""
    doc = parse_agent(text, path=path)
    head = len(doc.frontmatter.source) + (1 if doc.bom else 0)
    letter = chr(ord("a") + k % 26)
    front = _NAME.sub(lambda m: m.group(0).rstrip() + "x" + letter, text[:head], count=1)
    stem, dot, ext = path.rpartition(".")
    body = _WORD.sub(lambda m: "zx" + letter + m.group(0), text[head:])
    return f"r{k}/{stem}x{letter}{dot}{ext}", front + body


def speed(texts: list[tuple[str, str]], scales: list[int], jobs: int = 0) -> None:
    gc.set_threshold(*GC_THRESHOLDS)  # as the console script runs: the collector walks the parsed corpus less
    markdown = MarkdownIt("commonmark").enable("table")
    for scale in scales:
        batch = texts + [replica(path, text, k) for k in range(1, scale) for path, text in texts]
        started = time.perf_counter()
        for _, text in batch:
            markdown.parse(text)
        baseline = time.perf_counter() - started
        run: dict[str, float] = {}
        docs = _timed("parse", lambda batch=batch: [parse_agent(text, path=path) for path, text in batch], run)
        index = _timed("index", lambda docs=docs: ContentIndex.build(docs), run)
        _timed("exact", lambda docs=docs, index=index: exact_copies(docs, index), run)
        _timed("near", lambda docs=docs, index=index: near_copies(docs, index, NEAR_THRESHOLD), run)
        workers = auto_jobs(jobs, len(docs))  # as the command line
        aligned = _timed("align", lambda docs=docs, workers=workers: align_each(docs, jobs=workers), run)
        _timed("repeats", lambda docs=docs, al=aligned: [repeats_in(docs, a, RULE_THRESHOLD) for a in al], run)
        _timed("shared", lambda docs=docs, al=aligned: shared_in(docs, al, MIN_AGENTS), run)
        total = sum(run.values())
        stages = "  ".join(f"{k} {v:.1f}" for k, v in run.items())
        print(f"x{scale:<3}{len(docs):>6} files: markdown-it {baseline:6.1f} s; parse + dedup {total:6.1f} s = "
              f"{total / baseline:4.2f} x, dedup alone {total - run['parse']:6.1f} s = "
              f"{(total - run['parse']) / baseline:4.2f} x; per 1,000 files {1000 * total / len(docs):5.1f} s  "
              f"[{stages}]  align in {workers} process(es)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", type=int, default=12,
                        help="near-copy pairs, or with --shared reworded groups, to print (default 12)")
    parser.add_argument("--rules", action="store_true", help="rule-pair precision/recall on the gold sets")
    parser.add_argument("--shared", action="store_true", help="shared-rule precision/recall and a sample of groups")
    parser.add_argument("--speed", action="store_true", help="time dedup beside markdown-it-py")
    parser.add_argument("--scale", default="1", help="comma-separated corpus multiples for --speed (default 1)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="--speed: processes aligning the files (0, the default: one per core, as the CLI)")
    args = parser.parse_args(argv)
    if not (CORPUS / "MANIFEST.tsv").is_file():
        print(f"{CORPUS}: error: no MANIFEST.tsv here", file=sys.stderr)
        return 2
    texts = load_corpus()
    if args.rules:
        rules()
    if args.shared:
        shared(texts, args.sample)
    if args.speed:
        speed(texts, [int(k) for k in args.scale.split(",")], args.jobs)
    if not (args.rules or args.shared or args.speed):
        copies(texts, args.sample)
    return 0


if __name__ == "__main__":
    sys.exit(main())
