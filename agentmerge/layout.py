"""The canonical agent's body: sections in consensus order, one rule per aligned row.

* **Sections.** The sections of the variants are clustered: files' titles (a lone level-1
  heading over everything) together, then equal titles, then
  :func:`agentmerge.sections.align_sections` (heading concepts and shared rules), then heading
  concept (:func:`agentmerge.normalize.section_concept`); a cluster never holds two sections of
  one file, and the k-th "Workflow" of one file pairs with the k-th of another.
* **Order.** The preamble (before the first heading) comes first, then the title, then the
  clusters as a tree: a cluster sits under the cluster of its lead section's parent, and
  siblings come in consensus order, by the median of their sections' relative positions in
  their files (median rank aggregation, Dwork, Kumar, Naor & Sivakumar 2001, "Rank aggregation
  methods for the web"). A heading no deeper than its parent's is moved one level below it. A
  section whose rules and subsections all went to other sections is left out, not written as a
  heading over nothing; one empty in its file stays.
* **Lead section.** Each cluster is written from one section, its *lead*: the ``--prefer``
  file's when it has one (the base variant's for the preamble), else the one holding the most
  rules (ties: the base's, then the first file's). Its heading, paragraphs, code and list
  layout are kept; paragraphs, code blocks, tables, quotes and HTML of the other sections
  follow it unless an equal one (whitespace and case aside) is already written.
* **Rows.** One canonical rule per aligned group (:func:`agentmerge.align.align_rules`); a rule
  a file states twice gives a second row (the report lists it as a within-file duplicate), so
  a single file consolidates to itself, and another file's rule joins the row that holds its
  very words. Rules without content words are matched by their text.
  A row nests under the row most of its members' parents belong to, and otherwise sits in the
  cluster most of its members' sections belong to (ties: where its best-worded member sits):
  in the lead's list that holds its rule, else in the lead's list where most of its neighbours
  went, else (an untitled list) the lead's last list, else the lead's list of the same title
  (case and closing colon aside: two "When invoked:" lists are one), else a new list after the
  lead's content. Rows are ordered by the median relative position of their members.
* **Wording** of a row: the ``--prefer`` file's; else the wording most members use word for
  word; ties: the most specific (most content stems), then the lead's, then the first file's.
* **Persona.** An agent says who it is once: of the variants' persona statements ("You are a
  ...", see :mod:`agentmerge.persona`) the first written stands for it, the base variant's (or
  the ``--prefer`` file's) since its preamble comes first; the others are reported, not written.

A list, or a rule, whose content and order did not change keeps its source text byte for byte.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agentmerge.align import Alignment
from agentmerge.markup import (
    FENCE,
    MARKER,
    PROVENANCE,
    ListStyle,
    TextBuilder,
    block_key,
    ensure_newline,
    indent_of,
    list_style,
    relevel,
    shift,
    split_item,
    strip_provenance,
)
from agentmerge.model import AgentDoc, Block, BlockKind, Rule, Section
from agentmerge.outline import cluster_sections, cluster_tree, section_parents, title_section, walk_tree
from agentmerge.parse import split_lines
from agentmerge.persona import PersonaChoice
from agentmerge.report import MissingSection, Persona, RuleGroup, Source

Home = tuple[int, int | str]
"""Where a top-level row is written: (cluster, the lead section's block index, or the title of a
new list after the lead's content)."""
_EXTRA_KINDS = frozenset({BlockKind.PARAGRAPH, BlockKind.CODE, BlockKind.TABLE, BlockKind.QUOTE,
                          BlockKind.HTML, BlockKind.RAW})

@dataclass(frozen=True, slots=True)
class BodyPlan:
    """What the body composer needs besides the documents and their alignment."""

    base: int
    """Index of the base variant (lead of the preamble, last tie-breaker)."""
    prefer: int | None
    """Index of the ``--prefer`` variant, which leads its sections and supplies the wording."""
    kept: tuple[bool, ...]
    """Per alignment group: whether the canonical agent holds it."""
    min_support: int
    """Rules the comparator cannot align (no content words) need this many variants too."""
    provenance: bool
    """Write ``<!-- from: a.md:12, b.md:40 -->`` after each rule."""
    newline: str
    name: str = ""
    """The canonical name: a file title that spells it leads the title cluster."""


@dataclass(frozen=True, slots=True)
class Layout:
    """The composed body and what the report needs from it."""

    text: str
    """BOM, header and body: the canonical agent file."""
    chosen: tuple[int, ...]
    """Per alignment group: the item (index into ``Alignment.items``) whose wording it uses."""
    missing: tuple[MissingSection, ...]
    text_groups: tuple[RuleGroup, ...]
    """Rules the comparator has no content words for (it leaves them out), matched by text."""
    persona: Persona | None = None
    """The persona statement written and the other files' statements left out."""


@dataclass(frozen=True, slots=True)
class _Place:
    """One rule of one file and where it sits."""

    doc: int
    section: int
    """Index into the file's sections in walk order (0: the preamble)."""
    block: int
    top: float
    """Relative position (0-1) of its top-level ancestor in the block's list."""
    position: float
    """Relative position (0-1) among its siblings."""
    rule: Rule
    parent: int | None


@dataclass(frozen=True, slots=True)
class _Row:
    members: tuple[int, ...]
    """Places, at most one per file, in file order."""
    kept: bool
    """Whether the canonical agent holds it: the group of one of its members is kept."""


def compose(docs: Sequence[AgentDoc], alignment: Alignment, plan: BodyPlan, header: str) -> Layout:
    """Compose the canonical agent: ``header`` (the frontmatter block) then the merged body.

    Args:
        docs: the variants, in path order.
        alignment: :func:`agentmerge.align.align_rules` of ``docs``.
        plan: the policies that apply.
        header: the canonical frontmatter block, written after the base's BOM.
    """
    return _Composer(docs, alignment, plan).compose(header)


class _Composer:
    """Working state of one composition (built once, read while rendering)."""

    def __init__(self, docs: Sequence[AgentDoc], alignment: Alignment, plan: BodyPlan) -> None:
        self.docs, self.alignment, self.plan = docs, alignment, plan
        self.sections = [list(doc.body.walk()) for doc in docs]
        self.title = {d: s for d, doc in enumerate(docs) if (s := title_section(doc, self.sections[d])) is not None}
        self.places: list[_Place] = []
        self.where: dict[tuple[int, int], int] = {}
        self._index()
        self.item_place = [self.where[(item.doc, id(item.ref.rule))] for item in alignment.items]
        self.place_item = {p: n for n, p in enumerate(self.item_place)}
        self.words = [" ".join(place.rule.full_text.lower().split()) for place in self.places]
        self.terms = {p: len(alignment.items[n].key.terms) for n, p in enumerate(self.item_place)}
        self.size = Counter((p.doc, p.section) for p in self.places)
        self.rows = self._rows()
        self.row_of = {m: r for r, row in enumerate(self.rows) for m in row.members}
        spots = [(self.places[p].doc, self.places[p].section) for p in self.item_place]
        self.cluster_of, self.clusters = cluster_sections(docs, self.sections, self.title, alignment, spots)
        self.lead = [self._lead(c) for c in range(len(self.clusters))]
        self.up = [section_parents(found) for found in self.sections]
        self.tree = cluster_tree(self.clusters, self.cluster_of, self.lead, self.up, self.title)
        self.best = [self._wording(r, None) for r in range(len(self.rows))]
        self.parent = self._parents()
        self.home = self._homes()
        self.chosen = [self._wording(r, self.lead[self.home[r][0]] if r in self.home else None)
                       for r in range(len(self.rows))]
        self.children: dict[int | None, list[int]] = defaultdict(list)
        for r in sorted(range(len(self.rows)), key=self._order):
            self.children[self.parent[r]].append(r)
        self.lists: dict[Home, list[int]] = defaultdict(list)
        for r in self.children[None]:
            self.lists[self.home[r]].append(r)
        self.personas = PersonaChoice({(d, s) for d in range(len(docs)) for s in (0, self.title.get(d))
                                       if s is not None})
        self._new_lists: dict[int, dict[str, list[int]]] | None = None

    # -- indexes ---------------------------------------------------------------------------------

    def _index(self) -> None:
        for d, sections in enumerate(self.sections):
            for s, section in enumerate(sections):
                for b, block in enumerate(section.blocks):
                    count = len(block.rules)
                    for t, top in enumerate(block.rules):
                        pending: list[tuple[Rule, int | None, float]] = [(top, None, (t + 0.5) / count)]
                        while pending:
                            rule, parent, position = pending.pop()
                            number = len(self.places)
                            self.where[(d, id(rule))] = number
                            self.places.append(_Place(d, s, b, (t + 0.5) / count, position, rule, parent))
                            kids = rule.children
                            pending.extend((kids[k], number, (k + 0.5) / len(kids)) for k in reversed(range(len(kids))))

    def _rows(self) -> list[_Row]:
        """Rows of every group (the comparator's, then rules without content words matched by
        text), groups that hold word-for-word equal rules taken together: the comparator may
        split a file's repeats of one rule across two groups, which must not add a row."""
        count = len(self.alignment.groups)
        self.group_of: dict[int, int] = {}  # place -> group (alignment groups, then text groups)
        for g, group in enumerate(self.alignment.groups):
            for m in group.members:
                self.group_of[self.item_place[m]] = g
        by_text: dict[str, list[int]] = {}
        for number, place in enumerate(self.places):
            if number not in self.group_of:
                by_text.setdefault(self.words[number] or " ".join(place.rule.source.split()), []).append(number)
        self.text_groups = list(by_text.values())
        for k, places in enumerate(self.text_groups):
            self.group_of.update((p, count + k) for p in places)
        family = list(range(count + len(self.text_groups)))

        def find(g: int) -> int:
            while family[g] != g:
                g = family[g]
            return g

        first: dict[str, int] = {}
        for number in sorted(self.group_of):
            words, g = self.words[number], self.group_of[number]
            if words:
                a, b = sorted((find(first.setdefault(words, g)), find(g)))
                family[b] = a
        members: dict[int, list[int]] = defaultdict(list)
        for number in sorted(self.group_of):
            members[find(self.group_of[number])].append(number)
        kept = [*self.plan.kept, *(len({self.places[p].doc for p in places}) >= self.plan.min_support
                                   for places in self.text_groups)]
        return [_Row(row, any(kept[self.group_of[m]] for m in row))
                for places in members.values() for row in _split_repeats(places, self.places, self.words)]

    def _lead(self, c: int) -> tuple[int, int]:
        nodes = self.clusters[c]
        docs = dict(nodes)
        for d in (self.plan.prefer, self.plan.base if c == 0 else None):
            if d is not None and d in docs:
                return d, docs[d]
        for d, s in nodes:
            if self.title.get(d) == s and "-".join(self.sections[d][s].title.lower().split()) == self.plan.name:
                return d, s
        return min(nodes, key=lambda node: (-self.size[node], node[0] != self.plan.base, node))

    # -- where each row goes -------------------------------------------------------------------

    def _parents(self) -> list[int | None]:
        """The row each row nests under (None: a top-level rule), by majority of its members;
        ties go to where its best-worded member sits."""
        parent: list[int | None] = []
        for r, row in enumerate(self.rows):
            if len(row.members) == 1:
                parent.append(self._row_above(row.members[0]))
                continue
            votes = Counter(self._row_above(m) for m in row.members)
            top = max(votes.values())
            leaders = [v for v in votes if votes[v] == top]
            best = self._row_above(self.best[r])
            if len(leaders) > 1 and best not in leaders:
                best = None if None in leaders else min(v for v in leaders if v is not None)
            parent.append(leaders[0] if len(leaders) == 1 else best)
        for r in range(len(parent)):  # a cycle (possible only with odd votes) is cut at its start
            seen, up = {r}, parent[r]
            while up is not None and up not in seen:
                seen.add(up)
                up = parent[up]
            if up is not None:
                parent[r] = None
        return parent

    def _row_above(self, m: int) -> int | None:
        """The row of the parent rule of place ``m`` (None for a top-level rule)."""
        above = self.places[m].parent
        return None if above is None else self.row_of[above]

    def _homes(self) -> dict[int, Home]:
        """Where each top-level row is written: (cluster, lead block index or new list title)."""
        home: dict[int, Home] = {}
        cluster: dict[int, int] = {}
        for r, row in enumerate(self.rows):
            if self.parent[r] is not None:
                continue
            best = self.places[self.best[r]]
            c = self.cluster_of[(best.doc, best.section)]
            if len(row.members) > 1:
                votes = Counter(self.cluster_of[(self.places[m].doc, self.places[m].section)] for m in row.members)
                top = max(votes.values())
                if votes[c] < top:
                    c = min(c for c in votes if votes[c] == top)
            cluster[r] = c
            lead = self.lead[c]
            own = [self.places[m].block for m in row.members if (self.places[m].doc, self.places[m].section) == lead]
            if own:
                home[r] = (c, own[0])
        blocks: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for number, place in enumerate(self.places):
            if place.parent is None:
                blocks[(place.doc, place.section, place.block)].append(number)
        for r, c in cluster.items():
            if r in home:
                continue
            near: Counter[int] = Counter()
            for m in self.rows[r].members:
                p = self.places[m]
                for other in blocks[(p.doc, p.section, p.block)]:
                    target = home.get(self.row_of[other])
                    if target is not None and target[0] == c and isinstance(target[1], int):
                        near[target[1]] += 1
            if near:
                home[r] = (c, min(near, key=lambda b: (-near[b], b)))
        # (cluster, title key) -> the lead's first list of that title, or the first new list's title
        titled: dict[tuple[int, str], int | str] = {}
        for c in sorted(set(cluster.values())):
            d, s = self.lead[c]
            for b in reversed(range(len(self.sections[d][s].blocks))):
                block = self.sections[d][s].blocks[b]
                if block.rules and block.title:
                    titled[(c, _title_key(block.title))] = b
        for r, c in cluster.items():
            if r not in home:
                place = self.places[self.best[r]]
                title = self.sections[place.doc][place.section].blocks[place.block].title or ""
                d, s = self.lead[c]
                lists = [b for b, block in enumerate(self.sections[d][s].blocks) if block.rules]
                # an untitled list after another would join it (CommonMark): add to the lead's last list
                if lists and not title:
                    home[r] = (c, lists[-1])
                else:
                    home[r] = (c, titled.setdefault((c, _title_key(title)), title))
        return home

    def _wording(self, r: int, lead: tuple[int, int] | None) -> int:
        """The member whose wording row ``r`` uses; ``lead`` is the lead section of its cluster."""
        members = self.rows[r].members
        if len(members) == 1:
            return members[0]
        support = Counter(self.words[m] for m in members)

        def rank(m: int) -> tuple[bool, int, int, bool, int]:
            place = self.places[m]
            return (place.doc != self.plan.prefer, -support[self.words[m]], -self.terms.get(m, 0),
                    (place.doc, place.section) != lead, m)

        return min(members, key=rank)

    def _order(self, r: int) -> tuple[float, int]:
        """Sort key of row ``r`` among its siblings: the median relative position of its members."""
        members = self.rows[r].members
        top = self.parent[r] is None
        if len(members) == 1:
            place = self.places[members[0]]
            return place.top if top else place.position, r
        return statistics.median(self.places[m].top if top else self.places[m].position for m in members), r

    def alive(self, r: int) -> bool:
        """Whether row ``r`` and every row above it are kept."""
        while True:
            up = self.parent[r]
            if not self.rows[r].kept or up is None:
                return self.rows[r].kept
            r = up

    # -- rendering -----------------------------------------------------------------------------

    def compose(self, header: str) -> Layout:
        out = TextBuilder(self.plan.newline, ("\ufeff" if self.docs[self.plan.base].bom else "") + header)
        seen: set[tuple[str, str]] = set()
        previous: tuple[int, int] | None = None
        missing = []
        level: dict[int, int] = {}
        top = self.tree.get(None, [])
        title = top[0] if top and any(self.title.get(d) == s for d, s in self.clusters[top[0]]) else None
        hollow = self._hollow()
        for c, up in walk_tree(self.tree):
            if c in hollow:
                continue
            lead = self.lead[c]
            d, s = lead
            section = self.sections[d][s]
            follows = previous == (d, s - 1)
            if section.heading is not None:
                level[c] = section.level
                heading = section.heading.source
                if up is not None and level[c] <= level[up]:
                    level[c] = min(6, level[up] + 1)
                    heading = relevel(section, level[c], self.plan.newline)
                out.add(heading, separate=not follows)
                if len(self.clusters[c]) < len(self.docs):
                    missing.append(self._missing(c, section))
            self._lead_blocks(c, section, out, seen)
            # other files' preambles follow the title heading, not precede it
            later = [0, c] if c == title else [] if c == 0 and title is not None else [c]
            added = False
            for cluster in later:
                added = self._extras(cluster, out, seen) or added
                for key, rows in self._orphans(cluster):
                    out.add(self._list(rows, self._orphan_style(rows[0], key)), separate=True)
                    added = True
            previous = None if added else lead
        chosen: dict[int, int] = {}  # group -> place of its wording
        for r, row in enumerate(self.rows):
            for m in row.members:
                g = self.group_of[m]
                if g not in chosen:
                    chosen[g] = self.chosen[r] if self.group_of[self.chosen[r]] == g else m
        count = len(self.alignment.groups)
        return Layout(out.text(), tuple(self.place_item[chosen[g]] for g in range(count)), tuple(missing),
                      tuple(self._text_group(places, chosen[count + k]) for k, places in enumerate(self.text_groups)),
                      self._persona())

    def _hollow(self) -> set[int]:
        """Clusters left with nothing to write because their rules and subsections went to other
        sections: a heading over nothing is left out ("## Technical Debt", whose rules the other
        variants state under their own headings). A section that was empty in its file stays."""
        out: set[int] = set()
        for c, _up in reversed(walk_tree(self.tree)):  # children before their parents
            kids = self.tree.get(c, [])
            # the openings (preambles, files' titles) always stand, so no persona statement is met here
            if any(node in self.personas.openings for node in self.clusters[c]):
                continue
            had = any(section.children or any(block.kind is not BlockKind.BLANK for block in section.blocks)
                      for section in (self.sections[d][s] for d, s in self.clusters[c]))
            if (had or kids) and all(k in out for k in kids) and not self._writes(c):
                out.add(c)
        return out

    def _writes(self, c: int) -> bool:
        """Whether cluster ``c`` (no opening) writes any block or rule of its own, subsections aside."""
        d, s = self.lead[c]
        for b, block in enumerate(self.sections[d][s].blocks):
            if block.kind is BlockKind.LIST:
                if any(self.alive(r) for r in self.lists.get((c, b), [])):
                    return True
            elif block.kind is not BlockKind.BLANK:
                return True
        if any(block.kind in _EXTRA_KINDS
               for d2, s2 in self.clusters[c] if (d2, s2) != (d, s) for block in self.sections[d2][s2].blocks):
            return True
        return bool(self._orphans(c))

    def _persona(self) -> Persona | None:
        if self.personas.chosen is None:
            return None
        d, block = self.personas.chosen
        reason = ("the --prefer file's" if d == self.plan.prefer else "the base variant's" if d == self.plan.base
                  else "the first in the canonical order (the base variant's opening has none)")
        return Persona(self._block_source(d, block), tuple(self._block_source(a, b) for a, b in sorted(
            self.personas.alternatives, key=lambda found: (found[0], found[1].span.start))), reason)

    def _block_source(self, d: int, block: Block) -> Source:
        return Source(self.docs[d].path, block.span.start, block.text)

    def _text_group(self, places: list[int], chosen: int) -> RuleGroup:
        """The report entry of rules without content words that are matched by their text."""
        support = len({self.places[p].doc for p in places})
        sources = tuple(Source(self.docs[self.places[p].doc].path, self.places[p].rule.span.start,
                               self.places[p].rule.full_text) for p in places)
        place = self.places[chosen]
        titles = []
        up: int | None = place.section
        while up:  # the headings above the rule, outermost first (0: the preamble)
            titles.append(self.sections[place.doc][up].title)
            up = self.up[place.doc][up]
        kept = support >= self.plan.min_support
        dropped = None if kept else f"found in {support} variant(s), fewer than --min-support {self.plan.min_support}"
        return RuleGroup(place.rule.full_text, " > ".join(reversed(titles)), sources, support, 1.0,
                         "no content words to compare: matched by identical text",
                         "the only wording" if len(places) == 1 else "identical text", kept, dropped)

    def _missing(self, c: int, section: Section) -> MissingSection:
        have = {d for d, _ in self.clusters[c]}
        headings = []
        for d, s in sorted(self.clusters[c]):
            heading = self.sections[d][s].heading
            if heading is not None:
                headings.append(Source(self.docs[d].path, heading.span.start, heading.title))
        lacking = tuple(doc.path for n, doc in enumerate(self.docs) if n not in have)
        return MissingSection(section.title, tuple(headings), lacking)

    def _lead_blocks(self, c: int, section: Section, out: TextBuilder, seen: set[tuple[str, str]]) -> None:
        """Write the lead section's blocks, its lists with their rows; an emptied list, or a
        persona statement left out, goes with the blank lines after it."""
        lead = self.lead[c]
        dropped = False
        for b, block in enumerate(section.blocks):
            if block.kind is BlockKind.LIST:
                kept = [r for r in self.lists.get((c, b), []) if self.alive(r)]
                dropped = not kept
                if kept:
                    out.add(self._list(kept, list_style(block), block), separate=False)
                continue
            if not self.personas.writes(*lead, block):
                dropped = True  # the blank lines after it go with it
                continue
            if not (dropped and block.kind is BlockKind.BLANK):
                out.add(block.source, separate=False)
                seen.add(block_key(block))
            dropped = False

    def _extras(self, c: int, out: TextBuilder, seen: set[tuple[str, str]]) -> bool:
        added = False
        for d, s in sorted(self.clusters[c]):
            if (d, s) == self.lead[c]:
                continue
            for block in self.sections[d][s].blocks:
                key = block_key(block)
                if block.kind in _EXTRA_KINDS and key not in seen and self.personas.writes(d, s, block):
                    seen.add(key)
                    out.add(block.source, separate=True)
                    added = True
        return added

    def _orphans(self, c: int) -> list[tuple[str, list[int]]]:
        """The new lists of cluster ``c``: (title, kept rows), in the order of their first rows."""
        if self._new_lists is None:  # once for all clusters: compose and _hollow ask for each
            self._new_lists = defaultdict(dict)
            for (cluster, where), rows in self.lists.items():
                kept = [r for r in rows if self.alive(r)]
                if isinstance(where, str) and kept:
                    self._new_lists[cluster][where] = kept
        return sorted(self._new_lists[c].items(), key=lambda entry: self._order(entry[1][0]))

    def _orphan_style(self, r: int, title: str) -> ListStyle:
        place = self.places[self.chosen[r]]
        block = self.sections[place.doc][place.section].blocks[place.block]
        style = list_style(block)
        return ListStyle(style.prefix if title else "", "", style.marker.lstrip(), style.sep, "")

    def _list(self, rows: list[int], style: ListStyle, block: Block | None = None) -> str:
        if block is not None and [self.places[self.chosen[r]].rule for r in rows] == list(block.rules) \
                and all(self._unchanged(r) for r in rows):
            return block.source
        items = [self._item(r, style.marker_at(k), style.indent) for k, r in enumerate(rows)]
        return style.prefix + style.sep.join(items) + style.suffix

    def _kids(self, r: int) -> list[int]:
        return [k for k in self.children.get(r, []) if self.alive(k)]

    def _unchanged(self, r: int) -> bool:
        """Whether row ``r`` is written exactly as its chosen rule's source (its nested rows too)."""
        if self.plan.provenance:
            return False
        pending = [r]
        while pending:
            row = pending.pop()
            kids = self._kids(row)
            if [self.places[self.chosen[k]].rule for k in kids] != list(self.places[self.chosen[row]].rule.children):
                return False
            pending.extend(kids)
        return True

    def _item(self, r: int, marker: str, indent: str) -> str:
        rule = self.places[self.chosen[r]].rule
        lines = split_lines(rule.source)
        if self._unchanged(r) and marker == rule.marker and lines and indent_of(lines[0]) == indent:
            return ensure_newline(rule.source, self.plan.newline)
        kids = self._kids(r)
        own, tail, child = split_item(rule, lines)
        match = MARKER.match(own[0]) if own else None
        old = match.end() if match else 0
        offset = len(indent) + len(marker) + 1
        first = own[0][old:] if own else rule.full_text + self.plan.newline
        out = [f"{indent}{marker} {first}" if first.strip() else f"{indent}{marker}{first}"]
        out += [shift(line, old, offset) for line in own[1:]]
        out = [strip_provenance(line) for line in out]
        out = [line for n, line in enumerate(out) if n == 0 or line.strip() or not own[n].strip()]
        if self.plan.provenance:
            self._annotate(out, r, offset)
        if kids:
            step = " " * (max(offset, len(child.indent) + offset - old) if rule.children else offset)
            style = ListStyle("", step, child.marker, child.sep, "")
            body = [self._item(k, style.marker_at(n), style.indent) for n, k in enumerate(kids)]
            out.append(style.sep.join(body))
        out += [shift(line, old, offset) for line in tail]
        return ensure_newline("".join(out), self.plan.newline)

    def _annotate(self, out: list[str], r: int, offset: int) -> None:
        where = ", ".join(f"{self.docs[self.places[m].doc].path}:{self.places[m].rule.span.start}"
                          for m in self.rows[r].members).replace("-->", "-- >")
        comment = f"{PROVENANCE}{where} -->"
        if any(FENCE.match(line) for line in out[1:]) or FENCE.match(out[0][offset:]):
            out.append(ensure_newline(out.pop(), self.plan.newline))
            out.append(" " * offset + comment + self.plan.newline)
            return
        last = max(n for n, line in enumerate(out) if line.strip())
        body = out[last].rstrip("\r\n")
        out[last] = body.rstrip() + " " + comment + (out[last][len(body):] or self.plan.newline)


def _title_key(title: str | None) -> str:
    """A list title compared case, blanks and the closing colon aside ("When invoked:")."""
    return " ".join((title or "").casefold().split()).rstrip(":").rstrip()


def _split_repeats(places: list[int], index: Sequence[_Place], words: Sequence[str]) -> list[tuple[int, ...]]:
    """Split one group's places into rows, one place of each file per row: the rows follow the
    places of the file that repeats the rule most (the first such file); another file's place
    joins the row holding its very words, else the next row it is not in yet. Pairing the k-th
    place of each file instead wrote "Collaborate with market-researcher on market dynamics"
    twice when one variant states it once and the other once beside a shorter repeat
    ("Competitive dynamics"): the row of the short repeat took the long wording too."""
    if len(places) == 1:
        return [(places[0],)]
    per_doc: dict[int, list[int]] = defaultdict(list)
    for p in sorted(places):
        per_doc[index[p].doc].append(p)
    anchor = max(sorted(per_doc), key=lambda d: len(per_doc[d]))
    rows = [[p] for p in per_doc[anchor]]
    holding: dict[str, list[int]] = defaultdict(list)  # words -> the rows holding them, in order
    for k, row in enumerate(rows):
        holding[words[row[0]]].append(k)
    for d, found in sorted(per_doc.items()):
        if d == anchor:
            continue
        taken: set[int] = set()
        cursor: Counter[str] = Counter()  # rows are taken in order: a file may repeat a rule 1,000 times
        placed: list[tuple[int, int]] = []  # (row, place) of this file
        rest = []
        for p in found:
            key, candidates = words[p], holding.get(words[p], [])
            while cursor[key] < len(candidates) and candidates[cursor[key]] in taken:
                cursor[key] += 1
            if cursor[key] < len(candidates):
                taken.add(candidates[cursor[key]])
                placed.append((candidates[cursor[key]], p))
            else:
                rest.append(p)
        free = [k for k in range(len(rows)) if k not in taken]
        placed += zip(free, rest, strict=False)  # rest may outnumber the free rows
        placed += ((len(rows) + n, p) for n, p in enumerate(rest[len(free):]))
        rows.extend([] for _ in rest[len(free):])
        for k, p in placed:  # the rows this file joined or opened hold its words too
            rows[k].append(p)
            held = holding[words[p]]
            at = bisect_left(held, k)
            if at == len(held) or held[at] != k:
                held.insert(at, k)
    return [tuple(sorted(row)) for row in rows]
