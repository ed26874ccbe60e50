"""The canonical agent's policies and the conflict report, on real files (samples/, seeds, corpus roles)."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, read_source, requires_shared, shared_path

from agentmerge import parse_agent
from agentmerge.align import align_rules
from agentmerge.dialects import validate
from agentmerge.frontmatter import parse_tools
from agentmerge.merge import MergeOptions, MergeResult, ToolsPolicy, consolidate, merge_agents
from agentmerge.model import AgentDoc, BlockKind, FrontmatterStatus, Severity

SAMPLE_ROLE = ("backend-developer.md", "backend-engineer.md", "backend-expert.md", "team/backend-engineer.md")
#: Corpus roles (../shared/corpus/ROLES.tsv groups) the invariants run on: 3 to 8 files, with
#: titles (playwright, api-designer), contradictions (playwright, quant-analyst) and eight
#: collections (python-pro); each merges in under a second.
CORPUS_ROLES = ("api-designer", "playwright-expert", "python-pro", "quant-analyst")


def sample(name: str) -> AgentDoc:
    path = ROOT / "samples" / name
    return parse_agent(read_source(path), path=f"samples/{name}")


def samples() -> list[AgentDoc]:
    return [sample(name) for name in SAMPLE_ROLE]


def corpus_docs(paths: list[str]) -> list[AgentDoc]:
    """The corpus files at ``paths`` (relative to ../shared/corpus), parsed under those paths."""
    return [parse_agent(read_source(CORPUS / path), path=path) for path in paths]


def seeds() -> list[AgentDoc]:
    folder = shared_path("seeds")
    return [parse_agent(read_source(path), path=path.name) for path in sorted(folder.glob("*.txt"))]


def corpus_role(group: str) -> list[AgentDoc]:
    with open(shared_path("corpus", "ROLES.tsv"), encoding="utf-8") as handle:
        paths = [row["path"] for row in csv.DictReader(handle, delimiter="\t") if row["group"] == group]
    return [parse_agent(read_source(CORPUS / path), path=path) for path in paths]


def field(result: MergeResult, key: str):  # type: ignore[no-untyped-def]
    return next(choice for choice in result.fields if choice.key == key)


def rule_texts(text: str) -> list[str]:
    return [ref.rule.full_text for ref in parse_agent(text).rules()]


# -- frontmatter policies -----------------------------------------------------------------------


@requires_shared
def test_name_is_the_most_common_name() -> None:
    result = merge_agents(seeds())
    assert result.name == "backend-engineer"
    assert field(result, "name").reason == "most common name (4 of 5)"
    assert result.aliases == (("backend-developer", "backend-engineer"),)


def test_name_tie_goes_to_the_shortest_unless_a_file_is_preferred() -> None:
    docs = [sample("backend-developer.md"), sample("backend-expert.md")]
    assert merge_agents(docs).name == "backend-expert"
    preferred = merge_agents(docs, options=MergeOptions(prefer="samples/backend-developer.md"))
    assert preferred.name == "backend-developer"
    assert "won by the --prefer file" in field(preferred, "name").reason


def test_name_option_is_made_safe_for_a_file_name() -> None:
    result = merge_agents(samples(), options=MergeOptions(name="../Backend Lead"))
    assert result.name == "Backend-Lead"
    assert "name: Backend-Lead\n" in result.text
    assert "made safe for a file name" in field(result, "name").reason


def test_description_is_the_most_complete_and_the_others_are_alternatives() -> None:
    result = merge_agents(samples())
    description = field(result, "description")
    assert description.value == sample("backend-engineer.md").frontmatter.get("description")
    assert len(description.values) == 4  # every variant's wording stays in the report
    assert not description.conflict


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (ToolsPolicy.UNION, {"Read", "Grep", "Glob", "Edit", "Write", "Bash", "WebFetch"}),
        (ToolsPolicy.INTERSECTION, {"Read", "Grep", "Bash"}),
        (ToolsPolicy.MAJORITY, {"Read", "Grep", "Glob", "Edit", "Bash"}),  # in 3 or 4 of the 4 variants
    ],
)
def test_tools_policies(policy: ToolsPolicy, expected: set[str]) -> None:
    result = merge_agents(samples(), options=MergeOptions(tools=policy))
    tools = field(result, "tools")
    assert set(parse_tools(tools.value) or ()) == expected
    written = parse_agent(result.text).frontmatter.get("tools")
    assert isinstance(written, str) and set(parse_tools(written) or ()) == expected  # a comma string


@requires_shared
def test_a_variant_without_tools_inherits_all_so_the_union_leaves_the_key_out() -> None:
    union = merge_agents(seeds())
    assert not field(union, "tools").kept
    assert "tools" not in parse_agent(union.text).frontmatter.keys
    narrowed = merge_agents(seeds(), options=MergeOptions(tools=ToolsPolicy.INTERSECTION))
    listed = [parse_tools(doc.frontmatter.get("tools")) for doc in seeds() if doc.frontmatter.get("tools")]
    assert set(parse_tools(field(narrowed, "tools").value) or ()) == set.intersection(*(set(t or ()) for t in listed))


def test_model_and_color_ties_are_conflicts_unless_the_preferred_file_breaks_them() -> None:
    result = merge_agents(samples())  # model: sonnet 2, opus 2; color: four values
    assert field(result, "model").conflict and field(result, "color").conflict
    assert result.conflicts >= 2
    preferred = merge_agents(samples(), options=MergeOptions(prefer="samples/backend-expert.md"))
    assert (field(preferred, "model").value, field(preferred, "color").value) == ("opus", "purple")
    assert not field(preferred, "model").conflict and not field(preferred, "color").conflict


@requires_shared
def test_keys_most_variants_lack_are_left_out() -> None:
    result = merge_agents(seeds())
    threshold = field(result, "confidence_threshold")
    assert not threshold.kept
    assert threshold.reason == "set by 1 of 5 variants; kept only when a majority sets it"
    assert "confidence_threshold" not in parse_agent(result.text).frontmatter.keys


# -- body ---------------------------------------------------------------------------------------


def test_prefer_supplies_the_wording_of_every_rule_it_has() -> None:
    preferred = "samples/team/backend-engineer.md"
    result = merge_agents(samples(), options=MergeOptions(prefer=preferred))
    texts = rule_texts(result.text)
    own = [g for g in result.groups if any(s.path == preferred for s in g.sources)]
    assert own
    for group in own:
        assert group.text == next(s.text for s in group.sources if s.path == preferred)
        assert group.text in texts


@pytest.mark.parametrize("support", [2, 3])
def test_min_support_keeps_rules_found_in_that_many_variants(support: int) -> None:
    result = merge_agents(samples(), options=MergeOptions(min_support=support))
    texts = set(rule_texts(result.text))
    for group in result.groups:
        assert group.kept == (group.support >= support and group.dropped is None)
        if not group.kept:
            assert all(source.text not in texts for source in group.sources)
    assert any(g.dropped and "--min-support" in g.dropped for g in result.groups)


def test_provenance_writes_the_sources_after_each_rule() -> None:
    result = merge_agents(samples(), options=MergeOptions(provenance=True))
    rules = [ref.rule for ref in parse_agent(result.text).rules()]
    assert len(rules) == len(rule_texts(merge_agents(samples()).text))
    for rule in rules:
        own = rule.source[: len(rule.source) - sum(len(child.source) for child in rule.children)]
        assert own.count("<!-- from: ") == 1, rule.source
        assert "from:" not in rule.full_text  # the comment is not rule text
    group = next(g for g in result.groups if g.text == "Never log secrets, tokens or passwords.")
    where = ", ".join(f"{s.path}:{s.line}" for s in group.sources)
    assert f"- Never log secrets, tokens or passwords. <!-- from: {where} -->\n" in result.text


@requires_shared
def test_a_section_whose_rules_all_went_elsewhere_is_left_out() -> None:
    # davila7's "## Core Responsibilities" (lines 10-16) restates davepoon's "When invoked:" list of
    # the preamble, checked by eye: its five rules align there, and its heading would stand over nothing
    paths = ["davepoon__claude-code-subagents-collection/subagents/metadata-agent.md",
             "davila7__claude-code-templates/cli-tool/components/agents/obsidian-ops-team/metadata-agent.md"]
    result = merge_agents(corpus_docs(paths))
    moved = [g for g in result.groups if any(s.path == paths[1] and 10 < s.line < 17 for s in g.sources)]
    assert len(moved) == 5 and all(g.kept and paths[0] in {s.path for s in g.sources} for g in moved)
    assert "Core Responsibilities" not in result.text
    assert "When invoked:\n- Add standardized frontmatter to markdown files missing metadata\n" in result.text
    assert "Core Responsibilities" not in {m.title for m in result.missing_sections}


@requires_shared
def test_a_repeat_row_does_not_write_the_rule_twice() -> None:
    # checked by eye: VoltAgent's "Competitive dynamics" (line 258) and "Collaborate with
    # market-researcher on market dynamics" (278) align with davila7's equal line 88 as one group
    paths = ["VoltAgent__awesome-claude-code-subagents/categories/10-research-analysis/competitive-analyst.md",
             "davila7__claude-code-templates/cli-tool/components/agents/business-marketing/competitive-analyst.md"]
    result = merge_agents(corpus_docs(paths))
    (group,) = [g for g in result.groups if (paths[1], 88) in {(s.path, s.line) for s in g.sources}]
    assert sorted((s.path, s.line) for s in group.sources) == [(paths[0], 258), (paths[0], 278), (paths[1], 88)]
    written = rule_texts(result.text)
    assert written.count("Collaborate with market-researcher on market dynamics") == 1
    assert "Competitive dynamics" in written  # the shorter repeat keeps its own row


@requires_shared
def test_a_files_own_opposed_rules_are_kept_but_not_reported() -> None:
    # a list of pitfalls against the best practices of the same file: no disagreement between variants
    path = "wshobson__agents/plugins/backend-development/agents/temporal-python-pro.md"
    doc = parse_agent(read_source(CORPUS / path), path=path)
    alignment = align_rules([doc])
    texts = {alignment.items[n].ref.rule.full_text for c in alignment.contradictions for n in (c.a, c.b)}
    contradicting = {"Use workflow.now() instead of datetime.now()", "Using datetime.now() instead of workflow.now()"}
    assert contradicting <= texts
    # the pitfall "Threading or global state in workflows" names a topic and directs nothing:
    # kept apart from "No threading, ...", but no contradiction
    opposed = {"No threading, locks, or global state", "Threading or global state in workflows"}
    assert not texts & opposed
    group_of = {alignment.items[m].ref.rule.full_text: g for g, group in enumerate(alignment.groups)
                for m in group.members}
    assert len({group_of[text] for text in opposed}) == 2
    # the pitfall "Missing timeout configuration" names a defect: it takes no side, so it is
    # the best practice restated, not its opposite
    assert not texts & {"Missing timeout configuration", "Configure appropriate timeouts"}
    for docs in ([doc], [doc, replace(doc, path="copy/temporal-python-pro.md")]):
        result = merge_agents(docs)
        assert result.contradictions == () and result.conflicts == 0
        written = rule_texts(result.text)
        assert contradicting | opposed <= set(written)
        assert "Missing timeout configuration" in written and "Configure appropriate timeouts" in written


def test_a_contradiction_keeps_the_side_more_variants_state() -> None:
    result = merge_agents(samples())
    (contradiction,) = [c for c in result.contradictions if "write SQL by hand" in c.sides[0].text]
    assert "(2 variants against 1)" in contradiction.resolution and result.conflicts >= 1
    texts = rule_texts(result.text)
    assert "Never use an ORM; write SQL by hand." not in texts
    assert any("ORM" in text for text in texts)


def _blocks(doc: AgentDoc, kind: BlockKind) -> list[str]:
    return [" ".join(block.text.split()) for section in doc.body.walk() for block in section.blocks
            if block.kind is kind]


@requires_shared
@pytest.mark.parametrize("kind", [BlockKind.PARAGRAPH, BlockKind.CODE])
def test_paragraphs_and_code_are_kept_once(kind: BlockKind) -> None:
    docs = seeds()
    result = merge_agents(docs)
    written = _blocks(parse_agent(result.text), kind)
    assert len(written) == len(set(written))
    assert result.persona is not None
    left_out = {" ".join(a.text.split()) for a in result.persona.alternatives} if kind is BlockKind.PARAGRAPH else set()
    assert set(written) == {text for doc in docs for text in _blocks(doc, kind)} - left_out


@requires_shared
def test_the_canonical_agent_says_who_it_is_once() -> None:
    """Four seeds open with "You are a/an ... backend engineer"; the base's (004) is written and
    the other three are alternatives in the report. 003's three-sentence "You are methodical, ..."
    sits under "## Role", not in the file's opening, and stays."""
    result = merge_agents(seeds())
    assert result.persona is not None
    chosen = result.persona.chosen
    assert (chosen.path[:3], chosen.line, result.persona.reason) == ("004", 9, "the base variant's")
    assert chosen.text.startswith("You are a Senior Backend Engineer specializing in Node.js/TypeScript")
    assert [(a.path[:3], a.line) for a in result.persona.alternatives] == [("000", 11), ("002", 8), ("003", 8)]
    openings = [p for p in _blocks(parse_agent(result.text), BlockKind.PARAGRAPH) if p.startswith("You are")]
    assert openings == [chosen.text, "You are methodical, security-conscious, and performance-oriented. You write "
                        "clean, well-documented, and testable backend code. You think in terms of system design "
                        "patterns, data flow, and failure modes."]


