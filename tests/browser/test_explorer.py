"""The explorer page in a real browser: Debian's Chromium, headless, driven by Playwright, against
a real uvicorn server on a copy of the seed graph, with every request off this machine aborted.

Each scenario waits for elements (never for a time) and saves a screenshot of each view under
``artifacts/browser/`` (gitignored): look at them after a change to the page.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chromium import ARTIFACTS, DESKTOP, MARKS, PHONE, Page, launch, sync_api
from tests.servers import uvicorn

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(
    seed_copy: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("explorer-server") / "server.log"
    with uvicorn(seed_copy("explorer-browser"), log) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture
def desktop(browser: Any, server: str) -> Iterator[Page]:
    page = Page(browser, server, DESKTOP)
    yield page
    page.close()


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Page]:
    page = Page(browser, server, PHONE)
    yield page
    page.close()


def search_taliban(p: Page) -> None:
    p.page.goto(p.base + "/")
    p.page.get_by_role("combobox", name="Actor").fill("Taliban")
    p.page.get_by_role("option", name="Taliban").first.wait_for()
    p.page.get_by_role("option", name="Taliban").first.click()
    p.network_of("Taliban")


def russia_taliban_edge(p: Page) -> dict[str, Any]:
    """The strongest edge between Russia and the Taliban, where it is drawn on the screen."""
    found: dict[str, Any] = p.page.evaluate(
        """() => {
          const cy = window.actorgraph.cy;
          const ends = (e) => [e.source().id(), e.target().id()].map((i) => i.split('/').pop());
          const edge = cy.edges()
            .filter((e) => ends(e).includes('russia') && ends(e).includes('taliban'))
            .sort((a, b) => b.data('weight') - a.data('weight'))[0];
          const at = edge.renderedMidpoint();
          const box = cy.container().getBoundingClientRect();
          return {id: edge.id(), x: at.x + box.left, y: at.y + box.top, n: cy.nodes().length};
        }"""
    )
    return found


def test_search_draws_the_network_with_russia_in_it(desktop: Page, artifacts: Path) -> None:
    search_taliban(desktop)
    ids = desktop.page.evaluate("() => window.actorgraph.cy.nodes().map((n) => n.id())")
    assert "https://w3id.org/actorgraph/id/actor/russia" in ids
    assert len(ids) >= 10
    status = desktop.page.locator("#status").inner_text()
    assert status.startswith("Taliban:") and "actors" in status
    # the legend names kinds and polarities; the ties list offers each edge to the keyboard
    legend = desktop.page.locator(".legend").inner_text()
    assert "State" in legend and "Hostile" in legend and "Cooperative" in legend
    assert desktop.page.locator("#evidence .ties button").count() >= 10
    desktop.page.screenshot(path=artifacts / "explore-1280.png")


def test_an_edge_lists_its_events_and_opens_the_article_at_the_quote(
    desktop: Page, artifacts: Path
) -> None:
    search_taliban(desktop)
    edge = russia_taliban_edge(desktop)
    desktop.page.mouse.click(edge["x"], edge["y"])  # on the canvas, as a user would
    panel = desktop.page.locator("#evidence")
    panel.locator("blockquote").first.wait_for()
    assert "Russia" in panel.locator("h2").inner_text()
    assert "Taliban" in panel.locator("h2").inner_text()
    quote = panel.locator("blockquote").first.inner_text()
    assert len(quote) > 20
    desktop.page.screenshot(path=artifacts / "evidence-1280.png")

    panel.get_by_role("button", name="Open the article at this quote").first.click()
    mark = desktop.page.locator("#article-text mark")
    mark.wait_for()
    assert mark.inner_text() == quote
    assert mark.is_visible()  # scrolled into view
    assert desktop.page.locator("#article").get_attribute("open") is not None
    desktop.page.screenshot(path=artifacts / "article-1280.png")
    desktop.page.keyboard.press("Escape")  # a dialog closes with Escape
    desktop.page.locator("#article").wait_for(state="hidden")


def test_the_filters_redraw_and_a_node_recentres(desktop: Page) -> None:
    search_taliban(desktop)
    boxes = desktop.page.locator("#relations input[type=checkbox]")
    relations = boxes.count()
    assert relations >= 3
    # only "accused": every edge drawn is an accusation
    for i in range(relations):
        box = boxes.nth(i)
        if box.get_attribute("value") != "accused":
            box.uncheck()
    ties = desktop.page.locator("#evidence .ties button")
    sync_api.expect(ties.filter(has_not_text=": accused")).to_have_count(0)
    sync_api.expect(ties.filter(has_text=": accused").first).to_be_visible()
    assert all(": accused" in t for t in ties.all_inner_texts())
    # radius 2, then the Russia node re-centres the network
    desktop.page.get_by_label("Radius").select_option("2")
    desktop.page.locator("#status:has-text('(radius 2)')").wait_for()
    desktop.page.get_by_label("Radius").select_option("1")
    desktop.page.locator("#status:has-text('(radius 1)')").wait_for()
    russia = desktop.page.evaluate(
        """() => { const cy = window.actorgraph.cy;
          const at = cy.getElementById('https://w3id.org/actorgraph/id/actor/russia').renderedPosition();
          const box = cy.container().getBoundingClientRect();
          return {x: at.x + box.left, y: at.y + box.top}; }"""
    )
    desktop.page.mouse.click(russia["x"], russia["y"])
    desktop.network_of("Russia")
    assert desktop.page.get_by_role("combobox", name="Actor").input_value() == "Russia"


def test_an_unknown_actor_is_said_in_the_apis_words(desktop: Page) -> None:
    desktop.page.goto(desktop.base + "/#actor=Talibn")
    status = desktop.page.locator("#status.error")
    status.wait_for()
    assert "no actor is called 'Talibn'" in status.inner_text()
    assert "Taliban" in status.inner_text()  # the suggestions
    desktop.problems.clear()  # the 404 itself is logged by the browser as a failed resource


def test_a_query_in_the_sparql_tab_gives_rows(desktop: Page, artifacts: Path) -> None:
    desktop.page.goto(desktop.base + "/")
    desktop.page.get_by_role("tab", name="SPARQL").click()
    editor = desktop.page.get_by_label("SPARQL query")
    assert "ag:Accusation" in editor.input_value()  # an example, ready to run
    assert desktop.page.locator("#highlight .tok-kw").count() > 3  # highlighted
    desktop.page.get_by_role("button", name="Run").click()
    rows = desktop.page.locator("#results tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 5
    assert "rows" in desktop.page.locator("#sparql-status").inner_text()
    desktop.page.screenshot(path=artifacts / "sparql-1280.png", full_page=True)

    # a header sorts; an actor IRI opens the actor in the explorer
    header = desktop.page.locator("#results th", has_text="accuser")
    header.get_by_role("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    editor.fill("SELECT ?who WHERE { ?e a ag:Accusation ; ag:agent ?who } LIMIT 3")
    editor.press("Control+Enter")
    link = desktop.page.locator("#results a[href^='#actor=']").first
    link.wait_for()
    link.click()
    desktop.page.locator("#view-explore").wait_for()
    desktop.page.locator("body[data-network]").wait_for(state="attached")

    # an error, as the API words it
    desktop.page.get_by_role("tab", name="SPARQL").click()
    editor.fill("SELECT * WHERE { ?s ?p }")
    editor.press("Control+Enter")
    error = desktop.page.locator("#sparql-status.error")
    error.wait_for()
    assert "is not a whole triple pattern" in error.inner_text()
    desktop.problems.clear()  # the 400 is logged by the browser as a failed resource


def test_keyboard_only_search_network_and_evidence(phone: Page, artifacts: Path) -> None:
    """Tab to the search, type, arrows and Enter; Tab to a tie, Enter: its events — on a phone."""
    p = phone.page
    p.goto(phone.base + "/")
    search = p.get_by_role("combobox", name="Actor")
    for _ in range(10):  # Tab from the top of the page until the search box has the focus
        p.keyboard.press("Tab")
        if search.evaluate("(e) => e === document.activeElement"):
            break
    assert search.evaluate("(e) => e === document.activeElement")
    p.keyboard.type("talib")
    p.locator("#suggestions [role=option]").first.wait_for()
    assert search.get_attribute("aria-expanded") == "true"
    p.keyboard.press("ArrowDown")
    p.keyboard.press("ArrowUp")
    active = search.get_attribute("aria-activedescendant")
    assert active and p.locator(f"#{active}").inner_text().startswith("Taliban")
    p.keyboard.press("Enter")
    phone.network_of("Taliban")
    p.screenshot(path=artifacts / "explore-390.png", full_page=True)

    tie = p.locator("#evidence .ties button", has_text="Russia").first
    tie.focus()
    p.keyboard.press("Enter")
    p.locator("#evidence blockquote").first.wait_for()
    assert p.locator("#evidence-title").evaluate("(e) => e === document.activeElement")
    p.keyboard.press("Tab")
    p.keyboard.press("Tab")  # past "All ties" to the first "Open the article"
    focused = p.evaluate("() => document.activeElement.textContent")
    assert focused == "Open the article at this quote", focused
    p.keyboard.press("Enter")
    p.locator("#article-text mark").wait_for()
    p.screenshot(path=artifacts / "article-390.png")
    # nothing sticks out sideways on a phone
    width = p.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_the_layout_fits_a_phone_and_a_laptop(browser: Any, server: str, artifacts: Path) -> None:
    for name, viewport in (("1280", DESKTOP), ("390", PHONE)):
        p = Page(browser, server, viewport)
        try:
            p.page.goto(server + "/#actor=russia&radius=2")
            p.network_of("Russia")
            assert (
                p.page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
            )
            p.page.screenshot(
                path=artifacts / f"russia-radius-2-{name}.png", full_page=name == "390"
            )
            p.page.get_by_role("tab", name="SPARQL").click()
            p.page.get_by_role("button", name="Run").click()
            p.page.locator("#results tbody tr").first.wait_for()
            p.page.screenshot(path=artifacts / f"sparql-{name}.png")
        finally:
            p.close()


def test_the_timeline_follows_the_date_range_and_opens_an_events_evidence(
    desktop: Page, artifacts: Path
) -> None:
    search_taliban(desktop)
    p = desktop.page
    marks = p.locator("#timeline .mark")
    marks.first.wait_for()
    everything = int(p.locator("#timeline").get_attribute("data-events") or 0)
    assert everything == marks.count() >= 10
    assert "events in view" in p.locator("#timeline-status").inner_text()
    desktop.page.screenshot(path=artifacts / "timeline-1280.png")
    # keyboard: focus a mark, Enter: its evidence in the side panel
    marks.first.focus()
    p.keyboard.press("Enter")
    p.locator("#evidence blockquote").first.wait_for()
    assert p.locator("#evidence-title").evaluate("(e) => e === document.activeElement")
    # the date range: only the events of 2017 and later stay
    p.get_by_label("From").fill("2017-01-01")
    p.get_by_label("From").dispatch_event("change")
    sync_api.expect(p.locator("#timeline")).not_to_have_attribute("data-events", str(everything))
    fewer = int(p.locator("#timeline").get_attribute("data-events") or 0)
    assert 0 < fewer < everything
    labels = marks.evaluate_all("(ms) => ms.map((m) => m.getAttribute('aria-label'))")
    assert all(label[:4] >= "2017" or " – " in label[:25] for label in labels), labels


def test_the_articles_in_view_open_their_text(desktop: Page, artifacts: Path) -> None:
    search_taliban(desktop)
    p = desktop.page
    items = p.locator("#articles li")
    items.first.wait_for()
    assert items.count() >= 3
    first = items.first.inner_text()
    assert "events in view" in first or "event in view" in first
    assert "Wikinews · 2016-01-01" in p.locator("#articles").inner_text()  # publisher · date
    items.first.get_by_role("button").click()
    text = p.locator("#article-text")
    sync_api.expect(text).not_to_have_text("Loading…")
    assert len(text.inner_text()) > 500
    assert p.locator("#article-meta").inner_text()  # publisher and date
    p.screenshot(path=artifacts / "articles-1280.png")


def test_a_construct_is_drawn_as_a_graph_and_describe_too(desktop: Page, artifacts: Path) -> None:
    p = desktop.page
    p.goto(desktop.base + "/")
    p.get_by_role("tab", name="SPARQL").click()
    editor = p.get_by_label("SPARQL query")
    editor.fill(
        "CONSTRUCT { ?who ag:accused actor:russia ; rdfs:label ?name } WHERE {"
        " ?e a ag:Accusation ; ag:agent ?who ; ag:target actor:russia . ?who rdfs:label ?name }"
    )
    editor.press("Control+Enter")
    status = p.locator("#sparql-status")
    sync_api.expect(status).to_contain_text("A graph:")
    drawn = p.evaluate(
        """() => { const cy = window.actorgraph.construct;
          return {nodes: cy.nodes().map((n) => n.data('label')),
                  edges: cy.edges().map((e) => e.data('label'))}; }"""
    )
    assert "russia" in " ".join(drawn["nodes"]) and "John Nicholson" in drawn["nodes"]
    assert "ag:accused" in drawn["edges"] and "rdfs:label" in drawn["edges"]
    p.screenshot(path=artifacts / "construct-1280.png")
    # the raw text behind a toggle
    toggle = p.get_by_role("button", name="Show the raw N-Triples")
    toggle.click()
    raw = p.locator("#results pre.raw")
    sync_api.expect(raw).to_be_visible()
    assert "<https://w3id.org/actorgraph/id/actor/russia>" in raw.inner_text()
    assert p.locator("#results .construct").is_hidden()
    # DESCRIBE, capped and saying so
    editor.fill("DESCRIBE ?e WHERE { ?e ag:agent ?who }")
    editor.press("Control+Enter")
    sync_api.expect(status).to_contain_text("the first 300 drawn")
    assert p.evaluate("() => window.actorgraph.construct.edges().length") == 300


def overlapping_labels(p: Page) -> list[list[str]]:
    """The pairs of visible node labels whose boxes (in the model's coordinates) overlap."""
    found: list[list[str]] = p.page.evaluate(
        """() => {
          const cy = window.actorgraph.cy;
          const boxes = cy.nodes()
            .filter((n) => n.visible() && n.data('short_label') && Number(n.style('text-opacity')) > 0)
            .map((n) => ({name: n.data('short_label'),
                          b: n.boundingBox({includeLabels: true, includeNodes: false})}));
          const pairs = [];
          boxes.forEach((a, i) => boxes.slice(i + 1).forEach((c) => {
            if (a.b.x1 < c.b.x2 && c.b.x1 < a.b.x2 && a.b.y1 < c.b.y2 && c.b.y1 < a.b.y2)
              pairs.push([a.name, c.name]);
          }));
          return pairs;
        }"""
    )
    return found


def test_the_taliban_labels_do_not_cover_each_other(desktop: Page, artifacts: Path) -> None:
    search_taliban(desktop)
    desktop.page.locator("#timeline .mark").first.wait_for()  # the graph has its final size
    n = desktop.page.evaluate("() => window.actorgraph.cy.nodes().length")
    assert n >= 18
    assert overlapping_labels(desktop) == []
    desktop.page.screenshot(path=artifacts / "labels-taliban-1280.png")
