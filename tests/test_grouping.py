"""Role grouping on real files: names, content, exact and near copies, order independence."""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import CORPUS, SEEDS, read_source, requires_shared, shared_path

from agentmerge import parse_agent
from agentmerge.cli import cli
from agentmerge.grouping import MIN_SIMILARITY, ContentIndex, body_text, group_roles
from agentmerge.model import AgentDoc
from agentmerge.roles import GroupBy, Join, RoleGroup, agent_name, name_key, role_key

ROOT = Path(__file__).resolve().parent.parent
#: ROLES.tsv groups checked whole: roles whose names differ by suffix, alias or plugin prefix
#: (python-expert/python-pro, go-expert/golang-pro, graphql-architect/graphql-expert), one that
#: needs the ``architect`` suffix and copies (backend-architect/backend-developer), and roles
#: ROLES.md keeps apart although their content is close (qa-expert/test-automator, data-*).
ROLES = ("python-pro", "golang-pro", "graphql-architect", "backend-architect", "frontend-developer",
         "security-auditor", "test-automator", "qa-expert", "data-engineer", "data-scientist")
#: MANIFEST role_group values that ROLES.md keeps apart from the roles above on purpose.
APART = ("security", "data-analyst")
VOLTAGENT = "VoltAgent__awesome-claude-code-subagents/categories/"
DAVILA = "davila7__claude-code-templates/cli-tool/components/agents/"
VIJAY = "vijaythecoder__awesome-claude-agents/agents/"
Selected = tuple[list[AgentDoc], dict[str, str]]


def load(paths: Sequence[Path], root: Path) -> list[AgentDoc]:
    return [parse_agent(read_source(path), path=path.relative_to(root).as_posix()) for path in paths]


def corpus_rows() -> list[dict[str, str]]:
    with open(shared_path("corpus", "MANIFEST.tsv"), encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def gold_roles() -> dict[str, str]:
    """path -> expected role: the ROLES.tsv group, else the MANIFEST role_group."""
    with open(shared_path("corpus", "ROLES.tsv"), encoding="utf-8", newline="") as handle:
        roles = {row["path"]: row["group"] for row in csv.DictReader(handle, delimiter="\t") if row["group"] in ROLES}
    roles.update((row["path"], row["role_group"]) for row in corpus_rows() if row["role_group"] in APART)
    return roles


def partition(groups: Sequence[RoleGroup]) -> set[frozenset[str]]:
    return {frozenset(member.path for member in group.members) for group in groups}


def described(groups: Sequence[RoleGroup], docs: Sequence[AgentDoc]) -> list[tuple[object, ...]]:
    """The groups with input indexes replaced by paths, to compare runs over reordered inputs."""
    return [(group.key, tuple((m.path, m.join, m.score, None if m.of is None else docs[m.of].path)
                              for m in group.members)) for group in groups]


def body_after_frontmatter(text: str) -> str:
    """An oracle independent of agentmerge's parser: the text after the second ``---`` line."""
    lines = text.splitlines(keepends=True)
    closing = next(n for n in range(1, len(lines)) if lines[n].strip() == "---")
    return "".join(lines[closing + 1 :])


@pytest.fixture(scope="module")
def selected() -> Selected:
    gold = gold_roles()
    return load([CORPUS / path for path in sorted(gold)], CORPUS), gold


# -- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("full-stack-developer", "fullstack-engineer"),
    ("golang-pro", "Go Expert"),
    ("database-optimization", "database-optimizer"),
    ("ml-engineer", "machine-learning-engineer"),
    ("backend-architect", "backend_developer"),
    ("CSharpExpert", "c-sharp-pro"),
])
def test_name_keys_unify_spellings_of_one_role(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [
    ("frontend-developer", "backend-developer"),
    ("security-auditor", "security-engineer"),
    ("data-engineer", "data-scientist"),
    ("incident-responder", "devops-incident-responder"),
])
def test_name_keys_keep_roles_that_roles_md_keeps_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_role_key_keeps_a_name_that_is_only_a_suffix() -> None:
    assert role_key("Engineer") == "engineer"
    assert role_key("Backend Architect") == "backend"


@requires_shared
def test_plugin_prefix_is_dropped_only_in_the_plugin_layout(load_shared) -> None:  # type: ignore[no-untyped-def]
    _, plugin = load_shared("corpus", "wshobson__agents/plugins/backend-development/agents/backend-architect.md")
    assert plugin.name == "backend-development-backend-architect"
    assert agent_name(plugin) == "backend-architect"
    # vijaythecoder's python/ folder is a category, and "Python Performance Expert" is its own role
    _, category = load_shared("corpus", VIJAY + "specialized/python/performance-expert.md")
    assert agent_name(category) == category.name


