"""Hostile input, timed: every case must finish in under 10 s with one clear error or a result.

The cases are the bad inputs of the foundation issue (a 20 MB file, a 10,000-deep nested list, a
YAML alias bomb, a ``!!python/object`` tag, an unterminated code fence and frontmatter, binary and
non-UTF-8 bytes) and the pathological shapes of issue 8 (deep nesting of lists and quotes, very
long lines, huge lists, many headings, deep YAML, adversarial inline markup). Each is built just
under the default size limit (``agentmerge.files.DEFAULT_MAX_BYTES``), so it is the worst input a
user can pass without raising ``--max-bytes``.

Each case runs as its own process (``python -m agentmerge COMMAND --format json FILE``, the
whole-process time a user sees) under a 2 GB address-space limit, so a runaway case fails alone
instead of taking the machine's memory. tests/test_limits.py runs the same cases in-process and
asserts their outcome; this script reports the times.

``--regex`` times every regular expression of agentmerge/ instead, with the methods its callers
use, on adversarial lines of 100,000 characters (tests/test_limits.py runs the same lines at
50,000 under a guard).

Usage::

    .venv/bin/python benchmarks/hostile.py [--size BYTES] [--command show --command consolidate] [CASE ...]
    .venv/bin/python benchmarks/hostile.py --regex [LENGTH]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import itertools
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import agentmerge
from agentmerge.files import DEFAULT_MAX_BYTES
from agentmerge.frontmatter import MAX_VALUES

#: The bound issue 8 sets for every hostile case, in seconds.
BOUND = 10.0
#: Address-space limit of each run, far above what a bounded case needs.
MEMORY = 2_000_000_000
#: Size the cases are built to: the default limit, less room for the frontmatter and a margin.
SIZE = DEFAULT_MAX_BYTES - 1_000
FRONTMATTER = b"---\nname: hostile\ndescription: A hostile input.\n---\n"


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input and the outcome every command must give."""

    name: str
    build: Callable[[int], bytes]
    """Size in bytes -> the file (cases refused for their size ignore it)."""
    status: int
    """Exit status of every command: 0 read (warnings allowed), 2 refused with one error line."""
    stderr: str = ""
    """A fragment standard error must hold (``""``: no particular one)."""


def _repeat(unit: bytes, *, head: bytes = FRONTMATTER, tail: bytes = b"\n") -> Callable[[int], bytes]:
    """A builder: ``head``, then ``unit`` as many times as fit in the size, then ``tail``."""
    return lambda size: head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def _indented_list(size: int) -> bytes:
    lines, used, depth = [], len(FRONTMATTER), 0
    while used < size - 2 * depth - 20:
        line = b"  " * depth + b"- level %d\n" % depth
        lines.append(line)
        used += len(line)
        depth += 1
    return FRONTMATTER + b"".join(lines)


def _many_keys(size: int) -> bytes:
    """One key more than a frontmatter may hold, whatever the size (about 110 kB)."""
    return b"---\n" + b"".join(b"key%d: v\n" % n for n in range(MAX_VALUES + 1)) + b"---\nBody\n"


def _alias_bomb(size: int) -> bytes:
    names = "abcdefghi"
    lines = [b"a: &a [" + b", ".join([b'"lol"'] * 9) + b"]"]
    lines += [f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]".encode() for prev, name in itertools.pairwise(names)]
    return b"---\nname: bomb\n" + b"\n".join(lines) + b"\n---\nBody\n"


def _deep_block_yaml(size: int) -> bytes:
    return b"---\nname: deep\n" + b"".join(b"  " * depth + b"k:\n" for depth in range(400)) + b"---\nBody\n"


