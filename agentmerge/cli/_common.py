"""What every command shares: the click group, exit statuses, input options and error handling."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from agentmerge import __version__
from agentmerge.errors import AgentmergeError, InputError
from agentmerge.files import DEFAULT_MAX_BYTES, load_agents
from agentmerge.model import AgentDoc, Diagnostic, Severity

F = TypeVar("F", bound=Callable[..., Any])


class Exit(enum.IntEnum):
    """Exit statuses, as diff(1): 0 clean/same, 1 findings/differences/conflicts, 2 error."""

    CLEAN = 0
    FOUND = 1
    ERROR = 2


def inputs(command: F) -> F:
    """The options every command that reads agents shares."""
    command = click.argument("paths", nargs=-1, required=True, type=click.Path())(command)
    return click.option(
        "--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
        help="Refuse input files larger than this.",
    )(command)


def load_inputs(paths: Sequence[str], max_bytes: int) -> tuple[list[AgentDoc], list[InputError]]:
    docs, errors = load_agents(paths, max_bytes=max_bytes)
    for error in errors:
        click.echo(error.format(), err=True)
    return docs, errors


def has_fatal(docs: Sequence[AgentDoc]) -> bool:
    """Whether a readable file still held input agentmerge could not use (an alias bomb, ...)."""
    return any(d.severity is Severity.ERROR for doc in docs for d in doc.diagnostics)


def echo_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    for item in diagnostics:
        click.echo(item.format(), err=True)


class _Group(click.Group):
    """A click group that turns agentmerge's own errors into one line and exit status 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AgentmergeError as error:
            click.echo(error.format(), err=True)
            ctx.exit(Exit.ERROR)
        except OSError as error:  # an output folder that cannot be written, a full disk
            where = getattr(error, "filename", None) or "agentmerge"
            click.echo(f"{where}: error: {error.strerror or error}", err=True)
            ctx.exit(Exit.ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="agentmerge")
def cli() -> None:
    """Diff, merge and de-duplicate AI agent definitions (Markdown with YAML frontmatter).

    \b
    Examples:
      agentmerge show .claude/agents/backend.md
      agentmerge check .claude/agents
      agentmerge consolidate .claude/agents -o merged/
    """
