"""``agentmerge dedup`` on real files: copied agents, name collisions, repeated and shared rules,
and the edits of --fix and --extract (always on temporary copies, never on ../shared)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

import jsonschema
import pytest
from click.testing import CliRunner, Result
from conftest import CORPUS, MANIFEST, ROOT, SEEDS, read_source, requires_shared, shared_path

from agentmerge import parse_agent
from agentmerge.align import CONTAINMENT_WEIGHT, Scorer, compare_rules, rule_items
from agentmerge.cli import cli
from agentmerge.dedup import (
    SHARED_THRESHOLD,
    CopyKind,
    RuleAt,
    Scope,
    SharedRule,
    dedup,
    find_duplicate_agents,
    find_name_collisions,
    find_repeated_rules,
    find_shared_rules,
    plan_fixes,
    remove_rules,
    scope_of,
)
from agentmerge.dedup.shared import MIN_STEMS, candidate_pairs
from agentmerge.grouping import body_key
from agentmerge.model import AgentDoc
from agentmerge.normalize import rule_key

SEED_001 = "001_d017a2a914e77492.txt"
SAMPLES = ROOT / "samples"
SCHEMA = json.loads((ROOT / "agentmerge" / "schemas" / "dedup.schema.json").read_text())
LST97 = "lst97__claude-code-sub-agents"
#: Three C++ agents of three collections, each stating "prefer the stack and RAII" its own way.
CPP = ("0xfurai__claude-code-subagents/agents/cpp-expert.md",
       "davepoon__claude-code-subagents-collection/subagents/cpp-engineer.md",
       "wshobson__agents/plugins/systems-programming/agents/cpp-pro.md")
RAII = ("Prefer using the stack and RAII over manual dynamic memory management.",
        "Prefer stack allocation and RAII over manual memory",
        "Prefer stack allocation and RAII over manual memory management")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["dedup", *args], catch_exceptions=False)


def load(path: Path, shown: str | None = None) -> AgentDoc:
    return parse_agent(read_source(path), path=shown or str(path))


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rule_texts(doc: AgentDoc) -> list[str]:
    return [ref.rule.full_text for ref in doc.rules()]


# -- exact copies against the corpus's identical-body groups ----------------------------------------


def _benchmark() -> ModuleType:
    """benchmarks/dedup.py, whose reference_body finds copies without agentmerge."""
    spec = importlib.util.spec_from_file_location("dedup_benchmark", ROOT / "benchmarks" / "dedup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def corpus_groups() -> list[list[str]]:
    """The corpus's groups of files with the same body (123 groups, 273 files per ODDITIES.md)."""
    with MANIFEST.open(encoding="utf-8", newline="") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t")]
    reference_body = _benchmark().reference_body
    bodies: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        bodies[reference_body(read_source(CORPUS / path))].append(path)
    return [group for group in bodies.values() if len(group) > 1]


@requires_shared
def test_reference_groups_are_the_ones_oddities_counts() -> None:
    groups = corpus_groups()
    assert (len(groups), sum(map(len, groups))) == (123, 273)


@requires_shared
def test_exact_copies_are_the_identical_body_groups_of_the_corpus() -> None:
    groups = corpus_groups()
    chosen = {path for group in groups[::8] for path in group}  # 16 groups, and every file of their names
    stems = {Path(path).stem for path in chosen}
    picked = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.md") if p.stem in stems)
    docs = [load(CORPUS / path, path) for path in picked]
    found = {frozenset(g.paths) for g in find_duplicate_agents(docs) if g.kind is CopyKind.EXACT}
    expected = {frozenset(group) & frozenset(picked) for group in groups}
    assert len(picked) > len(chosen)  # same-name agents with other bodies are in, and stay apart
    assert found == {group for group in expected if len(group) > 1}


@requires_shared
def test_exact_copies_report_the_frontmatter_keys_that_differ() -> None:
    wsh = "wshobson__agents/plugins"
    paths = [f"{wsh}/backend-development/agents/backend-architect.md",
             f"{wsh}/multi-platform-apps/agents/backend-architect.md"]
    docs = [load(CORPUS / path, path) for path in paths]
    result = dedup(docs)
    (group,) = result.copies
    assert group.kind is CopyKind.EXACT and group.paths == tuple(paths)
    changed = [c.key for c in group.copies[0].diff.changes if c.kind.value != "unchanged"]
    assert "name" in changed
    assert run("--format", "text", *(str(CORPUS / p) for p in paths)).stdout.count("frontmatter differs: name") == 1