CASES: tuple[Case, ...] = (
    # refused: one error line, exit 2
    Case("twenty-megabytes", lambda size: FRONTMATTER + b"- rule\n" * 3_000_000, 2,
         "error: file is 21.0 MB, over the"),
    Case("binary", lambda size: FRONTMATTER + b"\x00" * 1_000, 2, "binary file"),
    Case("not-utf8", lambda size: b"---\nname: caf\xe9\n---\n", 2, ":2: error: not UTF-8 text"),
    Case("alias-bomb", _alias_bomb, 2, ":1: error: frontmatter is not read: it expands to more than"),
    Case("deep-flow-yaml", lambda size: b"---\nname: deep\nx: " + b"[" * 5_000 + b"]" * 5_000 + b"\n---\nBody\n", 2,
         "nests deeper than"),
    Case("deep-block-yaml", _deep_block_yaml, 2, "nests deeper than"),
    # read, with a warning or nothing
    Case("python-tag", lambda size: b"---\nname: tag\nx: !!python/object/apply:os.system ['echo pwned']\n---\n- rule\n",
         0, "frontmatter is not valid YAML"),
    Case("open-fence", _repeat(b"# not a heading\n- not a rule\n", tail=b"", head=FRONTMATTER + b"```\n"),
         0, "code fence is never closed"),
    Case("open-frontmatter", _repeat(b"key: value: with a colon\n", head=b"---\nname: open\n", tail=b""),
         0, "frontmatter has no closing"),
    Case("many-keys", _many_keys, 2, "expands to more than"),
    Case("deep-bullets", _repeat(b"- ", tail=b"x\n"), 0),
    Case("deep-ordered", _repeat(b"1. ", tail=b"x\n"), 0),
    Case("deep-quotes", _repeat(b"> ", tail=b"- x\n"), 0),
    Case("deep-indent", _indented_list, 0),
    Case("long-line", _repeat(b"word "), 0),
    Case("long-rule", _repeat(b"validate input ", head=FRONTMATTER + b"- "), 0),
    Case("brackets", _repeat(b"["), 0, "read as plain text"),
    Case("images", _repeat(b"!["), 0, "read as plain text"),
    Case("links", _repeat(b"[a]("), 0, "read as plain text"),
    Case("emphasis", _repeat(b"*a _b "), 0, "read as plain text"),
    Case("backticks", _repeat(b"`a``"), 0, "read as plain text"),
    Case("image-paragraphs", _repeat(b"![" * 4_000 + b"\n\n"), 0, "read as plain text"),
    Case("huge-list", _repeat(b"- x\n", tail=b""), 0),
    Case("huge-rule-list", _repeat(b"- Always validate input\n", tail=b""), 0),
    Case("many-headings", _repeat(b"# h\n", tail=b""), 0),
    Case("many-paragraphs", _repeat(b"x\n\n", tail=b""), 0),
    Case("wide-table", _repeat(b"a|", head=FRONTMATTER + b"|", tail=b"\n|-|-|\n"), 0),
    Case("long-table", _repeat(b"|x|y|\n", head=FRONTMATTER + b"|a|b|\n|-|-|\n", tail=b""), 0),
)


# -- regular expressions --------------------------------------------------------------------------

#: Methods that try a pattern at every position of the text (a prefix that matches everywhere and
#: then fails makes them quadratic), and methods that try it at the start only.
SCANNING = frozenset({"search", "findall", "finditer", "sub", "subn", "split"})
ANCHORED = frozenset({"match", "fullmatch"})
#: Pieces the adversarial texts repeat: blanks and line breaks, word characters, the punctuation
#: and markers agentmerge's patterns look for, and prefixes of those patterns (``<!-- from: ``).
PIECES = (
    " ", "\t", "\r", "\n", "\r\n", "a", "A", "1", "i", "é", ".", "-", ":", ",", "'", "#", "*", "_", "/", "\\", "[",
    "(", ")", "|", "`", "<", ">", "@", "$", "+", "~", "!", "\u2014", "a.", "a ", "1.", ", ", ": ", "a:", "- ", " -",
    " - ", " \t", "phase ", "not ", "claude-", "a-", "aA", ". ", "a1", "-->", "<!-- from: ", "@@ -1,", "[-", "{+",
    "e.g", "k8s ", "``", "  - ", "1) ", ", not",
)


