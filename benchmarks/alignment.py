"""Alignment quality and speed of the comparator, measured against gold sets.

For each gold set (default: ../shared/gold/seeds.json, plus every benchmarks/gold/*.json), the
files it names are consolidated as one role (``agentmerge consolidate --group-by none --format
json``, run in-process), and the JSON is scored with ../shared/tools/score_alignment.py: pairwise
precision, recall and F1 over the labelled rules. ``--show N`` prints the first N missed and wrong
pairs. Contradiction detection is scored on tests/data/contradictions.tsv. ``--speed`` also
times :func:`agentmerge.align.align_rules` on the largest corpus files
(5 variants of ~60 rules and 12 variants of ~150 rules).

``--pairs`` scores the two-document pairing that ``diff`` uses: :func:`agentmerge.pairing.align_pair`
on every pair of files of each gold set (the 10 pairs of the 5 seeds), against the gold restricted
to those two files. Only pairs with one rule in each file are scored (a one-to-one pairing cannot
join a file's own repetitions); counts are pooled over all file pairs of a gold set.

``--semantic`` passes ``--semantic`` to consolidate (sentence embeddings); it needs the
``semantic`` extra, for example in a separate venv: ``pip install torch==2.13.0`` then
``pip install -e '.[semantic,test]'``.

Usage::

    .venv/bin/python benchmarks/alignment.py [--show 10] [--speed] [--pairs] [--semantic] [GOLD.json ...]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from agentmerge import parse_agent
from agentmerge.align import align_rules, compare_rules
from agentmerge.cli import cli
from agentmerge.normalize import rule_key, section_concept
from agentmerge.pairing import align_pair

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SCORER = SHARED / "tools" / "score_alignment.py"


def score(gold_path: Path, show: int, semantic: bool = False) -> str:
    """Consolidate the files of one gold set (``--semantic`` if asked) and return the scorer's output."""
    gold = json.loads(gold_path.read_text())
    folder = SHARED / gold.get("root", "seeds")
    files = [str(folder / name) for name in gold["files"].values()]
    flags = ["--semantic"] if semantic else []
    result = CliRunner().invoke(cli, ["consolidate", "--group-by", "none", "--format", "json", *flags, *files])
    if result.exit_code not in (0, 1):
        raise SystemExit(f"consolidate failed on {gold_path}: {result.stderr}")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(result.stdout)
    extra = ["--show", str(show), "--files", str(folder)] if show else []
    done = subprocess.run([sys.executable, str(SCORER), str(gold_path), handle.name, *extra],
                          capture_output=True, text=True, check=True)
    Path(handle.name).unlink()
    return done.stdout


def gold_classes(gold: dict[str, Any]) -> tuple[dict[str, str], set[frozenset[str]]]:
    """Map each labelled item (``PREFIX:LINE``) to its cluster id, and list the unscored pairs."""
    cluster_of = {item: cid for cid, items in gold["clusters"].items() for item in items}
    cluster_of.update({item: item for item in gold.get("singletons", [])})
    related = {
        frozenset((x, y))
        for a, b in gold.get("related", [])
        for x in gold["clusters"].get(a, [a])
        for y in gold["clusters"].get(b, [b])
    }
    return cluster_of, related


def score_pairs(gold_path: Path, show: int) -> str:
    """Score align_pair on every pair of the gold set's files, pooled; return the report.

    Two figures: ``pairs`` counts every gold-equivalent pair with one rule in each file, as the
    N-way score does (a one-to-one pairing cannot find them all when a file repeats a rule: the
    ceiling is printed); ``one-to-one`` counts as possible, per gold cluster and file pair, only
    min(rules on the left, rules on the right) matches, so a perfect pairing scores 1.
    """
    gold = json.loads(gold_path.read_text())
    folder = SHARED / gold.get("root", "seeds")
    cluster_of, related = gold_classes(gold)
    docs = {prefix: parse_agent((folder / name).read_text(encoding="utf-8"), path=name)
            for prefix, name in gold["files"].items()}
    tp = fp = fn = possible = correct = 0
    lines: list[str] = []
    for left, right in itertools.combinations(sorted(docs), 2):
        result = align_pair(docs[left], docs[right])
        tags = [f"{(left, right)[item.doc]}:{item.ref.rule.span.start}" for item in result.items]
        text = {tag: item.ref.rule.full_text for tag, item in zip(tags, result.items, strict=True)}
        predicted = {frozenset((tags[m.a], tags[m.b])) for m in result.matches}
        lefts = [t for t in cluster_of if t.split(":")[0] == left]
        rights = [t for t in cluster_of if t.split(":")[0] == right]
        for cid in set(gold["clusters"]):
            count_left = sum(1 for t in lefts if cluster_of[t] == cid)
            count_right = sum(1 for t in rights if cluster_of[t] == cid)
            possible += min(count_left, count_right)
        for a, b in itertools.product(lefts, rights):
            if frozenset((a, b)) in related:
                continue
            same, found = cluster_of[a] == cluster_of[b], frozenset((a, b)) in predicted
            tp, fp, fn = tp + (same and found), fp + (found and not same), fn + (same and not found)
            if same != found and len(lines) < 2 * show:
                kind = "missed" if same else "wrong"
                lines.append(f"   {kind}: {a} {text.get(a, '')[:60]!r} / {b} {text.get(b, '')[:60]!r}")
        correct += sum(1 for m in result.matches
                       if cluster_of.get(tags[m.a], "?a") == cluster_of.get(tags[m.b], "?b"))
    ceiling = possible / max(tp + fn, 1)
    pairs = len(docs) * (len(docs) - 1) // 2
    return "\n".join([
        *lines,
        f"align_pair over {pairs} file pairs: tp={tp} fp={fp} fn={fn}",
        f"pairs: {_prf(tp, fp, fn)} (one-to-one ceiling: recall {ceiling:.3f}, f1 {2 * ceiling / (1 + ceiling):.3f})",
        f"one-to-one: {_prf(correct, fp, possible - correct)}",
        "",
    ])


def _prf(tp: int, fp: int, fn: int) -> str:
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"precision={precision:.3f} recall={recall:.3f} f1={f1:.3f}"


def speed() -> None:
    """Time align_rules on real corpus files of about 60 and about 150 rules, normalisation caches
    cleared before each run."""
    corpus = SHARED / "corpus"
    with open(corpus / "MANIFEST.tsv", encoding="utf-8") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    docs = [parse_agent((corpus / p).read_text(encoding="utf-8"), path=p) for p in paths]
    sized = sorted((sum(1 for _ in d.rules()), n) for n, d in enumerate(docs))
    for count, low, high in ((5, 55, 65), (12, 140, 160)):
        chosen = [docs[n] for rules, n in sized if low <= rules <= high][:count]
        times = []
        for _ in range(5):
            rule_key.cache_clear()  # every run normalises every rule, as a first run does
            section_concept.cache_clear()
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
    parser.add_argument("--pairs", action="store_true", help="score align_pair on every pair of files instead")
    parser.add_argument("--semantic", action="store_true", help="consolidate with sentence embeddings")
    args = parser.parse_args()
    golds = args.gold or [SHARED / "gold" / "seeds.json", *sorted((ROOT / "benchmarks" / "gold").glob("*.json"))]
    for gold in golds:
        print(f"== {gold.name}")
        print(score_pairs(gold, args.show) if args.pairs else score(gold, args.show, args.semantic), end="")
    contradictions()
    if args.speed:
        speed()


if __name__ == "__main__":
    main()
