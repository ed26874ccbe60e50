"""Time and peak memory of consolidating all of ../shared/corpus, beside markdown-it-py alone.

Each measurement runs in a child process of its own (this script with ``--child``), so that its
peak memory (``ru_maxrss``) and its imports are its own:

* ``parse``: read every file and parse it with markdown-it-py (CommonMark + tables), the floor;
* ``consolidate``: what ``agentmerge consolidate --format json`` runs (with the console script's
  garbage-collector thresholds), stage by stage: read and
  parse (``load_agents``), group (``group_roles``, --group-by auto), merge every role
  (``merge.consolidate``) and render the JSON report;
* ``group``: read, parse and group only.

Then the same on the corpus replicated ``--scale`` times (default 10): copy 0 is the corpus, and
copy k of each file gets small perturbations, seeded by k and the path: its ``name`` respelled
(Title Case, snake_case, or another role suffix) and about 1 % of its words dropped or replaced
(shingle Jaccard with the original 0.88-0.98, so each copy is a near copy).

Targets from issue 4: consolidate at most 2x the markdown-it-py time; ``--scale`` 10 at most 12x
the time of the corpus. ``--profile`` prints the cProfile top entries of a consolidate run.
Roles are merged by as many processes as the command line uses (one per core), or ``--jobs N``;
the peak memory of the workers is the largest of one worker.

Usage::

    .venv/bin/python benchmarks/consolidate_corpus.py [--scale 10] [--skip-scaled-merge] [--profile] [--jobs N]
        [--repeat 3]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from parse_corpus import DEFAULT_CORPUS, load_corpus

#: Word replacements for the perturbed copies: common words of agent instructions.
SWAPS = {"always": "consistently", "use": "apply", "ensure": "make sure", "code": "source",
         "write": "author", "test": "check", "create": "build", "implement": "develop"}
SUFFIXES = ("expert", "specialist", "pro", "engineer", "developer")


def perturb(text: str, copy: int, path: str) -> str:
    """Copy ``copy`` (1, 2, ...) of one agent file: respelled name, ~3 % of words changed."""
    rng = random.Random(f"{copy}:{path}")

    def rename(match: re.Match[str]) -> str:
        name = match.group(2).strip().strip("\"'")
        words = re.split(r"[-_\s]+", name)
        style = copy % 3
        if style == 0:
            new = " ".join(word.capitalize() for word in words)
        elif style == 1:
            new = "_".join(words)
        else:
            new = "-".join([*(words[:-1] if words[-1].lower() in SUFFIXES else words), rng.choice(SUFFIXES)])
        return f"{match.group(1)}{new}"

    text = re.sub(r"(?m)^(name:\s*)(.+)$", rename, text, count=1)
    head, _, body = text.partition("\n---")
    if not body:
        head, body = "", text
    out = []
    for token in re.split(r"(\s+)", body):
        roll = rng.random()
        if token.isalpha() and roll < 0.015:
            continue
        out.append(SWAPS.get(token, token) if roll < 0.06 else token)
    return (head + "\n---" if head else "") + "".join(out)


def write_scaled(corpus: Path, scale: int, folder: Path) -> list[str]:
    """Write ``scale`` copies of the corpus under ``folder``; return the file paths."""
    paths = []
    for path, text in load_corpus(corpus):
        for copy in range(scale):
            target = folder / f"copy{copy}" / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text if copy == 0 else perturb(text, copy, path), encoding="utf-8")
            paths.append(str(target))
    return paths


# -- children ---------------------------------------------------------------------------------------


def child(task: str, listing: Path, profile: bool, jobs: int = 0) -> dict[str, object]:
    """Run one task over the files listed in ``listing``; return its stage times and peak memory."""
    paths = listing.read_text(encoding="utf-8").splitlines()
    stages: dict[str, float] = {}
    started = time.perf_counter()
    if task == "parse":
        from markdown_it import MarkdownIt

        markdown = MarkdownIt("commonmark").enable("table")
        for path in paths:
            with open(path, "rb") as handle:
                markdown.parse(handle.read().decode("utf-8"))
        stages["parse"] = time.perf_counter() - started
        return {"stages": stages, "total": stages["parse"], "peak_mb": _peak_mb(), "files": len(paths)}
    import gc

    from agentmerge.cli import GC_THRESHOLDS
    from agentmerge.files import load_agents
    from agentmerge.grouping import group_roles

    gc.set_threshold(*GC_THRESHOLDS)  # as the console script does (agentmerge.cli.main)
    from agentmerge.merge import consolidate
    from agentmerge.render import json as render_json

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    clock = time.perf_counter()
    docs = load_agents(paths).docs
    stages["read+parse"], clock = time.perf_counter() - clock, time.perf_counter()
    roles = group_roles(docs)
    stages["group"], clock = time.perf_counter() - clock, time.perf_counter()
    if task == "consolidate":
        from agentmerge.cli._common import auto_jobs

        jobs = auto_jobs(jobs, len(roles))  # as the command line chooses
        joined = {path: why for role in roles for path, why in role.reasons().items()}
        results = consolidate(docs, [role.indexes for role in roles], joined=joined, jobs=jobs)
        stages["merge"], clock = time.perf_counter() - clock, time.perf_counter()
        render_json.consolidate_bytes(results, [d for doc in docs for d in doc.diagnostics])
        stages["render"] = time.perf_counter() - clock
    total = time.perf_counter() - started
    if profiler:
        profiler.disable()
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler, stream=sys.stderr).sort_stats(order).print_stats(20)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"stages": stages, "total": total, "peak_mb": _peak_mb(), "files": len(paths), "roles": len(roles),
            "jobs": jobs, "worker_peak_mb": workers}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def run(task: str, paths: list[str], folder: Path, *, profile: bool = False, timeout: float,
        jobs: int = 0) -> dict[str, object]:
    listing = folder / f"{task}-{len(paths)}.txt"
    listing.write_text("\n".join(paths), encoding="utf-8")
    command = [sys.executable, __file__, "--child", task, str(listing), "--jobs", str(jobs),
               *(["--profile"] if profile else [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    if profile:
        print(done.stderr, file=sys.stderr)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _fastest(best: dict[str, object], result: dict[str, object]) -> dict[str, object]:
    """The faster of two runs of one task (a run that timed out is never the faster)."""
    if "total" not in result:
        return best or result
    if "total" not in best or float(result["total"]) < float(best["total"]):  # type: ignore[arg-type]
        return result
    return best


def show(label: str, result: dict[str, object]) -> None:
    if "timeout" in result:
        print(f"{label:<34} did not finish within {result['timeout']:.0f} s")
        return
    stages = result["stages"]
    assert isinstance(stages, dict)
    detail = ", ".join(f"{name} {seconds:.2f}" for name, seconds in stages.items())
    workers = ""
    if int(result.get("jobs") or 0) > 1:
        workers = f", {result['jobs']} processes: worker peak {result['worker_peak_mb']:.0f} MB"
    print(f"{label:<34} {result['total']:8.2f} s  peak {result['peak_mb']:7.0f} MB  ({detail}{workers})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scale", type=int, default=10, help="copies of the corpus for the scaling run (1: none)")
    parser.add_argument("--skip-scaled-merge", action="store_true",
                        help="on the scaled corpus, time read+parse+group only")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per child run")
    parser.add_argument("--profile", action="store_true", help="print cProfile top entries of consolidate")
    parser.add_argument("--jobs", type=int, default=0,
                        help="processes merging roles (0, the default: as the command line chooses, one per core)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="on the corpus, run parse and consolidate this many times each, alternated, and keep "
                             "the fastest of each (this machine's times vary by 20%% from run to run)")
    parser.add_argument("--child", nargs=2, metavar=("TASK", "LISTING"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), args.profile, args.jobs)))
        return 0
    if not (args.corpus / "MANIFEST.tsv").is_file():
        print(f"{args.corpus}: error: no MANIFEST.tsv here", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="agentmerge-bench-") as temporary:
        folder = Path(temporary)
        paths = [str(args.corpus / path) for path, _ in load_corpus(args.corpus)]
        parse = whole = {}
        for _ in range(args.repeat):  # alternated, so that a slow spell of the machine hits both
            parse = _fastest(parse, run("parse", paths, folder, timeout=args.timeout))
            whole = _fastest(whole, run("consolidate", paths, folder, profile=args.profile, timeout=args.timeout,
                                        jobs=args.jobs))
        group = run("group", paths, folder, timeout=args.timeout)
        print(f"corpus: {len(paths)} files")
        show("markdown-it-py parse", parse)
        show("consolidate (auto)", whole)
        show("read+parse+group", group)
        if "total" in whole:
            ratio = float(whole["total"]) / float(parse["total"])
            print(f"{'ratio consolidate / parse':<34} {ratio:8.2f} x  (target <= 2)")
        if args.scale < 2:
            return 0
        scaled = write_scaled(args.corpus, args.scale, folder / "scaled")
        print(f"\nscaled corpus: {len(scaled)} files ({args.scale} copies, perturbed names and wording)")
        big_parse = run("parse", scaled, folder, timeout=args.timeout)
        show("markdown-it-py parse", big_parse)
        big_group = run("group", scaled, folder, timeout=args.timeout)
        show("read+parse+group", big_group)
        rows = [("parse", parse, big_parse), ("read+parse+group", group, big_group)]
        if not args.skip_scaled_merge:
            big_whole = run("consolidate", scaled, folder, timeout=args.timeout, jobs=args.jobs)
            show("consolidate (auto)", big_whole)
            rows.append(("consolidate", whole, big_whole))
        for label, small, big in rows:
            if "total" in small and "total" in big:
                ratio = float(big["total"]) / float(small["total"])
                name = f"ratio {label} x{args.scale} / x1"
                print(f"{name:<34} {ratio:8.2f} x  (target <= {1.2 * args.scale:g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