@requires_shared
def test_persona_statements_equal_or_long_are_not_alternatives() -> None:
    """An equal statement is written once and is no alternative; one of three sentences goes on to
    instruct ("... Never ...") and is kept beside the base's."""
    folder = shared_path("seeds")
    base = read_source(folder / "004_a0f0db0754634d8a.txt")
    other = read_source(folder / "002_59c9f4250e3f9764.txt")
    persona = "maintainable backend systems."
    assert persona in other
    longer = other.replace(persona, persona + " Never guess a schema you have not read.")
    twice = merge_agents([parse_agent(base, path="a.md"), parse_agent(base, path="b.md")])
    assert twice.persona is not None and twice.persona.alternatives == ()
    assert twice.text.count("You are a **Senior Backend Engineer**") == 1
    both = merge_agents([parse_agent(base, path="a.md"), parse_agent(longer, path="b.md")])
    assert both.persona is not None and both.persona.chosen.path == "a.md" and both.persona.alternatives == ()
    assert "You are a **Senior Backend Engineer**" in both.text
    assert "Never guess a schema you have not read." in both.text


@requires_shared
def test_a_new_list_titled_as_a_list_of_the_lead_joins_it() -> None:
    """VoltAgent's and davepoon's code reviewers both open with a "When invoked:" list; the steps
    only davepoon's has join VoltAgent's list (the base's) instead of a second "When invoked:"."""
    paths = ["VoltAgent__awesome-claude-code-subagents/categories/04-quality-security/code-reviewer.md",
             "davepoon__claude-code-subagents-collection/subagents/code-reviewer.md"]
    result = merge_agents([parse_agent(read_source(CORPUS / path), path=path) for path in paths])
    assert result.base == paths[0]
    (steps,) = [block for block in parse_agent(result.text).body.blocks if block.title == "When invoked"]
    texts = [rule.text for rule in steps.rules]
    assert {"Run git diff to see recent changes", "Focus on modified files", "Begin review immediately"} <= set(texts)
    assert texts[0] == "Query context manager for code review requirements and standards"


