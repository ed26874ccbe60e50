"""What every command shares: the click group, exit statuses, input options and error handling.

The group loads each command's module only when that command runs (or ``--help`` lists it), so
that ``agentmerge diff`` imports nothing another command needs.
"""

from __future__ import annotations

import enum
import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import click

from agentmerge import __version__
from agentmerge.errors import AgentmergeError, InputError
from agentmerge.files import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from agentmerge.model import AgentDoc, Diagnostic

F = TypeVar("F", bound=Callable[..., Any])

#: Every command: its name, and the module of ``agentmerge.cli`` and the attribute that define it.
#: tests/test_cli.py keeps this table equal to the commands the modules define.
COMMANDS = MappingProxyType({
    "check": ("check", "check"),
    "consolidate": ("consolidate", "consolidate"),
    "dedup": ("dedup", "dedup"),
    "diff": ("diff", "diff"),
    "git-diff": ("diff", "git_diff"),
    "review": ("review", "review"),
    "show": ("show", "show"),
})


class Exit(enum.IntEnum):
    """Exit statuses, as diff(1): 0 clean/same, 1 findings/differences/conflicts, 2 error; and
    130 (128 + SIGINT, as shells report it) when interrupted, never 1, which CI reads as findings."""

    CLEAN = 0
    FOUND = 1
    ERROR = 2
    INTERRUPTED = 130


#: With ``--jobs 0`` (the default) the work is shared by one process per core from this many
#: tasks (roles, files) on. Starting the workers costs 20-40 ms: on the first roles of 0xfurai's
#: collection (one file each, about 5 ms a role) 8 roles take 25 ms in one process and 43 ms in
#: two, 16 roles 85 ms and 69 ms, 32 roles 168 ms and 104 ms (2 cores; the gain at 16 roles is
#: within the noise).
PARALLEL_TASKS = 32


def jobs_option(help_text: str) -> Callable[[F], F]:
    """The ``--jobs N`` option (0: :func:`auto_jobs`); ``help_text`` may name ``{tasks}``."""
    return click.option("--jobs", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
                        help=help_text.format(tasks=PARALLEL_TASKS) + " Any N gives the same output.")


def auto_jobs(jobs: int, tasks: int) -> int:
    """``--jobs``: as given, or for 0 one process per core from :data:`PARALLEL_TASKS` tasks on."""
    if jobs or tasks < PARALLEL_TASKS:
        return jobs or 1
    from agentmerge.workers import available_cores

    return available_cores()


def inputs(command: F) -> F:
    """The options every command that reads agents shares."""
    command = click.argument("paths", nargs=-1, required=True, type=click.Path())(command)
    return click.option(
        "--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES, show_default=True,
        help="Refuse input files larger than this.",
    )(command)


def load_inputs(paths: Sequence[str], max_bytes: int) -> tuple[list[AgentDoc], list[InputError]]:
    from agentmerge.files import load_agents

    docs, errors, skipped = load_agents(paths, max_bytes=max_bytes)
    for error in errors:
        click.echo(error.format(), err=True)
    if skipped:
        shown = ", ".join(skipped[:3]) + (f" and {len(skipped) - 3} more" if len(skipped) > 3 else "")
        click.echo(f"agentmerge: skipped {len(skipped)} documentation file(s) found in directories ({shown}): no "
                   "name or description in frontmatter; name a file to read it anyway", err=True)
    return docs, errors


def has_fatal(docs: Sequence[AgentDoc]) -> bool:
    """Whether a readable file still held input agentmerge could not use (an alias bomb, ...)."""
    from agentmerge.model import Severity

    return any(d.severity is Severity.ERROR for doc in docs for d in doc.diagnostics)


def echo_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
    for item in diagnostics:
        click.echo(item.format(), err=True)


class LazyCommands(MutableMapping[str, click.Command]):
    """``click.Group.commands`` that imports a command's module on first lookup.

    Listing the names (``list_commands``, click's "did you mean" hint) imports nothing; looking a
    command up (running it, ``--help``, ``cli.commands["diff"]``) imports its module.

    Args:
        where: command name -> (module under ``agentmerge.cli``, attribute), as :data:`COMMANDS`.
    """

    def __init__(self, where: Mapping[str, tuple[str, str]]) -> None:
        self._where = dict(where)
        self._loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module, attribute = self._where[name]  # KeyError for an unknown command, as a dict
            command = getattr(importlib.import_module(f"agentmerge.cli.{module}"), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"agentmerge.cli.{module}.{attribute} is not a click command")
            self._loaded[name] = command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self._where.pop(name, None)
        self._loaded.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._where or name in self._loaded

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._where, *self._loaded]))

    def __len__(self) -> int:
        return len(self._where.keys() | self._loaded.keys())


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
        except KeyboardInterrupt:  # click would print "Aborted!" and exit with 1, our "found"
            click.echo("agentmerge: interrupted", err=True)
            ctx.exit(Exit.INTERRUPTED)


@click.group(cls=_Group, commands=LazyCommands(COMMANDS),
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="agentmerge")
def cli() -> None:
    """Diff, merge and de-duplicate AI agent definitions (Markdown with YAML frontmatter).

    \b
    Examples:
      agentmerge show .claude/agents/backend.md
      agentmerge check .claude/agents
      agentmerge consolidate .claude/agents -o merged/
    """
