"""The spaCy pipeline under the rules (graph/extract/pipeline.py) and the rules that read its
parse (graph/extract/syntax.py): the sentences of issue 13, on the trained pipeline and on the
blank fallback."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from graph.errors import InvalidInput
from graph.extract import Extractor
from graph.extract.output import to_annotation, to_json
from graph.extract.pipeline import BLANK, TRAINED, load_pipeline
from graph.extract.reading import Candidate
from graph.settings import PROJECT_ROOT

TRAINED_INSTALLED = any(importlib.util.find_spec(name) for name in TRAINED)
needs_model = pytest.mark.skipif(
    not TRAINED_INSTALLED, reason="no trained English pipeline installed (make install adds one)"
)


@pytest.fixture(scope="module")
def trained() -> Extractor:
    return Extractor.for_seeds(PROJECT_ROOT / "seeds", pipeline="auto")


@pytest.fixture(scope="module")
def blank() -> Extractor:
    return Extractor.for_seeds(PROJECT_ROOT / "seeds", pipeline=BLANK)


def events(x: Extractor, text: str) -> set[tuple[str, str, tuple[str, ...], str | None]]:
    r = x.extract(text)
    return {
        (c.type, c.agent, tuple(sorted(c.participants or c.targets)), c.modality)
        for c in r.candidates
    }


def test_blank_is_the_fallback_and_says_so(blank: Extractor) -> None:
    assert not blank.pipeline.parsed
    assert "blank 'en'" in blank.pipeline.description
    found = events(blank, "Russia and China held talks in Moscow on Monday.")
    assert ("Meeting", "russia", ("china", "russia"), None) in found


def test_an_unknown_pipeline_is_an_error_that_says_what_to_install() -> None:
    with pytest.raises(InvalidInput, match="not installed: install it"):
        load_pipeline("en_core_web_nonexistent")


@needs_model
def test_auto_takes_the_trained_pipeline(trained: Extractor) -> None:
    assert trained.pipeline.parsed
    assert trained.pipeline.name in TRAINED
    r = trained.extract("Russia and China held talks in Moscow on Monday.")
    assert r.pipeline == trained.pipeline.description
    assert to_json(r)["extractor"]["pipeline"].startswith("spaCy")


@needs_model
def test_negation_in_a_relative_clause_does_not_negate_the_accusation(trained: Extractor) -> None:
    text = (
        "Gen. John Nicholson, who did not attend the meeting, accused Russia of arming the Taliban."
    )
    assert events(trained, text) == {("Accusation", "john-nicholson", ("russia",), None)}


@needs_model
def test_a_negated_meeting_stays_negated(trained: Extractor) -> None:
    found = events(trained, "Zamir Kabulov has not met Taliban leaders, the ministry said.")
    assert found and all(m == "negated" for *_, m in found)


@needs_model
def test_an_offer_to_host_talks_is_an_offer_not_a_meeting(trained: Extractor) -> None:
    text = "Russia offered to host talks between the Afghan government and the Taliban."
    found = events(trained, text)
    assert {t for t, *_ in found} == {"CooperationOffer"}


@needs_model
def test_refusing_to_deny_is_neither_a_denial_nor_a_rejection(trained: Extractor) -> None:
    text = (
        "Gen. John Nicholson refused to deny reports that Russia is sending weapons to the Taliban."
    )
    assert {t for t, *_ in events(trained, text)} <= {"Statement"}


@needs_model
def test_reported_speech_to_a_broadcaster_accuses(trained: Extractor) -> None:
    text = "Gen. John Nicholson told the BBC that Russia was providing weapons to the Taliban."
    assert ("Accusation", "john-nicholson", ("russia",), None) in events(trained, text)


@needs_model
def test_a_passive_accusation_with_its_accuser(trained: Extractor) -> None:
    text = "Russia and Iran have been accused by Gen. John Nicholson of arming the Taliban."
    assert ("Accusation", "john-nicholson", ("iran", "russia"), None) in events(trained, text)


@needs_model
def test_a_passive_accusation_without_an_accuser_gives_none(trained: Extractor) -> None:
    assert not {
        t for t, *_ in events(trained, "Moscow has been accused of aiding the Taliban.")
    } & {"Accusation"}


@needs_model
def test_rejecting_an_offer_is_aimed_at_its_maker(trained: Extractor) -> None:
    text = "Russia invited the Taliban to Moscow. The Taliban rejected the offer."
    assert ("Rejection", "taliban", ("russia",), None) in events(trained, text)


@needs_model
def test_rejecting_someones_claims_denies_them(trained: Extractor) -> None:
    text = "Gen. John Nicholson accused Russia of arming the Taliban. Russia rejected Nicholson's claims."
    assert ("Denial", "russia", ("john-nicholson",), None) in events(trained, text)


@needs_model
def test_taking_part_in_talks_is_meeting_everyone_there(trained: Extractor) -> None:
    text = (
        "Delegations from eleven countries, including Russia, China, Iran and Pakistan, "
        "took part in the consultations."
    )
    assert ("Meeting", "russia", ("china", "iran", "pakistan", "russia"), None) in events(
        trained, text
    )


@needs_model
def test_a_conditional_invitation_is_hypothetical(trained: Extractor) -> None:
    found = events(trained, "If the Taliban agree to a ceasefire, Russia could invite the Taliban.")
    assert ("Invitation", "russia", ("taliban",), "hypothetical") in found


def test_a_candidate_the_rules_could_not_complete_is_dropped_with_a_warning(
    blank: Extractor,
) -> None:
    """The issue's crash: an event with an empty agent is a warning, never a traceback."""
    r = blank.extract("Russia and China held talks in Moscow on Monday.")
    good = r.candidates[0]
    broken = Candidate(**{**good.__dict__, "agent": ""})
    r.candidates.append(broken)
    annotation, _ = to_annotation(r)
    assert len(annotation.events) == 1
    assert len(r.warnings) == 1 and "dropped" in r.warnings[0] and "agent" in r.warnings[0]
    assert len(to_json(r)["events"]) == 1


@pytest.mark.parametrize("pipeline", ["blank", pytest.param("auto", marks=needs_model)])
def test_every_seed_and_evaluation_article_reads_without_an_error(
    pipeline: str, blank: Extractor, trained: Extractor
) -> None:
    x = blank if pipeline == "blank" else trained
    for folder in ("articles", "eval/articles", "untuned/articles"):
        for path in sorted(Path(PROJECT_ROOT / "seeds" / folder).glob("*.txt")):
            r = x.extract(path.read_text(encoding="utf-8"), file=path.name)
            to_annotation(r)  # never raises