# -- name collisions -----------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "scope"), [
    (".claude/agents/reviewer.md", Scope.PROJECT),
    ("repo/.claude/agents/sub/reviewer.md", Scope.PROJECT),
    ("/home/ann/.claude/agents/reviewer.md", Scope.USER),
    ("~/.claude/agents/reviewer.md", Scope.USER),
    ("/home/ann/.claude/plugins/cache/kit/agents/reviewer.md", Scope.PLUGIN),
    ("wshobson__agents/plugins/backend-development/agents/backend-architect.md", Scope.PLUGIN),
    ("0xfurai__claude-code-subagents/agents/actix-expert.md", Scope.OTHER),
    ("reviewer.md", Scope.OTHER),
])
def test_scope_of_a_path(path: str, scope: Scope) -> None:
    assert scope_of(path, home="/home/ann") is scope


def test_project_agent_wins_a_name_collision_over_user_and_plugin() -> None:
    text = read_source(SAMPLES / "backend-engineer.md")
    paths = ["/home/ann/plugins/kit/agents/backend-engineer.md", "/home/ann/.claude/agents/backend-engineer.md",
             "/work/app/.claude/agents/backend-engineer.md"]
    docs = [parse_agent(text, path=path) for path in paths]
    (collision,) = find_name_collisions(docs, home="/home/ann")
    assert collision.name == "backend-engineer"
    assert [a.scope for a in collision.agents] == [Scope.PROJECT, Scope.USER, Scope.PLUGIN]
    assert collision.winner == paths[2]
    assert "project agents take precedence over plugin and user agents" in collision.reason
    assert collision.agents[0].line == 2  # the name key's line


def test_two_project_agents_with_one_name_have_no_winner() -> None:
    docs = [load(SAMPLES / "backend-engineer.md", "a/.claude/agents/backend-engineer.md"),
            load(SAMPLES / "team" / "backend-engineer.md", "a/.claude/agents/team/backend-engineer.md")]
    (collision,) = find_name_collisions(docs)
    assert collision.winner is None and "2 are project agents" in collision.reason


def test_a_plugin_agent_beside_a_download_folder_is_the_one_loaded() -> None:
    text = read_source(SAMPLES / "docs-writer.md")
    paths = ["downloads/docs-writer.md", "kit/plugins/x/agents/docs-writer.md"]
    docs = [parse_agent(text, path=path) for path in paths]
    (collision,) = find_name_collisions(docs)
    assert collision.winner == "kit/plugins/x/agents/docs-writer.md"
    assert collision.reason == "only the plugin agent is in a folder Claude Code loads agents from"


@requires_shared
def test_corpus_name_collision_inside_one_collection() -> None:
    vue = "vijaythecoder__awesome-claude-agents/agents/specialized/vue"
    docs = [load(CORPUS / vue / name, f"{vue}/{name}") for name in ("vue-component-architect.md",
                                                                      "vue-state-manager.md")]
    (collision,) = find_name_collisions(docs)
    assert collision.name == "vue-component-architect"
    assert collision.winner is None and "none is in a folder Claude Code loads" in collision.reason


# -- rules one agent repeats -----------------------------------------------------------------------


@requires_shared
def test_seed_001_states_input_validation_three_times() -> None:
    doc = load(SEEDS / SEED_001, SEED_001)
    groups = {tuple(r.line for r in g.rules): g for g in find_repeated_rules(doc)}
    validation = groups[(40, 49, 55)]
    assert [r.text for r in validation.rules] == [
        "Input validation on all endpoints", "Input validation at API boundaries", "Never skip input validation"]
    assert validation.rules[validation.keep].line == 49  # the most specific wording: four content stems