@dataclass(frozen=True, slots=True)
class Regex:
    """One regular expression of agentmerge/ and the methods its callers apply to input."""

    where: str
    """``module.NAME`` of a module-level pattern, or ``path:line`` of a ``re.sub(r"...")`` call."""
    pattern: re.Pattern[str] | re.Pattern[bytes]
    methods: frozenset[str]


def find_regexes() -> tuple[tuple[Regex, ...], tuple[str, ...]]:
    """Every regular expression in agentmerge/, found by reading the source, and how it is used.

    Module-level ``NAME = re.compile(...)`` patterns are taken from the imported module, with
    the methods called on ``NAME`` anywhere in the package (all methods when none is found);
    ``re.sub(r"...", ...)`` and the like with a literal pattern are compiled from the literal.

    Returns:
        The patterns, and ``path:line`` of each call whose pattern could not be resolved (a
        ``re.compile`` inside a function, a pattern built at run time): those cannot be checked.
    """
    package = Path(agentmerge.__file__).resolve().parent
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(package.rglob("*.py"))}
    used: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                name = (owner.id if isinstance(owner, ast.Name)
                        else owner.attr if isinstance(owner, ast.Attribute) else "")
                used.setdefault(name, set()).add(node.func.attr)
    found: list[Regex] = []
    unresolved: list[str] = []
    for path, tree in trees.items():
        relative = path.relative_to(package.parent)
        module = ".".join(relative.with_suffix("").parts)
        compiled_at_top = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and _is_re_call(node.value, "compile"):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        compiled_at_top.add(id(node.value))
                        pattern = getattr(importlib.import_module(module), target.id)
                        methods = (used.get(target.id, set()) & (SCANNING | ANCHORED)) or SCANNING | ANCHORED
                        found.append(Regex(f"{module}.{target.id}", pattern, frozenset(methods)))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or id(node) in compiled_at_top or not _is_re_call(node, None):
                continue
            where = f"{relative}:{node.lineno}"
            literal = node.args[0] if node.args else None
            if isinstance(literal, ast.Constant) and isinstance(literal.value, (str, bytes)):
                flags = sum(getattr(re, arg.attr) for arg in (*node.args[1:], *(k.value for k in node.keywords))
                            if isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name)
                            and arg.value.id == "re" and arg.attr.isupper())
                method = node.func.attr  # type: ignore[attr-defined]
                methods = SCANNING | ANCHORED if method == "compile" else {method}
                found.append(Regex(where, re.compile(literal.value, flags), frozenset(methods)))
            elif node.func.attr != "escape":  # type: ignore[attr-defined]
                unresolved.append(where)
    return tuple(found), tuple(unresolved)


def _is_re_call(node: ast.expr, name: str | None) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
            and (node.func.attr == name if name else node.func.attr in SCANNING | ANCHORED | {"compile", "escape"}))


