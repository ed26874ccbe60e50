"""Pairing quality and speed of ``agentmerge diff``.

Quality: for each of the 10 pairs of seed files, ``agentmerge diff --format json`` is scored with
../shared/tools/score_alignment.py against ../shared/gold/seeds.json restricted to those two files;
the true/false positives and negatives of the 10 runs are pooled into one precision, recall and F1
(target F1 >= 0.90). Within-file duplicates of the gold are positives a diff cannot pair (it pairs
rules of A with rules of B); the figure without them is printed too.

Speed (``--speed``): whole-process wall time of ``agentmerge diff`` on two seed files, median of
``--runs`` runs (target: under 150 ms), beside ``git diff --no-index --word-diff`` and ``python -c pass``;
then two generated files of 5,000 rules each (target: under 5 s). The seed diff is timed twice: with
bytecode, as an installed package runs (pip compiles it at install; here the ``.pyc`` files go to a
temporary ``PYTHONPYCACHEPREFIX``, warmed by one run, so nothing is written in the checkout), and
without bytecode for agentmerge, as an editable install runs under ``PYTHONDONTWRITEBYTECODE``: every
agentmerge module is compiled on every run (a temporary copy of the package, first on ``PYTHONPATH``,
so ``.pyc`` files other runs left in the checkout do not count). The load average is printed: the
runs share the machine.

Usage::

    .venv/bin/python benchmarks/diff.py [--speed] [--runs 11] [--no-quality]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_alignment.py"
GOLD = SHARED / "gold" / "seeds.json"
AGENTMERGE = str(Path(sys.executable).with_name("agentmerge"))


def restrict(gold: dict, prefixes: set[str], *, cross_only: bool = False) -> dict:
    """The gold set with only the items of the files named by ``prefixes``.

    ``cross_only`` marks pairs of one cluster inside one file as ``related`` (not scored), so
    only pairs across the two files count.
    """
    def keep(item: str) -> bool:
        return item.split(":")[0] in prefixes

    clusters = {cid: [i for i in items if keep(i)] for cid, items in gold["clusters"].items()}
    related = list(gold.get("related", []))
    if cross_only:
        related += [[a, b] for items in clusters.values() for a, b in itertools.combinations(items, 2)
                    if a.split(":")[0] == b.split(":")[0]]
    return {"files": {p: gold["files"][p] for p in prefixes},
            "clusters": {cid: items for cid, items in clusters.items() if items},
            "singletons": [i for i in gold.get("singletons", []) if keep(i)], "related": related}


def score_pairs(cross_only: bool) -> tuple[int, int, int]:
    """Pooled (tp, fp, fn) over the 10 seed pairs."""
    gold = json.loads(GOLD.read_text())
    folder = SHARED / "seeds"
    totals = [0, 0, 0]
    with tempfile.TemporaryDirectory() as tmp:
        for a, b in itertools.combinations(sorted(gold["files"]), 2):
            left, right = folder / gold["files"][a], folder / gold["files"][b]
            done = subprocess.run([AGENTMERGE, "diff", "--format", "json", str(left), str(right)],
                                  capture_output=True, text=True, check=False)
            if done.returncode not in (0, 1):
                raise SystemExit(f"diff failed on {left.name} {right.name}: {done.stderr}")
            predicted, small = Path(tmp, "predicted.json"), Path(tmp, "gold.json")
            predicted.write_text(done.stdout)
            small.write_text(json.dumps(restrict(gold, {a, b}, cross_only=cross_only)))
            scored = subprocess.run([sys.executable, str(SCORER), str(small), str(predicted)],
                                    capture_output=True, text=True, check=True).stdout
            found = re.search(r"tp=(\d+) fp=(\d+) fn=(\d+)", scored)
            assert found, scored
            for n, value in enumerate(found.groups()):
                totals[n] += int(value)
    return totals[0], totals[1], totals[2]


def report(title: str, tp: int, fp: int, fn: int) -> None:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    print(f"{title}: tp={tp} fp={fp} fn={fn} precision={precision:.3f} recall={recall:.3f} f1={f1:.3f}")


def wall(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    """Median wall time in milliseconds of ``runs`` runs of ``command`` (``env``: its environment)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def load() -> str:
    return "load average " + " ".join(f"{value:.2f}" for value in os.getloadavg())


def generated(rules: int, seed: int) -> str:
    """An agent of ``rules`` rules in 50 sections, built from words of the seeds (deterministic)."""
    import random

    words = sorted(set(re.findall(r"[a-z]{4,}", (SHARED / "seeds").joinpath(
        sorted(p.name for p in (SHARED / "seeds").iterdir())[0]).read_text().lower())))
    pick = random.Random(seed)
    lines = ["---", "name: generated", "description: Generated agent", "---", ""]
    for number in range(rules):
        if number % 100 == 0:
            lines += ["", f"## Section {number // 100}", ""]
        lines.append("- " + " ".join(pick.choice(words) for _ in range(8)))
    return "\n".join(lines) + "\n"


def speed(runs: int) -> None:
    seeds = sorted(str(p) for p in (SHARED / "seeds").iterdir())[:2]
    print(f"python -c pass: {wall([sys.executable, '-c', 'pass'], runs):.0f} ms (median of {runs})")
    if shutil.which("git"):
        git = ["git", "diff", "--no-index", "--word-diff", *seeds]
        print(f"git diff --no-index --word-diff: {wall(git, runs):.0f} ms")
    print(load())
    with tempfile.TemporaryDirectory() as cache:
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        subprocess.run([AGENTMERGE, "diff", *seeds], capture_output=True, check=False, env=env)
        cached = wall([AGENTMERGE, "diff", *seeds], runs, env)
    print(f"agentmerge diff (two seeds, with bytecode): {cached:.0f} ms")
    with tempfile.TemporaryDirectory() as copy:
        shutil.copytree(ROOT / "agentmerge", Path(copy, "agentmerge"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONPATH": os.pathsep.join(filter(None, [copy, os.environ.get("PYTHONPATH")]))}
        source = wall([AGENTMERGE, "diff", *seeds], runs, env)
    print(f"agentmerge diff (two seeds, agentmerge compiled on every run): {source:.0f} ms")
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp, "a.md"), Path(tmp, "b.md")
        a.write_text(generated(5000, 1))
        # The same rules, one in ten changed, so most rules pair.
        lines = a.read_text().splitlines()
        other = generated(5000, 2).splitlines()
        b.write_text("\n".join(o if n % 10 == 0 and o.startswith("- ") else line
                               for n, (line, o) in enumerate(zip(lines, other, strict=False))) + "\n")
        command = [AGENTMERGE, "diff", "--format", "json", "--max-bytes", "100000000", str(a), str(b)]
        status = subprocess.run(command, capture_output=True, check=False).returncode
        assert status == 1, f"diff of the generated files exited {status}"
        big = wall(command, 1)
        print(f"agentmerge diff (2 x 5,000 rules): {big:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--no-quality", action="store_true", help="Skip the pairing scores.")
    args = parser.parse_args()
    if not args.no_quality:
        report("10 seed pairs, pooled (gold restricted to each pair)", *score_pairs(False))
        report("10 seed pairs, pooled, within-file pairs not scored", *score_pairs(True))
    if args.speed:
        speed(args.runs)


if __name__ == "__main__":
    main()
