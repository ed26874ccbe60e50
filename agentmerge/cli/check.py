"""``agentmerge check``: lint agent files per dialect."""

from __future__ import annotations

import sys

import click

from agentmerge.cli._common import Exit, has_fatal, inputs, load_inputs

CHECK_FORMATS = ("github", "json", "text")


@click.command()
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

    docs, errors = load_inputs(paths, max_bytes)
    found = [d for doc in docs for d in (*doc.diagnostics, *validate(doc))]
    found += duplicate_names(docs)
    found.sort(key=lambda d: (d.path, d.line or 0))
    renderer = {"text": render_text.check, "json": render_json.check, "github": github.check}[fmt]
    click.echo(renderer(found), nl=False)
    if errors or has_fatal(docs):
        sys.exit(Exit.ERROR)
    sys.exit(Exit.FOUND if found else Exit.CLEAN)