@requires_shared
def test_the_prefer_file_supplies_the_persona() -> None:
    result = merge_agents(seeds(), options=MergeOptions(prefer="002_59c9f4250e3f9764.txt"))
    assert result.persona is not None
    assert (result.persona.chosen.path, result.persona.chosen.line) == ("002_59c9f4250e3f9764.txt", 8)
    assert result.persona.reason == "the --prefer file's"
    assert [a.path[:3] for a in result.persona.alternatives] == ["000", "003", "004"]
    assert "You are an expert backend engineer with deep expertise" in result.text
    assert "specializing in Node.js/TypeScript server-side development" not in result.text


@requires_shared
def test_persona_statements_of_a_corpus_role() -> None:
    """python-pro: eight variants from eight collections, five with a persona statement in their
    opening. One is written; the others are in the report, each at its own line."""
    docs = corpus_role("python-pro")
    result = merge_agents(docs)
    assert result.persona is not None
    found = [result.persona.chosen, *result.persona.alternatives]
    assert len(found) == 5 and len({s.path for s in found}) == 5
    by_path = {doc.path: read_source(CORPUS / doc.path).splitlines() for doc in docs}
    for source in found:
        assert source.text.startswith(("You are a", "You are an"))
        assert by_path[source.path][source.line - 1].startswith(source.text[:30])
    written = _blocks(parse_agent(result.text), BlockKind.PARAGRAPH)
    assert written.count(" ".join(result.persona.chosen.text.split())) == 1
    for alternative in result.persona.alternatives:
        assert " ".join(alternative.text.split()) not in written


