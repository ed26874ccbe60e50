"""agentmerge: diff, merge and de-duplicate AI agent definitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["parse_agent", "render_source"]

if TYPE_CHECKING:
    from agentmerge.parse import parse_agent
    from agentmerge.render.source import render_source


def __getattr__(name: str) -> Any:
    """Import the re-exports on first use (PEP 562): ``agentmerge --version`` and ``--help`` then
    load no parser, and the console script's ``import agentmerge.cli`` stays light."""
    if name == "parse_agent":
        from agentmerge.parse import parse_agent

        return parse_agent
    if name == "render_source":
        from agentmerge.render.source import render_source

        return render_source
    raise AttributeError(f"module 'agentmerge' has no attribute {name!r}")
