"""Rule text -> comparison key: markup-free, stemmed content words, each with its polarity.

Steps, in order (each is a function of its own, tested on its own):

1. :func:`expand_terms` rewrites the field's abbreviations and British spellings from
   :data:`TERMS` (``auth`` -> ``authentication``, ``k8s`` -> ``kubernetes``, ``optimise`` ->
   ``optimize``). The table is about software and agents in general, not about any one file.
2. :func:`tokenize` lowercases and splits into words and clause breaks (``, ; : ( ) .``).
3. :func:`polarize` gives every content word a sign. A negator (``never``, ``not``, ``no``,
   ``don't``, ``avoid``, ``without``, ...) flips the sign of the words after it up to the end of
   the clause; a privative verb (``skip``, ``ignore``, ``bypass``, ``prevent``, ...) flips it too, so
   "Never skip input validation" has ``+valid +input`` like "Always validate input". In
   "use npm, not pnpm" and "use npm instead of pnpm" the alternative gets ``-``.
4. Stop words (the Snowball project's English list) and modal words (``always``, ``must``,
   ``should``, ``ensure``, ...) are dropped; the rest is stemmed with the Snowball English
   stemmer (snowballstemmer). Word order is not kept: a key is a set of (stem, sign). Each
   stem also carries its emphasis: :data:`TAIL_WEIGHT` when it appears only after the rule's
   first sentence, :data:`ASIDE_WEIGHT` when only inside parentheses.
5. Across a set of rules, :func:`stem_families` joins stems that extend one another
   (``reproduc``/``reproduct``), a derivational step Snowball leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

import snowballstemmer

#: Abbreviations and variant spellings of software and agent vocabulary -> one canonical form.
#: Written from common usage in engineering docs (MDN, Kubernetes, GitHub, OWASP glossaries).
TERMS: MappingProxyType[str, str] = MappingProxyType({
    # abbreviations
    "auth": "authentication", "authn": "authentication", "authz": "authorization",
    "db": "database", "dbs": "databases", "k8s": "kubernetes", "pr": "pull request",
    "prs": "pull requests", "config": "configuration", "configs": "configurations",
    "cfg": "configuration", "conf": "configuration", "repo": "repository", "repos": "repositories",
    "deps": "dependencies", "dep": "dependency", "env": "environment", "envs": "environments",
    "env var": "environment variable", "env vars": "environment variables",
    "envvar": "environment variable", "envvars": "environment variables",
    "impl": "implementation", "perf": "performance", "msg": "message", "msgs": "messages",
    "err": "error", "errs": "errors", "req": "request", "reqs": "requests", "resp": "response",
    "func": "function", "funcs": "functions", "fn": "function", "args": "arguments",
    "arg": "argument", "param": "parameter", "params": "parameters", "docs": "documentation",
    "doc": "documentation", "spec": "specification", "specs": "specifications",
    "end-to-end": "e2e", "end to end": "e2e", "continuous integration": "ci", "js": "javascript", "ts": "typescript",
    "py": "python", "ui": "user interface", "ux": "user experience", "i18n": "internationalization",
    "a11y": "accessibility", "regex": "regular expression", "regexp": "regular expression",
    "async": "asynchronous", "sync": "synchronous", "llm": "language model", "llms": "language models",
    "ml": "machine learning", "api's": "apis", "infra": "infrastructure", "admin": "administrator",
    "dev": "development", "prod": "production", "app": "application", "apps": "applications",
    "src": "source", "dir": "directory", "dirs": "directories", "pkg": "package",
    "pkgs": "packages", "lib": "library", "libs": "libraries", "util": "utility",
    "utils": "utilities", "var": "variable", "vars": "variables", "obj": "object",
    "ids": "identifiers", "id": "identifier", "cli": "command line", "gui": "graphical interface",
    "os": "operating system", "vm": "virtual machine", "vms": "virtual machines",
    "oop": "object oriented", "tdd": "test driven", "sre": "site reliability",
    "role based access control": "rbac", "role-based access control": "rbac",
    "personally identifiable information": "pii", "cross-site scripting": "xss",
    "cross site scripting": "xss", "cross-site request forgery": "csrf", "cross-origin": "cors",
    "plaintext": "plain text", "hardcoded": "hard coded", "hardcode": "hard code",
    "codebase": "code base", "codebases": "code bases", "ratelimit": "rate limit",
    "ratelimiting": "rate limiting", "e.g": "", "i.e": "", "etc": "",
    # British and variant spellings
    "optimise": "optimize", "optimised": "optimized", "optimising": "optimizing",
    "optimisation": "optimization", "optimisations": "optimizations", "organise": "organize",
    "organised": "organized", "normalise": "normalize", "normalised": "normalized",
    "normalisation": "normalization", "analyse": "analyze", "analysed": "analyzed",
    "analysing": "analyzing", "prioritise": "prioritize", "serialise": "serialize",
    "serialisation": "serialization", "initialise": "initialize", "initialisation": "initialization",
    "customise": "customize", "authorise": "authorize", "authorisation": "authorization",
    "sanitise": "sanitize", "sanitisation": "sanitization", "minimise": "minimize",
    "maximise": "maximize", "standardise": "standardize", "utilise": "utilize",
    "recognise": "recognize", "summarise": "summarize", "parameterised": "parameterized",
    "parametrized": "parameterized", "parametrised": "parameterized", "behaviour": "behavior",
    "behaviours": "behaviors", "colour": "color", "favour": "favor", "licence": "license",
    "catalogue": "catalog", "centre": "center", "modelling": "modeling", "labelled": "labeled",
    "cancelled": "canceled", "travelling": "traveling",
    # prohibition marks that open an item of a do/don't list ("- ❌ Async/await (unless asked)"):
    # the cross mark is the list's "never" (54 corpus items in 11 files use them)
    "\u274c": "never", "\U0001f6ab": "never", "\u26d4": "never", "\u2717": "never", "\u2718": "never",
    ":x:": "never", ":no_entry:": "never", ":no_entry_sign:": "never",
})

#: Words that name one concept in software instructions, mapped to one representative word
#: (a small thesaurus in the manner of WordNet synsets, restricted to the senses these words
#: have in engineering instructions). The defect/repair and report groups were added in the
#: second session: pairwise AUC on benchmarks/gold/debugger.json 0.969 -> 0.986, other gold
#: sets unchanged (that set is where those words occur, so its gain is not independent evidence).
CONCEPTS: MappingProxyType[str, str] = MappingProxyType({
    "credential": "secret", "credentials": "secret", "secrets": "secret",
    "verify": "check", "verifies": "check", "verifying": "check", "confirm": "check",
    "confirms": "check", "checks": "check", "checking": "check",
    "examine": "analyze", "examines": "analyze", "inspect": "analyze", "inspects": "analyze",
    "assess": "analyze", "assesses": "analyze", "analyzes": "analyze", "analyzing": "analyze",
    "analysis": "analyze", "tune": "optimize", "tuning": "optimize", "tunes": "optimize",
    "optimization": "optimize", "optimizations": "optimize", "optimizing": "optimize",
    "optimized": "optimize", "modeling": "schema", "modelling": "schema", "schemas": "schema",
    "tests": "test", "testing": "test", "tested": "test", "specs": "test",
    "docs": "document", "documentation": "document", "documented": "document", "documenting": "document",
    "failure": "error", "failures": "error", "exception": "error", "exceptions": "error",
    "errors": "error",
    # defects and their repair (IEEE 610.12 / ISO 24765 call all of these defects, or faults)
    "bug": "issue", "bugs": "issue", "defect": "issue", "defects": "issue", "problem": "issue",
    "problems": "issue", "issues": "issue",
    "resolve": "fix", "resolves": "fix", "resolving": "fix", "resolution": "fix", "repair": "fix",
    "remediate": "fix", "remediation": "fix", "fixes": "fix", "fixing": "fix",
    # advice, explanation and conjecture in an agent's report
    "suggest": "recommend", "suggests": "recommend", "suggestion": "recommend", "suggestions": "recommend",
    "advise": "recommend", "advice": "recommend", "recommendation": "recommend", "recommendations": "recommend",
    "describe": "explain", "describes": "explain", "description": "explain", "explanation": "explain",
    "explanations": "explain", "explains": "explain",
    "theory": "hypothesis", "theories": "hypothesis", "hypotheses": "hypothesis", "hypothesize": "hypothesis",
    "investigate": "analyze", "investigates": "analyze", "investigation": "analyze", "investigating": "analyze",
    "clarity": "clear", "simplicity": "simple",
})

#: Words that negate what follows them in their clause.
NEGATORS = frozenset({
    "never", "not", "no", "dont", "don't", "doesnt", "doesn't", "cannot", "can't", "cant",
    "mustnt", "mustn't", "shouldnt", "shouldn't", "wont", "won't", "avoid", "avoiding", "without",
    "nor", "neither", "none", "refrain", "prohibit", "prohibited", "forbid", "forbidden",
    "disallow", "disallowed", "isnt", "isn't", "arent", "aren't", "stop",
})
#: Verbs whose object is *not* done: "skip validation" = "no validation".
PRIVATIVES = frozenset({
    "skip", "skipping", "skips", "ignore", "ignoring", "ignores", "bypass", "bypassing",
    "omit", "omitting", "neglect", "neglecting", "forget", "forgetting", "disable", "disabling",
    "remove", "drop", "lack", "lacking", "missing", "exclude", "excluding",
    "prevent", "prevents", "preventing", "avoids",
})
#: The :data:`PRIVATIVES` that give an instruction: the imperative ("Skip docstrings", "Disable
#: strict mode"). Their other forms describe a defect ("Missing input validation", "Lacking
#: tests", "Skipping error handling"), which a checklist requires and a list of issues flags
#: alike, so they take no side (:func:`takes_side`).
IMPERATIVE_PRIVATIVES = frozenset({
    "skip", "ignore", "bypass", "omit", "neglect", "forget", "disable", "remove", "drop", "exclude", "prevent",
})
#: Phrases after which the rejected alternative follows, to the clause's end or a purpose (:func:`polarize`).
ALTERNATIVES = ("instead of", "rather than", "in place of", "as opposed to")
#: Words by which a rule states what it asks for: obligation, preference, use. With
#: :data:`NEGATORS` and :data:`ALTERNATIVES` they tell a directive ("Always use an ORM", "Never
#: use an ORM; write SQL by hand") from a topic ("Trait implementations with derive macros",
#: "Code duplication"), which names what a list is about and takes no side (see
#: :func:`states_stance`).
AFFIRMATIVES = frozenset({
    "always", "must", "should", "shall", "ensure", "ensures", "sure", "do", "required", "require",
    "requires", "mandatory", "prefer", "prefers", "preferred", "favor", "favors", "favour", "favours", "use",
})
#: Words of modality and emphasis: they set how strong a rule is, not what it is about.
MODALS = frozenset({
    "always", "must", "should", "shall", "need", "needs", "ensure", "ensures", "make", "sure",
    "please", "do", "does", "required", "require", "requires", "mandatory", "important",
    "importantly", "critical", "strictly", "every", "all", "any", "proper", "properly",
    "appropriate", "appropriately", "prefer", "preferred", "favor", "favour", "use", "using",
    "follow", "following", "consider", "considering", "ever", "only", "also",
})

#: The English stop-word list of the Snowball project (snowballstem.org/algorithms/english/stop.txt).
STOP_WORDS = frozenset(
    """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves what which who whom this that