@requires_shared
@pytest.mark.parametrize("role", ["samples", "seeds", "quant-analyst"])
def test_every_input_rule_is_in_one_group_of_the_report(role: str) -> None:
    docs = samples() if role == "samples" else seeds() if role == "seeds" else corpus_role(role)
    result = merge_agents(docs)
    reported = [(s.path, s.line) for group in result.groups for s in group.sources]
    assert sorted(reported) == sorted((doc.path, ref.rule.span.start) for doc in docs for ref in doc.rules())


def test_sections_missing_from_some_variants_and_the_title_are_reported() -> None:
    result = merge_agents(samples())
    missing = {m.title: m for m in result.missing_sections}
    title = missing["Backend Engineer"]  # the title heading only two files have
    assert {h.path for h in title.headings} == {"samples/backend-expert.md", "samples/team/backend-engineer.md"}
    assert set(title.missing) == {"samples/backend-developer.md", "samples/backend-engineer.md"}
    assert result.text.count("\n# ") == 1  # one title, not one per variant


@requires_shared
def test_a_rule_stated_twice_in_one_file_is_reported_and_kept(load_shared) -> None:  # type: ignore[no-untyped-def]
    text, doc = load_shared("corpus", "0xfurai__claude-code-subagents", "agents", "actix-expert.md")
    result = merge_agents([doc])
    assert result.text == text
    lines = {tuple(s.line for s in dup.rules) for dup in result.duplicates}
    assert (15, 28, 51) in lines  # three ways of saying "handle errors"
    assert not result.unique  # a single file has nothing to compare with


