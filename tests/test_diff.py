"""``agentmerge diff``: golden cases, invariants, the seeds, output formats and the git driver.

Golden cases are folders under ``tests/cases/<name>/``: ``a.md``, ``b.md``, ``flags`` (extra
command-line options, one line) and the expected outputs ``expected.txt``, ``expected.json`` and
``expected.md``. Regenerate them with ``pytest tests/test_diff.py --update-goldens`` and read the
change like code.
"""

from __future__ import annotations

import difflib
import itertools
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, SEEDS, requires_shared
from test_cli import validate

from agentmerge import parse_agent
from agentmerge.cli import cli
from agentmerge.diff import ChangeKind, Target, diff_agents, word_diff
from agentmerge.model import AgentDoc

CASES = sorted(p for p in (ROOT / "tests" / "cases").iterdir() if p.is_dir())
OUTPUTS = {"text": "expected.txt", "json": "expected.json", "markdown": "expected.md"}


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, env=env, catch_exceptions=False)


def doc(path: Path) -> AgentDoc:
    return parse_agent(path.read_text(encoding="utf-8"), path=path.name)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@pytest.mark.parametrize("fmt", sorted(OUTPUTS))
def test_golden_case(case: Path, fmt: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    flags = (case / "flags").read_text().split()
    result = run("diff", "a.md", "b.md", "--format", fmt, *flags)
    expected = case / OUTPUTS[fmt]
    if request.config.getoption("--update-goldens"):
        expected.write_text(result.stdout, encoding="utf-8")
    want = expected.read_text(encoding="utf-8")
    if result.stdout != want:
        delta = "".join(difflib.unified_diff(want.splitlines(True), result.stdout.splitlines(True), "expected", "got"))
        pytest.fail(f"{case.name} {fmt} differs from the golden:\n{delta}")
    differs = json.loads((case / "expected.json").read_text())["differs"]
    assert result.exit_code == (1 if differs else 0)
    if fmt == "json":
        validate(json.loads(result.stdout), "diff.schema.json")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_against_itself_has_no_difference(case: Path) -> None:
    for name in ("a.md", "b.md"):
        path = str(case / name)
        result = run("diff", path, path, *(case / "flags").read_text().split())
        assert (result.exit_code, result.stdout.splitlines()[-1]) == (0, "no semantic difference")


@requires_shared
@pytest.mark.parametrize("seed", sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else [], ids=lambda p: p.name[:3])
def test_seed_against_itself_is_all_unchanged(seed: Path) -> None:
    same = diff_agents(doc(seed), doc(seed))
    assert not same.differs
    assert {c.kind for c in same.changes} == {ChangeKind.UNCHANGED}
    assert sum(1 for c in same.changes if c.target is Target.RULE) == sum(1 for _ in doc(seed).rules())


def test_frontmatter_written_other_ways_is_no_change() -> None:
    result = diff_agents(doc(ROOT / "tests/cases/frontmatter-forms/a.md"),
                         doc(ROOT / "tests/cases/frontmatter-forms/b.md"))
    assert not result.differs  # key order, tools as a list, a folded description


def test_contradiction_is_never_reworded() -> None:
    case = ROOT / "tests/cases/contradiction"
    changes = diff_agents(doc(case / "a.md"), doc(case / "b.md")).changes
    found = {(c.old.text, c.new.text) for c in changes if c.kind is ChangeKind.CONTRADICTION and c.old and c.new}
    assert found == {
        ("Always use the ORM for database access.", "Never use the ORM for database access."),
        ("Use npm, not pnpm, to install packages.", "Use pnpm, not npm, to install packages."),
    }
    assert not [c for c in changes if c.kind is ChangeKind.REWORDED]


@requires_shared
def test_seeds_rewording_rename_and_tool_set() -> None:
    """Seed 000 against seed 001, checked by eye against both files."""
    first, second = sorted(SEEDS.glob("*.txt"))[:2]
    changes = diff_agents(doc(first), doc(second)).changes
    reworded = {(c.old.text, c.new.text) for c in changes if c.kind is ChangeKind.REWORDED and c.old and c.new}
    assert ("RESTful and GraphQL API design", "REST and GraphQL API design with proper versioning") in reworded
    renamed = {c.detail.split(";")[0] for c in changes if c.kind is ChangeKind.RENAMED}
    assert {"Core Competencies -> Capabilities", "Instructions -> Process", "Purpose -> Backend Engineer"} <= renamed
    tools = next(c for c in changes if c.key == "tools")
    assert tools.kind is ChangeKind.CHANGED and tools.detail == "-Edit, -MultiEdit, -Write"


@requires_shared
def test_one_shared_rule_does_not_rename_a_section() -> None:
    """Seed 003 against seed 004, checked by eye: of the six rules under "Decision-Making Framework"
    only "Choose well-established patterns ..." pairs into "Phase 2: Implementation" (with "Build
    endpoints following established patterns"), while "Quality Assurance" keeps most of its rules
    under "Phase 3: Verification"."""
    third, fourth = sorted(SEEDS.glob("*.txt"))[3:5]
    changes = diff_agents(doc(third), doc(fourth)).changes
    sections = {(c.kind, c.detail.split(";")[0] if c.kind is ChangeKind.RENAMED else c.key)
                for c in changes if c.target is Target.SECTION}
    assert (ChangeKind.REMOVED, "Decision-Making Framework") in sections
    assert (ChangeKind.ADDED, "Workflow / Phase 2: Implementation") in sections
    assert (ChangeKind.RENAMED, "Quality Assurance -> Phase 3: Verification") in sections


def test_word_diff_is_an_edit_script() -> None:
    script = word_diff("Never return stack traces to clients", "Never return stack traces in error responses")
    assert script == (("=", "Never return stack traces"), ("-", "to clients"), ("+", "in error responses"))


def test_invalid_yaml_side_still_diffs() -> None:
    case = ROOT / "tests/cases/invalid-yaml"
    result = run("diff", str(case / "a.md"), str(case / "b.md"), "--format", "text")
    assert result.exit_code == 1
    assert "frontmatter is not valid YAML" in result.stderr
    assert "+ rule added a:- -> b:2" not in result.stdout and "Answer in one paragraph" in result.stdout


def test_quiet_stat_and_errors(tmp_path: Path) -> None:
    case = ROOT / "tests/cases/rule-reworded"
    a, b = str(case / "a.md"), str(case / "b.md")
    quiet = run("diff", "--quiet", a, b)
    assert (quiet.exit_code, quiet.stdout) == (1, "")
    stat = run("diff", "--stat", a, b)
    assert stat.stdout == f"{a} -> {b}: rules: 2 reworded\n"
    missing = run("diff", a, str(tmp_path / "nope.md"))
    assert missing.exit_code == 2
    assert missing.stderr.strip() == f"{tmp_path / 'nope.md'}: error: No such file or directory"


def test_stdin_side() -> None:
    case = ROOT / "tests/cases/rule-reworded"
    result = run("diff", "-", str(case / "b.md"), stdin=(case / "a.md").read_text())
    assert result.exit_code == 1 and "--- -" in result.stdout


def test_colour_only_when_asked_or_on_a_tty() -> None:
    case = ROOT / "tests/cases/rule-reworded"
    args = ["diff", "--format", "terminal", str(case / "a.md"), str(case / "b.md")]
    assert "\x1b[" in run(*args, "--color").stdout
    assert "\x1b[" not in run(*args).stdout  # CliRunner's stdout is not a TTY
    assert "\x1b[" not in run(*args, env={"NO_COLOR": "1"}).stdout


def test_markdown_escapes_agent_text(tmp_path: Path) -> None:
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_text("- Keep replies short.\n")
    b.write_text("- Keep replies short.\n- Ping @octocat and close </details> <script>x</script>\n")
    out = run("diff", "--format", "markdown", str(a), str(b)).stdout
    assert "@octocat" not in out and "<script>" not in out and out.count("</details>") == out.count("<details>")


def test_core_stays_pure() -> None:
    code = "import sys, agentmerge.diff, agentmerge.render.diff; print('rich' in sys.modules, 'click' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


@requires_shared
@pytest.mark.parametrize("pair", list(itertools.combinations(range(5), 2)), ids=str)
def test_seed_pairs_diff_is_valid_and_mirrors_when_swapped(pair: tuple[int, int]) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    a, b = (str(seeds[n]) for n in pair)
    forward = run("diff", "--format", "json", a, b)
    backward = run("diff", "--format", "json", b, a)
    data, back = json.loads(forward.stdout), json.loads(backward.stdout)
    validate(data, "diff.schema.json")
    # Which of two crossing entries "moved" depends on the direction; moved + unchanged does not.
    flip = {"added": "removed", "removed": "added", "moved": "unchanged"}
    for target in ("rule", "section"):
        there, mirrored = Counter(), Counter()
        for kind, count in data["summary"][target].items():
            there[flip.get(kind, kind) if kind == "moved" else kind] += count
        for kind, count in back["summary"][target].items():
            mirrored[flip.get(kind, kind)] += count
        assert there == mirrored, target


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_diff_driver_in_a_real_repository(tmp_path: Path) -> None:
    """``git diff`` calls ``agentmerge git-diff`` with its 7 arguments, as the README sets it up."""
    exe = Path(sys.executable).with_name("agentmerge")
    if not exe.exists():
        pytest.skip("the agentmerge console script is not installed beside this Python")
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path), "NO_COLOR": "1"}

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tmp_path, env=env, capture_output=True, text=True,
                              check=True).stdout

    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "t")
    git("config", "diff.agentmerge.command", f"{exe} git-diff")
    (tmp_path / ".gitattributes").write_text("*.md diff=agentmerge\n")
    case = ROOT / "tests/cases/rule-reworded"
    shutil.copy(case / "a.md", tmp_path / "backend.md")
    git("add", ".")
    git("commit", "-qm", "one")
    shutil.copy(case / "b.md", tmp_path / "backend.md")
    shutil.copy(ROOT / "tests/cases/contradiction/a.md", tmp_path / "db.md")
    git("add", "db.md")
    out = git("diff", "HEAD")
    assert "agentmerge diff a/backend.md b/backend.md" in out
    assert "~ rule reworded" in out and "[-to clients.-]" in out
    assert "agentmerge diff a/db.md b/db.md" in out and "+ rule added b:8" in out


def test_loading_the_command_line_stays_light() -> None:
    """``agentmerge diff`` must start fast: the command line imports no command's machinery."""
    code = ("import sys, agentmerge.cli; heavy = ['numpy', 'deepdiff', 'rich', 'agentmerge.align', "
            "'agentmerge.findings', 'agentmerge.merge']; print([m for m in heavy if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
