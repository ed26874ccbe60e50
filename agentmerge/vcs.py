"""Git access for ``agentmerge review``: revisions, changed files, their contents, touched lines.

Not part of the pure core: every function runs ``git`` in a subprocess (``git -C ROOT``), reading
only. Paths given to and returned by these functions are relative to the repository root, in
git's form (``/`` separators); pathspecs are literal (``--literal-pathspecs``), so a path with
``*`` or ``:`` in it means that path. ``GIT_OPTIONAL_LOCKS=0`` keeps git from refreshing the
index (``git status`` semantics), so a review never writes to the repository.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agentmerge.dialects import is_agent
from agentmerge.errors import AgentmergeError, InputError
from agentmerge.files import DEFAULT_MAX_BYTES, decode_text, read_text
from agentmerge.findings import FileChange, FileStatus
from agentmerge.model import AgentDoc
from agentmerge.parse import parse_agent

#: Default-branch names tried, in order, when ``origin/HEAD`` is not set (a fresh ``git init``,
#: a CI checkout without ``--no-single-branch``): git's two historical defaults, remote first.
DEFAULT_BRANCHES = ("origin/main", "origin/master", "main", "master")
#: File name endings that can hold an agent (as :data:`agentmerge.files.PATTERNS`).
SUFFIXES = (".md", ".mdc")
_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)
_LINKS = frozenset({"120000", "160000"})  # symbolic links and submodules hold no agent text
_STATUS = {"A": FileStatus.ADDED, "C": FileStatus.ADDED, "M": FileStatus.MODIFIED, "T": FileStatus.MODIFIED,
           "D": FileStatus.DELETED, "R": FileStatus.RENAMED}


class GitError(AgentmergeError):
    """git is missing, the folder is not a repository, or a revision does not exist."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of ``git diff --raw -M``: a changed file and how it changed."""

    status: FileStatus
    path: str
    """The HEAD path; the BASE path for a deleted file."""
    old_path: str | None
    """The BASE path of a modified, renamed or deleted file."""
    similarity: int | None = None
    """Rename similarity in percent (the number after ``R``)."""


def git(root: str, *args: str, stdin: bytes | None = None) -> bytes:
    """Run ``git -C root args...`` and return its standard output.

    Raises:
        GitError: git is not installed, or exits non-zero (the message is git's first line).
    """
    command = ["git", "-C", root, "-c", "core.quotepath=off", "--literal-pathspecs", *args]
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", "GIT_TERMINAL_PROMPT": "0"}
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, check=False, env=env)
    except FileNotFoundError:
        raise GitError("git", "git is not installed or not on PATH") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines() or [f"git {args[0]} failed"]
        message = lines[0].removeprefix("fatal: ").removeprefix("error: ")
        raise GitError(root, message)
    return done.stdout


def repo_root(path: str = ".") -> str:
    """The top folder of the repository holding ``path``.

    Raises:
        GitError: ``path`` is not inside a git work tree.
    """
    return git(path, "rev-parse", "--show-toplevel").decode("utf-8").rstrip("\n")


def resolve(root: str, revision: str) -> str | None:
    """The commit id ``revision`` names, or ``None`` when it names no commit.

    A revision starting with ``-`` names none (it would be read as an option). The other
    functions take what this returns, so no argument of theirs can be an option either.
    """
    if revision.startswith("-"):
        return None
    try:
        out = git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except GitError:
        return None
    return out.decode("ascii").strip() or None


def default_branch(root: str) -> str:
    """The default branch to compare with: ``origin/HEAD``'s target, else :data:`DEFAULT_BRANCHES`.

    Raises:
        GitError: none of them exists.
    """
    try:
        ref = git(root, "symbolic-ref", "--quiet", "refs/remotes/origin/HEAD").decode("utf-8").strip()
        return ref.removeprefix("refs/remotes/")
    except GitError:
        pass
    for name in DEFAULT_BRANCHES:
        if resolve(root, name):
            return name
    raise GitError(root, "no default branch found (origin/HEAD, main, master); give BASE")


