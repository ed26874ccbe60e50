"""``agentmerge show``: the parsed structure of agent files."""

from __future__ import annotations

import sys

import click

from agentmerge.cli._common import Exit, echo_diagnostics, has_fatal, inputs, load_inputs

SHOW_FORMATS = ("json", "text")


@click.command()
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

    docs, errors = load_inputs(paths, max_bytes)
    click.echo((render_json.show if fmt == "json" else render_text.show)(docs), nl=False)
    echo_diagnostics([d for doc in docs for d in doc.diagnostics])
    sys.exit(Exit.ERROR if errors or has_fatal(docs) else Exit.CLEAN)