these those am is are was were be been being have has had having do does did doing would should
could ought i'm you're he's she's it's we're they're i've you've we've they've i'd you'd he'd
she'd we'd they'd i'll you'll he'll she'll we'll they'll isn't aren't wasn't weren't hasn't
haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't can't cannot couldn't
mustn't let's that's who's what's here's there's when's where's why's how's a an the and but if
or because as until while of at by for with about against between into through during before
after above below to from up down in out on off over under again further then once here there
when where why how all any both each few more most other some such no nor not only own same so
than too very will can just via per etc
"""
    .split()
)

_WORD = re.compile(r"[a-z0-9][a-z0-9'+#]*(?:[.][a-z0-9]+)*")
# A comma ends a clause only before a negator ("use npm, not pnpm"): in lists ("error handling,
# logging, and monitoring") it separates items of one clause.
_BREAK = re.compile(
    r"[;:()\[\]!?]|\.(?:\s|$)|\s[-\u2013\u2014]\s|\bbut\b|\bwhile\b"
)
_NEGATED_COMMA = re.compile(r",(?=\s*(?:and\s+|or\s+)?(?:not|never|no|don't|do not|avoid|without|instead)\b)")
_TOKEN = re.compile(rf"{_BREAK.pattern}|,|{_WORD.pattern}")
#: Words of ``_BREAK``: they are words by ``_WORD`` too, and end a clause all the same.
_BREAK_WORDS = frozenset({"but", "while"})
_TERM_KEYS = sorted(TERMS, key=len, reverse=True)
_TERM_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in _TERM_KEYS) + r")(?![\w]|\.\w)")
CLAUSE = "|"  # a clause break in the token stream
INSTEAD = "insteadof"  # stands for the phrases of ALTERNATIVES in the token stream
#: Words after which "over" introduces the rejected alternative ("Prefer composition over
#: inheritance"). "Use" and "choose" too: of the 36 "use/using/choose ... over" phrases of
#: ../shared/corpus, 35 state a preference ("Use for_each over count", "Choose clarity over
#: brevity"), one a span of time ("using aggregate data over time").
_PREFERRING = frozenset({
    "prefer", "prefers", "preferred", "preferring", "favor", "favors", "favour", "favours", "use", "uses", "using",
    "choose", "chooses",
})
#: Words that close a rejected alternative: a purpose or a condition that holds for the whole
#: rule ("Prefer composition over inheritance to promote code reuse", "Use pnpm instead of npm
#: for installs", "... rather than mocks when the database is available").
_ALTERNATIVE_ENDS = frozenset({"to", "for", "when", "whenever", "where", "because", "so", "unless", "if", "since"})
#: "Not just", "not only": an addition, not a negation ("Test with real assistive technologies,
#: not just automated tools" still uses the tools).
_NOT_ONLY = re.compile(r"\bnot (?:just|only|merely|simply|solely)\b")
_ALTERNATIVE_RE = re.compile(r"\b(?:" + "|".join(ALTERNATIVES) + r")\b")
#: "Validate" with a clause for object checks that a claim holds ("Validate that authorization is
#: enforced", "validate whether the fix holds"): the sense of "verify", keyed as "check"; with a
#: noun for object it keeps its own sense ("Validate input", input validation). All 26 "validate
#: that/whether" of ../shared/corpus are checks; benchmarks/alignment.py: seeds F1 0.894 -> 0.900,
#: the six other gold sets, the contradiction pairs and benchmarks/diff.py unchanged.
_VALIDATE_THAT = re.compile(r"\bvalidat(?:e|es|ed|ing)(?=\s+(?:that|whether)\b)")


@dataclass(frozen=True, slots=True)
class RuleKey:
    """The comparison key of one rule.

    ``terms`` maps each content stem to its sign: +1 for what the rule asks for, -1 for what it
    forbids or rejects.
    """

    terms: tuple[tuple[str, int], ...]
    """(stem, sign) pairs, sorted by stem; a stem seen with both signs keeps its first sign."""
    clauses: tuple[tuple[tuple[str, int], ...], ...]
    """The same (stem, sign) pairs split at clause breaks, for telling contradictions apart."""
    plain: str
    """Lowercased text with terms expanded: the form used for character-level similarity."""
    emphasis: tuple[tuple[str, float], ...] = ()
    """(stem, weight) pairs, sorted by stem: 1 for words of the rule's first sentence, less for
    words met only in parentheses (:data:`ASIDE_WEIGHT`) or later sentences (:data:`TAIL_WEIGHT`)."""
    phrases: tuple[tuple[str, str], ...] = ()
    """Stems that follow each other in one clause, stop words and modals aside ("stack traces" ->
    ``("stack", "trace")``), sorted: the word order that a bag of stems loses."""
    alternative: bool = False
    """The rule rejects an alternative inside a clause ("npm instead of pnpm", "prefer composition
    over inheritance"), so a rule trading the two contradicts it (:meth:`~agentmerge.align.Scorer.contradiction`)."""

    @property
    def stems(self) -> frozenset[str]:
        """The content stems, without signs."""
        return frozenset(stem for stem, _ in self.terms)


def expand_terms(text: str) -> str:
    """Lowercase ``text`` and rewrite abbreviations and variant spellings from :data:`TERMS`."""
    lowered = text.lower().replace("\u2019", "'").replace("/", " / ")
    lowered = _ALTERNATIVE_RE.sub(f" {INSTEAD} ", lowered)
    lowered = _NOT_ONLY.sub("also", lowered)
    lowered = _VALIDATE_THAT.sub("check", lowered)
    return _TERM_RE.sub(lambda match: TERMS[match.group(1)], lowered)


def tokenize(text: str) -> list[str]:
    """Split expanded text into words and :data:`CLAUSE` markers (punctuation that ends a clause).

    A comma ends a clause before a negator ("use npm, not pnpm"), and then the next comma ends
    that aside too ("use npm, not pnpm, to install packages": the last part is not negated).
    """
    return _tokenize(text)[0]


def _tokenize(text: str) -> tuple[list[str], list[float]]:
    """:func:`tokenize`, and the weight of each clause: the first, then one per :data:`CLAUSE`
    marker, for words met only in parentheses (:data:`ASIDE_WEIGHT`) or after the first sentence
    (:data:`TAIL_WEIGHT`), in one pass over the text."""
    out = []
    weights = [1.0]
    aside = False
    depth = sentence = 0
    for match in _TOKEN.finditer(text):
        piece = match.group(0)
        if _WORD.fullmatch(piece) and piece not in _BREAK_WORDS:
            out.append(piece)
            continue
        if piece in "([":
            depth += 1
        elif piece in ")]":
            depth = max(0, depth - 1)
        elif _SENTENCE_END.match(piece):
            sentence += 1
        if piece == ",":
            if _NEGATED_COMMA.match(text, match.start()):
                aside = True
            elif aside:
                aside = False
            else:
                continue  # a comma inside a clause: "error handling, logging, and monitoring"
        else:
            aside = False
        out.append(CLAUSE)
        weights.append(min(ASIDE_WEIGHT if depth else 1.0, TAIL_WEIGHT if sentence else 1.0))
    return out, weights


def polarize(tokens: list[str]) -> tuple[list[tuple[str, int]], bool]:
    """Give each word the sign of its scope; return (word, sign) pairs and whether any negation ran.

    Clause breaks are passed through as ``(CLAUSE, 0)``. Negators and privative verbs flip the
    sign up to the next clause break; a clause that starts
    with ``not`` after a comma ("X, not Y") or follows ``instead of``/``rather than``/``over``
    (after ``prefer``) is a rejected alternative, which ends early at a word of
    ``_ALTERNATIVE_ENDS`` ("... instead of npm to install packages") or at an "and"/"or" before
    another alternative ("A over B and C over D"). Operators themselves are not returned.
    """
    out: list[tuple[str, int]] = []
    sign, negated = 1, False
    preferring = False
    before = 0  # the sign a rejected alternative interrupts (0: none is open)
    for position, token in enumerate(tokens):
        if token == CLAUSE:
            sign, before = 1, 0
            out.append((CLAUSE, 0))
            continue
        if before and (token in _ALTERNATIVE_ENDS or (token in ("and", "or")
                                                      and _rejects_again(tokens, position + 1, preferring))):
            sign, before = before, 0
        if token == INSTEAD:
            before = before or sign
            sign, negated = -1, True
            continue
        if token in NEGATORS or token in PRIVATIVES:
            sign = -sign
            negated = True
            continue
        if token in _PREFERRING:
            preferring = True
        if preferring and token == "over":
            before = before or sign
            sign = -1
            continue
        out.append((token, sign))
    return out, negated


def _rejects_again(tokens: list[str], start: int, preferring: bool) -> bool:
    """Whether another alternative is rejected in the clause from ``start`` on ("A over B and C
    over D"), so the "and" before it closes the first."""
    for token in tokens[start:]:
        if token == CLAUSE:
            return False
        if token == INSTEAD or (preferring and token == "over"):
            return True
    return False


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_STEMMER = snowballstemmer.stemmer("english")


#: Weight of words met only after a rule's first sentence: the lead says what the rule is, later
#: sentences elaborate ("**Testing**: Write unit tests ... Aim for meaningful test coverage."), as
#: BM25F weighs a document's fields apart (Robertson et al. 2004). Swept 0.5/0.75/1 with
#: benchmarks/alignment.py: 0.5 is best on the seeds (F1 0.860 against 0.787 at 1) and equal
#: elsewhere.
TAIL_WEIGHT = 0.5
#: Weight of words met only inside parentheses: examples and asides ("Database modeling
#: (PostgreSQL, MongoDB, Redis)"). Swept 0.5/0.75/1: the N-way scores do not move, the
#: two-document pairing (``benchmarks/alignment.py --pairs``) gains at 0.5 on four of five gold
#: sets (seeds F1 0.690 -> 0.721, debugger 0.638 -> 0.667, python-pro 0.566 -> 0.620).
ASIDE_WEIGHT = 0.5
_SENTENCE_END = re.compile(r"[.!?]")


@lru_cache(maxsize=65536)
def rule_key(text: str) -> RuleKey:
    """Return the :class:`RuleKey` of a rule's plain text (label included by the caller if wanted)."""
    expanded = expand_terms(text)
    tokens, weights = _tokenize(expanded)
    signed, _negated = polarize(tokens)
    segments = iter(weights)
    weight = next(segments)
    terms: dict[str, int] = {}
    emphasis: dict[str, float] = {}
    clauses: list[dict[str, int]] = [{}]
    phrases: set[tuple[str, str]] = set()
    previous = ""
    for word, sign in signed:
        if word == CLAUSE:
            weight = next(segments, weight)
            if clauses[-1]:
                clauses.append({})
            previous = ""
            continue
        bare = word.strip("'")
        if bare in STOP_WORDS or bare in MODALS or (len(bare) < 2 and not bare.isdigit()):
            continue
        stem = _stem(CONCEPTS.get(bare, bare).replace("'", ""))
        terms.setdefault(stem, sign)
        emphasis[stem] = max(emphasis.get(stem, 0.0), weight)
        clauses[-1].setdefault(stem, sign)
        if previous and previous != stem:
            phrases.add((previous, stem))
        previous = stem
    plain = " ".join(word for word in expanded.split() if word)
    split = tuple(tuple(sorted(clause.items())) for clause in clauses if clause)
    alternative = INSTEAD in tokens or ("over" in tokens and not _PREFERRING.isdisjoint(tokens))
    return RuleKey(tuple(sorted(terms.items())), split, plain, tuple(sorted(emphasis.items())),
                   tuple(sorted(phrases)), alternative)


#: Least length of a stem that longer stems extending it join (:func:`stem_families`). Swept
#: 4/5/6/off with benchmarks/alignment.py over the five gold sets: 5 gives mean F1 0.733, off
#: 0.728 (the gain is on debugger: "hypothesis"/"hypothesize", "reproduce"/"reproduction"); 4
#: joins "data" with "database" and "type" with "typescript".
FAMILY_PREFIX = 5


def stem_families(stems: Iterable[str]) -> dict[str, str]:
    """Map each stem to the root of its derivational family within ``stems``.

    Snowball removes inflections and some derivational suffixes, but leaves related words apart:
    "reproduce"/"reproduction" (``reproduc``/``reproduct``), "simple"/"simplicity"
    (``simpl``/``simplic``), "verify"/"verification" (``verifi``/``verif``). A stem of at least
    :data:`FAMILY_PREFIX` characters and every stem that extends it form one family, named by the
    shortest; this is truncation stemming (Paice 1994) bounded by the vocabulary in hand.

    Args:
        stems: the stems of all rules being compared (repeats allowed).

    Returns:
        stem -> family root, for every distinct stem given.
    """
    family: dict[str, str] = {}
    roots: list[str] = []  # open prefixes, shortest first; sorted order visits a prefix before its extensions
    for stem in sorted(set(stems)):
        while roots and not stem.startswith(roots[-1]):
            roots.pop()
        family[stem] = family[roots[0]] if roots else stem
        if len(stem) >= FAMILY_PREFIX or roots:
            roots.append(stem)
    return family


#: Heading synonyms: sections that play the same part in an agent file under different titles.
#: Each title is matched by the first concept one of whose phrases it contains (after case,
#: numbering and punctuation are stripped).
SECTION_CONCEPTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("output", ("output", "deliverable", "response format", "report format", "return format", "provide",
                "deliver")),
    ("quality", ("quality", "acceptance criteria", "checklist", "definition of done", "before finaliz",
                 "self-verification", "self verification", "verification")),
    ("workflow", ("instruction", "workflow", "process", "step", "approach", "methodology", "procedure",
                  "when invoked", "how you work", "phase", "when working")),
    ("rules", ("rule", "constraint", "guideline", "principle", "restriction", "boundar", "guardrail",
               "never", "do not", "don't", "must", "standard", "best practice", "convention")),
    ("capabilities", ("competenc", "capabilit", "responsibilit", "expertise", "focus area", "skill",
                      "speciali", "what you do", "core identity", "role")),
)
# One optional ``\s*`` after the word, not two adjacent ``\s*``: those split a run of blanks in
# every possible way before failing, quadratic on a long blank title (tests/test_limits.py).
_NUMBERING = re.compile(r"^\s*(?:(?:phase|step|part)\s*)?[\divxlc]+[.):]?\s+", re.IGNORECASE)


