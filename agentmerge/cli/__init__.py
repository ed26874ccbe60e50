"""The ``agentmerge`` command line: one click command per verb, each a thin layer over the core.

Each command lives in a module of its own; importing this package registers them all on ``cli``.
"""

from __future__ import annotations

from agentmerge.cli import check, consolidate, dedup, diff, review, show
from agentmerge.cli._common import Exit, cli

__all__ = ["Exit", "check", "cli", "consolidate", "dedup", "diff", "main", "review", "show"]


def main() -> None:
    """Entry point of the console script."""
    cli.main(prog_name="agentmerge")
