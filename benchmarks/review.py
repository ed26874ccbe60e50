"""``agentmerge review``: when one agent duplicates another (the threshold), and how long a review takes.

``agentmerge review`` pairs the rules of an added or changed agent with those of every other agent
(:func:`agentmerge.pairing.align_pair`) and reports a duplicate when at least ``MIN_SHARED`` rule
pairs scored ``STRONG`` or more cover ``OVERLAP`` of one agent's rules (:mod:`agentmerge.findings`). This script
measures, on ../shared/corpus, how often pairs of the same role (a ``group`` of ROLES.tsv) and
pairs of different roles cross each threshold of a grid, and the time per pair.

A review compares one new agent with every agent of the repository, and nearly all of those are
other roles: the rate on different-role pairs is the false-alarm rate per comparison, and what
picks the threshold.

``--speed N`` instead builds a temporary git repository of N corpus agents, a branch that adds 3
more and edits 2, and times ``agentmerge review main --head HEAD --format sarif`` end to end.

Usage::

    .venv/bin/python benchmarks/review.py [--same 400] [--different 1500] [--seed 1]
    .venv/bin/python benchmarks/review.py --speed 100
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from agentmerge import parse_agent
from agentmerge.findings import overlap_of
from agentmerge.model import AgentDoc
from agentmerge.pairing import PairAlignment, align_pair

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
THRESHOLDS = (0.5, 0.6, 0.7, 0.8)
MINIMA = (1, 3, 5)
STRONGS = (0.4, 0.5, 0.6)  # 0.4 is the comparator's own threshold: every match counts


def speed(count: int, seed: int) -> None:
    """Time one review of a pull request that adds 3 agents and edits 2, among ``count`` agents."""
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    chosen = random.Random(seed).sample(paths, count + 3)
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_AUTHOR_NAME": "b",
           "GIT_AUTHOR_EMAIL": "b@example.com", "GIT_COMMITTER_NAME": "b", "GIT_COMMITTER_EMAIL": "b@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", repo, *args], check=True, env=env, capture_output=True)

    with tempfile.TemporaryDirectory() as repo:
        git("init", "-q", "-b", "main")
        for n, path in enumerate(chosen[:count]):
            target = Path(repo, "agents", f"{n:04}-{Path(path).name}")
            target.parent.mkdir(exist_ok=True)
            target.write_bytes((CORPUS / path).read_bytes())
        git("add", "-A")
        git("commit", "-q", "-m", "base")
        git("checkout", "-q", "-b", "feature")
        for n, path in enumerate(chosen[count:]):
            Path(repo, "agents", f"new-{n}-{Path(path).name}").write_bytes((CORPUS / path).read_bytes())
        for target in sorted(Path(repo, "agents").glob("000[01]-*")):
            text = target.read_bytes().decode("utf-8")
            target.write_text(text.replace("- ", "- Always ", 2), encoding="utf-8")
        git("add", "-A")
        git("commit", "-q", "-m", "feature")
        command = [sys.executable, "-m", "agentmerge", "review", "main", "--head", "HEAD", "--format", "sarif"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
    results = done.stdout.count('"ruleId"')
    print(f"{count} agents, 3 added and 2 edited: {elapsed:.1f} s, exit {done.returncode}, {results} findings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--same", type=int, default=400, help="same-role pairs sampled")
    parser.add_argument("--different", type=int, default=1500, help="different-role pairs sampled")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", type=int, metavar="N", help="time a review among N corpus agents instead")
    args = parser.parse_args()
    if args.speed:
        speed(args.speed, args.seed)
        return
    with open(CORPUS / "ROLES.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    groups: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        groups[row["group"]].append(row["path"])
    rng = random.Random(args.seed)
    same = [(g[i], g[j]) for g in groups.values() for i in range(len(g)) for j in range(i + 1, len(g))]
    rng.shuffle(same)
    different: list[tuple[str, str]] = []
    while len(different) < args.different:
        a, b = rng.sample(rows, 2)
        if a["group"] != b["group"]:
            different.append((a["path"], b["path"]))
    docs: dict[str, AgentDoc] = {}

    def doc(path: str) -> AgentDoc:
        if path not in docs:
            docs[path] = parse_agent((CORPUS / path).read_bytes().decode("utf-8"), path=path)
        return docs[path]

    measured: dict[str, list[PairAlignment]] = {}
    started = time.perf_counter()
    for label, pairs in (("same role", same[: args.same]), ("different roles", different)):
        measured[label] = [align_pair(doc(a), doc(b)) for a, b in pairs]
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in measured.values())
    print(f"{total} pairs from {CORPUS}, {1000 * elapsed / total:.1f} ms per pair (parsing included)")
    print(f"{'strong':>6} {'min shared':>10} {'overlap':>8} " + " ".join(f"{label:>16}" for label in measured))
    for strong in STRONGS:
        overlaps = {label: [overlap_of(pair, strong=strong) for pair in pairs] for label, pairs in measured.items()}
        for minimum in MINIMA:
            for threshold in THRESHOLDS:
                cells = []
                for found in overlaps.values():
                    hits = sum(1 for o in found if o.duplicate(threshold, minimum))
                    cells.append(f"{hits:>5}/{len(found):<5} {100 * hits / len(found):4.1f}%")
                print(f"{strong:>6} {minimum:>10} {threshold:>8} " + " ".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    main()
