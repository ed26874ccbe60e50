"""``agentmerge review``: what a change does to the agent files of a git repository."""

from __future__ import annotations

import os
import sys

import click

from agentmerge.cli._common import Exit
from agentmerge.files import DEFAULT_MAX_BYTES
from agentmerge.model import Severity

#: The names of :data:`agentmerge.render.review.RENDERERS`, listed here so that loading the
#: command line does not import the review machinery (a test keeps the two equal).
REVIEW_FORMATS = ("github", "github-review", "markdown", "rdjson", "rdjsonl", "sarif", "text")

#: ``--fail-on`` choices: the least severity that makes the exit status 1.
FAIL_ON = {"info": Severity.INFO, "warning": Severity.WARNING, "error": Severity.ERROR, "never": None}
_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@click.command()
@click.argument("args", nargs=-1, metavar="[BASE] [PATHS]...")
@click.option("--head", metavar="REV", help="Revision to review [default: the working tree].")
@click.option("--format", "fmt", type=click.Choice(REVIEW_FORMATS), default="text", show_default=True)
@click.option("--fail-on", type=click.Choice(list(FAIL_ON)), default="info", show_default=True,
              help="Least severity of a finding that makes the exit status 1.")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse agent files larger than this.")
def review(args: tuple[str, ...], head: str | None, fmt: str, fail_on: str, max_bytes: int) -> None:
    """Review the agent files a change touches: structural diff, duplicates, contradictions, lint.

    Compares HEAD (default: the working tree, untracked files included) with its merge base
    with BASE (default: the default branch, origin/HEAD or main), as a pull request does.
    The first argument is BASE when it names a commit and no file; the others limit the
    review to those files and folders. Changed Markdown files count when they are agents
    (a name or description key, AGENTS.md/CLAUDE.md, an agent folder such as .claude/agents).

    Exit status 0 without findings (at --fail-on or above), 1 with findings, 2 on an error.

    \b
    Examples:
      agentmerge review                                  # working tree vs the default branch
      agentmerge review origin/main --head HEAD --format markdown > comment.md
      agentmerge review origin/main --format github      # annotations in GitHub Actions
      agentmerge review main .claude/agents --format sarif > agentmerge.sarif
      agentmerge review origin/main --format rdjsonl | reviewdog -f=rdjsonl -reporter=github-pr-review
    """
    from agentmerge import vcs
    from agentmerge.findings import review_changes

    root = vcs.repo_root(".")
    base_name = args[0] if args and not os.path.exists(args[0]) and vcs.resolve(root, args[0]) else None
    paths = args[1:] if base_name else args
    head_commit = vcs.resolve(root, head) if head is not None else None
    if head is not None and head_commit is None:
        raise vcs.GitError(head, "not a commit in this repository")
    base_name = base_name or vcs.default_branch(root)
    base = vcs.merge_base(root, base_name, head_commit or "HEAD")
    real = os.path.realpath(root)
    pathspecs = [os.path.relpath(os.path.realpath(p), real).replace(os.sep, "/") for p in paths]
    for raw, spec in zip(paths, pathspecs, strict=True):
        if spec == ".." or spec.startswith("../"):
            raise vcs.GitError(raw, f"outside the repository {root}")
    changes, others, errors = vcs.collect(root, base, head_commit, pathspecs, max_bytes=max_bytes)
    for error in errors:
        click.echo(error.format(), err=True)
    result = review_changes(changes, others, base=f"{base_name} ({base[:7]})",
                            head=f"{head} ({head_commit[:7]})" if head_commit else "working tree")
    from agentmerge.render.review import RENDERERS

    click.echo(RENDERERS[fmt](result), nl=False)
    least = FAIL_ON[fail_on]
    failing = least is not None and any(_RANK[f.severity] >= _RANK[least] for f in result.findings)
    sys.exit(Exit.ERROR if errors else Exit.FOUND if failing else Exit.CLEAN)
