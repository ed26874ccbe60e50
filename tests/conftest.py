"""Shared test helpers: where ``../shared`` (seeds and corpus) lives, and clean skips without it.

``../shared`` sits beside the repository (``/work/shared`` for ``/work/main``). A user running the
tests from a source tarball does not have it: every test that needs it is skipped, never failed.

Tests ask for it in three ways:

- a ``corpus_file`` or ``seed_file`` argument: :func:`pytest_generate_tests` runs the test once per
  file of ``../shared/corpus/MANIFEST.tsv`` or ``../shared/seeds/*.txt``, the id being the path
  relative to that folder (one skipped case when the folder is absent);
- the ``shared_dir`` fixture, or the module-level :func:`shared_path` / ``requires_shared``;
- the ``load_shared`` fixture, which reads and parses one file of ``../shared``.

:func:`assert_spans_point_at_source` is the span check the parser, property and fuzz tests share.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from agentmerge import parse_agent
from agentmerge.model import AgentDoc, Span
from agentmerge.parse import split_lines

# Hypothesis profiles: "ci" (the default) keeps the property and fuzz tests to a few seconds on
# two shared cores; HYPOTHESIS_PROFILE=long (or --hypothesis-profile=long) searches 50 times deeper.
# No deadline: generated files vary in size, and timings belong in benchmarks/, not in tests.
settings.register_profile("ci", max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=1_500, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the folder holding ``pyproject.toml``)."""
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
MANIFEST = CORPUS / "MANIFEST.tsv"

_ABSENT = "../shared is absent (e.g. tests run from a source tarball)"

requires_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=_ABSENT)
"""Mark for tests that read ``../shared``: skipped when it is absent."""


def shared_path(*parts: str) -> Path:
    """Return ``../shared/<parts>``, skipping the calling test when that file or folder is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent; {_ABSENT}")
    return path


def corpus_files() -> list[str]:
    """Paths of the corpus files, relative to ``../shared/corpus``, as MANIFEST.tsv lists them."""
    if not MANIFEST.is_file():
        return []
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        return [row["path"] for row in csv.DictReader(handle, delimiter="\t")]


def seed_files() -> list[str]:
    """Names of the seed files (``../shared/seeds/*.txt``), sorted."""
    return sorted(path.name for path in SEEDS.glob("*.txt")) if SEEDS.is_dir() else []


def read_source(path: Path) -> str:
    """Read a file exactly as agentmerge's own tests expect: bytes decoded as UTF-8, nothing else."""
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8")


def _params(folder: Path, names: list[str]) -> list[object]:
    if not names:
        return [pytest.param(None, id="shared-absent", marks=pytest.mark.skip(reason=_ABSENT))]
    return [pytest.param(folder / name, id=name) for name in names]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests taking ``corpus_file`` / ``seed_file`` once per file (a :class:`Path`)."""
    if "corpus_file" in metafunc.fixturenames:
        metafunc.parametrize("corpus_file", _params(CORPUS, corpus_files()))
    if "seed_file" in metafunc.fixturenames:
        metafunc.parametrize("seed_file", _params(SEEDS, seed_files()))


def assert_spans_point_at_source(doc: AgentDoc, text: str, *, keys: bool = False) -> None:
    """Assert that every node's span covers exactly the lines of ``text`` its source holds.

    Spans are what reports and annotations point users at, so a span one line off is a bug even
    when the file renders back byte for byte. With ``keys``, each frontmatter key must also start
    its own source (true when every key starts a line, unquoted, as in generated files).
    """
    lines = split_lines(text.removeprefix("\ufeff"))

    def at(span: Span) -> str:
        return "".join(lines[span.start - 1 : span.end])

    if doc.frontmatter.span is not None:
        assert at(doc.frontmatter.span) == doc.frontmatter.source
    for item in doc.frontmatter.fields:
        assert at(item.span) == item.source, f"frontmatter key {item.key!r}"
        assert not keys or item.source.lstrip(" \t").startswith(item.key), f"frontmatter key {item.key!r}"
    for section in doc.body.walk():
        if section.heading is not None:
            assert at(section.heading.span) == section.heading.source
        for block in section.blocks:
            assert at(block.span) == block.source, f"{block.kind.name} block at {block.span}"
    for ref in doc.rules():
        assert at(ref.rule.span) == ref.rule.source, f"rule at {ref.rule.span}"


@pytest.fixture
def shared_dir() -> Path:
    """The ``../shared`` folder; the test is skipped when it is absent."""
    return shared_path()


@pytest.fixture
def load_shared() -> Callable[..., tuple[str, AgentDoc]]:
    """Return ``load(*parts) -> (text, doc)`` for a file of ``../shared`` (skips when absent).

    The doc's path is the file's path relative to its collection folder (``corpus``/``seeds``),
    so diagnostics and dialect detection see the same path as the MANIFEST.
    """

    def load(*parts: str) -> tuple[str, AgentDoc]:
        path = shared_path(*parts)
        text = read_source(path)
        return text, parse_agent(text, path="/".join(parts[1:]))

    return load


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-goldens`` rewrites the expected outputs of the golden cases (tests/cases/)."""
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/cases/*/expected.*")
