"""``agentmerge consolidate``: one canonical agent per role, and a conflict report."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import click

from agentmerge.cli._common import Exit, auto_jobs, echo_diagnostics, inputs, jobs_option, load_inputs
from agentmerge.files import safe_name, write_atomic
from agentmerge.model import AgentDoc, Severity

#: Report formats, and the report file suffixes that choose one for --report.
CONSOLIDATE_FORMATS = MappingProxyType({"text": ".txt", "json": ".json", "markdown": ".md"})
#: --tools choices (agentmerge.policies.ToolsPolicy values; spelled out to keep startup light).
TOOLS_POLICIES = ("intersection", "majority", "union")
#: Show a progress bar (on a terminal) from this many roles. A role takes about 35 ms on
#: average (../shared/corpus grouped by name: 828 roles merged in 28 s on 2 busy cores), so
#: shorter runs end within two seconds, before a bar would help.
PROGRESS_ROLES = 50

if TYPE_CHECKING:
    from agentmerge.merge import MergeOptions


@click.command()
@inputs
@click.option("--format", "fmt", type=click.Choice(sorted(CONSOLIDATE_FORMATS)), default="text", show_default=True)
@click.option("-o", "--output", "outdir", type=click.Path(file_okay=False),
              help="Write each canonical agent as OUTDIR/<name>.md (atomically).")
@click.option("--report", "report_path", type=click.Path(dir_okay=False),
              help="Also write the report to this file: JSON for .json, Markdown for .md, else --format.")
@click.option("--force", is_flag=True, help="Replace output files that exist (never an input file).")
@click.option("--group-by", type=click.Choice(["auto", "content", "name", "none"]), default="auto", show_default=True,
              help="auto: same name (role suffixes, case, plugin prefix aside) or similar content; "
                   "name or content alone; none: all inputs are one role. Copies always join.")
# Default: agentmerge.grouping.MIN_SIMILARITY (spelled out so that startup does not load datasketch).
@click.option("--min-similarity", type=click.FloatRange(0, 1), default=0.8, show_default=True,
              help="Least mean TF-IDF cosine of two groups of files that auto and content merge.")
@click.option("--semantic", is_flag=True,
              help="Also compare rules by sentence embeddings (needs the 'semantic' extra).")
@click.option("--name", help="Name the canonical agent (one role only) instead of the most common name.")
@click.option("--tools", "tools_policy", type=click.Choice(TOOLS_POLICIES), default="union", show_default=True,
              help="Combine the variants' tools: every tool any may use, those all may use, or most may use.")
@click.option("--prefer", type=click.Path(dir_okay=False),
              help="An input file that wins every tie and supplies the wording of the rules it has.")
@click.option("--min-support", type=click.IntRange(min=1), default=1, show_default=True, metavar="K",
              help="Keep the rules found in at least K variants (1: all of them).")
@click.option("--provenance", is_flag=True, help="Write <!-- from: file:line, ... --> after each rule.")
@jobs_option("Merge roles in N processes (0: one per core from {tasks} roles on; one with --semantic).")
def consolidate(
    paths: tuple[str, ...], max_bytes: int, fmt: str, outdir: str | None, group_by: str, semantic: bool, jobs: int,
    **options: Any,
) -> None:
    """Merge the variants of each role into one canonical agent, and report every conflict.

    Without -o nothing is written: the canonical agents and the report (text), the report
    (markdown) or the full result (json) go to standard output. Existing files are replaced
    only with --force. Exit status 0 when the variants agree, 1 when the report has conflicts
    (tied frontmatter values, contradicting rules), 2 when an input cannot be read (the other
    inputs are still consolidated) or an output cannot be written.

    \b
    Examples:
      agentmerge consolidate samples/
      agentmerge consolidate agents/*.md --format json > report.json
      agentmerge consolidate agents/ -o merged/ --report merged.md --min-support 2
      agentmerge consolidate a.md b.md --prefer a.md --tools intersection --provenance
    """
    from agentmerge.grouping import group_roles
    from agentmerge.merge import consolidate as merge_roles
    from agentmerge.render import json as render_json
    from agentmerge.render import markdown as render_markdown
    from agentmerge.render import text as render_text

    embed = None
    if semantic:
        from agentmerge.semantic import load_embedder

        embed = load_embedder()
    docs, errors = load_inputs(paths, max_bytes)
    usable = [doc for doc in docs if not any(d.severity is Severity.ERROR for d in doc.diagnostics)]
    diagnostics = [d for doc in docs for d in doc.diagnostics]
    echo_diagnostics(diagnostics)
    roles = group_roles(usable, by=group_by, min_similarity=options["min_similarity"])
    groups = [role.indexes for role in roles]
    joined = {path: why for role in roles for path, why in role.reasons().items()}
    policy = _policy(usable, len(groups), **options)
    with _progress(len(groups)) as advance:
        results = merge_roles(usable, groups, options=policy, embed=embed, joined=joined, progress=advance,
                              jobs=auto_jobs(jobs, len(groups)))

    def render(kind: str, *, agents: bool) -> str | bytes:
        if kind == "json":
            return render_json.consolidate_bytes(results, diagnostics)
        if kind == "markdown":
            return render_markdown.consolidate(results)
        return render_text.consolidate(results) if agents else render_text.report(results)

    outputs: list[tuple[str, str | bytes]] = (
        [(os.path.join(outdir, safe_name(r.name) + ".md"), r.text) for r in results] if outdir else [])
    if options["report_path"]:
        kind = next((k for k, suffix in CONSOLIDATE_FORMATS.items() if options["report_path"].endswith(suffix)), fmt)
        outputs.append((options["report_path"], render(kind, agents=False)))
    _write(outputs, [doc.path for doc in docs], force=options["force"])
    click.echo(render(fmt, agents=outdir is None), nl=False)
    if errors or len(usable) < len(docs):
        sys.exit(Exit.ERROR)
    sys.exit(Exit.FOUND if any(r.conflicts for r in results) else Exit.CLEAN)


def _policy(docs: Sequence[AgentDoc], roles: int, **options: Any) -> MergeOptions:
    """The MergeOptions of the command line; a --name for several roles or a --prefer file that
    is not an input is a usage error (exit status 2)."""
    from agentmerge.errors import UsageError
    from agentmerge.merge import MergeOptions
    from agentmerge.policies import ToolsPolicy

    if options["name"] is not None and roles > 1:
        raise UsageError("--name", f"names one canonical agent, but the inputs form {roles} roles "
                                   "(--group-by none makes them one)")
    prefer = options["prefer"]
    if prefer is not None:
        wanted = Path(prefer).resolve()
        prefer = next((doc.path for doc in docs if doc.path != "-" and Path(doc.path).resolve() == wanted), None)
        if prefer is None:
            raise UsageError(options["prefer"], "--prefer names a file that is not among the inputs")
    return MergeOptions(name=options["name"], tools=ToolsPolicy(options["tools_policy"]), prefer=prefer,
                        min_support=options["min_support"], provenance=options["provenance"])


@contextlib.contextmanager
def _progress(roles: int) -> Iterator[Callable[[object], None]]:
    """A progress bar on standard error for long runs on a terminal; a no-op otherwise."""
    stream = sys.stderr
    if roles < PROGRESS_ROLES or not stream.isatty():
        yield lambda _result: None
        return
    with click.progressbar(length=roles, label="consolidating", file=stream) as bar:
        yield lambda _result: bar.update(1)


def _write(outputs: list[tuple[str, str | bytes]], inputs: Sequence[str], *, force: bool) -> None:
    """Write every output atomically, or none: an existing file (without --force) or an input
    file as target is an error, one line each, and exit status 2."""
    sources = {Path(path).resolve() for path in inputs if path != "-"}
    problems = []
    for path, _text in outputs:
        if Path(path).resolve() in sources:
            problems.append(f"{path}: error: is an input file; agentmerge never writes its inputs")
        elif Path(path).exists() and not force:
            problems.append(f"{path}: error: already exists; --force replaces it")
    if problems:
        for line in problems:
            click.echo(line, err=True)
        sys.exit(Exit.ERROR)
    for path, text in outputs:
        write_atomic(path, text)
