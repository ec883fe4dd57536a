"""Actor names as users type them: ``ActorNetwork.resolve`` and ``.search`` with any text, and the
same text through HTTP (``/actors/{actor}``, ``/actors/{actor}/ego``, ``/actors?q=``).

Any text gets an actor or ``NotFound`` (404 problem+json with suggestions), never anything else.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given
from hypothesis import strategies as st

from graph.errors import NotFound
from graph.networks import ActorNetwork, normalise
from graph.store import Store
from tests.fuzz.conftest import assert_problem, bounded, segment

#: Names of the seed graph, as written, and what users make of them.
KNOWN = ["Russia", "the Kremlin", "Taliban", "Donald Trump", "Kabul", "zamir-kabulov"]
PREFIXES = ["", "actor:", "id:actor/", "https://w3id.org/actorgraph/id/actor/", "ex:", "http://"]
HUGE = "Russia " * 20_000  # 140,000 characters
LONG = "Russia " * 1_000  # 7,000 characters: a URL that HTTP clients and servers still carry

names = st.one_of(
    st.text(),  # any unicode, surrogates aside
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp", "Mn"])),
    st.builds(lambda p, n: p + n, st.sampled_from(PREFIXES), st.sampled_from(KNOWN)),
    st.builds(
        lambda n, pad, case: f"{pad}{n.upper() if case else n.lower()}{pad}",
        st.sampled_from(KNOWN),
        st.sampled_from(["", " ", "\t", "\u00a0", "\u3000"]),
        st.booleans(),
    ),
    st.builds(lambda p, t: p + t, st.sampled_from(PREFIXES), st.text(max_size=30)),
)


@pytest.fixture(scope="module")
def network(store: Store) -> ActorNetwork:
    return ActorNetwork.from_store(store)


@given(text=names)
@example(text="")
@example(text=" ")
@example(text="the ")
@example(text="actor:")
@example(text="id:")
@example(text="\x00")
@example(text="\ud7ff\U0010ffff")
@example(text="İstanbul")  # its casefold is longer than itself
@example(text=HUGE)
@bounded(400)
def test_resolve_finds_an_actor_or_says_not_found(network: ActorNetwork, text: str) -> None:
    try:
        iri = network.resolve(text)
    except NotFound as exc:
        assert all(isinstance(s, str) and s for s in exc.suggestions)
        return
    assert iri in network
    assert network.actor(iri).iri == iri


@given(pick=st.integers(min_value=0), pad=st.sampled_from(["", " ", "  \t"]))
@bounded(100)
def test_a_label_resolves_whatever_its_case_and_padding(
    network: ActorNetwork, pick: int, pad: str
) -> None:
    actors = list(network)
    label = actors[pick % len(actors)].label
    variant = f"{pad}{label.swapcase()}{pad}"
    if normalise(variant) != normalise(label):  # e.g. "ß".swapcase() is "SS"
        return
    assert network.resolve(variant) == network.resolve(label)


@given(text=names, limit=st.integers(min_value=1, max_value=100))
@example(text="", limit=1)
@example(text=HUGE, limit=100)
@bounded(300)
def test_search_answers_at_most_limit_actors(network: ActorNetwork, text: str, limit: int) -> None:
    hits = network.search(text, limit)
    assert len(hits) <= limit
    for hit in hits:
        assert hit.actor.iri in network
        assert hit.how in {"label", "alias", "prefix", "substring", "fuzzy", "any"}
        assert 0.0 <= hit.score <= 1.0
        assert hit.events >= 0


# ------------------------------------------------------------------------------- over HTTP


@given(text=names)
@example(text="")
@example(text="..")
@example(text="%")
@example(text="a/ego")
@example(text="\x00")
@example(text=LONG)
@bounded(200)
def test_get_actor_by_any_name(reader: TestClient, text: str) -> None:
    r = reader.get(f"/actors/{segment(text)}")
    assert_problem(r, {200, 404, 422})
    if r.status_code == 200:
        assert r.json()["iri"].startswith("https://w3id.org/actorgraph/id/")


@given(text=names)
@example(text="")
@example(text="Russia")
@example(text="x/ego")
@example(text=LONG)
@bounded(200)
def test_get_ego_network_by_any_name(reader: TestClient, text: str) -> None:
    r = reader.get(f"/actors/{segment(text)}/ego")
    assert_problem(r, {200, 404, 422})
    if r.status_code == 200:
        assert r.json()["summary"]["nodes"] >= 1


@given(text=names, limit=st.one_of(st.none(), st.integers(), st.text(max_size=5)))
@example(text="", limit=None)
@example(text="x" * 201, limit=None)
@example(text=LONG, limit=None)
@bounded(200)
def test_search_by_any_text(reader: TestClient, text: str, limit: int | str | None) -> None:
    params: dict[str, str | int] = {"q": text}
    if limit is not None:
        params["limit"] = limit
    r = reader.get("/actors", params=params)
    assert_problem(r, {200, 422})