#: Headings and list titles whose items are things not to do ("## Anti-patterns", "### What NOT to
#: do", "**What to AVOID:**", "Research-Backed Don'ts", "Code smell detection", "Red flags that stop
#: deployment"): an item there states what to avoid without saying so ("- Centered navigation").
#: Read from the 20 such titles of ../shared/corpus (133 items); "pitfalls" and "mistakes" are left
#: out, as lists under them as often give the advice that avoids them, and so are titles that
#: mix patterns and anti-patterns.
_FORBIDDING = re.compile(
    r"\b(?:anti-?patterns?|don'?ts|what not to do|never do|red flags?|code smells?"
    r"|(?:what|things|patterns?|practices?|habits?) to avoid)\b|^\W*avoid\b",
    re.IGNORECASE,
)
_MIXED = re.compile(r"\bpatterns?\s+(?:and|&|/)\s+anti-?patterns?", re.IGNORECASE)
#: Openings by which an item states its own polarity, so a forbidding title adds nothing to it.
_STATED = re.compile(
    r"^\W*(?:(?:never|don'?t|do not|avoid|no|not|always|instead)\b|\u274c|\U0001f6ab|\u26d4|\u2717|\u2718|:x:)",
    re.IGNORECASE,
)


#: Titles that frame their items as things to do ("✅ **Do**:", "Do's and Don'ts", "Best practices"):
#: nearer than a forbidding heading, they set the items' polarity instead.
_ENJOINING = re.compile(r"^\W*(?:do'?s?|dos|best practices?|recommended|good practices?)\b", re.IGNORECASE)


