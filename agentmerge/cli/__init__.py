"""The ``agentmerge`` command line: one click command per verb, each a thin layer over the core.

Each command lives in a module of its own, listed in :data:`agentmerge.cli._common.COMMANDS` and
imported only when that command runs or ``--help`` lists it: the console script imports this
package, and ``agentmerge diff`` must not pay for the machinery of the other commands.
"""

from __future__ import annotations

from agentmerge.cli._common import Exit, cli

__all__ = ["Exit", "cli", "main"]


#: Allocations between collections of the youngest generation, and how often the older ones are
#: collected (CPython's defaults: 700, 10, 10). A run builds millions of small objects that live to
#: its end (parsed documents, rule keys, alignments); with the defaults the collector walks them
#: again and again: consolidating ../shared/corpus took 22.2 s, 19.0 s with these (18.4 s with no
#: collection at all), for the same peak memory. mypy raises its threshold for the same reason.
GC_THRESHOLDS = (100_000, 50, 100)


def main() -> None:
    """Entry point of the console script."""
    import gc

    gc.set_threshold(*GC_THRESHOLDS)
    cli.main(prog_name="agentmerge")
