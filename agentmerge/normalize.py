"""Rule text -> comparison key: markup-free, stemmed content words, each with its polarity.

Steps, in order (each is a function of its own, tested on its own):

1. :func:`expand_terms` rewrites the field's abbreviations and British spellings from
   :data:`TERMS` (``auth`` -> ``authentication``, ``k8s`` -> ``kubernetes``, ``optimise`` ->
   ``optimize``). The table is about software and agents in general, not about any one file.
2. :func:`tokenize` lowercases and splits into words and clause breaks (``, ; : ( ) .``).
3. :func:`polarize` gives every content word a sign. A negator (``never``, ``not``, ``no``,
   ``don't``, ``avoid``, ``without``, ...) flips the sign of the words after it up to the end of
   the clause; a privative verb (``skip``, ``ignore``, ``bypass``, ...) flips it too, so
   "Never skip input validation" has ``+valid +input`` like "Always validate input". In
   "use npm, not pnpm" and "use npm instead of pnpm" the alternative gets ``-``.
4. Stop words (the Snowball project's English list) and modal words (``always``, ``must``,
   ``should``, ``ensure``, ...) are dropped; the rest is stemmed with the Snowball English
   stemmer (snowballstemmer). Word order is not kept: a key is a set of (stem, sign).
"""

from __future__ import annotations

import re
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
})

#: Words that name one concept in software instructions, mapped to one representative word
#: (a small thesaurus in the manner of WordNet synsets, restricted to the senses these words
#: have in engineering instructions).
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
})
#: Phrases after which the rest of the clause is the rejected alternative.
ALTERNATIVES = ("instead of", "rather than", "in place of", "as opposed to")
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
    r"|,(?=\s*(?:and\s+|or\s+)?(?:not|never|no|don't|do not|avoid|without|instead)\b)"
)
_TOKEN = re.compile(rf"{_BREAK.pattern}|{_WORD.pattern}")
_TERM_KEYS = sorted(TERMS, key=len, reverse=True)
_TERM_RE = re.compile(r"(?<![\w.])(" + "|".join(re.escape(k) for k in _TERM_KEYS) + r")(?![\w]|\.\w)")
CLAUSE = "|"  # a clause break in the token stream
INSTEAD = "insteadof"  # stands for the phrases of ALTERNATIVES in the token stream
_ALTERNATIVE_RE = re.compile(r"\b(?:" + "|".join(ALTERNATIVES) + r")\b")


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

    @property
    def stems(self) -> frozenset[str]:
        """The content stems, without signs."""
        return frozenset(stem for stem, _ in self.terms)


def expand_terms(text: str) -> str:
    """Lowercase ``text`` and rewrite abbreviations and variant spellings from :data:`TERMS`."""
    lowered = text.lower().replace("\u2019", "'").replace("/", " / ")
    lowered = _ALTERNATIVE_RE.sub(f" {INSTEAD} ", lowered)
    return _TERM_RE.sub(lambda match: TERMS[match.group(1)], lowered)


def tokenize(text: str) -> list[str]:
    """Split expanded text into words and :data:`CLAUSE` markers (punctuation that ends a clause)."""
    out = []
    for match in _TOKEN.finditer(text):
        piece = match.group(0)
        out.append(piece if _WORD.fullmatch(piece) else CLAUSE)
    return out


def polarize(tokens: list[str]) -> tuple[list[tuple[str, int]], bool]:
    """Give each word the sign of its scope; return (word, sign) pairs and whether any negation ran.

    Clause breaks are passed through as ``(CLAUSE, 0)``. Negators and privative verbs flip the
    sign up to the next clause break; a clause that starts
    with ``not`` after a comma ("X, not Y") or follows ``instead of``/``rather than``/``over``
    (after ``prefer``) is a rejected alternative. Operators themselves are not returned.
    """
    out: list[tuple[str, int]] = []
    sign, negated = 1, False
    preferring = False
    for token in tokens:
        if token == CLAUSE:
            sign = 1
            out.append((CLAUSE, 0))
            continue
        if token == INSTEAD:
            sign, negated = -1, True
            continue
        if token in NEGATORS or token in PRIVATIVES:
            sign = -sign
            negated = True
            continue
        if token in ("prefer", "preferred", "favor", "favour"):
            preferring = True
        if preferring and token == "over":
            sign = -1
            continue
        out.append((token, sign))
    return out, negated


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


_STEMMER = snowballstemmer.stemmer("english")


def rule_key(text: str) -> RuleKey:
    """Return the :class:`RuleKey` of a rule's plain text (label included by the caller if wanted)."""
    expanded = expand_terms(text)
    signed, _negated = polarize(tokenize(expanded))
    terms: dict[str, int] = {}
    clauses: list[dict[str, int]] = [{}]
    for word, sign in signed:
        if word == CLAUSE:
            if clauses[-1]:
                clauses.append({})
            continue
        bare = word.strip("'")
        if bare in STOP_WORDS or bare in MODALS or (len(bare) < 2 and not bare.isdigit()):
            continue
        stem = _stem(CONCEPTS.get(bare, bare).replace("'", ""))
        terms.setdefault(stem, sign)
        clauses[-1].setdefault(stem, sign)
    plain = " ".join(word for word in expanded.split() if word)
    split = tuple(tuple(sorted(clause.items())) for clause in clauses if clause)
    return RuleKey(tuple(sorted(terms.items())), split, plain)


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
_NUMBERING = re.compile(r"^\s*(?:phase|step|part)?\s*[\divxlc]+[.):]?\s+", re.IGNORECASE)


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
