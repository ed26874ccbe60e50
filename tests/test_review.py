"""``agentmerge review`` end to end on real temporary git repositories.

The repository of most tests (:func:`pull_request`) has a ``main`` branch with three agents and a
README, and a ``feature`` branch that edits one agent (a reworded, a removed and an added rule,
a tool taken away), renames another, adds a near-duplicate of the first, adds an agent whose rule
contradicts ``agents/db.md``, and adds seed 002, whose frontmatter is not valid YAML.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import ROOT, read_source, shared_path

from agentmerge.cli import cli
from agentmerge.render.review import MARKER, RENDERERS

DB = """---
name: db
description: Database specialist for schema design and queries.
tools: Read, Grep
---

## Rules

- Always use the ORM for database access
- Keep migrations reversible
- Index every foreign key
- Review query plans for slow queries
"""
FAST_DB = """---
name: fast-db
description: Tunes hot database paths.
---

## Rules

- Never use an ORM for database access
- Profile before optimising
"""


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` (test set-up only) and return its output."""
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture(autouse=True)
def clean_git(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration; a fixed author."""
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{who}_EMAIL", "test@example.com")


def init(repo: Path) -> Path:
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def edit(path: Path, *pairs: tuple[str, str]) -> None:
    text = read_source(path)
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new)
    path.write_bytes(text.encode("utf-8"))


@pytest.fixture
def pull_request(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The repository described in the module docstring, on branch ``feature``, as the cwd."""
    seed = read_source(shared_path("seeds", "000_c13d21cbee3c67d6.txt"))
    broken = read_source(shared_path("seeds", "002_59c9f4250e3f9764.txt"))
    repo = init(tmp_path / "repo")
    agents = repo / "agents"
    agents.mkdir()
    (agents / "backend-engineer.md").write_text(seed)
    (agents / "helper.md").write_text(read_source(ROOT / "samples" / "docs-writer.md"))
    (agents / "db.md").write_text(DB)
    (repo / "README.md").write_text("# Project\n\nHow to use the agents.\n")
    commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    edit(agents / "backend-engineer.md",
         ("   - Implement proper input validation\n", "   - Validate every input at the API boundary\n"),
         ("   - Write database queries efficiently\n", ""),
         ("   - Include logging and monitoring hooks\n",
          "   - Include logging and monitoring hooks\n   - Never log secrets or tokens\n"),
         ("tools: Read, Write, Edit, MultiEdit, Glob, Grep, Bash", "tools: Read, Write, Edit, MultiEdit, Glob, Grep"))
    (agents / "api-dev.md").write_text(
        seed.replace("name: backend-engineer", "name: api-dev")
        .replace("- Testing (unit, integration, e2e)", "- Testing at every level (unit, integration, e2e)"))
    (agents / "fast-db.md").write_text(FAST_DB)
    (agents / "broken.md").write_text(broken)
    (repo / "README.md").write_text("# Project\n\nHow to use the agents, @everyone.\n")
    git(repo, "mv", "agents/helper.md", "agents/writer.md")
    commit(repo, "feature")
    monkeypatch.chdir(repo)
    yield repo


def outside_fences(markdown: str) -> str:
    """The lines of ``markdown`` that are not inside fenced code blocks."""
    out, fence = [], ""
    for line in markdown.splitlines():
        match = re.match(r"\s*(`{3,})", line)
        if fence:
            if match and match[1] == fence:
                fence = ""
        elif match:
            fence = match[1]
        else:
            out.append(line)
    return "\n".join(out)


def review(*args: str) -> Result:
    return CliRunner().invoke(cli, ["review", *args], catch_exceptions=False)


def found(result: Result) -> set[tuple[str, int | None, str]]:
    """(path, line, rule) of every finding, read from ``--format rdjsonl`` output."""
    out = set()
    for line in result.stdout.splitlines():
        item = json.loads(line)
        where = item["location"].get("range", {}).get("start", {}).get("line")
        out.add((item["location"]["path"], where, item["code"]["value"]))
    return out


# -- what is found ------------------------------------------------------------------------------


def test_pull_request_findings(pull_request: Path) -> None:
    result = review("main", "--head", "HEAD", "--format", "rdjsonl")
    assert result.exit_code == 1
    assert result.stderr == ""
    got = found(result)
    expected = {
        ("agents/backend-engineer.md", 4, "frontmatter-changed"),  # tools: -Bash
        ("agents/backend-engineer.md", 44, "rule-reworded"),
        ("agents/backend-engineer.md", 47, "rule-added"),
        ("agents/backend-engineer.md", 23, "rule-removed"),  # on the heading of its section
        ("agents/writer.md", 2, "agent-renamed"),
        ("agents/api-dev.md", 2, "agent-added"),
        ("agents/api-dev.md", 2, "duplicate-agent"),
        ("agents/fast-db.md", 8, "contradicts-agent"),
        ("agents/broken.md", 3, "frontmatter-invalid-yaml"),
        ("agents/broken.md", 2, "duplicate-name"),
    }
    assert expected <= got
    assert {path for path, _, _ in got} == {"agents/backend-engineer.md", "agents/writer.md", "agents/api-dev.md",
                                           "agents/fast-db.md", "agents/broken.md"}  # not README.md, not db.md


def test_text_messages(pull_request: Path) -> None:
    out = review("main", "--head", "HEAD").stdout
    assert ("agents/api-dev.md:2: warning: new agent `api-dev` covers 97% of the rules of `backend-engineer` "
            "(agents/backend-engineer.md) [duplicate-agent]\n") in out
    assert ("agents/fast-db.md:8: warning: 'Never use an ORM for database access' contradicts agents/db.md:9 "
            "'Always use the ORM for database access' [contradicts-agent]\n") in out
    assert ("agents/backend-engineer.md:23: info: rule removed in Purpose / Instructions: Write database queries "
            "efficiently (was line 47) [rule-removed]\n") in out
    assert "    [-Implement proper-] {+Validate every+} input [-validation-] {+at the API boundary+}\n" in out
    assert ("agents/backend-engineer.md:4: warning: frontmatter key 'tools' changed [frontmatter-changed]\n"
            "    -Bash\n") in out
    assert "agents/writer.md:2: info: renamed from agents/helper.md, 100% similar [agent-renamed]\n" in out
    assert "    suggested: description: 'Use this agent when you need backend development expertise," in out


def test_invalid_yaml_suggestion_is_strict_yaml_with_the_recovered_value(pull_request: Path) -> None:
    import yaml

    from agentmerge import parse_agent

    lines = [json.loads(line) for line in review("main", "--head", "HEAD", "--format", "rdjsonl").stdout.splitlines()]
    (item,) = [d for d in lines if "suggestions" in d]
    (suggestion,) = item["suggestions"]
    original = read_source(pull_request / "agents" / "broken.md").splitlines()[2]
    assert suggestion["range"] == {"start": {"line": 3, "column": 1},
                                   "end": {"line": 3, "column": len(original.encode("utf-8")) + 1}}
    recovered = parse_agent(read_source(pull_request / "agents" / "broken.md")).frontmatter.get("description")
    assert yaml.safe_load(suggestion["text"]) == {"description": recovered}


def test_modified_file_that_already_duplicated_is_not_reported_again(pull_request: Path) -> None:
    git(pull_request, "checkout", "-q", "-b", "second")  # feature is the base of a second change
    edit(pull_request / "agents" / "api-dev.md", ("- Middleware additions\n", "- Middleware changes\n"))
    commit(pull_request, "second")
    result = review("feature", "--head", "HEAD", "--format", "rdjsonl")
    assert found(result) == {("agents/api-dev.md", 61, "rule-reworded")}


def test_default_base_is_the_merge_base_with_main(pull_request: Path) -> None:
    git(pull_request, "checkout", "-q", "main")
    edit(pull_request / "agents" / "db.md", ("- Index every foreign key\n", ""))
    commit(pull_request, "main moves on")
    git(pull_request, "checkout", "-q", "feature")
    result = review("--head", "HEAD", "--format", "rdjsonl")
    paths = {path for path, _, _ in found(result)}
    assert "agents/db.md" not in paths  # main's own change is not part of the pull request
    assert "agents/backend-engineer.md" in paths


def test_paths_limit_the_files_reviewed_not_the_agents_compared(pull_request: Path) -> None:
    result = review("main", "--head", "HEAD", "--format", "rdjsonl", "agents/fast-db.md")
    assert {path for path, _, _ in found(result)} == {"agents/fast-db.md"}
    assert ("agents/fast-db.md", 8, "contradicts-agent") in found(result)  # db.md is still compared


def test_working_tree_untracked_files_and_nothing_written(pull_request: Path) -> None:
    edit(pull_request / "agents" / "db.md", ("- Keep migrations reversible\n", "- Keep every migration reversible\n"))
    (pull_request / "agents" / "new.md").write_text(FAST_DB.replace("name: fast-db", "name: new"))
    (pull_request / "agents" / "linked.md").symlink_to("db.md")
    before = (git(pull_request, "status", "--porcelain"), (pull_request / ".git" / "index").read_bytes())
    result = review("HEAD", "--format", "rdjsonl")
    got = found(result)
    assert ("agents/db.md", 10, "rule-reworded") in got
    assert ("agents/new.md", 2, "agent-added") in got
    assert not any(path == "agents/linked.md" for path, _, _ in got)  # a link holds no agent text
    assert (git(pull_request, "status", "--porcelain"), (pull_request / ".git" / "index").read_bytes()) == before


def test_no_change_is_clean(pull_request: Path) -> None:
    result = review("HEAD", "--head", "HEAD", "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.endswith("No agent file changed (HEAD (" + git(pull_request, "rev-parse", "--short=7",
                                                                        "HEAD").strip() + ") → HEAD (" +
                                  git(pull_request, "rev-parse", "--short=7", "HEAD").strip() + ")).\n")


def test_fail_on_error_ignores_warnings(pull_request: Path) -> None:
    assert review("main", "--head", "HEAD", "--fail-on", "error").exit_code == 0
    assert review("main", "--head", "HEAD", "--fail-on", "warning").exit_code == 1
    assert review("main", "--head", "HEAD", "--fail-on", "never").exit_code == 0


# -- errors: one line, exit 2 --------------------------------------------------------------------


def test_outside_a_repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = review()
    assert result.exit_code == 2
    assert result.stderr.startswith(".: error: not a git repository")
    assert len(result.stderr.splitlines()) == 1


def test_unknown_head_and_no_default_branch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = init(tmp_path / "repo")
    (repo / "a.md").write_text(DB)
    commit(repo, "one")
    git(repo, "branch", "-m", "trunk")
    monkeypatch.chdir(repo)
    result = review("--head", "nope")
    assert (result.exit_code, result.stderr) == (2, "nope: error: not a commit in this repository\n")
    result = review()
    assert result.exit_code == 2
    assert result.stderr.endswith(": error: no default branch found (origin/HEAD, main, master); give BASE\n")
    assert review("trunk").exit_code == 0


def test_unreadable_changed_file_is_an_error_and_the_rest_is_reviewed(pull_request: Path) -> None:
    (pull_request / "agents" / "blob.md").write_bytes(b"---\nname: x\n---\n\x00\x01")
    commit(pull_request, "binary")
    result = review("main", "--head", "HEAD")
    assert result.exit_code == 2
    assert result.stderr == "agents/blob.md: error: binary file (it holds NUL bytes)\n"
    assert "[duplicate-agent]" in result.stdout


# -- each format on the pull request -------------------------------------------------------------


def test_markdown_comment(pull_request: Path) -> None:
    out = review("main", "--head", "HEAD", "--format", "markdown").stdout
    assert out.startswith("<!-- agentmerge-review -->\n## agentmerge review\n\n5 agent files changed (main (")
    assert "| agents/broken.md | added | 0 | 3 | 1 |" in out
    assert "### agents/writer.md (renamed from agents/helper.md)" in out
    prose = outside_fences(out)
    tags = set(re.findall(r"<[^>\n]*>", prose))
    assert tags == {"<!-- agentmerge-review -->", "<details>", "</details>", "<summary>", "</summary>"}
    assert "<example>" in out  # seed 002's description, in the suggestion's code block only
    assert out.count("<details>") == out.count("</details>") == 5  # one per file with notes
    assert "@everyone" not in out


def test_github_annotations(pull_request: Path) -> None:
    lines = review("main", "--head", "HEAD", "--format", "github").stdout.splitlines()
    assert ("::warning file=agents/api-dev.md,line=2,title=agentmerge duplicate-agent%3A agent duplicates another "
            "agent::new agent `api-dev` covers 97%25 of the rules of `backend-engineer` (agents/backend-engineer.md)"
            ) in lines
    assert any(line.startswith("::notice file=agents/backend-engineer.md,line=44,title=agentmerge rule-reworded")
               and line.endswith("::rule reworded in Purpose / Instructions: Validate every input at the API "
                                 "boundary%0A[-Implement proper-] {+Validate every+} input [-validation-] {+at the "
                                 "API boundary+}") for line in lines)


def test_github_review_comments_only_touched_lines(pull_request: Path) -> None:
    data = json.loads(review("main", "--head", "HEAD", "--format", "github-review").stdout)
    assert data["event"] == "COMMENT"
    placed = {(c["path"], c["line"]) for c in data["comments"]}
    assert all(c["side"] == "RIGHT" for c in data["comments"])
    assert ("agents/backend-engineer.md", 44) in placed  # the reworded rule
    assert ("agents/backend-engineer.md", 23) not in placed  # a heading the change did not touch
    assert not any(path == "agents/writer.md" for path, _ in placed)  # a pure rename touches no line
    assert "rule removed in Purpose / Instructions" in data["body"]
    assert "renamed from agents/helper.md" in data["body"]
    for comment in data["comments"]:  # every comment sits inside a hunk of git's own diff
        hunks = git(pull_request, "diff", "-U0", "-M", "main", "HEAD", "--", comment["path"])
        spans = [(int(a), int(a) + int(b or 1) - 1)
                 for a, b in re.findall(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", hunks, re.MULTILINE)]
        first = comment.get("start_line", comment["line"])
        assert any(a <= first and comment["line"] <= b for a, b in spans), comment
    (fix,) = [c for c in data["comments"] if "```suggestion" in c["body"]]
    assert (fix["path"], fix["line"]) == ("agents/broken.md", 3)
    assert "\n```suggestion\ndescription: 'Use this agent when" in fix["body"]


def test_sarif_fingerprints_survive_moved_lines(pull_request: Path) -> None:
    first = json.loads(review("main", "--head", "HEAD", "--format", "sarif").stdout)
    edit(pull_request / "agents" / "fast-db.md", ("## Rules\n", "## Rules\n\n- Measure twice\n"))
    commit(pull_request, "a rule above")
    second = json.loads(review("main", "--head", "HEAD", "--format", "sarif").stdout)

    def prints(log: dict[str, object]) -> dict[str, tuple[int, str]]:
        out = {}
        for result in log["runs"][0]["results"]:  # type: ignore[index]
            where = result["locations"][0]["physicalLocation"]
            if where["artifactLocation"]["uri"] == "agents/fast-db.md" and result["ruleId"] == "contradicts-agent":
                out[result["partialFingerprints"]["agentmergeFinding/v1"]] = (where["region"]["startLine"],
                                                                             result["message"]["text"])
        return out

    before, after = prints(first), prints(second)
    assert before.keys() == after.keys() and before
    assert {line for line, _ in before.values()} == {8} and {line for line, _ in after.values()} == {10}


# -- the GitHub Action, the pre-commit hooks, the README ----------------------------------------


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    return loaded


def step(name: str) -> dict[str, Any]:
    (found_step,) = [s for s in action()["runs"]["steps"] if s.get("name") == name]
    return found_step


def test_action_is_composite_and_scripts_read_inputs_from_the_environment() -> None:
    data = action()
    assert data["runs"]["using"] == "composite"
    scripts = [s["run"] for s in data["runs"]["steps"] if "run" in s]
    assert scripts and not any("${{" in script for script in scripts)  # no expression injection
    formats = {f for script in scripts for f in re.findall(r"--format (\S+)", script)}
    assert formats == {"markdown", "github"} and formats <= set(RENDERERS)
    assert f"marker='{MARKER}'" in step("Post or update the pull-request comment")["run"]


def run_step(name: str, repo: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run one step's script as GitHub's runner does (bash -e -o pipefail), agentmerge on PATH."""
    path = f"{env.pop('EXTRA_PATH', '')}:{Path(sys.executable).parent}:{os.environ['PATH']}"
    return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step(name)["run"]],
                          cwd=repo, env={**os.environ, **env, "PATH": path}, capture_output=True, text=True)


def test_action_review_and_comment_steps(pull_request: Path, tmp_path: Path) -> None:
    outputs, summary = tmp_path / "output", tmp_path / "summary"
    runner = {"GITHUB_OUTPUT": str(outputs), "GITHUB_STEP_SUMMARY": str(summary), "RUNNER_TEMP": str(tmp_path)}
    done = run_step("Review", pull_request, {**runner, "BASE": "main", "BASE_REF": "", "PATHS": "agents",
                                            "FAIL_ON": "warning", "ANNOTATIONS": "true"})
    assert done.returncode == 0, done.stderr
    assert "::warning file=agents/api-dev.md,line=2,title=agentmerge duplicate-agent" in done.stdout
    values = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert values["status"] == "1"  # warnings, at fail-on warning
    comment = Path(values["comment"]).read_text()
    assert comment.startswith(MARKER) and summary.read_text() == comment
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "gh").write_text('#!/bin/bash\nif [ "$2" = "--paginate" ]; then echo "$FAKE_ID"; '
                             'else echo "$@" >> "$GH_LOG"; fi\n')
    (fake / "gh").chmod(0o755)
    log = tmp_path / "gh.log"
    for existing, expected in (("", f"api --method POST repos/o/r/issues/7/comments -F body=@{values['comment']}"),
                               ("42", f"api --method PATCH repos/o/r/issues/comments/42 -F body=@{values['comment']}")):
        done = run_step("Post or update the pull-request comment", pull_request, {
            "GH_TOKEN": "t", "REPO": "o/r", "PR": "7", "COMMENT": values["comment"], "FAKE_ID": existing,
            "GH_LOG": str(log), "EXTRA_PATH": str(fake)})
        assert done.returncode == 0, done.stderr
        assert log.read_text().splitlines()[-1] == expected


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert set(hooks) == {"agentmerge-check", "agentmerge-dedup"}
    assert hooks["agentmerge-check"]["entry"] == "agentmerge check"
    assert hooks["agentmerge-dedup"]["entry"] == "agentmerge dedup --check"
    for hook in hooks.values():  # each entry names a command and options that exist
        program, name, *flags = hook["entry"].split()
        command = cli.commands[name]
        assert program == "agentmerge"
        assert set(flags) <= {opt for param in command.params for opt in getattr(param, "opts", [])}
    pattern = re.compile(hooks["agentmerge-check"]["files"])
    for path in (".claude/agents/api.md", "x/.github/agents/a.md", ".cursor/rules/py.mdc", "docs/a.agent.md"):
        assert pattern.search(path), path
    for path in ("README.md", "docs/guide.md", "agents.txt"):
        assert not pattern.search(path), path


def test_pre_commit_check_hook_runs(tmp_path: Path) -> None:
    (tmp_path / ".claude" / "agents").mkdir(parents=True)
    agent = tmp_path / ".claude" / "agents" / "db.md"
    agent.write_text(DB)
    hook = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))[0]
    result = CliRunner().invoke(cli, [*hook["entry"].split()[1:], str(agent)], catch_exceptions=False)
    assert (result.exit_code, result.stdout) == (0, "")


def test_readme_review_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Pull-request review", 1)[1]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)
    workflows = [yaml.safe_load(block) for block in blocks]
    assert len(workflows) == 3
    for workflow in workflows[:2]:
        checkout = workflow["jobs"]["review"]["steps"][0]
        assert checkout["with"]["fetch-depth"] == 0  # the merge base needs history
    assert workflows[2]["repos"][0]["hooks"] == [{"id": "agentmerge-check"}, {"id": "agentmerge-dedup"}]
    assert all(f"`{name}`" in section for name in RENDERERS)
    assert MARKER in section
