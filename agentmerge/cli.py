"""The ``agentmerge`` command line: one click command per verb, each a thin layer over the core."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Callable, Sequence
from types import MappingProxyType
from typing import Any, TypeVar

import click

from agentmerge import __version__
from agentmerge.errors import AgentmergeError, InputError
from agentmerge.files import DEFAULT_MAX_BYTES, load_agents, safe_name, write_atomic
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


def _load(paths: Sequence[str], max_bytes: int) -> tuple[list[AgentDoc], list[InputError]]:
    docs, errors = load_agents(paths, max_bytes=max_bytes)
    for error in errors:
        click.echo(error.format(), err=True)
    return docs, errors


def _fatal(docs: Sequence[AgentDoc]) -> bool:
    """Whether a readable file still held input agentmerge could not use (an alias bomb, ...)."""
    return any(d.severity is Severity.ERROR for doc in docs for d in doc.diagnostics)


def _echo_diagnostics(diagnostics: Sequence[Diagnostic]) -> None:
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


SHOW_FORMATS = ("json", "text")


@cli.command()
@inputs
@click.option("--format", "fmt", type=click.Choice(SHOW_FORMATS), default="text", show_default=True)
def show(paths: tuple[str, ...], max_bytes: int, fmt: str) -> None:
    """Print the parsed structure of agent files, with line numbers and diagnostics.

    \b
    Examples:
      agentmerge show agents/backend.md
      agentmerge show --format json agents/ > structure.json
    """
    from agentmerge.render import json as render_json
    from agentmerge.render import text as render_text

    docs, errors = _load(paths, max_bytes)
    click.echo((render_json.show if fmt == "json" else render_text.show)(docs), nl=False)
    _echo_diagnostics([d for doc in docs for d in doc.diagnostics])
    sys.exit(Exit.ERROR if errors or _fatal(docs) else Exit.CLEAN)


CHECK_FORMATS = ("github", "json", "text")


@cli.command()
@inputs
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
def check(paths: tuple[str, ...], max_bytes: int, fmt: str) -> None:
    """Lint agent files: frontmatter validity per dialect, unknown keys, bad values, duplicate names.

    Exit status 0 when clean, 1 when there are findings, 2 when an input cannot be read.

    \b
    Examples:
      agentmerge check .claude/agents
      agentmerge check --format github .github/agents   # annotations in GitHub Actions
    """
    from agentmerge.dialects import duplicate_names, validate
    from agentmerge.render import github
    from agentmerge.render import json as render_json
    from agentmerge.render import text as render_text

    docs, errors = _load(paths, max_bytes)
    found = [d for doc in docs for d in (*doc.diagnostics, *validate(doc))]
    found += duplicate_names(docs)
    found.sort(key=lambda d: (d.path, d.line or 0))
    renderer = {"text": render_text.check, "json": render_json.check, "github": github.check}[fmt]
    click.echo(renderer(found), nl=False)
    if errors or _fatal(docs):
        sys.exit(Exit.ERROR)
    sys.exit(Exit.FOUND if found else Exit.CLEAN)


#: Report formats and the extension of the report file written with -o.
CONSOLIDATE_FORMATS = MappingProxyType({"text": "txt", "json": "json", "markdown": "md"})


@cli.command()
@inputs
@click.option("--format", "fmt", type=click.Choice(sorted(CONSOLIDATE_FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False),
              help="Write each canonical agent as OUTDIR/<name>.md and the report as OUTDIR/report.<ext>.")
@click.option("--group-by", type=click.Choice(["name", "none"]), default="name", show_default=True,
              help="name: one role per name without role suffixes; none: all inputs are one role.")
@click.option("--semantic", is_flag=True,
              help="Also compare rules by sentence embeddings (needs the 'semantic' extra).")
def consolidate(
    paths: tuple[str, ...], max_bytes: int, fmt: str, outdir: str | None, group_by: str, semantic: bool
) -> None:
    """Merge the variants of each role into one canonical agent, and report every conflict.

    Without -o the canonical agents and the report go to standard output. Exit status 0 when
    the variants agree, 1 when the report has conflicts, 2 when an input cannot be read.

    \b
    Examples:
      agentmerge consolidate samples/
      agentmerge consolidate agents/*.md --format json > report.json
      agentmerge consolidate agents/ -o merged/ --format markdown
    """
    from agentmerge.merge import consolidate as merge_roles
    from agentmerge.render import json as render_json
    from agentmerge.render import markdown as render_markdown
    from agentmerge.render import text as render_text
    from agentmerge.roles import group_by_name

    embed = None
    if semantic:
        from agentmerge.semantic import load_embedder

        embed = load_embedder()
    docs, errors = _load(paths, max_bytes)
    usable = [doc for doc in docs if not any(d.severity is Severity.ERROR for d in doc.diagnostics)]
    diagnostics = [d for doc in docs for d in doc.diagnostics]
    _echo_diagnostics(diagnostics)
    groups = group_by_name(usable) if group_by == "name" else [list(range(len(usable)))]
    results = merge_roles(usable, groups, embed=embed)
    report = {
        "json": lambda: render_json.consolidate(results, diagnostics),
        "markdown": lambda: render_markdown.consolidate(results),
        "text": lambda: render_text.consolidate(results) if outdir is None else render_text.report(results),
    }[fmt]()
    if outdir is not None:
        for result in results:
            write_atomic(os.path.join(outdir, safe_name(result.name) + ".md"), result.text)
        write_atomic(os.path.join(outdir, "report." + CONSOLIDATE_FORMATS[fmt]), report)
    click.echo(report, nl=False)
    if errors or len(usable) < len(docs):
        sys.exit(Exit.ERROR)
    sys.exit(Exit.FOUND if any(r.conflicts for r in results) else Exit.CLEAN)


def main() -> None:
    """Entry point of the console script."""
    cli.main(prog_name="agentmerge")