# -- invariants ---------------------------------------------------------------------------------


def test_a_seed_consolidates_to_itself(seed_file: Path) -> None:
    """The body is kept byte for byte; so is the frontmatter when it is already valid YAML with
    ``tools`` as a comma string (the others are rewritten in that form)."""
    source = read_source(seed_file)
    doc = parse_agent(source, path=seed_file.name)
    text = merge_agents([doc]).text
    tools = doc.frontmatter.get("tools")
    canonical = doc.frontmatter.status is FrontmatterStatus.VALID and (tools is None or isinstance(tools, str))
    assert text.endswith(source[len(doc.frontmatter.source):])
    assert (text == source) == canonical
    assert parse_agent(text).frontmatter.status is FrontmatterStatus.VALID


@pytest.mark.parametrize("name", ["backend-engineer.md", "backend-expert.md", "docs-writer.md"])
def test_a_sample_consolidates_to_itself(name: str) -> None:
    assert merge_agents([sample(name)]).text == read_source(ROOT / "samples" / name)


def test_a_yaml_list_of_tools_becomes_a_comma_string_and_nothing_else_changes() -> None:
    source = read_source(ROOT / "samples" / "team" / "backend-engineer.md")
    text = merge_agents([sample("team/backend-engineer.md")]).text
    assert text == source.replace("tools:\n  - Read\n  - Grep\n  - Edit\n  - Bash\n", "tools: Read, Grep, Edit, Bash\n")


