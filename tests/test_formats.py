"""The review formats on hand-built findings: escaping, limits, columns, and the official schemas.

SARIF is validated against OASIS's sarif-schema-2.1.0.json and rdjson/rdjsonl against reviewdog's
DiagnosticResult.json / Diagnostic.json, all vendored in ../shared/schemas (skipped when absent).
Each schema test has a control that must fail, so a schema that checks nothing would be noticed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType
from typing import Any

import click
import pytest
from conftest import shared_path
from jsonschema import Draft4Validator, validators

from agentmerge.cli import cli
from agentmerge.diff import ChangeKind, Target
from agentmerge.findings import (
    RULES,
    FileChange,
    FileStatus,
    Finding,
    Location,
    Review,
    Suggestion,
    rule_info,
)
from agentmerge.model import Severity
from agentmerge.render import github, rdjson, sarif
from agentmerge.render.review import LIMIT, MARKER, RENDERERS, github_review, markdown

HOSTILE = "</details><script>alert(1)</script> | @octocat 100% done\r\nnext"
OLD_LINE = "name: café 𐐀"  # 6 ASCII + 'café' (4 code points, 5 bytes) + ' ' + U+10400 (4 bytes)


def sample() -> Review:
    """Three files: a changed one with a hostile rule, a deleted one, one with an odd name."""
    hostile = Finding(
        "agents/my agent#1.md", 3, 4, Severity.WARNING, "contradicts-agent", HOSTILE,
        detail="-old\n+```new```\n+````", key="k",
        suggestion=Suggestion(2, 2, OLD_LINE, "name: cafe"),
        related=(Location("agents/db.md", 9, 9, "Always use the ORM"),),
    )
    fix = Finding("agents/my agent#1.md", 2, 2, Severity.ERROR, "bad-value", "'name' must be text", key="n",
                  suggestion=Suggestion(2, 2, OLD_LINE, "name: cafe"))
    gone = Finding("agents/old.md", None, None, Severity.INFO, "agent-removed", "agent `old` removed (4 rules)")
    odd = Finding("agents/a,b:c.md", 7, 7, Severity.INFO, "some-new-code", "a code the catalogue lacks")
    files = (
        FileChange(FileStatus.MODIFIED, "agents/my agent#1.md", "agents/my agent#1.md", None, None, ((2, 3),)),
        FileChange(FileStatus.DELETED, "agents/old.md", "agents/old.md", None, None, ()),
        FileChange(FileStatus.ADDED, "agents/a,b:c.md", None, None, None, ((1, 9),)),
    )
    return Review("main (1a2b3c4)", "working tree", files, (odd, fix, hostile, gone))


# -- github workflow commands --------------------------------------------------------------------


def test_github_commands_escape_data_and_properties() -> None:
    lines = github.findings(sample()).splitlines()
    assert lines[0] == ("::notice file=agents/a%2Cb%3Ac.md,line=7,title=agentmerge some-new-code%3A agentmerge "
                        "check%3A some-new-code::a code the catalogue lacks")
    assert lines[2] == ("::warning file=agents/my agent#1.md,line=3,endLine=4,title=agentmerge contradicts-agent%3A "
                        "rule contradicts another agent::</details><script>alert(1)</script> | @octocat 100%25 "
                        "done%0D%0Anext%0A-old%0A+```new```%0A+````%0Asuggested replacement:%0Aname: cafe")
    assert lines[3] == "::notice file=agents/old.md,title=agentmerge agent-removed%3A agent removed::" \
                       "agent `old` removed (4 rules)"
    assert len(lines) == 4  # one command per finding: no raw line break survives


# -- SARIF ---------------------------------------------------------------------------------------


def sarif_validator() -> Any:
    schema = json.loads(shared_path("schemas", "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    validator = validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema, format_checker=validator.FORMAT_CHECKER)


def test_sarif_is_valid_and_stable() -> None:
    log = json.loads(sarif.sarif(sample()))
    validator = sarif_validator()
    assert list(validator.iter_errors(log)) == []
    run = log["runs"][0]
    ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert ids == ["agent-removed", "bad-value", "contradicts-agent", "some-new-code"]
    results = run["results"]
    assert [ids[r["ruleIndex"]] for r in results] == [r["ruleId"] for r in results]
    odd, fix, hostile, gone = results
    where = hostile["locations"][0]["physicalLocation"]
    assert where["artifactLocation"] == {"uri": "agents/my%20agent%231.md", "uriBaseId": "%SRCROOT%"}
    assert where["region"] == {"startLine": 3, "endLine": 4}
    assert hostile["partialFingerprints"] == {"agentmergeFinding/v1": sample().findings[2].fingerprint}
    assert hostile["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9
    (change,) = fix["fixes"][0]["artifactChanges"]
    assert change["replacements"][0]["deletedRegion"] == {"startLine": 2, "startColumn": 1, "endLine": 2,
                                                          "endColumn": 13}  # 12 code points + 1
    assert run["columnKind"] == "unicodeCodePoints"
    assert "region" not in gone["locations"][0]["physicalLocation"]  # a deleted file has no HEAD line
    assert odd["level"] == "note" and fix["level"] == "error"
    broken = json.loads(sarif.sarif(sample()))
    broken["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert list(validator.iter_errors(broken))  # the control: line 0 is rejected


def test_fingerprint_ignores_lines_but_not_rule_or_path() -> None:
    finding = sample().findings[2]
    moved = Finding(finding.path, 30, 31, finding.severity, finding.rule, "other words", key=finding.key)
    assert moved.fingerprint == finding.fingerprint
    assert Finding("elsewhere.md", 3, 4, finding.severity, finding.rule, "", key="k").fingerprint != finding.fingerprint
    assert Finding(finding.path, 3, 4, finding.severity, "rule-added", "", key="k").fingerprint != finding.fingerprint


# -- reviewdog -----------------------------------------------------------------------------------


def reviewdog(name: str) -> Draft4Validator:
    return Draft4Validator(json.loads(shared_path("schemas", "reviewdog", name).read_text(encoding="utf-8")))


def test_rdjson_and_rdjsonl_are_valid() -> None:
    result = json.loads(rdjson.rdjson(sample()))
    assert list(reviewdog("DiagnosticResult.json").iter_errors(result)) == []
    lines = [json.loads(line) for line in rdjson.rdjsonl(sample()).splitlines()]
    one = reviewdog("Diagnostic.json")
    assert all(list(one.iter_errors(line)) == [] for line in lines)
    assert lines == result["diagnostics"]
    result["diagnostics"][0]["location"]["range"]["start"]["line"] = "one"
    assert list(reviewdog("DiagnosticResult.json").iter_errors(result))  # the control


def test_rdjson_lines_severity_and_byte_columns() -> None:
    odd, fix, hostile, gone = (json.loads(line) for line in rdjson.rdjsonl(sample()).splitlines())
    assert hostile["location"] == {"path": "agents/my agent#1.md", "range": {"start": {"line": 3}, "end": {"line": 4}}}
    assert (hostile["severity"], fix["severity"], gone["severity"]) == ("WARNING", "ERROR", "INFO")
    assert fix["suggestions"] == [{"range": {"start": {"line": 2, "column": 1}, "end": {"line": 2, "column": 17}},
                                   "text": "name: cafe"}]
    assert len(OLD_LINE.encode("utf-8")) + 1 == 17
    assert gone["location"] == {"path": "agents/old.md"}
    assert hostile["related_locations"][0]["location"]["range"]["start"] == {"line": 9}
    assert odd["code"] == {"value": "some-new-code"}


# -- the pull-request comment --------------------------------------------------------------------


def test_markdown_escapes_agent_text() -> None:
    out = markdown(sample())
    assert out.startswith(MARKER + "\n")
    assert "<script>" not in out and "</details><script>" not in out
    assert out.count("<details>") == out.count("</details>")
    assert "@octocat" not in out and "@\u200boctocat" in out
    assert "\\| @\u200boctocat 100% done next" in out  # a pipe cannot break the table, CR/LF flattened
    assert "  `````diff\n  -old\n  +```new```\n  +````\n  `````" in out  # no run of backticks closes the fence
    assert "### agents/my agent\\#1.md (modified)" in out


def test_markdown_stays_under_the_comment_limit() -> None:
    many = tuple(Finding(f"agents/a{n:04}.md", n + 1, n + 1, Severity(("warning", "info")[n % 2]), "rule-added",
                         "x" * 200 + " é" * 50, detail="y" * 100) for n in range(3000))
    files = tuple(FileChange(FileStatus.ADDED, f.path, None, None, None, ((1, 9999),)) for f in many)
    out = markdown(Review("main", "HEAD", files, many))
    assert len(out.encode("utf-8")) < LIMIT
    assert out.count("<details>") == out.count("</details>")
    note = out.rstrip("\n").splitlines()[-1]
    shown = out.count("\n- ")
    assert note == f"_{3000 - shown} more findings not shown: a comment holds at most 65,536 characters. " \
                   "Run `agentmerge review` for all of them._"
    assert "more findings not shown" not in markdown(sample())


def test_github_review_places_comments_on_touched_lines() -> None:
    data = json.loads(github_review(sample()))
    assert data["event"] == "COMMENT"
    comments = {(c["path"], c["line"]): c for c in data["comments"]}
    assert set(comments) == {("agents/a,b:c.md", 7), ("agents/my agent#1.md", 2), ("agents/my agent#1.md", 3)}
    hostile = comments[("agents/my agent#1.md", 3)]  # lines 3-4, of which the change touched line 3
    assert "start_line" not in hostile and hostile["side"] == "RIGHT"
    assert "```suggestion" not in hostile["body"]  # its fix is for line 2, not the lines commented on
    fix = comments[("agents/my agent#1.md", 2)]
    assert fix["body"].endswith("\n\n```suggestion\nname: cafe\n```\n")
    assert "agent \\`old\\` removed" in data["body"]  # a deleted file has no line to comment on
    assert "<script>" not in json.dumps(data)


def test_github_review_multi_line_range() -> None:
    finding = Finding("a.md", 4, 9, Severity.INFO, "block-changed", "block changed")
    review = Review("b", "h", (FileChange(FileStatus.MODIFIED, "a.md", "a.md", None, None, ((2, 6),)),), (finding,))
    (comment,) = json.loads(github_review(review))["comments"]
    assert (comment["start_line"], comment["line"], comment["start_side"]) == (4, 6, "RIGHT")


# -- registry, catalogue, purity -----------------------------------------------------------------


def test_registry_is_read_only_and_is_the_format_choice() -> None:
    assert isinstance(RENDERERS, MappingProxyType)
    command = cli.commands["review"]
    (option,) = [p for p in command.params if p.name == "fmt"]
    assert isinstance(option.type, click.Choice)
    assert list(option.type.choices) == sorted(RENDERERS)
    assert set(RENDERERS) == {"text", "markdown", "github", "github-review", "sarif", "rdjson", "rdjsonl"}


def test_every_change_kind_has_a_rule() -> None:
    for target in Target:
        for kind in ChangeKind:
            if kind is not ChangeKind.UNCHANGED:
                assert f"{target.value}-{kind.value}" in RULES
    assert rule_info("rule-contradiction").severity is Severity.WARNING
    assert rule_info("never-seen").summary == "agentmerge check: never-seen"


def test_review_core_imports_neither_click_nor_rich() -> None:
    code = ("import sys, agentmerge.findings, agentmerge.render.review, agentmerge.render.sarif, "
            "agentmerge.render.rdjson, agentmerge.render.github; "
            "print(sorted({'click', 'rich'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).parent.parent)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_format_is_deterministic(fmt: str) -> None:
    assert RENDERERS[fmt](sample()) == RENDERERS[fmt](sample())


def test_review_format_names_match_the_renderer_table() -> None:
    from agentmerge.cli.review import REVIEW_FORMATS
    from agentmerge.render.review import RENDERERS

    assert tuple(sorted(RENDERERS)) == REVIEW_FORMATS


# -- JSON layout ----------------------------------------------------------------------------------


def test_json_output_has_the_standard_layout_whatever_encodes_it() -> None:
    """orjson writes the bytes ``json.dumps(indent=2, ensure_ascii=False)`` writes, on a real
    consolidate report (samples/, non-ASCII included); integers beyond 64 bits (YAML allows
    them) fall back to the standard encoder instead of failing."""
    from agentmerge.files import load_agents
    from agentmerge.grouping import group_roles
    from agentmerge.merge import consolidate
    from agentmerge.render import dumps
    from agentmerge.render import json as render_json

    docs = load_agents(sorted(str(p) for p in (Path(__file__).resolve().parent.parent / "samples").glob("*.md"))).docs
    results = consolidate(docs, [role.indexes for role in group_roles(docs)])
    data = json.loads(render_json.consolidate_bytes(results, []))
    data["note"] = "naïve 日本語"
    assert dumps(data) == json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    big = {"value": 123456789012345678901234567890, "empty": [], "nested": {}}
    assert dumps(big) == json.dumps(big, indent=2, ensure_ascii=False) + "\n"
