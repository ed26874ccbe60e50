"""``agentmerge consolidate``: one canonical agent per role, and a conflict report."""

from __future__ import annotations

import os
import sys
from types import MappingProxyType

import click

from agentmerge.cli._common import Exit, cli, echo_diagnostics, inputs, load_inputs
from agentmerge.files import safe_name, write_atomic
from agentmerge.model import Severity

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
    docs, errors = load_inputs(paths, max_bytes)
    usable = [doc for doc in docs if not any(d.severity is Severity.ERROR for d in doc.diagnostics)]
    diagnostics = [d for doc in docs for d in doc.diagnostics]
    echo_diagnostics(diagnostics)
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