def states_stance(text: str) -> bool:
    """Whether ``text`` says in its own words what it asks for or forbids: a word of
    :data:`AFFIRMATIVES` or :data:`NEGATORS`, or a phrase of :data:`ALTERNATIVES`. A privative
    verb is not enough ("Missing alt text", "Drop trait implementation" name defects and
    features as often as they forbid), nor is a heading that frames the rule (:func:`in_frame`)."""
    return _states(tokenize(expand_terms(text)))


def _states(words: list[str]) -> bool:
    return INSTEAD in words or any(word in AFFIRMATIVES or word in NEGATORS for word in words)


@lru_cache(maxsize=16384)
def takes_side(text: str) -> bool:
    """Whether ``text`` takes a side that another rule can oppose: it states a stance
    (:func:`states_stance`) or gives a privative instruction (:data:`IMPERATIVE_PRIVATIVES`).

    A rule that does neither names a topic or a defect: "Missing input validation at system
    boundaries" under a reviewer's "Critical triggers" is the check that another list words
    "Input validation present at all system boundaries". On ../shared/corpus (auto grouping) this
    lets 42 pairs scoring 0.4 or more align that polarity kept apart; of 40 read by eye about 25
    are one check ("Missing timeout configuration" / "Configure appropriate timeouts") and the
    rest share a topic only, and the within-file contradictions reported fall 109 -> 90
    (benchmarks/contradictions_corpus.py), the ones gone all pitfalls against best practices.
    """
    words = tokenize(expand_terms(text))
    return _states(words) or not IMPERATIVE_PRIVATIVES.isdisjoint(words)