@requires_shared
def test_fix_removes_repeats_atomically_and_the_result_parses(tmp_path: Path) -> None:
    target = tmp_path / "backend.md"
    shutil.copyfile(SEEDS / SEED_001, target)
    before = load(target)
    removed = {r.line: r.text for g in find_repeated_rules(before) for r in g.removable}
    original = target.read_bytes()
    result = run("--fix", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines() == [f"{target}:{line}: removed: {text}" for line, text in sorted(removed.items())]
    after = load(target)
    kept = [ref.rule.full_text for ref in before.rules() if ref.rule.span.start not in removed]
    assert rule_texts(after) == kept
    assert [s.title for s in after.body.walk()] == [s.title for s in before.body.walk()]
    assert find_repeated_rules(after) == ()
    assert not list(tmp_path.glob(".agentmerge-*"))  # no temporary file left behind
    again = run("--fix", str(target))
    assert (again.exit_code, again.stdout, again.stderr) == (0, "", "")
    # What --fix printed is the diff it applied: reversed, it gives the original back.
    restored = subprocess.run(["patch", "--quiet", "-R", str(target)], input=result.stdout, capture_output=True,
                              text=True)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert target.read_bytes() == original


@requires_shared
def test_fix_aligns_again_until_no_repeat_is_left(tmp_path: Path) -> None:
    """Removing repeats changes the file's IDF weights, and VoltAgent's cpp-pro then repeats its
    compile-time rules: --fix aligns the file again, so --check passes on what it wrote, and every
    removed rule is reported at its line of the original file."""
    target = tmp_path / "cpp-pro.md"
    shutil.copyfile(shared_path("corpus", "VoltAgent__awesome-claude-code-subagents", "categories",
                                "02-language-specialists", "cpp-pro.md"), target)
    original = target.read_text(encoding="utf-8").splitlines()
    first_pass = {r.line for g in find_repeated_rules(load(target)) for r in g.removable}
    result = run("--fix", str(target))
    assert result.exit_code == 0, result.stderr
    reported = {int(line.split(":")[1]): line.split(": removed: ")[1] for line in result.stderr.splitlines()}
    assert first_pass < set(reported)  # more than one pass found something
    assert original[43] == "- Compile-time computation" and 44 in set(reported) - first_pass
    for line, text in reported.items():
        assert text in original[line - 1]
    assert find_repeated_rules(load(target)) == ()
    assert run("--check", str(target)).exit_code == 0


@requires_shared
def test_fix_dry_run_prints_the_diff_fix_applies_and_changes_nothing(tmp_path: Path) -> None:
    target, other = tmp_path / "a" / "backend.md", tmp_path / "b" / "backend.md"
    for path in (target, other):
        path.parent.mkdir()
        shutil.copyfile(SEEDS / SEED_001, path)
    before = digest(tmp_path)
    result = run("--fix", "--dry-run", str(target))
    assert result.exit_code == 1
    assert digest(tmp_path) == before
    lines = result.stdout.splitlines()
    assert lines[:2] == [f"--- a{target}", f"+++ b{target}"]
    removed = sorted(r.line for g in find_repeated_rules(load(target)) for r in g.removable)
    assert sum(1 for line in lines[2:] if line.startswith("-")) == len(removed)
    assert not any(line.startswith("+") for line in lines[2:])
    patched = subprocess.run(["patch", "--quiet", str(other)], input=result.stdout, capture_output=True, text=True)
    assert patched.returncode == 0, patched.stdout + patched.stderr
    assert run("--fix", str(target)).exit_code == 0
    assert target.read_bytes() == other.read_bytes()


@requires_shared
@pytest.mark.parametrize("name", [
    SEED_001,
    "davila7__claude-code-templates/cli-tool/components/agents/devops-infrastructure/terraform-azure-implement.md",
    "davila7__claude-code-templates/cli-tool/components/agents/development-tools/unused-code-cleaner.md",
    "wshobson__agents/plugins/code-documentation/agents/docs-architect.md",
    "rshah515__claude-code-subagents/core/architect.md",
])
def test_removing_any_one_rule_keeps_every_other_rule_and_heading(name: str) -> None:
    """Loose lists, CRLF, nested lists, no final newline: the rest of the file parses as before."""
    doc = load(shared_path("seeds", name) if name == SEED_001 else shared_path("corpus", *name.split("/")))
    refs = list(doc.rules())
    texts = rule_texts(doc)
    headings = [s.title for s in doc.body.walk()]
    for number, ref in enumerate(refs):
        if ref.rule.children:
            continue
        at = RuleAt(doc.path, ref.rule.span.start, ref.rule.span.end, ref.rule.full_text, "", False)
        after = parse_agent(remove_rules(doc, [at]), path=doc.path)
        assert rule_texts(after) == texts[:number] + texts[number + 1:], ref.rule.span
        assert [s.title for s in after.body.walk()] == headings


@requires_shared
def test_a_rule_is_never_a_repeat_of_the_item_it_is_nested_under() -> None:
    """Seed 000's "4. **Implement with Best Practices**:" heads "- Follow RESTful conventions or
    GraphQL best practices": a whole and its part, not one rule stated twice. They scored 0.62
    as repeats, and ``--fix`` deleted the nested item."""
    seed = SEEDS / "000_c13d21cbee3c67d6.txt"
    doc = load(seed)
    assert "Implement with Best Practices: " in [ref.rule.full_text for ref in doc.rules() if ref.rule.children]
    assert not any(42 in {r.line for r in group.rules} for group in find_repeated_rules(doc))
    result = run("--fix", "--dry-run", str(seed))
    assert "GraphQL best practices" not in result.stdout


@requires_shared
def test_removing_an_ordered_item_renumbers_the_rest() -> None:
    doc = load(SEEDS / SEED_001)
    step = next(ref.rule for ref in doc.rules() if ref.rule.text.startswith("Identify security implications"))
    text = remove_rules(doc, [RuleAt(doc.path, step.span.start, step.span.end, step.text, "", False)])
    process = text.split("## Process\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(" ", 1)[0] for line in process] == ["1.", "2.", "3.", "4."]
    assert process[1].startswith("2. Consider error cases")


# -- rules many agents share ---------------------------------------------------------------------


@requires_shared
def test_lst97_agents_share_their_process_rules() -> None:
    folder = shared_path("corpus", LST97)
    docs = [load(p) for p in sorted(folder.rglob("*.md"))]
    shared = {rule.text: rule for rule in find_shared_rules(docs, min_agents=20)}
    iterative = next(rule for text, rule in shared.items() if text.startswith("**Iterative Delivery:**"))
    assert iterative.agents >= 20 and iterative.section == "1. Process & Quality"
    assert len({r.path for r in iterative.rules}) == iterative.agents


@requires_shared
def test_extract_is_a_diff_until_write_then_moves_the_rules(tmp_path: Path) -> None:
    source = shared_path("corpus", LST97, "agents", "development")
    agents = tmp_path / "agents"
    shutil.copytree(source, agents)
    claude = tmp_path / "CLAUDE.md"
    before = digest(tmp_path)
    preview = run("--extract", str(claude), "--min-agents", "4", str(agents))
    assert preview.exit_code == 1 and f"+++ b{claude}" in preview.stdout
    assert digest(tmp_path) == before
    written = run("--extract", str(claude), "--min-agents", "4", "--write", str(agents))
    assert written.exit_code == 0, written.stderr
    assert written.stdout == preview.stdout  # the diff it applied, as previewed
    assert f"wrote {claude}" in written.stderr.splitlines()
    shared = load(claude)
    assert shared.body.children[0].title == "Shared rules"
    moved = {" ".join(r.rule.source.split())[2:] for r in shared.rules()}
    assert any(text.startswith("**Iterative Delivery:**") for text in moved)
    for path in sorted(agents.rglob("*.md")):
        doc = load(path)
        assert not any(ref.rule.full_text.startswith("Iterative Delivery") for ref in doc.rules()), path
    again = run("--extract", str(claude), "--min-agents", "4", str(agents))
    assert again.exit_code == 0 and "nothing to extract" in again.stderr


@requires_shared
def test_extract_appends_to_an_existing_instructions_file(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    shutil.copytree(shared_path("corpus", LST97, "agents", "development"), agents)
    claude = tmp_path / "CLAUDE.md"
    claude.write_bytes(b"# Project\r\n\r\nUse uv for Python.\r\n")
    assert run("--extract", str(claude), "--min-agents", "4", "--write", str(agents)).exit_code == 0
    text = claude.read_bytes()
    assert text.startswith(b"# Project\r\n\r\nUse uv for Python.\r\n\r\n## Process & Quality\r\n")
    assert b"\n" not in text.replace(b"\r\n", b"")  # the file's CRLF line endings are kept


def cpp_texts() -> dict[str, str]:
    return {path: read_source(shared_path("corpus", *path.split("/"))) for path in CPP}


def raii(shared: tuple[SharedRule, ...]) -> list[SharedRule]:
    """The shared rules about preferring the stack (not "RAII and smart pointers", a copied line)."""
    return [rule for rule in shared if any("stack" in wording for wording in rule.wordings)]


@requires_shared
def test_a_rule_three_agents_word_differently_is_one_shared_rule() -> None:
    docs = [parse_agent(text, path=path) for path, text in cpp_texts().items()]
    (rule,) = raii(find_shared_rules(docs))
    assert sorted(rule.wordings) == sorted(RAII) and rule.text == rule.wordings[0]
    assert rule.agents == 3
    assert [(at.path, at.line) for at in rule.rules] == [(CPP[0], 20), (CPP[1], 26), (CPP[2], 21)]
    assert SHARED_THRESHOLD <= rule.score < 1
    assert raii(find_shared_rules(docs, threshold=1.01)) == []  # no two of them have one comparator key


@requires_shared
def test_reworded_shared_rule_in_the_reports() -> None:
    paths = [str(shared_path("corpus", *path.split("/"))) for path in CPP]
    data = json.loads(run("--format", "json", *paths).stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["thresholds"]["shared"] == SHARED_THRESHOLD
    (entry,) = [s for s in data["shared"] if "stack" in s["text"]]
    assert sorted(entry["wordings"]) == sorted(RAII) and entry["score"] >= SHARED_THRESHOLD
    text = run("--format", "text", *paths).stdout
    assert f"shared rule, 3 agents: {entry['text']}  (3 wordings, similarity >= {entry['score']:.2f})" in text
    others = "".join(f"<br>~ {wording}" for wording in entry["wordings"][1:])
    assert f"| {entry['text']}{others} | 3 |" in run("--format", "markdown", *paths).stdout
    strict = json.loads(run("--format", "json", "--shared-threshold", "1", *paths).stdout)["shared"]
    assert len(strict) < len(data["shared"]) and all(s["score"] == 1 for s in strict)


@requires_shared
def test_a_rule_contradicting_the_shared_one_never_joins() -> None:
    contrary = "Avoid stack allocation and RAII; prefer manual memory management"
    comparison = compare_rules(RAII[2], contrary)
    assert comparison.contradiction and comparison.similarity >= SHARED_THRESHOLD  # would join otherwise
    texts = cpp_texts()
    texts[CPP[0]] = texts[CPP[0]].replace(RAII[0], contrary, 1)
    docs = [parse_agent(text, path=path) for path, text in texts.items()]
    (rule,) = raii(find_shared_rules(docs, min_agents=2))
    assert sorted(rule.wordings) == sorted(RAII[1:]) and rule.agents == 2
    assert CPP[0] not in {at.path for at in rule.rules}


@requires_shared
def test_two_wordings_in_one_agent_count_as_one_agent() -> None:
    texts = cpp_texts()
    del texts[CPP[0]]
    own = f"- {RAII[1]}\n"
    assert texts[CPP[1]].count(own) == 1
    texts[CPP[1]] = texts[CPP[1]].replace(own, own + f"- {RAII[2]}\n")  # cpp-pro's wording too
    docs = [parse_agent(text, path=path) for path, text in texts.items()]
    (rule,) = raii(find_shared_rules(docs, min_agents=2))
    assert sorted(rule.wordings) == sorted(RAII[1:]) and rule.agents == 2
    assert [at.path for at in rule.rules] == [CPP[1], CPP[1], CPP[2]]
    assert raii(find_shared_rules(docs)) == []  # two agents, not three


@requires_shared
def test_equal_key_groups_are_found_whole_among_rewordings() -> None:
    docs = [load(p) for p in sorted(shared_path("corpus", LST97).rglob("*.md"))]
    by_key: dict[tuple[tuple[str, int], ...], list[tuple[str, int]]] = defaultdict(list)
    agents: dict[tuple[tuple[str, int], ...], set[str]] = defaultdict(set)
    for doc in docs:  # the equal-key join, computed here without agentmerge.dedup
        for ref in doc.rules():
            terms = rule_key(ref.rule.full_text).terms
            if terms and not ref.rule.children:
                by_key[terms].append((doc.path, ref.rule.span.start))
                agents[terms].add(body_key(doc))
    expected = {frozenset(where) for terms, where in by_key.items() if len(agents[terms]) >= 3}
    exact = find_shared_rules(docs, threshold=1.01)
    assert {frozenset((at.path, at.line) for at in rule.rules) for rule in exact} == expected
    assert all(rule.score == 1.0 for rule in exact)
    group_of = {(at.path, at.line): n for n, rule in enumerate(find_shared_rules(docs)) for at in rule.rules}
    for where in expected:
        assert len({group_of[at] for at in where}) == 1


@requires_shared
def test_candidate_pairs_propose_every_pair_sharing_enough_weight() -> None:
    """The blocking's promise (prefix filtering is exact for it): without a posting cap or a limit
    on partners, every pair where the lighter rule shares weight with the other reaching ``floor``
    as a Dice coefficient is proposed."""
    docs = [load(p) for p in sorted(shared_path("corpus", LST97, "agents", "development").glob("*.md"))][:6]
    scorer = Scorer(rule_items(docs))
    rows = [n for n, signs in enumerate(scorer.signs) if len(signs) >= MIN_STEMS]
    floor = 0.6
    pairs = candidate_pairs(scorer, rows, floor=floor, cap=len(rows), partners=len(rows))
    proposed = {tuple(pair) for pair in pairs.tolist()}
    wanted = set()
    for a in rows:
        for b in rows:
            if (scorer.mass[a], a) < (scorer.mass[b], b):
                shared = scorer.signs[a].keys() & scorer.signs[b].keys()
                cover = sum(scorer.weight[f] * scorer.emphasis[a][f] for f in shared)
                if 2 * cover >= floor * (scorer.mass[a] + scorer.mass[b]):
                    wanted.add((min(a, b), max(a, b)))
    assert len(wanted) >= 20 and wanted <= proposed
    assert len(proposed) < len(rows) * (len(rows) - 1) / 20  # blocking: far from every pair


def test_shared_threshold_is_above_the_comparators_containment_ceiling() -> None:
    assert SHARED_THRESHOLD > CONTAINMENT_WEIGHT


@requires_shared
def test_extract_writes_one_wording_of_a_reworded_rule_and_removes_every_wording(tmp_path: Path) -> None:
    agents = tmp_path / "agents"
    agents.mkdir()
    for path, text in cpp_texts().items():
        (agents / Path(path).name).write_bytes(text.encode("utf-8"))
    before = {str(path): load(path) for path in sorted(agents.glob("*.md"))}
    shared = find_shared_rules(list(before.values()))
    (rule,) = raii(shared)
    claude = tmp_path / "CLAUDE.md"
    result = run("--extract", str(claude), "--write", str(agents))
    assert result.exit_code == 0, result.stderr
    written = [" ".join(ref.rule.source.split())[2:] for ref in load(claude).rules()]
    assert [wording for wording in RAII if wording in written] == [rule.text]
    removed = {(at.path, at.line) for s in shared for at in s.rules}
    for path, doc in before.items():
        after = load(Path(path))
        assert rule_texts(after) == [ref.rule.full_text for ref in doc.rules()
                                     if (path, ref.rule.span.start) not in removed]
        assert not set(RAII) & {ref.rule.full_text for ref in after.rules()}


# -- the report ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_samples_report_their_name_collision(fmt: str) -> None:
    result = run("--format", fmt, str(SAMPLES))
    assert result.exit_code == 1
    assert "backend-engineer" in result.stdout
    if fmt == "json":
        data = json.loads(result.stdout)
        jsonschema.Draft202012Validator(SCHEMA).validate(data)
        assert data["summary"]["name_collisions"] == 1


@requires_shared
def test_json_of_seeds_and_corpus_sample_follows_the_schema() -> None:
    lst = shared_path("corpus", LST97, "agents", "development")
    result = run("--format", "json", *map(str, sorted(SEEDS.glob("*.txt"))), str(lst))
    data = json.loads(result.stdout)
    jsonschema.Draft202012Validator(SCHEMA).validate(data)
    assert data["repeats"] and data["shared"] and data["collisions"]


def test_check_exit_status_and_lines() -> None:
    clean = run("--check", str(SAMPLES / "docs-writer.md"))
    assert (clean.exit_code, clean.stdout) == (0, "")
    found = run("--check", str(SAMPLES))
    assert found.exit_code == 1
    assert f"{SAMPLES / 'team' / 'backend-engineer.md'}:2: name 'backend-engineer' is also used by" in found.stdout


@pytest.mark.parametrize("args", [
    ("--fix", "--extract", "SHARED.md"), ("--check", "--fix"), ("--dry-run",), ("--write",),
    ("--extract", "SHARED.md", "--write", "--dry-run"),
])
def test_conflicting_options_are_one_error_line(args: tuple[str, ...]) -> None:
    result = run(*args, str(SAMPLES))
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and ": error: " in result.stderr


def test_core_and_renderers_import_neither_click_nor_rich() -> None:
    code = "import sys, agentmerge.dedup, agentmerge.render.dedup; print(sorted({'click', 'rich'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@requires_shared
def test_a_copy_with_a_longer_frontmatter_reports_its_own_lines() -> None:
    """Byte-identical bodies are aligned once; each file still gets its own line numbers."""
    text = read_source(SEEDS / SEED_001)
    longer = text.replace("model: sonnet\n", "model: sonnet\ncolor: blue\n", 1)
    docs = [parse_agent(text, path="a.md"), parse_agent(longer, path="b.md")]
    result = dedup(docs)
    assert [g for g in result.repeats if g.path == "b.md"] == list(find_repeated_rules(docs[1]))
    assert [r.line + 1 for g in result.repeats if g.path == "a.md" for r in g.rules] == [
        r.line for g in result.repeats if g.path == "b.md" for r in g.rules]
    assert result.copies[0].paths == ("a.md", "b.md")


# -- near copies -----------------------------------------------------------------------------------


@requires_shared
def test_near_copies_of_the_corpus_carry_what_differs() -> None:
    volt, dav = "VoltAgent__awesome-claude-code-subagents/categories", "davila7__claude-code-templates/cli-tool"
    paths = [f"{volt}/10-research-analysis/research-analyst.md",
             f"{dav}/components/agents/deep-research-team/research-analyst.md",
             f"{volt}/02-language-specialists/python-pro.md", f"{volt}/02-language-specialists/typescript-pro.md"]
    docs = [load(CORPUS / path, path) for path in paths]
    (group,) = find_duplicate_agents(docs)
    assert group.kind is CopyKind.NEAR and group.paths == tuple(paths[:2])
    (copy,) = group.copies
    assert copy.similarity >= 0.9
    counts = copy.diff.counts()
    assert sum(n for (target, kind), n in counts.items() if target.value == "rule" and kind.value == "reworded") >= 1
    assert find_duplicate_agents(docs, threshold=0.995) == ()


def test_help_states_the_default_thresholds() -> None:
    from agentmerge.dedup import NEAR_THRESHOLD, RULE_THRESHOLD

    text = " ".join(CliRunner().invoke(cli, ["dedup", "--help"]).stdout.split())
    assert f"near-copy agents [default: {NEAR_THRESHOLD}]" in text
    assert f"repeats [default: {RULE_THRESHOLD}]" in text
    assert f"the wording kept [default: {SHARED_THRESHOLD}]" in text


@requires_shared
def test_a_topic_named_in_a_longer_rule_is_not_its_repeat() -> None:
    # checked by eye: step 3 "Analyze user interfaces, content structure, and interaction patterns"
    # names the topic of the checklist item "Content structure" (line 75); --fix must not delete it
    path = "VoltAgent__awesome-claude-code-subagents/categories/04-quality-security/accessibility-tester.md"
    doc = parse_agent(read_source(CORPUS / path), path=path)
    lines = {frozenset(rule.line for rule in group.rules) for group in find_repeated_rules(doc)}
    assert not any({14, 75} <= group for group in lines)
    assert any(len(group) > 1 for group in lines)  # the file does repeat other rules


@requires_shared
def test_fix_removes_the_title_of_a_list_it_empties(tmp_path: Path) -> None:
    # checked by eye: every item under "Content types:" (lines 77-85) repeats one under
    # "Content creation:" (47-55), so the title goes too; "Lead generation:" follows one blank line
    name = "VoltAgent__awesome-claude-code-subagents/categories/08-business-product/content-marketer.md"
    target = tmp_path / "content-marketer.md"
    target.write_bytes((CORPUS / name).read_bytes())
    result = run("--fix", str(target))
    assert result.exit_code in (0, 1), result.stderr
    text = target.read_text()
    assert "Content types:" not in text and "Content creation:\n- Blog posts\n" in text
    assert "- Performance tracking\n\nLead generation:\n" in text
    assert f"{target}:78: removed: Blog posts" in result.stderr


@requires_shared
def test_fix_keeps_an_instruction_that_leads_into_a_list_it_empties(tmp_path: Path) -> None:
    # "Save output to ... Notify user and suggest next steps with agents like:" is a sentence:
    # it stays even when the agents listed under it go as repeats
    name = "VoltAgent__awesome-claude-code-subagents/categories/01-core-development/design-bridge.md"
    target = tmp_path / "design-bridge.md"
    target.write_bytes((CORPUS / name).read_bytes())
    lead = "Notify user and suggest next steps with agents like:"
    result = run("--fix", str(target))
    assert all(f"{target}:{line}: removed: {agent}" in result.stderr
               for line, agent in ((103, "ui-designer"), (104, "frontend-developer"), (105, "prompt-engineer")))
    assert lead in target.read_text()


# -- pull-request formats -----------------------------------------------------------------------


def _pr_folder(tmp_path: Path) -> Path:
    """Seed 001 twice (an exact copy, one name, rules it repeats) and a corpus agent that shares nothing."""
    folder = tmp_path / "agents"
    (folder / "team").mkdir(parents=True)
    shutil.copyfile(SEEDS / SEED_001, folder / "backend.md")
    shutil.copyfile(SEEDS / SEED_001, folder / "team" / "backend.md")
    shutil.copyfile(CORPUS / "0xfurai__claude-code-subagents" / "agents" / "bun-expert.md", folder / "bun.md")
    return folder


@requires_shared
def test_pull_request_formats_hold_one_finding_per_check_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """GitHub annotations, SARIF (validated by the OASIS schema) and reviewdog lines (its schema)
    carry what --check prints, line for line, with the paths normalised from ./agents/..."""
    from test_formats import reviewdog, sarif_validator

    monkeypatch.chdir(tmp_path)
    _pr_folder(tmp_path)
    check = run("--check", "./agents").stdout.splitlines()
    assert any(": exact copy of agents/" in line for line in check)
    assert any(": repeats line " in line for line in check)
    assert any(": name 'backend-engineer' is also used by" in line for line in check)
    github = run("--format", "github", "./agents")
    assert github.exit_code == 1
    annotations = github.stdout.splitlines()
    assert len(annotations) == len(check)
    assert all(line.startswith("::warning file=agents/") for line in annotations)
    log = json.loads(run("--format", "sarif", "./agents").stdout)
    assert list(sarif_validator().iter_errors(log)) == []
    results = log["runs"][0]["results"]
    assert len(results) == len(check)
    where = [r["locations"][0]["physicalLocation"] for r in results]
    assert [w["artifactLocation"]["uri"] + (f":{w['region']['startLine']}" if "region" in w else "") for w in where] \
        == [line.split(": ")[0].removeprefix("./") for line in check]
    assert {r["ruleId"] for r in results} == {"exact-copy-agent", "duplicate-name", "repeated-rule"}
    lines = [json.loads(line) for line in run("--format", "rdjsonl", "./agents").stdout.splitlines()]
    assert len(lines) == len(check)
    assert all(list(reviewdog("Diagnostic.json").iter_errors(line)) == [] for line in lines)
    repeat = next(line for line in lines if line["code"]["value"] == "repeated-rule")
    assert repeat["related_locations"][0]["message"] == "the wording kept"


@requires_shared
def test_sarif_of_absolute_paths_uses_file_uris(tmp_path: Path) -> None:
    folder = _pr_folder(tmp_path)
    log = json.loads(run("--format", "sarif", str(folder)).stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris and all(uri.startswith(f"file://{folder}/") for uri in uris)
    assert "uriBaseId" not in log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]


@requires_shared
def test_worker_processes_find_what_one_process_finds(tmp_path: Path) -> None:
    """VoltAgent's quality-security agents (with copies, repeats and shared rules): dedup, the
    shared rules and the --fix plan are the same in two processes as in one, and so is the CLI."""
    folder = CORPUS / "VoltAgent__awesome-claude-code-subagents" / "categories" / "04-quality-security"
    paths = sorted(str(path) for path in folder.glob("*.md"))
    docs = [load(Path(path)) for path in paths]
    one = dedup(docs)
    assert one.repeats and one.shared
    assert dedup(docs, jobs=2) == one
    assert find_shared_rules(docs, jobs=2) == find_shared_rules(docs)
    assert plan_fixes(docs, jobs=2) == plan_fixes(docs)
    two = run("--format", "json", "--jobs", "2", *paths)
    assert two.stdout == run("--format", "json", "--jobs", "1", *paths).stdout
