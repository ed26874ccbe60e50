"""Alignment quality and speed of the comparator, measured against gold sets.

For each gold set (default: ../shared/gold/seeds.json, plus every benchmarks/gold/*.json), the
files it names are consolidated as one role (``agentmerge consolidate --group-by none --format
json``, run in-process), and the JSON is scored with ../shared/tools/score_alignment.py: pairwise
precision, recall and F1 over the labelled rules. ``--show N`` prints the first N missed and wrong
pairs. Contradiction detection is scored on tests/data/contradictions.tsv. ``--speed`` also
times :func:`agentmerge.align.align_rules` on the largest corpus files
(5 variants of ~60 rules and 12 variants of ~150 rules).

Usage::

    .venv/bin/python benchmarks/alignment.py [--show 10] [--speed] [GOLD.json ...]
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from agentmerge import parse_agent
from agentmerge.align import align_rules, compare_rules
from agentmerge.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_alignment.py"


def score(gold_path: Path, show: int) -> str:
    """Consolidate the files of one gold set and return the scorer's output."""
    gold = json.loads(gold_path.read_text())
    folder = SHARED / gold.get("root", "seeds")
    files = [str(folder / name) for name in gold["files"].values()]
    result = CliRunner().invoke(cli, ["consolidate", "--group-by", "none", "--format", "json", *files])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"consolidate failed on {gold_path}: {result.stderr}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(result.stdout)
    extra = ["--show", str(show), "--files", str(folder)] if show else []
    done = subprocess.run([sys.executable, str(SCORER), str(gold_path), handle.name, *extra],
                          capture_output=True, text=True, check=True)
    Path(handle.name).unlink()
    return done.stdout


def speed() -> None:
    """Time align_rules on real corpus files of about 60 and about 150 rules."""
    corpus = SHARED / "corpus"
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    docs = [parse_agent((corpus / p).read_text(encoding="utf-8"), path=p) for p in paths]
    sized = sorted((sum(1 for _ in d.rules()), n) for n, d in enumerate(docs))
    for count, low, high in ((5, 55, 65), (12, 140, 160)):
        chosen = [docs[n] for rules, n in sized if low <= rules <= high][:count]
        times = []
        for _ in range(5):
            start = time.perf_counter()
            alignment = align_rules(chosen)
            times.append(time.perf_counter() - start)
        print(f"align_rules: {len(chosen)} variants, {len(alignment.items)} rules: "
              f"median {statistics.median(times):.3f} s, best {min(times):.3f} s")


def contradictions() -> None:
    """Precision and recall of contradiction detection on tests/data/contradictions.tsv."""
    with open(ROOT / "tests" / "data" / "contradictions.tsv", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, delimiter="\t") if row and not row[0].startswith("#")][1:]
    tp = fp = fn = 0
    for label, a, b in rows:
        predicted, gold = compare_rules(a, b).contradiction, label == "contradiction"
        tp, fp, fn = tp + (predicted and gold), fp + (predicted and not gold), fn + (gold and not predicted)
        if predicted != gold:
            print(f"   wrong ({label}): {a!r} / {b!r}")
    print(f"contradictions: {len(rows)} pairs, tp={tp} fp={fp} fn={fn} "
          f"precision={tp / max(tp + fp, 1):.3f} recall={tp / max(tp + fn, 1):.3f}")


def main() -> None:
    """Score every gold set, then optionally time the comparator."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="*", type=Path)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--speed", action="store_true")
    args = parser.parse_args()
    golds = args.gold or [SHARED / "gold" / "seeds.json", *sorted((ROOT / "benchmarks" / "gold").glob("*.json"))]
    for gold in golds:
        print(f"== {gold.name}")
        print(score(gold, args.show), end="")
    contradictions()
    if args.speed:
        speed()


if __name__ == "__main__":
    main()