@lru_cache(maxsize=16384)
def directs(text: str) -> bool:
    """Whether ``text`` directs the reader: it takes a side (:func:`takes_side`) or is in the
    imperative mood, opening with a verb in its base form ("Log every request body", "Pin
    dependency versions"), or doing so after a lead-in ("Testing: Write unit tests").

    A contradiction is two directives that cannot both be followed; a topic ("Duplication
    detection", "Generated file exclusion") or a search for a defect ("Check for hardcoded
    secrets", :data:`SEARCHING`) directs nothing, so it contradicts no rule, whatever its
    words' signs. Whether a word can be a base-form verb comes from the lexicon of LemmInflect
    (Jascob 2019), which lists the parts of speech each English word can take; a word it does
    not know is not taken for a verb.
    """
    if takes_side(text):
        return True
    words = tokenize(expand_terms(text))
    return any(_opens_imperative(words, start) for start in _openings(words))


#: Verbs that, followed by "for", search for what follows: a defect to find ("Check for merge
#: conflicts", "Scan for vulnerable dependencies"), neither asked for nor forbidden.
SEARCHING = frozenset({"check", "look", "scan", "search", "watch", "test", "audit", "screen", "hunt"})
#: Words within which a lead-in ends ("Testing: Write unit tests", "CRITICAL: Validate that ..."): the
#: imperative may open after it. A bold label becomes such a lead-in (``Rule.full_text``); of the
#: 332 labels of the seeds and benchmarks/gold's files, 327 have five words or fewer.
_LEAD_IN = 6