def merge_base(root: str, left: str, right: str) -> str:
    """The best common ancestor of two revisions (``git merge-base``).

    Raises:
        GitError: a revision does not exist, or the histories share no commit.
    """
    if left.startswith("-") or right.startswith("-"):
        raise GitError(root, f"not a revision: {left if left.startswith('-') else right}")
    try:
        out = git(root, "merge-base", left, right)
    except GitError as error:
        raise GitError(root, f"no merge base of {left} and {right} ({error.message})") from None
    return out.decode("ascii").strip()


def changed_files(root: str, base: str, head: str | None = None, pathspecs: Sequence[str] = ()) -> list[Entry]:
    """The files under ``pathspecs`` that differ between ``base`` and ``head``, renames followed.

    Reads ``git diff --raw -z -M`` (``--name-status`` with the file modes, so that symbolic links
    and submodules are left out). With ``head=None`` the working tree is compared, and untracked
    files that ``.gitignore`` does not exclude count as added. Only ``*.md``/``*.mdc`` are kept.

    Raises:
        GitError: a revision does not exist.
    """
    out = git(root, "diff", "--raw", "-z", "-M", "--no-ext-diff", base, *([head] if head else []), "--", *pathspecs)
    entries = []
    fields = out.decode("utf-8", "surrogateescape").split("\0")
    index = 0
    while index < len(fields) - 1:
        modes, letter = fields[index].lstrip(":").split(" "), fields[index].rsplit(" ", 1)[-1]
        count = 2 if letter[0] in "RC" else 1
        paths = fields[index + 1: index + 1 + count]
        index += 1 + count
        status = _STATUS.get(letter[0])
        mode = modes[0] if status is FileStatus.DELETED else modes[1]
        if status is None or mode in _LINKS or not paths[-1].endswith(SUFFIXES):
            continue
        if letter[0] == "C":
            entries.append(Entry(status, paths[-1], None))
        elif status is FileStatus.ADDED:
            entries.append(Entry(status, paths[0], None))
        else:
            similarity = int(letter[1:]) if letter[0] == "R" and letter[1:].isdigit() else None
            entries.append(Entry(status, paths[-1], paths[0], similarity))
    if head is None:
        entries += [Entry(FileStatus.ADDED, path, None) for path in _untracked(root, pathspecs)]
    return sorted(entries, key=lambda entry: entry.path)


def _untracked(root: str, pathspecs: Sequence[str]) -> list[str]:
    """Untracked, not ignored ``*.md``/``*.mdc`` files; symbolic links left out as git's modes do."""
    out = git(root, "ls-files", "-z", "--others", "--exclude-standard", "--", *pathspecs)
    return [p for p in out.decode("utf-8", "surrogateescape").split("\0")
            if p.endswith(SUFFIXES) and not os.path.islink(os.path.join(root, p))]


def touched_lines(root: str, base: str, head: str | None, entry: Entry) -> tuple[tuple[int, int], ...]:
    """HEAD-side line ranges (1-based, inclusive) that ``entry``'s change added or modified.

    Read from the ``@@ -a,b +c,d @@`` headers of ``git diff -U0``; a pure deletion touches no
    HEAD line. An added file is every line: pass its line count to :func:`whole`.
    """
    paths = [p for p in (entry.old_path, entry.path) if p]
    out = git(root, "diff", "-U0", "--no-color", "--no-ext-diff", "-M", base, *([head] if head else []),
              "--", *dict.fromkeys(paths))
    ranges = []
    for match in _HUNK.finditer(out):
        start, count = int(match[1]), int(match[2]) if match[2] is not None else 1
        if count:
            ranges.append((start, start + count - 1))
    return tuple(ranges)


def whole(text: str) -> tuple[tuple[int, int], ...]:
    """Every line of ``text`` as one range (the touched lines of an added file)."""
    return ((1, max(1, len(text.splitlines()))),)


def files_at(root: str, head: str | None, pathspecs: Sequence[str] = ()) -> list[str]:
    """The ``*.md``/``*.mdc`` files at ``head`` (the working tree when ``None``), links left out."""
    if head is None:
        listed = git(root, "ls-files", "-z", "-s", "--", *pathspecs)
        gone = set(git(root, "ls-files", "-z", "--deleted", "--", *pathspecs).decode("utf-8", "surrogateescape")
                   .split("\0"))
    else:
        listed = git(root, "ls-tree", "-r", "-z", head, "--", *pathspecs)
        gone = set()
    found = []
    for record in listed.decode("utf-8", "surrogateescape").split("\0"):
        info, _, path = record.partition("\t")
        if path and path.endswith(SUFFIXES) and info.split(" ")[0] not in _LINKS and path not in gone:
            found.append(path)
    if head is None:
        found += _untracked(root, pathspecs)
    return sorted(set(found))


