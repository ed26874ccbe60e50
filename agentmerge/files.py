"""All filesystem access: finding agent files, reading them safely, writing atomically."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from agentmerge.errors import InputError

# Imported where used: the command line reads DEFAULT_MAX_BYTES from here before it knows
# whether it will discover, parse or write anything (pathlib, the parser and tempfile cost
# 6, 60 and 5 ms to import).
if TYPE_CHECKING:
    from pathlib import Path

    from agentmerge.model import AgentDoc

#: Largest input read, in bytes: four times the largest file in ../shared/corpus (64 kB), and small
#: enough that the worst input of that size is read in under 10 s. markdown-it-py's block parser
#: costs up to 21 microseconds of CPU per byte on dense structure (a paragraph every 3 bytes: 5 s
#: for 250 kB, 105 s for the former 5 MB default), measured with benchmarks/hostile.py.
DEFAULT_MAX_BYTES = 250_000
#: File names searched for in directories.
PATTERNS = ("*.md", "*.mdc")
_SKIPPED_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox"})


def discover(paths: Iterable[str]) -> tuple[list[str], list[InputError]]:
    """Expand the command-line ``paths`` into agent files, in a stable order.

    Directories are searched recursively for ``*.md`` (``*.agent.md`` included) and ``*.mdc``,
    hidden folders such as ``.claude`` included, ``.git`` and ``node_modules`` skipped. ``-``
    stands for standard input. Files named explicitly are taken whatever their suffix (and
    :func:`load_agents` reads them even when they are documentation).

    Returns:
        The files (duplicates removed, first kept) and one :class:`InputError` per path that
        is missing or is a directory without agents.
    """
    found, _searched, errors = _discover(paths)
    return found, errors


def _discover(paths: Iterable[str]) -> tuple[list[str], set[str], list[InputError]]:
    """:func:`discover`, and which of the files were found by searching a directory."""
    from pathlib import Path

    found: list[str] = []
    searched: set[str] = set()
    named: set[str] = set()  # files named explicitly: never skipped, even when a search finds them too
    errors: list[InputError] = []
    for raw in paths:
        if raw == "-":
            found.append(raw)
            continue
        path = Path(raw)
        if path.is_dir():
            inside = sorted(_walk(path))
            if not inside:
                errors.append(InputError(raw, "no agent files (*.md, *.mdc) in this directory"))
            found.extend(inside)
            searched.update(inside)
        elif path.exists():
            found.append(raw)
            named.add(raw)
        else:
            errors.append(InputError(raw, "no such file or directory"))
    return list(dict.fromkeys(found)), searched - named, errors


def _walk(root: Path) -> Iterable[str]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS)
        for name in files:
            if name.endswith((".md", ".mdc")):
                yield os.path.join(folder, name)


def read_text(path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, allow_empty: bool = False) -> str:
    """Read one agent file (``-``: standard input) as text, refusing what is not an agent.

    ``allow_empty`` accepts an empty or blank file (git's ``/dev/null`` side of an added file).

    Raises:
        InputError: unreadable, larger than ``max_bytes``, empty (unless ``allow_empty``), binary
            (a NUL byte) or not UTF-8 (the message gives the line of the first bad byte).
    """
    try:
        if path == "-":
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            size = os.path.getsize(path)
            if size > max_bytes:
                raise InputError(path, f"file is {_size(size)}, over the {_size(max_bytes)} limit (--max-bytes)")
            with open(path, "rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as error:
        raise InputError(path, error.strerror or str(error)) from None
    return decode_text(data, path, max_bytes=max_bytes, allow_empty=allow_empty)


def decode_text(data: bytes, path: str, *, max_bytes: int = DEFAULT_MAX_BYTES, allow_empty: bool = False) -> str:
    """Decode the bytes of one agent file (read from disk, or from git) as :func:`read_text` does.

    Raises:
        InputError: as :func:`read_text`, about ``path``.
    """
    if len(data) > max_bytes:
        raise InputError(path, f"input is over the {_size(max_bytes)} limit (--max-bytes)")
    if not data.strip() and not allow_empty:
        raise InputError(path, "file is empty")
    if b"\x00" in data[:8192]:
        raise InputError(path, "binary file (it holds NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InputError(
            path, f"not UTF-8 text (byte 0x{data[error.start]:02x} cannot be decoded)", line=line
        ) from None


def write_atomic(path: str, text: str | bytes) -> None:
    """Write ``text`` (a ``str``, written as UTF-8 without newline translation, or bytes as they
    are) to ``path`` so that readers see the old file or the new one, never a part.

    The text goes to a temporary file ``.agentmerge-*.tmp`` in the same folder, is flushed and
    fsynced, gets the mode of the file it replaces (a new file: ``0o666`` less the umask, as
    ``open`` gives), then is renamed over ``path`` (POSIX rename is atomic within a file system)
    and the folder is fsynced so the rename survives a crash. A symbolic link at ``path`` is
    replaced, not written through. An exception (``KeyboardInterrupt`` included) removes the
    temporary file; a process killed outright (SIGKILL, power loss) may leave it behind, and the
    old file intact (tests/test_limits.py kills a writer to check both).

    Raises:
        OSError: the folder is not writable or the disk is full (the old file is left intact).
    """
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".agentmerge-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(text.encode("utf-8") if isinstance(text, str) else text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _mode_for(path: str) -> int:
    """The permission bits the file written at ``path`` should get (mkstemp creates it 0o600)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return 0o666 & ~_umask()
    return 0o666 & ~_umask() if stat.S_ISLNK(info.st_mode) else stat.S_IMODE(info.st_mode)


def _umask() -> int:
    mask = os.umask(0o022)  # reading the umask means setting it; it is put back at once
    os.umask(mask)
    return mask


def _fsync_folder(folder: str) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its rename is durable without this
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _size(count: int) -> str:
    """``21.0 MB``, ``250 kB`` (whole kilobytes only), else exact: ``250,001 bytes``."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count // 1_000} kB" if count >= 1_000 and count % 1_000 == 0 else f"{count:,} bytes"


class Loaded(NamedTuple):
    """What :func:`load_agents` read."""

    docs: list[AgentDoc]
    """The parsed agents, in discovery order."""
    errors: list[InputError]
    """One per input that could not be read; the other inputs are still read."""
    skipped: list[str]
    """Files found by searching a directory that are documentation, not agents (a README.md
    beside the agents: :func:`agentmerge.dialects.is_agent`); a file named explicitly is never
    skipped."""


def load_agents(paths: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES) -> Loaded:
    """Discover, read and parse every agent under ``paths``.

    A directory holding only documentation is an input error, as one holding no Markdown is.
    """
    from agentmerge.dialects import is_agent
    from agentmerge.parse import parse_agent

    paths = list(paths)
    files, searched, errors = _discover(paths)
    docs = []
    skipped = []
    for path in files:
        try:
            text = read_text(path, max_bytes=max_bytes)
        except InputError as error:
            errors.append(error)
            continue
        doc = parse_agent(text, path=path)
        if path in searched and not is_agent(doc):
            skipped.append(path)
            continue
        docs.append(doc)
    kept = {doc.path for doc in docs}
    for raw in paths:
        inside = [path for path in skipped if _under(path, raw)]
        if inside and not any(_under(path, raw) for path in kept):
            errors.append(InputError(raw, f"no agent files in this directory, only documentation ({len(inside)} "
                                          "file(s) without a name or description in frontmatter, such as "
                                          f"{os.path.basename(inside[0])}); name a file to read it anyway"))
    return Loaded(docs, errors, skipped)


def _under(path: str, folder: str) -> bool:
    return path.startswith(os.path.join(folder, ""))


_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"{p}{n}" for p in ("com", "lpt") for n in range(1, 10))})


#: Longest file stem, in characters and in UTF-8 bytes: file systems allow 255 bytes per name
#: (ext4, APFS), so a name of 100 CJK characters (300 bytes) must be cut; 200 leaves room for a
#: ``-2`` suffix and the extension.
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 200


def safe_name(name: str) -> str:
    """Turn an agent name from a file into a safe file stem, never empty.

    Letters and digits of any script, ``-``, ``_`` and single dots are kept; everything else
    (separators, spaces, control and format characters) becomes ``-``, runs of ``-`` and of
    ``.`` collapse to one, and no ``.`` or ``-`` starts or ends the stem. A Windows reserved
    name (``CON``, ``nul.txt``, ``COM1``: reserved whatever the extension) gets an ``agent-``
    prefix. At most :data:`MAX_NAME_CHARS` characters and :data:`MAX_NAME_BYTES` UTF-8 bytes.
    ``safe_name(safe_name(x)) == safe_name(x)``.
    """
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
    while ".." in cleaned:
        cleaned = cleaned.replace("..", ".")
    cleaned = "-".join(part for part in cleaned.split("-") if part).strip(".-")
    if cleaned.split(".")[0].lower() in _RESERVED:
        cleaned = f"agent-{cleaned}"
    cleaned = cleaned[:MAX_NAME_CHARS].encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", "ignore")
    return cleaned.strip(".-") or "agent"
