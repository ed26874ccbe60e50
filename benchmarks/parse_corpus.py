"""Time ``agentmerge.parse_agent`` over the whole corpus beside markdown-it-py parsing the same texts.

Every file listed in ``MANIFEST.tsv`` is read into memory once; then each of the two parsers runs
over all texts ``--repeat`` times, alternating, in one process, so both see the same machine state.
markdown-it-py is what ``parse_agent`` builds on, so the ratio is the cost of everything agentmerge
adds (frontmatter, rule tree, spans, lead-in titles).

Usage::

    .venv/bin/python benchmarks/parse_corpus.py [--repeat 3] [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from agentmerge import parse_agent

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"


def load_corpus(corpus: Path) -> list[tuple[str, str]]:
    """Return ``(relative path, text)`` for every file of ``corpus/MANIFEST.tsv``, in its order."""
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    texts = []
    for path in paths:
        with open(corpus / path, "rb") as handle:
            texts.append((path, handle.read().decode("utf-8")))
    return texts


def time_runs(run: Callable[[], None], repeat: int) -> list[float]:
    """Seconds taken by each of ``repeat`` calls of ``run``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each parser (default 3)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS,
                        help=f"folder holding MANIFEST.tsv (default {DEFAULT_CORPUS})")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"{args.corpus}: error: no MANIFEST.tsv here", file=sys.stderr)
        return 2

    texts = load_corpus(args.corpus)
    markdown = MarkdownIt("commonmark").enable("table")

    def ours() -> None:
        for path, text in texts:
            parse_agent(text, path=path)

    def theirs() -> None:
        for _, text in texts:
            markdown.parse(text)

    ours()  # warm-up: imports, regex compilation, the cached MarkdownIt instance
    theirs()
    ours_times: list[float] = []
    theirs_times: list[float] = []
    for _ in range(args.repeat):  # alternate so drift in machine load hits both alike
        ours_times += time_runs(ours, 1)
        theirs_times += time_runs(theirs, 1)

    size = sum(len(text.encode("utf-8")) for _, text in texts)
    print(f"corpus: {len(texts)} files, {size / 1_000_000:.2f} MB, {args.repeat} runs each")
    rows = (("agentmerge.parse_agent", ours_times), ("markdown-it-py parse", theirs_times))
    for name, times in rows:
        print(f"{name:<24} best {min(times):7.3f} s   median {statistics.median(times):7.3f} s")
    best = min(ours_times) / min(theirs_times)
    median = statistics.median(ours_times) / statistics.median(theirs_times)
    print(f"{'ratio ours/markdown-it':<24} best {best:7.2f} x   median {median:7.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
