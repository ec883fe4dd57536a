"""``actorgraph ingest`` and committing its review file: a new article enters the graph with its
text, and only through the build's own quote check (graph/ingest.py, graph/sources.py)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from graph.annotations import load_corpus
from graph.errors import InvalidInput
from graph.extract.gazetteer import Gazetteer
from graph.ingest import read_review
from graph.namespaces import AG, ID, SCHEMA
from graph.settings import PROJECT_ROOT
from graph.store import Store

ARTICLE = PROJECT_ROOT / "seeds" / "eval" / "articles" / "e02_general_repeats_charge.txt"
URL = "https://www.reuters.com/world/e02-general-repeats-charge"


def actorgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT), **(env or {})},
    )


@pytest.fixture
def reviewed(tmp_path: Path, seed_copy: Callable[[str], Path]) -> tuple[Path, Path]:
    """A store with the seeds, and the review file `ingest` wrote for a new article."""
    store = seed_copy("ingest")
    article = tmp_path / "general.txt"
    shutil.copy(ARTICLE, article)
    done = actorgraph(
        "ingest", str(article), "--url", URL, "--published", "2017-04-24", "--store", str(store)
    )
    assert done.returncode == 0, done.stderr
    review = tmp_path / "general.review.yaml"
    assert review.is_file()
    assert "Nothing is stored" in done.stdout and "pipeline:" in done.stdout
    return store, review


def _count(store: Path, query: str) -> int:
    s = Store.open_read_only(store)
    try:
        return int(next(s.query(query).rows())["n"])
    finally:
        s.close()


def test_ingest_stores_nothing_and_writes_a_review_file(reviewed: tuple[Path, Path]) -> None:
    store, review = reviewed
    doc = yaml.safe_load(review.read_text(encoding="utf-8"))
    assert doc["article"]["url"] == URL
    assert doc["article"]["publisher"] == "reuters"  # guessed from the URL's host
    assert doc["article"]["file"] == "general.txt"
    assert doc["events"], "the extractor proposed no event"
    for event in doc["events"]:
        assert event["quote"] in ARTICLE.read_text(encoding="utf-8") or "occurrence" in event
        assert "rule" in event["note"] and 0 < event["confidence"] <= 1
    assert review.read_text(encoding="utf-8").startswith("# Review file written by")
    n = "SELECT (COUNT(*) AS ?n) WHERE { ?a schema:url ?u }"
    assert _count(store, n) == 0


def test_committing_the_review_stores_the_article_with_its_events(
    reviewed: tuple[Path, Path],
) -> None:
    store, review = reviewed
    doc = yaml.safe_load(review.read_text(encoding="utf-8"))
    doc["events"] = doc["events"][:2]  # the steward keeps two candidates
    kept = [e["id"] for e in doc["events"]]
    review.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    done = actorgraph("commit", str(review), "--store", str(store))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Committed" in done.stdout
    s = Store.open_read_only(store)
    try:
        article = ID[f"article/{doc['article']['id']}"]
        bodies = [o for *_, o, _g in s.match(article, SCHEMA.articleBody, None)]
        assert [str(b) for b in bodies] == [ARTICLE.read_text(encoding="utf-8")]
        for ident in kept:
            assert any(s.match(ID[f"event/{ident}"], AG.evidence, None))
        rows = s.query(
            "SELECT ?start ?end ?exact WHERE { ?e ag:evidence/oa:hasTarget ?t . "
            f"?t oa:hasSource {article.n3()} ; oa:hasSelector ?q , ?p . ?q oa:exact ?exact . "
            "?p oa:start ?start ; oa:end ?end . }"
        ).rows()
        text = ARTICLE.read_text(encoding="utf-8")
        found = list(rows)
        assert found
        for row in found:
            assert text[int(row["start"]) : int(row["end"])] == str(row["exact"])
    finally:
        s.close()


def test_a_review_quoting_words_not_in_the_article_is_refused_with_the_builds_message(
    reviewed: tuple[Path, Path],
) -> None:
    store, review = reviewed
    doc = yaml.safe_load(review.read_text(encoding="utf-8"))
    doc["events"] = doc["events"][:1]
    doc["events"][0]["quote"] = "China and Pakistan held talks on Afghanistan"
    doc["events"][0].pop("occurrence", None)
    review.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    done = actorgraph("commit", str(review), "--store", str(store))
    assert done.returncode != 0
    said = " ".join((done.stdout + done.stderr).split())
    assert "quote not found in the article: 'China and Pakistan held talks on Afghanistan'" in said
    assert "general.review.yaml" in said  # file and line, as the build says them
    n = "SELECT (COUNT(*) AS ?n) WHERE { ?a schema:url ?u }"
    assert _count(store, n) == 0  # nothing was written


def test_a_review_naming_an_unknown_actor_says_where(tmp_path: Path) -> None:
    text = tmp_path / "a.txt"
    text.write_text("KABUL - Russia and Pakistan held talks on Monday.", encoding="utf-8")
    review = tmp_path / "a.review.yaml"
    review.write_text(
        "article:\n  file: a.txt\n  id: t-a\n  title: A\n  published: 2017-01-02\n"
        "  url: https://example.org/a\n"
        "events:\n  - id: t-a-talks\n    type: Meeting\n    agent: russia\n"
        "    participants: [russia, pakistn]\n    date: 2017-01-02\n"
        "    quote: Russia and Pakistan held talks\n",
        encoding="utf-8",
    )
    known = Gazetteer.from_specs(load_corpus(PROJECT_ROOT / "seeds").actors.values())
    with pytest.raises(InvalidInput) as exc:
        read_review(review, known)
    assert exc.value.message.startswith("1 problem in the review file a.review.yaml")
    assert "unknown actor 'pakistn'" in exc.value.message
    assert "a.review.yaml:8" in str(exc.value)  # the event's line


def test_a_review_needs_the_articles_url(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Russia and Pakistan held talks.", encoding="utf-8")
    review = tmp_path / "a.review.yaml"
    review.write_text(
        "article:\n  file: a.txt\n  id: t-a\n  title: A\n  published: 2017-01-02\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput, match="needs its `url`"):
        read_review(review, Gazetteer.build([]))
