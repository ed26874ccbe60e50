"""Persona statements: the paragraph in which an agent says who it is ("You are a senior ...").

Variants of one role each open with their own; the canonical agent writes one of them
(:mod:`agentmerge.layout`) and the report lists the others. A *persona statement* is a paragraph of
a file's opening (its preamble, or the text under a lone level-1 title) that begins "You are
a/an/the", "You're a", "I am a", "I'm a" or "Act as a" (:data:`PERSONA`). The first one written
stands for the agent. Another file's statement of at most :data:`PERSONA_SENTENCES` sentences is
left out; a longer one goes on to give instructions and is kept like any other paragraph, as are a
file's own further statements (so a single file consolidates to itself).
"""

from __future__ import annotations

import re

from agentmerge.markup import block_key
from agentmerge.model import Block, BlockKind

#: The opening of a persona statement. 983 of the 1,281 files of ../shared/corpus have such a
#: paragraph in their opening (985 paragraphs, 981 of them "You are ..."). Named personas ("You
#: are Kusto Assistant, ...") and modes ("You are in plan mode") do not match: they are not
#: interchangeable.
PERSONA = re.compile(r"^\W*(?:you\s+are|you're|i\s+am|i'm|act\s+as)\s+(?:a|an|the)\b", re.IGNORECASE)
#: Longest persona statement, in sentences, that may be left out for another file's. Of the 985
#: corpus statements, 934 have one or two sentences; the longer ones go on to give instructions
#: ("... You never invent metrics you did not compute yourself").
PERSONA_SENTENCES = 2
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")


class PersonaChoice:
    """The persona statements met while a canonical agent is written, in writing order.

    ``openings`` holds the (file, section) pairs that are files' openings (section 0, the
    preamble, and a lone level-1 title's section); files and sections are the composer's indexes.
    """

    def __init__(self, openings: set[tuple[int, int]]) -> None:
        self.openings = openings
        self.chosen: tuple[int, Block] | None = None
        """(file, block) of the statement written first."""
        self.alternatives: list[tuple[int, Block]] = []
        """(file, block) of each statement left out, in the order met."""

    def writes(self, d: int, s: int, block: Block) -> bool:
        """Whether ``block`` of section ``s`` of file ``d`` is written, as far as persona statements
        go (any other block: True). Records the first statement, and each one left out."""
        if block.kind is not BlockKind.PARAGRAPH or (d, s) not in self.openings or not PERSONA.match(block.text):
            return True
        if self.chosen is None:
            self.chosen = (d, block)
            return True
        if self.chosen[0] == d or len(_SENTENCE_END.findall(block.text)) > PERSONA_SENTENCES:
            return True
        if block_key(block) != block_key(self.chosen[1]):  # an equal one is written already
            self.alternatives.append((d, block))
        return False