# -- real roles -------------------------------------------------------------------------------------


@requires_shared
def test_seeds_group_into_one_role() -> None:
    docs = load(sorted(SEEDS.glob("*.txt")), SEEDS)
    for by in (GroupBy.AUTO, GroupBy.NAME):
        (group,) = group_roles(docs, by=by)
        assert group.key == "backend" and len(group.members) == 5
    # the five are rewordings (cosine 0.37-0.50 among five files): content alone joins them at 0.35
    (group,) = group_roles(docs, by=GroupBy.CONTENT, min_similarity=0.35)
    assert all(m.join in (Join.FIRST, Join.CONTENT) and (m.score is None or m.score >= 0.35) for m in group.members)


@requires_shared
def test_corpus_roles_match_roles_tsv(selected: Selected) -> None:
    docs, gold = selected
    expected: dict[str, set[str]] = defaultdict(set)
    for path, role in gold.items():
        expected[role].add(path)
    assert partition(group_roles(docs)) == {frozenset(paths) for paths in expected.values()}


@requires_shared
def test_how_members_joined_is_reported(selected: Selected) -> None:
    docs, _ = selected
    members = {m.path: (group, m) for group in group_roles(docs) for m in group.members}
    group, expert = members["0xfurai__claude-code-subagents/agents/go-expert.md"]
    assert group.key == "golang" and expert.join is Join.SAME_NAME
    assert group.reasons()[expert.path] == "name: golang"
    # the backend-architect copies in wshobson plugins differ only in their name line
    _, copy = members["wshobson__agents/plugins/data-engineering/agents/backend-architect.md"]
    assert copy.join is Join.EXACT_COPY and copy.score == 1.0 and copy.of is not None
    original = docs[copy.of].path
    assert original.startswith("wshobson__agents/plugins/") and original.endswith("/backend-architect.md")
    # davila7 re-hosts VoltAgent's python-pro with edits: a near copy, with its shingle Jaccard
    _, near = members[DAVILA + "programming-languages/python-pro.md"]
    assert near.join is Join.NEAR_COPY and near.score is not None and 0.5 <= near.score < 1.0
    assert docs[near.of or 0].path == VOLTAGENT + "02-language-specialists/python-pro.md"
    assert members[near.path][0].reasons()[near.path] == (
        f"near copy of {VOLTAGENT}02-language-specialists/python-pro.md ({near.score:.2f})")
    assert members[copy.path][0].reasons()[copy.path] == f"exact copy of {original}"


@requires_shared
@pytest.mark.parametrize("by", [GroupBy.AUTO, GroupBy.NAME, GroupBy.CONTENT])
def test_frontend_developer_stays_apart_from_backend(selected: Selected, by: GroupBy) -> None:
    docs, gold = selected
    for group in group_roles(docs, by=by):
        roles = {gold[m.path] for m in group.members}
        assert not {"frontend-developer", "backend-architect"} <= roles


@requires_shared
@pytest.mark.parametrize("by", list(GroupBy))
def test_any_input_order_gives_the_same_groups(selected: Selected, by: GroupBy) -> None:
    docs, _ = selected
    shuffled = list(docs)
    random.Random(4).shuffle(shuffled)
    assert described(group_roles(shuffled, by=by), shuffled) == described(group_roles(docs, by=by), docs)


# -- copies -----------------------------------------------------------------------------------------


@requires_shared
def test_identical_bodies_are_exact_copies() -> None:
    """ODDITIES.md: wshobson ships one agent in several plugins; 6 of 7 code-reviewer.md and 4 of
    5 debugger.md copies are equal once the name line (in the frontmatter) is left out."""
    paths = sorted(path for path in CORPUS.glob("wshobson__agents/plugins/*/agents/*.md")
                   if path.name in ("code-reviewer.md", "debugger.md"))
    docs = load(paths, CORPUS)
    oracle: dict[str, list[int]] = defaultdict(list)
    for number, path in enumerate(paths):
        oracle[" ".join(body_after_frontmatter(read_source(path)).split())].append(number)
    expected = {tuple(group) for group in oracle.values() if len(group) > 1}
    assert set(ContentIndex.build(docs).exact_copies()) == expected
    assert sorted(map(len, expected)) == [4, 6]
    copies = [m for group in group_roles(docs) for m in group.members if m.join is Join.EXACT_COPY]
    assert len(copies) == 3 + 5


