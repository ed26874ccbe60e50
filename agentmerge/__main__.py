"""``python -m agentmerge``."""

from agentmerge.cli import main

main()