def _openings(words: list[str]) -> list[int]:
    """Where a clause may open the rule: its first word, and the first word after a lead-in."""
    starts = [0]
    if CLAUSE in words[:_LEAD_IN]:
        starts.append(words.index(CLAUSE) + 1)
    return starts


def _opens_imperative(words: list[str], start: int) -> bool:
    if start >= len(words) or words[start] == CLAUSE:
        return False
    word = words[start]
    if word in SEARCHING and words[start + 1:start + 2] == ["for"]:
        return False
    # imported here: lemminflect loads numpy, which a plain diff does without (tests/test_cli.py)
    from lemminflect import getAllLemmas

    return word in getAllLemmas(word).get("VERB", ())


def forbids(title: str) -> bool:
    """Whether a heading or list title frames its items as things not to do (see ``_FORBIDDING``)."""
    return _frame(title) < 0


@lru_cache(maxsize=4096)
def _frame(title: str) -> int:
    """How ``title`` frames its items: 1 as things to do, -1 as things not to do, 0 neither."""
    if _ENJOINING.match(title):
        return 1
    return -1 if _FORBIDDING.search(title) and not _MIXED.search(title) else 0


def in_frame(text: str, titles: Iterable[str]) -> str:
    """The text to key a rule by: ``"never " + text`` when the nearest title that frames it forbids
    (:func:`forbids`) and the rule does not state its own polarity (it opens with neither a negator
    nor "always"), so "- Centered navigation" under "Don'ts" keys as "never centered navigation";
    else ``text``.

    Args:
        text: the rule's plain text.
        titles: the titles above it, nearest first (heading of a parent item, list title, heading);
            the first that forbids, or that enjoins ("✅ Do:" under "## Anti-Patterns"), decides.
    """
    for title in titles:
        frame = _frame(title) if title else 0
        if frame:
            return "never " + text if frame < 0 and not _STATED.match(text) else text
    return text


@lru_cache(maxsize=16384)
def section_concept(title: str) -> str:
    """Return the concept a heading stands for (``"Core Competencies"`` -> ``"capabilities"``).

    Titles matching no entry of :data:`SECTION_CONCEPTS` give their sorted content stems joined
    by spaces, so equal titles still compare equal; an empty title gives ``""``.
    """
    text = _NUMBERING.sub("", expand_terms(title)).strip()
    for concept, phrases in SECTION_CONCEPTS:
        if any(phrase in text for phrase in phrases):
            return concept
    words = [w for w in _WORD.findall(text) if w not in STOP_WORDS]
    return " ".join(sorted({_stem(w) for w in words}))
