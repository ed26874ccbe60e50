"""agentmerge: diff, merge and de-duplicate AI agent definitions."""

__version__ = "0.1.0"

from agentmerge.parse import parse_agent
from agentmerge.render.source import render_source

__all__ = ["parse_agent", "render_source"]