@requires_shared
def test_candidate_pairs_carry_estimated_and_exact_jaccard(selected: Selected) -> None:
    docs, _ = selected
    index = ContentIndex.build(docs)
    pairs = index.candidate_pairs(0.3)
    assert pairs and [(p.a, p.b) for p in pairs] == sorted({(p.a, p.b) for p in pairs})
    for pair in pairs:
        words = [body_text(docs[n]).lower().split() for n in (pair.a, pair.b)]
        grams = [set(zip(w, w[1:], w[2:], strict=False)) for w in words]
        assert pair.jaccard == pytest.approx(len(grams[0] & grams[1]) / len(grams[0] | grams[1]), abs=0.002)
        assert abs(pair.estimate - pair.jaccard) < 0.2  # 128 permutations: standard error <= 0.045
    assert all(p.jaccard >= 0.5 for p in index.near_copies())
    assert {(p.a, p.b) for p in index.near_copies()} <= {(p.a, p.b) for p in pairs}


def test_a_reworded_copy_is_a_near_copy_and_an_unrelated_file_is_not() -> None:
    text = read_source(ROOT / "samples" / "backend-engineer.md")
    edited = re.sub(r"\bAPI\b", "service", text, count=3)
    docs = [parse_agent(text, path="a/backend-engineer.md"), parse_agent(edited, path="b/api-engineer.md"),
            parse_agent(read_source(ROOT / "samples" / "docs-writer.md"), path="c/docs-writer.md")]
    groups = group_roles(docs, by=GroupBy.CONTENT)
    assert partition(groups) == {frozenset({"a/backend-engineer.md", "b/api-engineer.md"}),
                                 frozenset({"c/docs-writer.md"})}
    (copy,) = [m for g in groups for m in g.members if m.path == "b/api-engineer.md"]
    assert copy.join is Join.NEAR_COPY and copy.of == 0 and copy.score is not None and 0.5 <= copy.score < 1


# -- modes and the command line ---------------------------------------------------------------------


def test_group_by_none_makes_every_input_one_role() -> None:
    paths = sorted((ROOT / "samples").rglob("*.md"))
    (group,) = group_roles(load(paths, ROOT), by=GroupBy.NONE)
    assert [m.join for m in group.members] == [Join.ALL] * len(paths) and group.key == "backend"
    assert set(group.reasons().values()) == {"all inputs"}


def test_no_input_and_a_bad_threshold() -> None:
    assert group_roles([]) == ()
    with pytest.raises(ValueError, match="min_similarity"):
        group_roles([], min_similarity=1.5)


def test_cli_options_match_the_core() -> None:
    command = cli.commands["consolidate"]
    option = next(p for p in command.params if p.name == "min_similarity")
    assert option.default == MIN_SIMILARITY
    result = CliRunner().invoke(cli, ["consolidate", "--min-similarity", "1.5", str(ROOT / "samples")])
    assert result.exit_code == 2 and "min-similarity" in result.stderr


def mobile_and_frontend() -> list[AgentDoc]:
    """MANIFEST's mobile and frontend groups: mobile-app-developer (VoltAgent, davila7) is named
    apart from mobile-developer, and its mean cosine with it is 0.46 among these 19 files."""
    rows = [row for row in corpus_rows() if row["role_group"] in ("mobile", "frontend")]
    return load([CORPUS / row["path"] for row in rows], CORPUS)


@requires_shared
def test_content_joins_a_differently_named_variant_above_min_similarity() -> None:
    docs = mobile_and_frontend()
    groups = group_roles(docs, min_similarity=0.4)
    assert sorted(group.key for group in groups) == ["frontend", "mobile"]
    (mobile,) = [group for group in groups if group.key == "mobile"]
    joins = {m.path.rsplit("/", 1)[-1]: m for m in mobile.members}
    app = joins["mobile-app-developer.md"]
    assert app.join in (Join.CONTENT, Join.NEAR_COPY)
    (content,) = [m for m in mobile.members if m.join is Join.CONTENT]
    assert agent_name(docs[content.index]) == "mobile-app-developer"
    assert mobile.reasons()[content.path] == f"content {content.score:.2f}"
    # its score is the average link at which it joined: below the default, so apart by default
    assert content.score is not None and 0.4 <= content.score < MIN_SIMILARITY
    assert len(group_roles(docs)) == len(group_roles(docs, by=GroupBy.NAME)) == 3  # frontend, mobile, mobile-app


@requires_shared
def test_cli_groups_by_name_and_content() -> None:
    paths = [docs.path for docs in mobile_and_frontend()]
    result = CliRunner().invoke(cli, ["consolidate", "--min-similarity", "0.4", "--format", "json",
                                      *(str(CORPUS / path) for path in paths)], catch_exceptions=False)
    assert result.exit_code in (0, 1)
    names = sorted(role["name"] for role in json.loads(result.stdout)["roles"])
    assert names == ["frontend-developer", "mobile-developer"]
