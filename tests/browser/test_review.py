"""The review page (the explorer's "Review" tab, ``api/static/explorer/review.js``) in a real
browser: an article pasted, its candidates proposed by ``POST /extract`` and highlighted, one
rejected, one edited, a missed one added from a selection of the text, the document validated
(``POST /validate``) and committed with a steward's token (``POST /batches``) — then read back
from outside the page, over HTTP, as any client would.

Against a real uvicorn server on a copy of the seed graph, with a steward token configured; every
request off this machine is aborted. Screenshots: ``artifacts/browser/review-*.png``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from tests.browser.chromium import ARTIFACTS, DESKTOP, MARKS, PHONE, Page, launch, sync_api
from tests.servers import uvicorn

pytestmark = MARKS

TOKEN = "alice-0123456789-review-secret"
ID = "https://w3id.org/actorgraph/id/"
URL = "https://example.org/news/2017/03/06/moscow-talks"
ARTICLE = (
    "MOSCOW, March 6 (Example News) - Russia and Pakistan held talks in Moscow on Monday, the "
    "foreign ministry said. Afghan President Ashraf Ghani accused Pakistan of sheltering the "
    "Taliban. Russian officials denied the claims. China will send wheat to Afghanistan next "
    "month.\n"
)
#: The words of the event the extractor misses, which the steward adds from a selection.
MISSED = "China will send wheat to Afghanistan"


@pytest.fixture(scope="module")
def server(
    seed_copy: Callable[[str], Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    log = tmp_path_factory.mktemp("review-server") / "server.log"
    tokens = {"ACTORGRAPH_STEWARD_TOKENS": f"alice:{TOKEN}"}
    with uvicorn(seed_copy("review-browser"), log, **tokens) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch()


@pytest.fixture(scope="module")
def artifacts() -> Path:
    """The screenshots' folder; only this module's earlier screenshots are removed (the
    explorer's tests empty the folder themselves)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("review-*.png"):
        old.unlink()
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


# ----------------------------------------------------------------------------- helpers
def get(base: str, path: str, accept: str = "application/json") -> tuple[int, bytes]:
    """GET a path of the server, outside the browser: its status and body."""
    try:
        with urlopen(Request(base + path, headers={"Accept": accept}), timeout=30) as r:
            return r.status, r.read()
    except HTTPError as e:
        return e.code, e.read()


def sparql(base: str, query: str) -> list[dict[str, str]]:
    """A SELECT over HTTP, as any client would ask it: its rows, values only."""
    status, body = get(base, "/sparql?" + urlencode({"query": query}))
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def propose(p: Page, text: str, *, url: str = URL, published: str | None = "2017-03-06") -> None:
    """Open the Review tab, paste ``text``, give its URL (and date) and propose events."""
    p.page.goto(p.base + "/")
    p.page.get_by_role("tab", name="Review").click()
    p.page.get_by_label("Article text").fill(text)
    p.page.get_by_label("Published at (URL)").fill(url)
    if published:
        p.page.get_by_label("Publication date").fill(published)
    p.page.get_by_role("button", name="Propose events").click()
    p.page.locator("body[data-review]").wait_for(state="attached")


def card(p: Page, kind: str) -> Any:
    """The card of the (one) candidate of this type."""
    return p.page.locator("#review-cards .card", has=p.page.locator("h3", has_text=kind))


def select_words(p: Page, words: str) -> None:
    """Select ``words`` in the article's text as a steward would with the mouse: a DOM range
    over the text nodes (the highlights split the text into several)."""
    p.page.evaluate(
        """(words) => {
          const pre = document.querySelector('#review-text');
          const at = pre.textContent.indexOf(words);
          if (at < 0) throw new Error(`not in the text: ${words}`);
          const range = document.createRange();
          const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
          let pos = 0, started = false, node;
          while ((node = walker.nextNode())) {
            const len = node.data.length;
            if (!started && at < pos + len) { range.setStart(node, at - pos); started = true; }
            if (started && at + words.length <= pos + len) {
              range.setEnd(node, at + words.length - pos);
              break;
            }
            pos += len;
          }
          const selection = getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        words,
    )


# ------------------------------------------------------------------------------- scenarios
def test_an_article_goes_from_paste_to_a_committed_batch(desktop: Page, artifacts: Path) -> None:
    p = desktop.page
    propose(desktop, ARTICLE)
    article = p.locator("body").get_attribute("data-review")
    assert article and article.startswith("extracted-")
    # which pipeline ran, the text with one highlight per candidate, a card for each
    assert "Proposed by actorgraph-rules" in p.locator("#review-meta").inner_text()
    assert p.locator("#review-text").text_content() == ARTICLE
    cards = p.locator("#review-cards .card")
    assert cards.count() == 3
    assert p.locator("#review-text mark").count() == 3
    for kind in ("Meeting", "Accusation", "Denial"):
        sync_api.expect(card(desktop, kind)).to_have_attribute("data-status", "undecided")
    meeting = card(desktop, "Meeting")
    roles = meeting.locator(".roles").inner_text()
    assert "Russia, Pakistan" in roles and "meeting" in roles and "0.8" in roles
    accusation = card(desktop, "Accusation")
    assert "Ashraf Ghani" in accusation.locator(".roles").inner_text()
    p.screenshot(path=artifacts / "review-proposed-1280.png")

    # a highlight selects its card; a card selects its highlight
    accused = p.locator("#review-text mark", has_text="accused Pakistan")
    accused.click()
    sync_api.expect(accusation).to_have_class(re.compile(r"\bselected\b"))
    meeting.locator(".roles").click()
    sync_api.expect(p.locator("#review-text mark.current")).to_contain_text("held talks")

    # reject the denial, accept the meeting, edit the accusation (it is hypothetical)
    denial = card(desktop, "Denial")
    denied = denial.get_attribute("data-id")
    denial.get_by_role("button", name="Reject").click()
    sync_api.expect(denial).to_have_attribute("data-status", "rejected")
    sync_api.expect(p.locator("#review-text mark.rejected")).to_contain_text("denied the claims")
    meeting.get_by_role("button", name="Accept").click()
    sync_api.expect(meeting.get_by_role("button", name="Accept")).to_have_attribute(
        "aria-pressed", "true"
    )
    accusation.get_by_role("button", name="Edit").click()
    editor = accusation.locator("form")
    assert editor.get_by_label("Agent").input_value() == "ashraf-ghani"
    assert editor.get_by_role("checkbox", name="Pakistan").is_checked()
    editor.get_by_label("Modality").select_option("hypothetical")
    p.screenshot(path=artifacts / "review-edit-1280.png")
    editor.get_by_role("button", name="Save and accept").click()
    sync_api.expect(accusation).to_have_attribute("data-status", "accepted")
    assert "hypothetical" in accusation.locator(".roles").inner_text()

    # the event the extractor missed, from a selection of the text
    select_words(desktop, MISSED)
    p.get_by_role("button", name="Add event from selection").click()
    added = p.locator("#review-cards .card").nth(3)
    form = added.locator("form")
    assert form.get_by_label("Words of the event (verbatim)").input_value() == MISSED
    assert form.get_by_label("Agent").input_value() == "china"  # the first actor of the words
    assert form.get_by_role("checkbox", name="Afghanistan").is_checked()
    form.get_by_label("Type").select_option("AidProvision")
    form.get_by_label("Modality").select_option("future")
    p.screenshot(path=artifacts / "review-add-1280.png")
    form.get_by_role("button", name="Add the event").click()
    sync_api.expect(added).to_have_attribute("data-status", "accepted")
    sync_api.expect(p.locator("#review-text mark", has_text=MISSED)).to_have_count(1)
    added_id = added.get_attribute("data-id")
    assert added_id == f"{article}-s1"
    assert "3 accepted" in p.locator("#review-summary").inner_text()

    # validate: conforms
    p.get_by_role("button", name="Validate").click()
    report = p.locator("#review-report")
    sync_api.expect(report).to_have_attribute("data-conforms", "true")
    assert "Conforms: 3 events" in report.inner_text()

    # commit with the token
    p.get_by_label("Steward token").fill(TOKEN)
    p.get_by_role("button", name="Commit").click()
    sync_api.expect(p.locator("#review-committed")).to_contain_text("Committed as batch")
    batch = report.get_attribute("data-batch")
    assert batch
    sync_api.expect(p.get_by_role("button", name="Commit")).to_be_disabled()
    p.screenshot(path=artifacts / "review-committed-1280.png")
    assert p.get_by_role("link", name="The stored article text").get_attribute("href") == (
        f"articles/{article}/text"
    )
    network = p.get_by_role("link", name="The network of China")
    assert network.get_attribute("href") == "#actor=china"

    # from outside the page: the batch, the article's text, its events — not the rejected one
    base = desktop.base
    status, body = get(base, f"/batches/{batch}")
    assert status == 200 and json.loads(body)["steward"] == "alice"
    status, body = get(base, f"/articles/{article}/text", accept="text/plain")
    assert status == 200 and body.decode("utf-8") == ARTICLE
    rows = sparql(
        base,
        f"""SELECT ?event ?type ?modality ?quote WHERE {{
              ?event <http://www.w3.org/ns/prov#wasDerivedFrom> <{ID}article/{article}> ;
                     a ?type ; ag:quote ?quote .
              FILTER (STRSTARTS(STR(?event), "{ID}event/") && STRSTARTS(STR(?type), STR(ag:)))
              OPTIONAL {{ ?event ag:modality ?modality }} }}""",
    )
    events = {r["event"].removeprefix(f"{ID}event/"): r for r in rows}
    accused_id = accusation.get_attribute("data-id")
    meeting_id = meeting.get_attribute("data-id")
    assert set(events) == {meeting_id, accused_id, added_id}, rows
    assert denied not in events
    assert events[accused_id]["modality"].endswith("#Hypothetical")
    assert events[added_id]["type"].endswith("#AidProvision")
    assert events[added_id]["modality"].endswith("#Future")
    assert events[added_id]["quote"] == MISSED
    assert get(base, f"/events/{denied}")[0] == 404
    # the steward's event is in the ego network index like any other
    status, body = get(base, f"/events/{added_id}")
    assert status == 200 and json.loads(body)["type"] == "AidProvision"

    # the link to a network opens it in the explorer
    network.click()
    desktop.network_of("China")


def test_committing_without_a_token_shows_the_servers_refusal(
    desktop: Page, artifacts: Path
) -> None:
    p = desktop.page
    text = (
        "KABUL, May 2 (Example News) - Afghan President Ashraf Ghani accused Pakistan of "
        "sheltering the Taliban, his office said.\n"
    )
    propose(desktop, text, url="https://example.org/news/2017/05/02/ghani", published="2017-05-02")
    article = p.locator("body").get_attribute("data-review")
    p.get_by_role("button", name="Accept every undecided candidate").click()
    assert "0 undecided" in p.locator("#review-summary").inner_text()
    p.get_by_role("button", name="Commit").click()
    error = p.locator("#review-report .status.error")
    sync_api.expect(error).to_contain_text("Not committed (401)")
    report = p.locator("#review-report").inner_text()
    assert "needs a steward's token" in report  # the API's own words
    assert p.get_by_label("Steward token").evaluate("(e) => e === document.activeElement")
    p.screenshot(path=artifacts / "review-no-token-1280.png")
    # a wrong token is refused too, and nothing was written
    p.get_by_label("Steward token").fill("not-a-steward-token-at-all")
    p.get_by_role("button", name="Commit").click()
    sync_api.expect(p.locator("#review-report")).to_contain_text("not a steward's token")
    assert get(desktop.base, f"/articles/{article}/text")[0] == 404
    # the token is in the page only: nothing of it in any storage
    stored = p.evaluate(
        "() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])"
    )
    assert "not-a-steward" not in stored
    desktop.problems.clear()  # the 401s are logged by the browser as failed resources


def test_the_validations_words_show_beside_the_cards_they_concern(desktop: Page) -> None:
    """A report's results and a problem's detail name events: each goes beside its card (the
    answers are the server's shapes, fulfilled here so that the page's part is tested alone)."""
    p = desktop.page
    propose(desktop, ARTICLE)
    accusation = card(desktop, "Accusation")
    accused = accusation.get_attribute("data-id")
    meeting = card(desktop, "Meeting")
    met = meeting.get_attribute("data-id")
    p.get_by_role("button", name="Accept every undecided candidate").click()
    report = {
        "conforms": False,
        "results": [
            {
                "focus_node": f"{ID}event/{accused}",
                "result_path": None,
                "value": f"{ID}event/{accused}",
                "severity": "Violation",
                "source_shape": "ags:EventShape",
                "message": "it has no target (ag:target)",
            },
            {
                "focus_node": f"{ID}claim/{accused}-claim",
                "result_path": "ag:about",
                "value": None,
                "severity": "Violation",
                "source_shape": "ags:ClaimShape",
                "message": "a claim is about someone",
            },
        ],
        "triples": 10,
        "new_triples": 10,
        "derived_edges": 0,
    }
    p.route(
        "**/validate",
        lambda route: route.fulfill(
            status=200, content_type="application/json", body=json.dumps(report)
        ),
    )
    p.get_by_role("button", name="Validate").click()
    problems = accusation.locator(".problems li")
    sync_api.expect(problems).to_have_count(2)
    assert "it has no target" in problems.first.inner_text()
    assert meeting.locator(".problems").count() == 0
    sync_api.expect(p.locator("#review-report")).to_have_attribute("data-conforms", "false")

    problem = {
        "type": "https://w3id.org/actorgraph/problems/invalid-input",
        "title": "Invalid input",
        "status": 400,
        "detail": "1 problem(s) in the review document; nothing was written:\n"
        f"  events[0] ({met}): quote not found in the article: 'held talks'",
    }
    p.unroute("**/validate")
    p.route(
        "**/validate",
        lambda route: route.fulfill(
            status=400, content_type="application/problem+json", body=json.dumps(problem)
        ),
    )
    p.get_by_role("button", name="Validate").click()
    sync_api.expect(meeting.locator(".problems")).to_contain_text("quote not found")
    sync_api.expect(accusation.locator(".problems")).to_have_count(0)
    assert "Not validated (400)" in p.locator("#review-report").inner_text()
    # a change makes the report stale: it goes
    meeting.get_by_role("button", name="Reject").click()
    sync_api.expect(meeting.locator(".problems")).to_have_count(0)
    desktop.problems.clear()  # the 400 is logged by the browser as a failed resource


def test_words_that_occur_twice_are_added_with_their_occurrence(desktop: Page) -> None:
    """The same words twice in the article: the event added from the second has occurrence 2
    (from the selection's offset), and the server finds it there."""
    p = desktop.page
    text = (
        "ISLAMABAD (Example News) - Pakistan thanked China. Officials met on Tuesday, and "
        "afterwards Pakistan thanked China again.\n"
    )
    propose(desktop, text, url="https://example.org/news/thanks", published="2017-04-04")
    sync_api.expect(p.locator("#review-status")).to_contain_text("No candidate proposed")
    words = "Pakistan thanked China"
    p.evaluate(
        """(words) => {  // the second occurrence, selected in its text node
          const pre = document.querySelector('#review-text');
          const at = pre.textContent.lastIndexOf(words);
          const walker = document.createTreeWalker(pre, NodeFilter.SHOW_TEXT);
          let pos = 0, node;
          while ((node = walker.nextNode()) && pos + node.data.length <= at) pos += node.data.length;
          const range = document.createRange();
          range.setStart(node, at - pos);
          range.setEnd(node, at - pos + words.length);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
        }""",
        words,
    )
    p.get_by_role("button", name="Add event from selection").click()
    form = p.locator("#review-cards .card form")
    assert form.get_by_label("Which occurrence").input_value() == "2"
    form.get_by_label("Type").select_option("Support")
    assert form.get_by_label("Agent").input_value() == "pakistan"
    form.get_by_role("button", name="Add the event").click()
    with p.expect_request("**/validate") as sent:
        p.get_by_role("button", name="Validate").click()
    doc = json.loads(sent.value.post_data or "{}")
    added = [e for e in doc["events"] if e["quote"] == words]
    assert len(added) == 1 and added[0]["occurrence"] == 2, doc["events"]
    assert added[0]["targets"] == ["china"] and added[0]["date_basis"] == "publication"
    assert added[0]["date_latest"] == "2017-04-04"
    sync_api.expect(p.locator("#review-report")).to_have_attribute("data-conforms", "true")


def test_keyboard_only_review_on_a_phone(phone: Page, artifacts: Path) -> None:
    """From the tabs to a decision without a mouse: arrows to the Review tab, Tab through the
    form, Enter proposes; a highlight takes the focus and Enter moves it to its card."""
    p = phone.page
    p.goto(phone.base + "/")
    p.get_by_role("tab", name="Explore").focus()
    p.keyboard.press("ArrowLeft")  # the tabs wrap: Explore ← Review
    review = p.get_by_role("tab", name="Review")
    assert review.get_attribute("aria-selected") == "true"
    p.keyboard.press("Tab")  # into the panel's first control, past the links
    for _ in range(6):
        if p.evaluate("() => document.activeElement.id") == "review-paste":
            break
        p.keyboard.press("Tab")
    assert p.evaluate("() => document.activeElement.id") == "review-paste"
    p.keyboard.insert_text(ARTICLE)
    p.keyboard.press("Tab")  # the file input
    p.keyboard.press("Tab")
    assert p.evaluate("() => document.activeElement.id") == "review-url"
    p.keyboard.type(URL)
    p.keyboard.press("Enter")  # submits the form
    p.locator("body[data-review]").wait_for(state="attached")
    first = p.locator("#review-text mark").first
    first.focus()
    p.keyboard.press("Enter")
    focused = p.evaluate("() => document.activeElement.dataset.id || ''")
    assert focused and p.locator(f"#card-{focused}").get_attribute("aria-current") == "true"
    p.keyboard.press("Tab")  # the card's first button: Accept
    assert p.evaluate("() => document.activeElement.textContent") == "Accept"
    p.keyboard.press("Space")
    sync_api.expect(p.locator(f"#card-{focused}")).to_have_attribute("data-status", "accepted")
    assert p.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    p.screenshot(path=artifacts / "review-390.png", full_page=True)
