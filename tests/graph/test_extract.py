"""The extractor on short sentences written for the test, on the seed articles, from the CLI and API.

The sentences are made up here: each checks one thing the rules must do. The seed articles check
that the candidates validate against the shapes, with the actors described or from the registry.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph

from api.app import create_app
from graph.annotations import ActorSpec, load_corpus
from graph.build import corpus_to_rdf
from graph.extract import Extraction, Extractor
from graph.extract.boilerplate import content_paragraphs, is_spam
from graph.extract.gazetteer import Gazetteer, is_description
from graph.extract.output import to_json, to_rdf
from graph.namespaces import AG, ID, PROV, RDF
from graph.settings import PROJECT_ROOT, Settings
from graph.validate import validate

SEEDS = PROJECT_ROOT / "seeds"


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    registry = [
        ActorSpec(
            id="zara-volkova",
            kind="Person",
            label="Zara Volkova",
            aliases=["Volkova", "the Ruritanian envoy", "Ms. Volkova"],
        ),
        ActorSpec(id="ruritania", kind="State", label="Ruritania", demonyms=["Ruritanian"]),
    ]
    return Extractor(Gazetteer.from_specs(registry, memberships=[("zara-volkova", "ruritania")]))


def events(x: Extraction) -> set[tuple[str, str, tuple[str, ...], str | None]]:
    return {
        (c.type, c.agent, tuple(sorted(c.targets or c.participants)), c.modality)
        for c in x.candidates
    }


# ---------------------------------------------------------------------------- actors


def test_registry_names_aliases_capitals_and_demonyms_resolve(extractor: Extractor) -> None:
    text = (
        "Volkova spoke in Moscow. The Kremlin and Washington disagreed, and Kabul objected. "
        "Ruritanian diplomats met Russian officials."
    )
    got = {(m.text, m.actor) for m in extractor.extract(text).mentions}
    assert ("Volkova", "zara-volkova") in got
    assert ("Moscow", "russia") in got and ("The Kremlin", "russia") in got
    assert ("Washington", "united-states") in got and ("Kabul", "afghanistan") in got
    groups = {m.text: m.actor for m in extractor.extract(text).mentions if m.via == "group"}
    assert set(groups) == {"Ruritanian diplomats", "Russian officials"}


def test_a_description_alias_is_not_a_global_name() -> None:
    assert is_description("the Ruritanian envoy") and not is_description("the Kremlin")
    g = Gazetteer.from_specs(
        [ActorSpec(id="x", kind="Person", label="Zara Volkova", aliases=["the diplomat"])]
    )
    assert g.resolve("the diplomat") is None and g.resolve("Zara Volkova") is not None


def test_titled_people_are_proposed_as_new_with_their_kind(extractor: Extractor) -> None:
    x = extractor.extract(
        "Freedonian Defence Minister Rufus Firefly met Gen. Ambrose Chase on Monday. "
        "Spokesperson Lena Moss said the talks were useful."
    )
    new = {e.label: e.kind for e in x.actors.values() if e.source == "new"}
    assert new["Rufus Firefly"] == "Person" and new["Ambrose Chase"] == "Person"
    assert new["Lena Moss"] == "Person"


def test_ministries_and_governments_belong_to_their_state(extractor: Extractor) -> None:
    x = extractor.extract("The Afghan Foreign Ministry thanked the new US administration.")
    ministry = next(e for e in x.actors.values() if e.kind == "GovernmentBody")
    assert ministry.state == "afghanistan"
    assert any(m.actor == "united-states" and m.via == "government" for m in x.mentions)


# ---------------------------------------------------------------------------- coreference


def test_coreference_of_he_and_of_a_description(extractor: Extractor) -> None:
    x = extractor.extract(
        "Special envoy Zara Volkova met Chinese officials in Beijing. "
        "The diplomat said Pakistan was arming the insurgents. "
        "He added that Iran was smuggling weapons to the Taliban."
    )
    corefs = {m.text: m.actor for m in x.mentions if m.via == "coref"}
    assert corefs == {"The diplomat": "zara-volkova", "He": "zara-volkova"}
    assert ("Accusation", "zara-volkova", ("pakistan",), None) in events(x)
    assert ("Accusation", "zara-volkova", ("iran",), None) in events(x)


# ---------------------------------------------------------------------------- events


def test_reported_speech_gives_the_speaker_as_agent(extractor: Extractor) -> None:
    x = extractor.extract(
        '"This is a simple lie," Volkova told TASS, responding to remarks of Gen. Ambrose Chase. '
        "Ruritania accused Freedonia of interference."
    )
    got = events(x)
    assert any(t == "Denial" and a == "zara-volkova" for t, a, _, _ in got)
    denial = next(c for c in x.candidates if c.type == "Denial")
    assert denial.addressee == ["tass"] and denial.targets == ["ambrose-chase"]


def test_denial_answers_the_accuser_of_the_denier(extractor: Extractor) -> None:
    x = extractor.extract(
        "Iran accused Ruritania of arming the Taliban. Ruritanian officials rejected the claims."
    )
    denial = next(c for c in x.candidates if c.type == "Denial")
    assert denial.targets == ["iran"] and denial.responds_to == 0


def test_an_excuse_denies_the_claim_and_accuses_the_accuser(extractor: Extractor) -> None:
    x = extractor.extract(
        "Iran accused Ruritania of arming the rebels. "
        "Volkova said the accusations were an attempt to cover the failure of the Iranian mission."
    )
    got = events(x)
    assert ("Denial", "zara-volkova", ("iran",), None) in got
    assert ("Accusation", "zara-volkova", ("iran",), None) in got


def test_a_repeated_dismissal_is_one_denial(extractor: Extractor) -> None:
    x = extractor.extract(
        'Iran accused Ruritania of arming the rebels. "This is a lie....This is nonsense," '
        "Volkova said."
    )
    assert [c.type for c in x.candidates].count("Denial") == 1


def test_a_dismissal_answers_the_claim_of_its_own_sentence(extractor: Extractor) -> None:
    x = extractor.extract(
        "Iran accused China of meddling. Gen. Ambrose Chase said Ruritania was arming the rebels, "
        "a charge Ruritania dismissed as nonsense."
    )
    denial = next(c for c in x.candidates if c.type == "Denial")
    assert (denial.agent, denial.targets) == ("ruritania", ["ambrose-chase"])


def test_reported_wrongdoing_accuses_the_subject_of_its_clause(extractor: Extractor) -> None:
    x = extractor.extract(
        "Gen. Ambrose Chase complained that Ruritania has moved to legitimize the Taliban by "
        "inviting their leaders to its capital and by spreading a false narrative about Iran."
    )
    accused = [c.targets for c in x.candidates if c.type == "Accusation"]
    assert accused == [["ruritania"], ["ruritania"]]


def test_shelters_weapons_found_and_endorsements_accuse(extractor: Extractor) -> None:
    x = extractor.extract(
        "Gen. Ambrose Chase pointed out the sanctuaries that the insurgents enjoy in Pakistan. "
        "Afghan officials claimed to have seized Ruritanian arms from the Taliban. "
        "Some Iranian lawmakers have given credence to this claim."
    )
    got = {(c.agent, tuple(c.targets), c.rule) for c in x.candidates if c.type == "Accusation"}
    assert ("ambrose-chase", ("pakistan",), "shelter") in got
    officials = next(c.agent for c in x.candidates if c.rule == "weapons-found")
    assert (officials, ("ruritania",), "weapons-found") in got
    assert any(r == "endorsement" and t == ("ruritania",) for _, t, r in got)


def test_a_news_source_before_the_subjects_does_not_meet() -> None:
    x = Extractor.standard().extract(
        "As the year drew to a close, reports Reuters, Russia, China, and Pakistan held a meeting."
    )
    (meeting,) = x.candidates
    assert set(meeting.participants) == {"russia", "china", "pakistan"}


def test_attended_by_a_list_of_titled_people(extractor: Extractor) -> None:
    x = extractor.extract(
        "The conference, which Moscow hosted, was attended by Ruritanian officials, "
        "EU Representative for Foreign Affairs Ines Moretti, and Chinese Foreign Minister Li Wen."
    )
    (meeting,) = [c for c in x.candidates if c.type in ("Meeting", "Conference")]
    assert {"russia", "ines-moretti", "li-wen"} <= set(meeting.participants)


def test_a_glued_ellipsis_splits_tokens_and_sentences() -> None:
    x = Extractor.standard().extract(
        "Nobody gave credit to this contention…Citing a senior Taliban official Reuters reported."
    )
    assert any(m.text == "a senior Taliban official" for m in x.mentions)


def test_negation_makes_a_negated_meeting(extractor: Extractor) -> None:
    x = extractor.extract("Ruritania has not yet held talks with China on the border.")
    assert events(x) == {("Meeting", "ruritania", ("china", "ruritania"), "negated")}


def test_condition_or_could_makes_it_hypothetical(extractor: Extractor) -> None:
    x = extractor.extract(
        "If the crisis deepens, Ruritania could meet with Pakistan. Iran met China in Tehran."
    )
    assert events(x) == {
        ("Meeting", "ruritania", ("pakistan", "ruritania"), "hypothetical"),
        ("Meeting", "iran", ("china", "iran"), None),
    }


def test_coordinated_participants_and_places(extractor: Extractor) -> None:
    x = extractor.extract("Russia, China, and Pakistan held a meeting in Moscow on Tuesday.")
    (meeting,) = x.candidates
    assert set(meeting.participants) == {"russia", "china", "pakistan"}


def test_boilerplate_and_spam_yield_nothing(extractor: Extractor) -> None:
    page = "\n".join(
        [
            "Home / World / Asia",
            "Ruritania Accuses Iran Of Meddling",
            "Read more: Iran accused Ruritania of meddling",
            "Tags: Ruritania, Iran",
            "\u2022 Iran accused Ruritania of spying",
            "\u2022 Russia met China",
            "Buy cheap viagra online at http://spam.example where Iran met China.",
            "Leave a comment",
            "Log in to comment",
        ]
    )
    assert content_paragraphs(page) == [] or all(is_spam(p.text) for p in content_paragraphs(page))
    x = extractor.extract(page)
    assert x.candidates == [] and x.mentions == []


# ---------------------------------------------------------------------------- RDF


@pytest.fixture(scope="module")
def seed_extractor() -> Extractor:
    return Extractor.for_seeds(SEEDS)


@pytest.mark.parametrize("article", sorted(p.name for p in (SEEDS / "articles").glob("*.txt")))
def test_candidates_of_each_seed_article_validate(seed_extractor: Extractor, article: str) -> None:
    text = (SEEDS / "articles" / article).read_text(encoding="utf-8")
    x = seed_extractor.extract(text, file=article)
    assert x.candidates, "the rules find something in every seed article"
    for c in x.candidates:
        assert (
            text[c.sentence_start : c.sentence_end].strip()
            == text[c.sentence_start : c.sentence_end]
        )
        assert c.sentence_start <= c.trigger_start < c.trigger_end <= c.sentence_end
    alone = to_rdf(x)
    report = validate(alone)
    assert report.conforms, report.text
    # with the registry instead of the minimal actor descriptions
    merged = to_rdf(x, include_actors=False)
    merged += corpus_to_rdf(load_corpus(SEEDS)).actors
    unknown = {ID[f"actor/{i}"] for i, e in x.actors.items() if e.source != "registry"}
    for t in alone:
        if t[0] in unknown:
            merged.add(t)
    report = validate(merged)
    assert report.conforms, report.text
    runs = list(alone.subjects(RDF.type, AG.ExtractionRun))
    assert len(runs) == 1 and alone.value(runs[0], PROV.wasAssociatedWith) is not None


def test_json_carries_evidence_offsets_rule_and_confidence(seed_extractor: Extractor) -> None:
    text = (SEEDS / "articles" / "001_b56bb24cbda8a4d5.txt").read_text(encoding="utf-8")
    data = to_json(seed_extractor.extract(text))
    assert data["events"]
    for e in data["events"]:
        ev = e["evidence"]
        assert text[ev["start"] : ev["end"]] == ev["text"]
        assert e["rule"] and 0 <= e["confidence"] <= 1
    assert {a["status"] for a in data["actors"]} <= {"known", "standard", "new"}


# ---------------------------------------------------------------------------- CLI and API


def test_cli_extract_writes_turtle_that_validates(tmp_path: Path) -> None:
    article = tmp_path / "a.txt"
    article.write_text(
        "Ruritania Accuses Iran\n\nIran accused Russia of arming the Taliban on Monday. "
        "Russian officials denied the claims.\n",
        encoding="utf-8",
    )
    out = tmp_path / "c.ttl"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "ACTORGRAPH_STORE_PATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "graph", "extract", str(article), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "candidate event" in done.stderr
    assert validate(Graph().parse(out, format="turtle")).conforms
    as_json = subprocess.run(
        [sys.executable, "-m", "graph", "extract", "-", "--format", "json"],
        input=article.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        env=env,
    )
    assert as_json.returncode == 0, as_json.stderr
    types = {e["type"] for e in json.loads(as_json.stdout)["events"]}
    assert {"Accusation", "Denial"} <= types


@pytest.fixture(scope="module")
def client(seed_copy: Callable[[str], Path]) -> Iterator[TestClient]:
    settings = Settings(store_path=seed_copy("extract-api"), anonymous_jobs="open")
    with TestClient(create_app(settings)) as c:
        yield c


ARTICLE = (
    "Ruritania rebuffs Kabul\n\n"
    "KABUL (Agency) - The Afghan government accused Pakistan of harbouring militants on Monday.\n"
    "Pakistan's Foreign Ministry rejected the claims as baseless, a spokesman said.\n"
    "Read more: Pakistan and Afghanistan trade charges\n"
)


def test_post_extract_turtle_and_json_without_writing(client: TestClient) -> None:
    before = client.get("/stats").json()
    turtle = client.post("/extract", content=ARTICLE, headers={"Content-Type": "text/plain"})
    assert turtle.status_code == 200, turtle.text
    assert turtle.headers["content-type"].startswith("text/turtle")
    assert validate(Graph().parse(data=turtle.text, format="turtle")).conforms
    as_json = client.post(
        "/extract?published=2024-05-06",
        content=ARTICLE,
        headers={"Content-Type": "text/plain", "Accept": "application/json"},
    )
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["article"]["published"] == "2024-05-06"
    assert {"Accusation", "Denial"} <= {e["type"] for e in body["events"]}
    assert client.get("/stats").json() == before


def test_post_extract_errors_are_problem_json(client: TestClient) -> None:
    wrong = client.post("/extract", content="{}", headers={"Content-Type": "application/json"})
    assert wrong.status_code == 415
    assert wrong.headers["content-type"] == "application/problem+json"
    refused = client.post(
        "/extract",
        content="Iran met China.",
        headers={"Content-Type": "text/plain", "Accept": "image/png"},
    )
    assert refused.status_code == 406
    # a declared charset other than UTF-8 is refused, as /validate refuses it, even when the
    # bytes would read as UTF-8: the client meant something else by them
    latin = client.post(
        "/extract",
        content=b"Iran met China.",
        headers={"Content-Type": "text/plain; charset=latin-1"},
    )
    assert latin.status_code == 415
    assert "UTF-8" in latin.json()["detail"] and "latin-1" in latin.json()["detail"]
    utf8 = {"Content-Type": 'text/plain; charset="UTF-8"'}
    assert client.post("/extract", content=ARTICLE, headers=utf8).status_code == 200
    limit = client.app.state.runtime.settings.max_payload_bytes  # type: ignore[attr-defined]

    def streamed() -> Iterator[bytes]:  # no Content-Length: refused while it arrives
        yield b"Iran met China. " * (limit // 16 + 1)

    big = client.post("/extract", content=streamed(), headers={"Content-Type": "text/plain"})
    assert big.status_code == 413 and "one article at a time" in big.json()["detail"]
    empty = client.post("/extract", content=" ", headers={"Content-Type": "text/plain"})
    assert empty.status_code == 400


@pytest.mark.parametrize(
    ("body", "limit"),
    [
        (b"a" * 3_700_000, "ACTORGRAPH_MAX_ARTICLE_CHARS"),  # one paragraph: a 500 from spaCy
        (b"Russia met Pakistan. " * 100_000, "ACTORGRAPH_MAX_ARTICLE_CHARS"),  # 10 minutes of CPU
        ("é".encode() * 60_000, "ACTORGRAPH_MAX_ARTICLE_CHARS"),  # 120 kB, 60,000 characters
    ],
    ids=["one-paragraph", "short-sentences", "by-characters"],
)
def test_post_extract_refuses_an_article_over_the_limit_before_any_work(
    seed_copy: Callable[[str], Path], body: bytes, limit: str
) -> None:
    settings = Settings(store_path=seed_copy("extract-limits"), max_article_chars=50_000)
    with TestClient(create_app(settings)) as c:
        r = c.post("/extract", content=body, headers={"Content-Type": "text/plain"})
        assert r.status_code == 413, r.text
        problem = r.json()
        assert problem["limit"] == limit and problem["allowed"] in (50_000, 200_000)
        assert c.get("/healthz").json()["job_workers"] == settings.job_workers


def test_post_extract_not_utf8_is_400_with_where(client: TestClient) -> None:
    r = client.post("/extract", content=b"Kabul\n caf\xe9 ", headers={"Content-Type": "text/plain"})
    assert r.status_code == 400
    assert "line 2, column 5" in r.json()["detail"]