def adversarial_runs(regex: Regex, length: int = 50_000) -> Iterator[tuple[str, Callable[[], object]]]:
    """``(description, call)`` for each piece of :data:`PIECES` repeated to ``length`` characters
    and each kind of method the pattern is used with: ``findall`` stands for the scanning ones
    (``search``, ``finditer``, ``sub``, ``split`` try the same positions), ``match`` or
    ``fullmatch`` for the anchored ones, also with a final NUL that makes the match fail late."""
    scanning = bool(regex.methods & SCANNING)
    anchored = sorted(regex.methods & ANCHORED)[:1]
    for piece in PIECES:
        for end in ("", "\x00"):  # the NUL makes an anchored match fail at the very end
            text = piece * (length // len(piece)) + end
            data: str | bytes = text.encode("utf-8") if isinstance(regex.pattern.pattern, bytes) else text
            for method in (["findall"] if scanning and not end else []) + anchored:
                yield f"{method} {piece!r} x {length // len(piece)}{' + NUL' if end else ''}", \
                    (lambda method=method, data=data: getattr(regex.pattern, method)(data))


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(case: Case, command: str, folder: str, size: int = SIZE) -> tuple[float, int, str]:
    """Run ``agentmerge COMMAND`` on the case; return (seconds, exit status, first stderr line)."""
    path = os.path.join(folder, f"{case.name}.md")
    if not os.path.exists(path):
        with open(path, "wb") as handle:
            handle.write(case.build(size))
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "agentmerge", command, "--format", "json", path],
                              capture_output=True, timeout=6 * BOUND, preexec_fn=_limit_memory, check=False)
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, -1, f"killed after {6 * BOUND:.0f} s"
    seconds = time.perf_counter() - started
    lines = done.stderr.decode("utf-8", "replace").splitlines()
    first = lines[0].split(": ", 1)[-1] if lines else ""
    if done.returncode < 0 or "MemoryError" in done.stderr.decode("utf-8", "replace"):
        first = f"crashed ({'out of memory' if 'MemoryError' in str(lines) else f'signal {-done.returncode}'})"
    return seconds, done.returncode, first


def time_regexes(length: int) -> int:
    """Print the slowest adversarial line of each regex; return how many took a second or more.

    Each call runs under a 20 s alarm (the regex engine checks for signals), so a catastrophic
    pattern is reported as such instead of hanging the script.
    """
    regexes, unresolved = find_regexes()
    for where in unresolved:
        print(f"unresolved (not checked): {where}")

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, expire)
    slow = 0
    print(f"{'regex':44} {'methods':22} {'worst s':>8}  worst line ({length:,} characters)")
    for regex in regexes:
        worst, line = 0.0, ""
        for description, call in adversarial_runs(regex, length):
            signal.setitimer(signal.ITIMER_REAL, 20)
            started = time.perf_counter()
            try:
                call()
            except TimeoutError:
                pass
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            if time.perf_counter() - started > worst:
                worst, line = time.perf_counter() - started, description
        slow += worst >= 1
        methods = ",".join(sorted(regex.methods)) if len(regex.methods) < 4 else "all"
        print(f"{regex.where:44} {methods:22} {worst:8.3f}{' SLOW' if worst >= 1 else ''}  {line}", flush=True)
    return slow


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--command", action="append", choices=["show", "check", "consolidate"],
                        help="commands to time (default: show and consolidate)")
    parser.add_argument("--size", type=int, default=SIZE, help=f"bytes per case (default {SIZE:,})")
    parser.add_argument("--regex", type=int, metavar="LENGTH", nargs="?", const=100_000,
                        help="time every regex of agentmerge/ on adversarial lines instead (default 100,000)")
    args = parser.parse_args()
    print(f"limit {DEFAULT_MAX_BYTES:,} bytes; bound {BOUND:.0f} s; {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}")
    if args.regex:
        slow = time_regexes(args.regex)
        print(f"{slow} regex(es) took a second or more on one line")
        return 1 if slow else 0
    commands = args.command or ["show", "consolidate"]
    chosen = [case for case in CASES if not args.cases or case.name in args.cases]
    slow = 0
    print(f"{'case':18} {'bytes':>10} {'command':12} {'seconds':>8} {'exit':>4}  first line of stderr")
    with tempfile.TemporaryDirectory() as folder:
        for case in chosen:
            for command in commands:
                seconds, status, first = run(case, command, folder, args.size)
                mark = " OVER" if seconds >= BOUND or status < 0 else ""
                slow += bool(mark)
                size = os.path.getsize(os.path.join(folder, f"{case.name}.md"))
                print(f"{case.name:18} {size:>10,} {command:12} {seconds:8.2f} {status:>4}{mark}  {first[:70]}",
                      flush=True)
    print(f"{slow} run(s) over the bound")
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
