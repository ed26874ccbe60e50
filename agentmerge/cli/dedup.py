"""``agentmerge dedup``: duplicate agents, repeated rules, rules many agents share."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from agentmerge.cli._common import Exit, auto_jobs, has_fatal, inputs, jobs_option, load_inputs
from agentmerge.errors import UsageError
from agentmerge.files import read_text, write_atomic

#: --format choices: agentmerge.render.dedup.RENDERERS (spelled out to keep startup light).
DEDUP_FORMATS = ("github", "json", "markdown", "rdjson", "rdjsonl", "sarif", "text")

if TYPE_CHECKING:
    from agentmerge.dedup import Edit


@click.command()
@inputs
@click.option("--format", "fmt", type=click.Choice(DEDUP_FORMATS), default="text", show_default=True)
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Least body similarity (shingle Jaccard) of near-copy agents [default: 0.5].")
@click.option("--rule-threshold", type=click.FloatRange(0, 1), default=None,
              help="Least similarity of the rules a file repeats [default: 0.6].")
@click.option("--min-agents", type=click.IntRange(min=2), default=3, show_default=True, metavar="K",
              help="Report rules that at least K agents share (exact copies count once).")
@click.option("--shared-threshold", type=click.FloatRange(0, 1), default=None,
              help="Least similarity of a reworded shared rule to the wording kept [default: 0.75].")
@click.option("--check", is_flag=True, help="No report: one 'path:line: message' line per duplicate.")
@click.option("--fix", is_flag=True, help="Remove the rules each file repeats, one kept per group, until none is left.")
@click.option("--extract", "extract_path", type=click.Path(dir_okay=False),
              help="Move the shared rules into this file (CLAUDE.md, AGENTS.md); a diff unless --write.")
@click.option("--write", is_flag=True, help="With --extract: write the shared file and the agents.")
@click.option("--dry-run", is_flag=True,
              help="With --fix: print the unified diff, change nothing (what --extract does without --write).")
@jobs_option("Align each file's rules in N processes (0: one per core from {tasks} files on).")
def dedup(paths: tuple[str, ...], max_bytes: int, fmt: str, threshold: float | None, rule_threshold: float | None,
          min_agents: int, shared_threshold: float | None, check: bool, fix: bool, extract_path: str | None,
          write: bool, dry_run: bool, jobs: int) -> None:
    """Find duplicate agents (exact copies, near copies, name collisions), rules an agent
    repeats, and rules that many agents share.

    Nothing is written without --fix (repeated rules) or --extract PATH --write (shared rules):
    each file is replaced atomically, the unified diff of what was applied goes to standard output
    (`patch -R -p1 < saved.diff`, run where dedup ran, restores the originals) and the removed
    rules are listed on standard error. Exit status 0 when no duplicate is found (after --fix: none
    is left; with --dry-run or --extract alone: no change is pending), 1 otherwise, 2 when an input
    cannot be read or options conflict.

    \b
    Examples:
      agentmerge dedup .claude/agents ~/.claude/agents
      agentmerge dedup --check .claude/agents          # in CI or pre-commit
      agentmerge dedup --fix --dry-run .claude/agents  # the diff --fix would apply
      agentmerge dedup --fix .claude/agents > fix.diff  # undo: patch -R -p1 < fix.diff
      agentmerge dedup --extract CLAUDE.md --min-agents 5 .claude/agents
    """
    from agentmerge import dedup as core
    from agentmerge.render import dedup as render

    _usage(fix=fix, extract=extract_path is not None, write=write, dry_run=dry_run, check=check, paths=paths)
    docs, errors = load_inputs(paths, max_bytes)
    if errors or has_fatal(docs):
        sys.exit(Exit.ERROR)
    if extract_path is not None:  # the shared file is an output, not an agent to deduplicate
        docs = [doc for doc in docs if os.path.realpath(doc.path) != os.path.realpath(extract_path)]
    jobs = auto_jobs(jobs, len(docs))
    rules = core.RULE_THRESHOLD if rule_threshold is None else rule_threshold
    joined = core.SHARED_THRESHOLD if shared_threshold is None else shared_threshold
    if fix:
        edits, left = core.plan_fixes(docs, threshold=rules, jobs=jobs)
        sys.exit(_apply(edits, dry_run=dry_run, left=left))
    if extract_path is not None:
        shared = core.find_shared_rules(docs, min_agents=min_agents, threshold=joined, jobs=jobs)
        exists = os.path.exists(extract_path)
        existing = read_text(extract_path, max_bytes=max_bytes, allow_empty=True) if exists else ""
        if not shared:
            click.echo(f"no rule is shared by {min_agents} agents: nothing to extract", err=True)
        edits = core.extract_shared(docs, shared, path=extract_path, existing=existing) if shared else ()
        sys.exit(_apply(edits, dry_run=not write, left=False))
    near = core.NEAR_THRESHOLD if threshold is None else threshold
    result = core.dedup(docs, threshold=near, rule_threshold=rules, min_agents=min_agents, shared_threshold=joined,
                        home=os.path.expanduser("~"), jobs=jobs)
    click.echo(render.check(result) if check else render.RENDERERS[fmt](result), nl=False)
    sys.exit(Exit.FOUND if result.found else Exit.CLEAN)


def _usage(*, fix: bool, extract: bool, write: bool, dry_run: bool, check: bool, paths: Sequence[str]) -> None:
    """Refuse option combinations that cannot work together (exit status 2)."""
    if fix and extract:
        raise UsageError("dedup", "--fix and --extract change the same files: run one, then the other")
    if check and (fix or extract):
        raise UsageError("dedup", "--check only reports: leave out --fix and --extract")
    if dry_run and (write or not (fix or extract)):
        raise UsageError("dedup", "--dry-run goes with --fix, or with --extract without --write")
    if write and not extract:
        raise UsageError("dedup", "--write goes with --extract PATH (use --fix for repeated rules)")
    if (fix or extract) and "-" in paths:
        raise UsageError("-", "standard input cannot be rewritten: name the files")


def _apply(edits: Sequence[Edit], *, dry_run: bool, left: bool) -> Exit:
    """Print the diff of ``edits`` (``dry_run``: status 1 when one is pending), or write them,
    print the diff they applied (the record that restores the inputs with ``patch -R``) and list
    what they removed on standard error (status 1 when duplicates are ``left``)."""
    from agentmerge.render import dedup as render

    changes = [edit for edit in edits if edit.before != edit.after]
    patch = render.unified(changes)
    if dry_run:
        click.echo(patch, nl=False)
        return Exit.FOUND if changes else Exit.CLEAN
    for edit in changes:
        write_atomic(edit.path, edit.after)
    click.echo(patch, nl=False)
    click.echo(render.removed(changes), nl=False, err=True)
    return Exit.FOUND if left else Exit.CLEAN
