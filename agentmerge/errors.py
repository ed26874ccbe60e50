"""Error types of agentmerge. Each carries the path (and line, when known) it is about."""

from __future__ import annotations


class AgentmergeError(Exception):
    """Base class of every error agentmerge raises on purpose.

    Args:
        path: the input the error is about, or ``"-"`` for standard input.
        message: one line, without the path.
        line: 1-based line of the input, when the error has one.
    """

    def __init__(self, path: str, message: str, *, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def format(self) -> str:
        """Return ``path[:line]: error: message``, the form printed to users."""
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: error: {self.message}"


class InputError(AgentmergeError):
    """An input cannot be read as an agent: missing, empty, binary, not UTF-8, too large."""


class UsageError(AgentmergeError):
    """Options or arguments that cannot work together."""


class WorkerError(AgentmergeError):
    """A worker process died (killed for memory, say) before it returned its role."""