@requires_shared
@pytest.mark.parametrize("group", CORPUS_ROLES)
def test_any_input_order_gives_the_same_agent(group: str) -> None:
    docs = corpus_role(group)
    first = merge_agents(docs)
    assert merge_agents(list(reversed(docs))).text == first.text
    assert merge_agents(docs[1:] + docs[:1]) == first


@requires_shared
@pytest.mark.parametrize("group", CORPUS_ROLES)
def test_the_canonical_agent_consolidated_with_itself_comes_back_unchanged(group: str) -> None:
    result = merge_agents(corpus_role(group))
    again = merge_agents([parse_agent(result.text, path=f"{where}/{result.name}.md") for where in ("a", "b")])
    assert again.text == result.text
    assert again.conflicts == 0


@requires_shared
@pytest.mark.parametrize("group", [*CORPUS_ROLES, "seeds"])
def test_the_canonical_agent_is_valid_claude_code(group: str) -> None:
    result = merge_agents(seeds() if group == "seeds" else corpus_role(group))
    doc = parse_agent(result.text, path=f"out/{result.name}.md")
    assert doc.frontmatter.status is FrontmatterStatus.VALID
    found = [d for d in (*validate(doc), *doc.diagnostics) if d.severity is not Severity.INFO]
    assert [d for d in found if d.code != "unknown-key"] == []
    assert doc.frontmatter.get("name") == result.name
    tools = doc.frontmatter.get("tools")
    assert tools is None or isinstance(tools, str)


# -- several roles ------------------------------------------------------------------------------


def test_roles_with_one_name_get_files_of_their_own() -> None:
    docs = [sample("backend-engineer.md"), sample("team/backend-engineer.md")]
    results = consolidate(docs, [[0], [1]], joined={"samples/backend-engineer.md": "name: backend"})
    assert [r.name for r in results] == ["backend-engineer", "backend-engineer-2"]
    assert "name: backend-engineer-2\n" in results[1].text
    assert [m.joined for r in results for m in r.members] == ["name: backend", None]


def test_progress_is_called_once_per_role() -> None:
    seen: list[str] = []
    consolidate([sample("docs-writer.md"), *samples()], [[0], [1, 2, 3, 4]], progress=lambda r: seen.append(r.name))
    assert sorted(seen) == ["backend-engineer", "docs-writer"]


def test_min_support_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="min_support"):
        MergeOptions(min_support=0)


@requires_shared
def test_worker_processes_give_the_same_results_as_one() -> None:
    """Four corpus roles, and the seeds and two samples, three roles of one name: the results of two
    worker processes equal those of one, value for value and in order."""
    docs = [*seeds(), sample("backend-engineer.md"), sample("team/backend-engineer.md")]
    groups = [list(range(5)), [5], [6]]
    for group in CORPUS_ROLES:
        members = corpus_role(group)
        groups.append(list(range(len(docs), len(docs) + len(members))))
        docs.extend(members)
    joined = {doc.path: "name" for doc in docs[:5]}
    seen: list[str] = []
    one = consolidate(docs, groups, joined=joined)
    two = consolidate(docs, groups, joined=joined, jobs=2, progress=lambda r: seen.append(r.name))
    assert two == one
    assert sorted(seen) == ["api-designer", *["backend-engineer"] * 3, "playwright-expert", "python-pro",
                            "quant-analyst"]
    assert [r.name for r in two][:4] == ["api-designer", "backend-engineer", "backend-engineer-2", "backend-engineer-3"]


@requires_shared
def test_without_a_process_pool_the_roles_are_merged_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """A platform without a working sem_open cannot make a pool: jobs > 1 then merges here."""
    def no_pool(*_args: object, **_kwargs: object) -> None:
        raise NotImplementedError("This platform lacks a functioning sem_open implementation")

    monkeypatch.setattr("agentmerge.workers.ProcessPoolExecutor", no_pool)
    docs = [*seeds(), *corpus_role("quant-analyst")]
    groups = [list(range(5)), list(range(5, len(docs)))]
    assert consolidate(docs, groups, jobs=2) == consolidate(docs, groups)