def read_at(root: str, revision: str | None, paths: Iterable[str], *,
            max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[dict[str, str], list[InputError]]:
    """The text of each of ``paths`` at ``revision`` (the working tree when ``None``).

    Blobs come from one ``git cat-file --batch``. Each text is checked as
    :func:`agentmerge.files.read_text` checks a file.

    Returns:
        path -> text, and one :class:`InputError` (about the repository-relative path) per file
        that is missing, too large, binary or not UTF-8.
    """
    texts: dict[str, str] = {}
    names = list(dict.fromkeys(paths))
    errors = [InputError(p, "a file name with a line break is not read") for p in names if "\n" in p]
    wanted = [p for p in names if "\n" not in p]
    if revision is None:
        for path in wanted:
            try:
                texts[path] = read_text(os.path.join(root, path), max_bytes=max_bytes)
            except InputError as error:
                errors.append(InputError(path, error.message, line=error.line))
        return texts, errors
    if not wanted:
        return texts, errors
    query = "".join(f"{revision}:{path}\n" for path in wanted).encode("utf-8", "surrogateescape")
    out = git(root, "cat-file", "--batch", stdin=query)
    position = 0
    for path in wanted:
        end = out.index(b"\n", position)
        header = out[position:end].split(b" ")
        position = end + 1
        if header[-1] == b"missing" or len(header) != 3:
            errors.append(InputError(path, f"not found at {revision}"))
            continue
        size = int(header[2])
        data = out[position: position + size]
        position += size + 1
        try:
            texts[path] = decode_text(data, path, max_bytes=max_bytes)
        except InputError as error:
            errors.append(error)
    return texts, errors


def collect(root: str, base: str, head: str | None, pathspecs: Sequence[str] = (), *,
            max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[list[FileChange], list[AgentDoc], list[InputError]]:
    """Everything a review reads: the changed agent files and the other agents at ``head``.

    Args:
        root: the repository's top folder (:func:`repo_root`).
        base: the BASE commit; head: the HEAD commit, or ``None`` for the working tree.
        pathspecs: repository-relative files or folders whose changes to review (all if empty).

    Returns:
        The changed files that are agents (:func:`agentmerge.dialects.is_agent` on either side),
        the unchanged agents at ``head`` anywhere in the repository (what the changed ones are
        compared with), and one error per changed file that cannot be read.
        Unchanged files that cannot be read are left out: the change is not about them.
    """
    entries = changed_files(root, base, head, pathspecs)
    news, errors = read_at(root, head, [e.path for e in entries if e.status is not FileStatus.DELETED],
                           max_bytes=max_bytes)
    olds, more = read_at(root, base, [e.old_path for e in entries if e.old_path], max_bytes=max_bytes)
    errors += more
    changes = []
    for entry in entries:
        new = _parse(news, entry.path) if entry.status is not FileStatus.DELETED else None
        old = _parse(olds, entry.old_path) if entry.old_path else None
        if (entry.status is not FileStatus.DELETED and new is None) or (entry.old_path and old is None):
            continue  # unreadable: already in errors
        if not any(doc is not None and is_agent(doc) for doc in (old, new)):
            continue
        if entry.status is FileStatus.ADDED:
            touched = whole(news[entry.path])
        elif entry.status is FileStatus.DELETED:
            touched = ()
        else:
            touched = touched_lines(root, base, head, entry)
        changes.append(FileChange(entry.status, entry.path, entry.old_path, old, new, touched, entry.similarity))
    changed = {entry.path for entry in entries}
    rest, _ = read_at(root, head, [p for p in files_at(root, head) if p not in changed],
                      max_bytes=max_bytes)
    others = [doc for path in sorted(rest) if is_agent(doc := parse_agent(rest[path], path=path))]
    return changes, others, errors


def _parse(texts: dict[str, str], path: str | None) -> AgentDoc | None:
    return parse_agent(texts[path], path=path) if path in texts else None
