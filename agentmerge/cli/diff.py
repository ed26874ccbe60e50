"""``agentmerge diff`` and ``agentmerge git-diff``: the structural diff of two agent files."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

import click

from agentmerge.cli._common import Exit, echo_diagnostics
from agentmerge.files import DEFAULT_MAX_BYTES, read_text

if TYPE_CHECKING:
    from agentmerge.model import AgentDoc

DIFF_FORMATS = ("json", "markdown", "terminal", "text")


def _parse(path: str, max_bytes: int, *, shown_as: str | None = None, allow_empty: bool = False) -> AgentDoc:
    from agentmerge.parse import parse_agent

    text = read_text(path, max_bytes=max_bytes, allow_empty=allow_empty)
    doc = parse_agent(text, path=shown_as or path)
    echo_diagnostics(doc.diagnostics)
    return doc


def _color(choice: bool | None) -> bool:
    """Colour only on a TTY, never with ``NO_COLOR`` set (https://no-color.org), unless forced."""
    if choice is not None:
        return choice
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _show(old: AgentDoc, new: AgentDoc, *, fmt: str | None, stat: bool, quiet: bool, color: bool | None,
          ignore_frontmatter: bool = False, ignore_order: bool = False) -> bool:
    """Diff two documents, print the result in ``fmt``; return whether they differ."""
    from agentmerge.diff import diff_agents

    result = diff_agents(old, new, ignore_frontmatter=ignore_frontmatter, ignore_order=ignore_order)
    if quiet:
        return result.differs
    fmt = fmt or ("terminal" if sys.stdout.isatty() else "text")
    if fmt == "terminal":
        from rich.console import Console

        from agentmerge.render import terminal
        from agentmerge.render.diff import text as render_text

        if stat:
            click.echo(render_text(result, stat=True), nl=False)
        else:
            on = _color(color)
            Console(no_color=not on, force_terminal=on, highlight=False, soft_wrap=True).print(
                terminal.diff(result), end="")
        return result.differs
    from agentmerge.render.diff import RENDERERS

    click.echo(RENDERERS[fmt](result, stat=stat), nl=False)
    return result.differs


@click.command()
@click.argument("old", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("new", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS),
              help="Output format [default: terminal on a TTY, else text].")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing; the exit status tells.")
@click.option("--stat", is_flag=True, help="Only the counts of changes per kind.")
@click.option("--ignore-frontmatter", is_flag=True, help="Leave frontmatter keys out of the comparison.")
@click.option("--ignore-order", is_flag=True, help="A rule or section in another position is not a change.")
@click.option("--color/--no-color", default=None, help="Force colour on or off [default: on a TTY without NO_COLOR].")
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
def diff(old: str, new: str, fmt: str | None, quiet: bool, stat: bool, ignore_frontmatter: bool,
         ignore_order: bool, color: bool | None, max_bytes: int) -> None:
    """Show what changed between two agent files: frontmatter keys, sections, rules, other blocks.

    Rules are paired even when reworded or moved; a rule and its negation are a contradiction.
    Exit status as diff(1): 0 no semantic difference, 1 differences, 2 error.

    \b
    Examples:
      agentmerge diff old/backend.md new/backend.md
      agentmerge diff a.md b.md --format markdown > comment.md
      agentmerge diff a.md b.md --quiet || echo "agents differ"
      git show main:agents/api.md | agentmerge diff - agents/api.md
    """
    before, after = _parse(old, max_bytes), _parse(new, max_bytes)
    differs = _show(before, after, fmt=fmt, stat=stat, quiet=quiet, color=color,
                    ignore_frontmatter=ignore_frontmatter, ignore_order=ignore_order)
    sys.exit(Exit.FOUND if differs else Exit.CLEAN)


@click.command("git-diff", context_settings={"ignore_unknown_options": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
def git_diff(args: tuple[str, ...], max_bytes: int) -> None:
    """Be git's external diff driver: path old-file old-hex old-mode new-file new-hex new-mode.

    Git passes 7 arguments (9 with a rename: the new path and a header follow). An added or
    deleted file has /dev/null on one side. Output is the text format; colour follows git's
    own settings through GIT_PAGER_IN_USE and NO_COLOR. Exit status 0 unless an input cannot be
    read (git stops at a non-zero status).

    \b
    Set up (see the README):
      git config diff.agentmerge.command "agentmerge git-diff"
      echo '.claude/agents/*.md diff=agentmerge' >> .gitattributes
    """
    if len(args) not in (7, 9):
        raise click.UsageError(f"git-diff takes the 7 or 9 arguments git passes, not {len(args)}")
    path, old_file, new_file = args[0], args[1], args[4]
    new_path = args[7] if len(args) == 9 else path
    click.echo(f"agentmerge diff a/{path} b/{new_path}")
    before = _parse(old_file, max_bytes, shown_as=path, allow_empty=True)
    after = _parse(new_file, max_bytes, shown_as=new_path, allow_empty=True)
    on = bool(os.environ.get("GIT_PAGER_IN_USE")) and not os.environ.get("NO_COLOR")
    _show(before, after, fmt="terminal", stat=False, quiet=False, color=on)
