"""The catalogue of hostile requests, as data: what is sent, and what must come back.

Each :class:`~tests.hostile.model.Case` names its request (method, path, headers, body or a body
factory, or a raw procedure for what an HTTP client will not send), the statuses that are right,
what the problem's ``detail`` must mention (the setting, the keyword), the ``limit`` member of a
413, and whether the store may change (never, but for the legitimate setup of the
Idempotency-Key case). Statuses follow ``api/errors.py``: malformed or refused input 400, limits
413 naming the setting, wrong media type 415, bad parameters 422, auth 401/403, rate 429 with
Retry-After, query timeouts 503; a query that crashes the engine is 400.

``budget``: the issue demands that bombs are answered within 2 s (:data:`BOMB`); runaway queries
within the query time limit and a second (:data:`RUNAWAY`). Only ``benchmarks/hostile.py`` times
anything; the tests never do.

Placeholders :data:`~tests.hostile.model.CANARY` and :data:`~tests.hostile.model.SELF` become the
canary's URL and the server's own base URL when a case runs.
"""

from __future__ import annotations

import functools
import json
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from api.routers.validate import EXAMPLE_BATCH
from tests.hostile.harness import QUERY_TIMEOUT, SECRET, STEWARD, health
from tests.hostile.model import CANARY, SELF, Body, Case, Outcome, Raw, ServerName, Target
from tests.hostile.rawhttp import DEADLINE, exchange, parse_response, read_response, request_head

__all__ = ["BOMB", "CASES", "RUNAWAY", "by_name"]

BOMB = 2.0
RUNAWAY = QUERY_TIMEOUT + 1.0

TURTLE = "text/turtle"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
SPARQL_QUERY = "application/sparql-query"
FORM = "application/x-www-form-urlencoded"
PLAIN = "text/plain"

NESTING = "ACTORGRAPH_MAX_NESTING_DEPTH"
PAYLOAD = "ACTORGRAPH_MAX_PAYLOAD_BYTES"
TRIPLES = "ACTORGRAPH_MAX_BATCH_TRIPLES"
ARTICLE = "ACTORGRAPH_MAX_ARTICLE_CHARS"
RATE = "ACTORGRAPH_ANONYMOUS_JOBS_PER_MINUTE"

AUTH = ("Authorization", STEWARD)
EX = "<http://example.org/a> <http://example.org/p> 1 .\n"
PASSWD = ("root:x:0:0", "/bin/bash", "daemon:")


def _statuses(expect: int | Iterable[int]) -> frozenset[int]:
    return frozenset({expect} if isinstance(expect, int) else expect)


def _ct(media: str) -> tuple[str, str]:
    return ("Content-Type", media)


# ------------------------------------------------------------------------------ constructors
def sparql(
    name: str,
    query: str,
    expect: int | Iterable[int] = 400,
    *,
    params: Mapping[str, str] | None = None,
    **kw: Any,
) -> Case:
    """``GET /sparql?query=…`` (and more parameters)."""
    path = "/sparql?" + urlencode({"query": query, **(params or {})}, quote_via=quote)
    return Case(name=name, endpoint="/sparql", path=path, expect=_statuses(expect), **kw)


def post(
    name: str,
    endpoint: str,
    body: Body | None,
    media: str | None,
    expect: int | Iterable[int],
    *,
    path: str | None = None,
    auth: bool = False,
    headers: tuple[tuple[str, str | bytes], ...] = (),
    **kw: Any,
) -> Case:
    """``POST`` a body with a Content-Type (``None``: without one), optionally as the steward."""
    all_headers = ((_ct(media),) if media else ()) + ((AUTH,) if auth else ()) + headers
    return Case(
        name=name,
        endpoint=endpoint,
        method="POST",
        path=path or endpoint,
        headers=all_headers,
        body=body,
        expect=_statuses(expect),
        **kw,
    )


def get(name: str, endpoint: str, path: str, expect: int | Iterable[int], **kw: Any) -> Case:
    return Case(name=name, endpoint=endpoint, path=path, expect=_statuses(expect), **kw)


def raw(
    name: str,
    endpoint: str,
    procedure: Raw,
    expect: int | Iterable[int],
    *,
    server: ServerName = "main",
    **kw: Any,
) -> Case:
    return Case(
        name=name,
        endpoint=endpoint,
        raw=procedure,
        expect=_statuses(expect),
        server=server,
        **kw,
    )


# ------------------------------------------------------------------------------------ bodies
def _chunks(data: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    """``data`` as an iterator: httpx sends it chunked, without a Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


@functools.cache
def over_cap() -> bytes:
    """5,000,001 bytes of Turtle comments: one byte over ACTORGRAPH_MAX_PAYLOAD_BYTES."""
    line = b"#" + b"x" * 99 + b"\n"
    return (line * 50_001)[:5_000_001]


@functools.cache
def chunked_over_cap() -> bytes:
    return over_cap() + b"#" * 1_000_000


def billion_laughs() -> bytes:
    """RDF/XML with ten levels of internal entities, each ten of the one below (10¹⁰ × 10 bytes
    if expanded): 604 bytes."""
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{f"&{chr(97 + i)};" * 10}">' for i in range(9)
    )
    return (
        f"<!DOCTYPE l [{entities}]>"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="http://example.org/a"><rdf:value>&j;</rdf:value>'
        "</rdf:Description></rdf:RDF>"
    ).encode()


BILLION_LAUGHS = billion_laughs()
RDF_OPEN = (
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    'xmlns:ex="http://example.org/">'
)
XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>\n'
    + RDF_OPEN
    + '<rdf:Description rdf:about="http://example.org/a"><ex:p>&x;</ex:p></rdf:Description>'
    "</rdf:RDF>"
).encode()
EXTERNAL_DTD = (
    f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF SYSTEM "{CANARY}/hostile.dtd">\n{RDF_OPEN}</rdf:RDF>'
).encode()
PARAMETER_ENTITY = (
    f'<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [ <!ENTITY % ext SYSTEM "{CANARY}/p.dtd"> %ext; ]>\n'
    f"{RDF_OPEN}</rdf:RDF>"
).encode()


@functools.cache
def jsonld_deep() -> bytes:
    """JSON-LD objects nested 4,000 deep (≈ 100 KB; crashed pyoxigraph's parser, issue 9)."""
    inner = '{"http://example.org/p": ' * 4000 + "{}" + "}" * 4000
    return ('{"@id": "http://example.org/a", "http://example.org/p": ' + inner + "}").encode()


@functools.cache
def rdfxml_deep() -> bytes:
    """RDF/XML elements nested 100,000 deep: 4.6 MB (a parse that did not end in 60 s)."""
    name = "ex:nestedElementName"
    return (RDF_OPEN + f"<{name}>" * 100_000 + f"</{name}>" * 100_000 + "</rdf:RDF>").encode()


@functools.cache
def turtle_deep() -> bytes:
    """Turtle with 100,000 nested blank nodes ``[``."""
    return (
        "@prefix ex: <http://example.org/> .\nex:a ex:p "
        + "[ ex:q " * 100_000
        + "1"
        + " ]" * 100_000
        + " .\n"
    ).encode()


@functools.cache
def many_triples() -> bytes:
    """2,500 triples: over ACTORGRAPH_MAX_BATCH_TRIPLES=2000."""
    lines = "".join(f"ex:s{i} ex:p {i} .\n" for i in range(2500))
    return ("@prefix ex: <http://example.org/> .\n" + lines).encode()


def jsonld(document: object) -> bytes:
    return json.dumps(document).encode()


@functools.cache
def article_paragraph() -> bytes:
    """3.7 MB of text in one paragraph."""
    return (b"Russia met Pakistan in Moscow and the Taliban denied it " * 70_000)[:3_700_000]


@functools.cache
def article_sentences() -> bytes:
    """100,000 short sentences (2.1 MB)."""
    return b"Russia met Pakistan. " * 100_000


#: A batch that conforms, under another event IRI (the Idempotency-Key case commits it).
def _batch(event: str) -> str:
    return EXAMPLE_BATCH.replace("example-russia-pakistan-talks", event)


CONFORMING = _batch("hostile-idempotency-talks").encode()
OTHER_CONFORMING = _batch("hostile-idempotency-other-talks").encode()
#: An event without its agent (ag:agent), under an IRI no other case commits.
NONCONFORMING = (
    _batch("hostile-nonconforming-talks").replace("ag:agent actor:russia ;", "").encode()
)
IDEMPOTENCY_KEY = "hostile-idempotency-key-1"


# ------------------------------------------------------------------------------- raw cases
def _raw(target: Target, head: bytes, body: bytes = b"", **kw: bool) -> Outcome:
    return exchange(target, [head + body], **kw)


def request_line_1mb(target: Target) -> Outcome:
    """A request line of 1 MB (the URL)."""
    return _raw(target, b"GET /actors?q=" + b"a" * 1_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")


def header_block_1mb(target: Target) -> Outcome:
    """One header of 1 MB."""
    return _raw(target, request_head("GET", "/healthz", [("X-Hostile", "a" * 1_000_000)]))


def header_nul(target: Target) -> Outcome:
    return _raw(target, request_head("GET", "/healthz", [("X-Hostile", b"a\x00b")]))


def _validate_head(length: str, *extra: tuple[str, str]) -> bytes:
    return request_head(
        "POST", "/validate", [("Content-Type", TURTLE), ("Content-Length", length), *extra]
    )


def content_length_absurd(target: Target) -> Outcome:
    return _raw(target, _validate_head("9" * 30), EX.encode())


def content_length_huge(target: Target) -> Outcome:
    """A Content-Length of 10 GB that parses as a number (the body is never sent)."""
    return _raw(target, _validate_head(str(10**10)), EX.encode())


def content_length_negative(target: Target) -> Outcome:
    return _raw(target, _validate_head("-1"), EX.encode())


def content_length_and_chunked(target: Target) -> Outcome:
    """Content-Length and Transfer-Encoding both (request smuggling)."""
    return _raw(
        target,
        _validate_head("3", ("Transfer-Encoding", "chunked")),
        b"0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    )


def two_content_lengths(target: Target) -> Outcome:
    return _raw(target, _validate_head("3", ("Content-Length", "5000001")), b"abc")


def slow_body_then_close(target: Target) -> Outcome:
    """Half of a 10,000-byte body, a stall (meanwhile another client is served), then the client
    closes. Nobody reads an answer; the server must not count it as its own failure."""
    started = time.perf_counter()
    deadline = time.monotonic() + DEADLINE
    with socket.create_connection((target.host, target.port), timeout=DEADLINE) as sock:
        sock.sendall(_validate_head("10000") + b"#" * 5000)
        health(target)  # the stall: the server answers others while this body waits
        sock.shutdown(socket.SHUT_WR)  # the client is gone: end of stream
        data = read_response(sock, deadline)  # until the server closes its side
    # Round trips through the server (each with a thread-pool hop, as the request's own clean-up
    # has): by their end the server has handled the close, and logged it if it logs it.
    for _ in range(3):
        health(target)
    return parse_response(
        data, time.perf_counter() - started, "sent 5,000 of 10,000 bytes, then closed"
    )


CONNECTED_RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) { ?a ?p ?b . ?b ?q ?c . ?c ?r ?d . ?d ?s ?e . ?e ?t ?f }"
)


def _all_query_workers_ready(target: Target) -> None:
    """Poll /healthz until every query worker is up and answers from its in-memory copy."""
    deadline = time.monotonic() + DEADLINE
    while True:
        state = health(target)
        if state["query_workers"] == state["query_workers_in_memory"] == 3:  # the default
            return
        assert time.monotonic() < deadline, f"the query workers did not come back: {state}"
        time.sleep(0.05)


def ask_while_runaways_run(target: Target) -> Outcome:
    """Three connected runaways from one client at once and, once all three are sent, ``ASK {}``
    (its answer is the outcome). The decision record: a runaway goes to the heavy lane, one per
    client, so the light lane keeps answering cheap queries. The runaways must end 400 or 503."""
    path = "/sparql?" + urlencode({"query": CONNECTED_RUNAWAY}, quote_via=quote)
    _all_query_workers_ready(target)  # an earlier runaway's worker may still be replaced
    sent = threading.Barrier(4)
    answers: list[Outcome] = []

    def runaway() -> None:
        started = time.perf_counter()
        deadline = time.monotonic() + DEADLINE
        with socket.create_connection((target.host, target.port), timeout=DEADLINE) as sock:
            sock.sendall(request_head("GET", path, []))
            sent.wait(DEADLINE)
            answers.append(
                parse_response(read_response(sock, deadline), time.perf_counter() - started)
            )

    threads = [threading.Thread(target=runaway) for _ in range(3)]
    for thread in threads:
        thread.start()
    sent.wait(DEADLINE)  # all three requests are on the wire
    health(target)  # and the server has read them: it answered a request sent after them
    started = time.perf_counter()
    response = target.client.get("/sparql", params={"query": "ASK {}"})
    outcome = Outcome(
        response.status_code,
        dict(response.headers),
        response.content,
        time.perf_counter() - started,
        "ASK {} while three runaways of the same client run",
    )
    for thread in threads:
        thread.join(DEADLINE)
    statuses = [a.status for a in answers]
    assert len(statuses) == 3 and set(statuses) <= {400, 503}, f"the runaways: {statuses}"
    return outcome


def _token_head(value: bytes) -> bytes:
    return request_head(
        "POST",
        "/batches",
        [("Content-Type", TURTLE), ("Content-Length", "0"), ("Authorization", value)],
    )


def token_trailing_space(target: Target) -> Outcome:
    """``Authorization: Bearer <secret> `` (an ASCII space at the end of the field), and an empty
    batch. RFC 9110 §5.5: whitespace around a field value is not part of it, so this IS the
    steward's token: the request is authenticated, and the empty batch is refused (400)."""
    return _raw(target, _token_head(f"Bearer {SECRET} ".encode()))


def token_trailing_nbsp(target: Target) -> Outcome:
    """``Authorization: Bearer <secret>\\xa0`` (a no-break space, byte 0xA0: not HTTP whitespace,
    so part of the credentials) and an empty batch: not the steward's token, 401."""
    return _raw(target, _token_head(b"Bearer " + SECRET.encode() + b"\xa0"))


def token_leading_nbsp(target: Target) -> Outcome:
    return _raw(target, _token_head(b"Bearer \xa0" + SECRET.encode()))


def extract_client_disconnects(target: Target) -> Outcome:
    """~48 KB of sentences to /extract (work that takes a sandbox worker many seconds); once the
    server has the body (it answers another client meanwhile), the client closes the socket. The
    work must stop: the sandbox logs the job abandoned by its client, the workers come back to
    their count, and a small /extract still answers."""
    workers = health(target)["job_workers"]
    body = b"Russia met Pakistan. " * 2_300  # 48,300 characters: under the 50,000 cap
    head = request_head(
        "POST", "/extract", [("Content-Type", PLAIN), ("Content-Length", str(len(body)))]
    )
    started = time.perf_counter()
    since = target.log.stat().st_size
    with socket.create_connection((target.host, target.port), timeout=DEADLINE) as sock:
        sock.sendall(head + body)
        health(target)  # the server has read the body by the time it answers another request
    deadline = time.monotonic() + DEADLINE  # the client is gone: poll what the server does
    abandoned = False
    while time.monotonic() < deadline and not abandoned:
        with target.log.open("rb") as f:
            f.seek(since)
            abandoned = b"abandoned by its client" in f.read()
        if not abandoned:
            time.sleep(0.05)
    assert abandoned, "the sandbox did not stop the job of a client that left"
    while health(target)["job_workers"] != workers:
        assert time.monotonic() < deadline, "the sandbox workers did not come back"
        time.sleep(0.05)
    small = target.client.post(
        "/extract", content=b"Russia met Pakistan in Moscow.", headers={"Content-Type": PLAIN}
    )
    assert small.status_code == 200, f"a small /extract after the disconnect: {small.text}"
    return Outcome(None, {}, b"", time.perf_counter() - started, "the client left; nobody reads")


# ------------------------------------------------------------------------------- the cases
C = CANARY  # short, for the queries below
SERVICE = ("SERVICE",)
UPDATE = "is SPARQL Update"
FOREIGN = ("is not a graph of this store",)

# fmt: off
SPARQL_CASES = [
    # SSRF: SERVICE, in every spelling and place
    sparql("sparql-service-iri-at-canary", f"SELECT * {{ SERVICE <{C}/sparql> {{ ?s ?p ?o }} }}", mentions=SERVICE),
    sparql("sparql-service-variable", "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }", mentions=SERVICE),
    sparql("sparql-service-mixed-case", f"SELECT * {{ sErViCe <{C}/sparql> {{ ?s ?p ?o }} }}", mentions=SERVICE),
    sparql("sparql-service-after-comments", f"SELECT * {{ # SERVICE in a comment\n  SERVICE # again\n <{C}/sparql> {{ ?s ?p ?o }} }}", mentions=SERVICE),
    sparql("sparql-service-no-whitespace", f"SELECT*{{SERVICE<{C}/sparql>{{?s ?p ?o}}}}", mentions=SERVICE),
    sparql("sparql-service-in-optional", f"SELECT * {{ ?s ?p ?o OPTIONAL {{ SERVICE <{C}/sparql> {{ ?s ?p ?x }} }} }}", mentions=SERVICE),
    sparql("sparql-service-silent-in-subquery", f"SELECT * {{ {{ SELECT * {{ SERVICE SILENT <{C}/sparql> {{ ?s ?p ?o }} }} }} }}", mentions=SERVICE),
    post("sparql-service-post-body", "/sparql", f"SELECT * {{ SERVICE <{C}/sparql> {{ ?s ?p ?o }} }}".encode(), SPARQL_QUERY, 400, mentions=SERVICE),
    post("sparql-service-post-form", "/sparql", urlencode({"query": f"SELECT * {{ SERVICE <{C}/sparql> {{ ?s ?p ?o }} }}"}).encode(), FORM, 400, mentions=SERVICE),
    # The guard reads `<x:\u0041#>` as "<", a word, "\", … and then a comment to the end of the
    # line; the engine reads an IRI (a \u escape is allowed in an IRI) and goes on.
    sparql("sparql-service-hidden-after-iri-escape", f"SELECT * {{ VALUES ?x {{ <x:a\\u0041#> }} SERVICE <{C}/sparql> {{ ?s ?p ?o }} }}", mentions=SERVICE, note="guard bypass: the query reaches the engine, which tries the canary (stopped only by the workers' network namespace)"),
    sparql("sparql-service-silent-hidden-after-iri-escape", f"ASK {{ VALUES ?x {{ <x:a\\u0041#> }} SERVICE SILENT <{C}/sparql> {{ ?s ?p ?o }} }}", mentions=SERVICE, note="guard bypass, SILENT: answered 200"),
    sparql("sparql-service-hidden-after-iri-quote", f"SELECT * {{ VALUES ?x {{ <x:a\\u0041'> }} SERVICE <{C}/sparql> {{ ?s ?p ?o }} VALUES ?y {{ <x:'> }} }}", mentions=SERVICE, note="guard bypass: `'` in an escaped IRI starts a string for the guard"),
    # updates, through every door
    sparql("sparql-load-canary", f"LOAD <{C}/data.ttl>", mentions=("LOAD",)),
    sparql("sparql-load-silent-into-graph", f"LOAD SILENT <{C}/data.ttl> INTO GRAPH <urn:x:g>", mentions=("LOAD",)),
    *[
        sparql(f"sparql-update-{word.lower()}", update, mentions=(word, UPDATE))
        for word, update in [
            ("INSERT", "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"),
            ("DELETE", "DELETE WHERE { ?s ?p ?o }"),
            ("CLEAR", "CLEAR ALL"),
            ("DROP", "DROP ALL"),
            ("CREATE", "CREATE GRAPH <urn:x:g>"),
            ("COPY", "COPY DEFAULT TO <urn:x:g>"),
            ("MOVE", "MOVE DEFAULT TO <urn:x:g>"),
            ("ADD", "ADD DEFAULT TO <urn:x:g>"),
            ("WITH", "WITH <urn:x:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }"),
        ]
    ],
    sparql("sparql-update-after-prefix-and-comment", "PREFIX x: <urn:x:>\n# harmless\nDrOp ALL", mentions=("DROP",)),
    get("sparql-update-parameter", "/sparql", "/sparql?" + urlencode({"update": "DROP ALL"}), 400, mentions=("Update",)),
    post("sparql-update-parameter-in-form", "/sparql", urlencode({"update": "DROP ALL"}).encode(), FORM, 400, mentions=("Update",)),
    post("sparql-update-content-type", "/sparql", b"DROP ALL", "application/sparql-update", 400, mentions=("Update",)),
    # datasets at the canary
    sparql("sparql-from-canary", f"SELECT * FROM <{C}/g> {{ ?s ?p ?o }}", mentions=FOREIGN),
    sparql("sparql-from-named-canary", f"SELECT * FROM NAMED <{C}/g> {{ GRAPH ?g {{ ?s ?p ?o }} }}", mentions=FOREIGN),
    sparql("sparql-default-graph-uri-canary", "SELECT * { ?s ?p ?o } LIMIT 1", params={"default-graph-uri": f"{C}/g"}, mentions=FOREIGN),
    sparql("sparql-named-graph-uri-canary", "SELECT * { GRAPH ?g { ?s ?p ?o } } LIMIT 1", params={"named-graph-uri": f"{C}/g"}, mentions=FOREIGN),
    sparql("sparql-relative-from-with-base-canary", f"BASE <{C}/> SELECT * FROM <data.ttl> {{ ?s ?p ?o }}", mentions=FOREIGN),
    # parser bombs (pyoxigraph's recursive parser overflowed its stack on these, issue 9)
    sparql("sparql-braces-3000-deep", "SELECT * " + "{" * 3000 + "}" * 3000, mentions=(NESTING,), budget=BOMB),
    sparql("sparql-braces-9990-deep", "SELECT * " + "{" * 9990 + "}" * 9990, mentions=(NESTING,), budget=BOMB),
    sparql("sparql-parens-5000-deep", "SELECT * { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }", mentions=(NESTING,), budget=BOMB),
    sparql("sparql-bangs-12000", "SELECT * { FILTER(" + "!" * 12000 + "true) }", mentions=(NESTING,), budget=BOMB),
    sparql("sparql-sum-8000-terms", "SELECT * { FILTER(" + "+".join(["1"] * 8000) + ") }", mentions=("expression",), budget=BOMB),
    sparql("sparql-braces-3000-hidden-after-iri-escape", "SELECT * { ?s ?p <x:a\\u0041#> . " + "{" * 3000 + "}" * 3000 + " }", budget=BOMB, note="the guard read <x:a\\u0041#> as '<' and a comment and let the braces through to the engine's parser (its worker died); it reads \\u escapes in IRIs now"),
    # runaways
    sparql("sparql-cartesian-three-way", "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", mentions=("ACTORGRAPH_QUERY_MAX_COST",), budget=BOMB),
    sparql("sparql-cartesian-with-zero-length-path", "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d <urn:x:none>* ?e . ?g ?h ?i }", mentions=("ACTORGRAPH_QUERY_MAX_COST",), budget=BOMB, note="`p*` matches every node to itself even when p is unused (the estimate said 0 rows; now every node)"),
    sparql("sparql-cartesian-hidden-after-iri-escape", "SELECT (COUNT(*) AS ?n) { VALUES ?x { <x:a\\u0041#> } ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", mentions=("ACTORGRAPH_QUERY_MAX_COST",), budget=BOMB, note="the \\u escape made the estimator skip the rest of the line (fixed with the guard's lexer)"),
    sparql("sparql-connected-runaway", CONNECTED_RUNAWAY, {400, 503}, mentions={503: ("ACTORGRAPH_QUERY_TIMEOUT",)}, budget=RUNAWAY),
    raw("sparql-ask-while-three-runaways-run", "/sparql", ask_while_runaways_run, 200, problem=False, content_type="application/sparql-results+json", budget=BOMB, note="the runaways were estimated light (≈6e4 rows) and took the light worker too; joins are now counted pessimistically for the lane (≈2e7 rows: heavy, one per client)"),
    sparql(
        "sparql-memory-bomb-concat-28",
        'SELECT (STRLEN(?v28) AS ?n) { BIND("xxxxxxxxxxxxxxxx" AS ?v0) '
        + " ".join(f"BIND(CONCAT(?v{i},?v{i}) AS ?v{i + 1})" for i in range(28))
        + " }",
        {400, 503},
        budget=RUNAWAY,
        note="a runaway in memory: it ends at the worker's memory limit (400) or the time limit (503)",
    ),
    sparql(
        "sparql-memory-bomb-200-chars",
        "SELECT (STRLEN(?x) AS ?n) {BIND("
        + 'REPLACE(' * 7
        + '"xxxxxxxxxxxxxxxx"'
        + ',"x","xxxxxxxxxxxxxxxx")' * 7
        + " AS ?x)}",
        {400, 503},
        budget=RUNAWAY,
        note="16 characters × 16⁷: 4 GB; ends at the memory limit (400) or the time limit (503)",
    ),
    # caps and malformed requests
    sparql("sparql-over-length-cap", "ASK {} #" + "x" * 20_001, mentions=("ACTORGRAPH_MAX_QUERY_LENGTH",), budget=BOMB),
    post("sparql-body-over-payload-cap", "/sparql", lambda _: over_cap(), SPARQL_QUERY, 413, limit=PAYLOAD, budget=BOMB),
    post("sparql-body-over-payload-cap-chunked", "/sparql", lambda _: _chunks(chunked_over_cap()), SPARQL_QUERY, 413, limit=PAYLOAD, budget=BOMB),
    post("sparql-invalid-utf8-body", "/sparql", b"SELECT * { ?s ?p '\xff\xfe' }", SPARQL_QUERY, 400, mentions=("UTF-8",)),
    post("sparql-invalid-utf8-form", "/sparql", b"query=SELECT%20*%20%7B%7D%FF%FE", FORM, 400, mentions=("UTF-8",)),
    post("sparql-charset-latin-1", "/sparql", "ASK { ?s ?p 'caf\xe9' }".encode("latin-1"), SPARQL_QUERY + "; charset=latin-1", 415, note="/validate answers 415 to the same charset; api/errors.py: UnsupportedMediaType is 'a body whose Content-Type (or charset) we do not read'"),
    get("sparql-two-query-parameters", "/sparql", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", 400, mentions=("exactly one query",)),
    sparql("sparql-empty-query", "   ", mentions=("empty",)),
    post("sparql-unknown-content-type", "/sparql", b"ASK {}", "application/x-hostile", 415),
    post("sparql-no-content-type", "/sparql", b"ASK {}", None, 415),
    sparql("sparql-syntax-error", "SELECT * WHERE {\n  ?s ?p\n}", members=("line", "column")),
    sparql("sparql-absurd-accept", "ASK {}", {200, 406}, problem=False, headers=(("Accept", ",".join(f"x/y{i};q=0.{i % 10}" for i in range(6000))),)),
    sparql("sparql-format-script", "ASK {}", 200, params={"format": "<script>alert(1)</script>"}, problem=False, content_type="application/sparql-results+json", note="was 406; a format= the endpoint does not know is ignored now (Accept decides): SPARQLWrapper sends names such as n3 and rdf+xml"),
    Case(name="sparql-method-trace", endpoint="/sparql", method="TRACE", path="/sparql", expect=frozenset({405})),
]
# fmt: on

LONG_ID = "a" * 60_000
# fmt: off
LOOKUP_CASES = [
    get("actors-path-traversal", "/actors", "/actors/..%2F..%2Fetc%2Fpasswd", 404, forbid=PASSWD),
    get("actors-path-traversal-raw", "/actors", "/actors/../../etc/passwd", 404, forbid=PASSWD),
    get("actors-ego-path-traversal", "/actors", "/actors/..%2F..%2Fetc%2Fpasswd/ego", 404, forbid=PASSWD),
    get("actors-nul-byte", "/actors", "/actors/russia%00", 404),
    get("actors-ego-nul-byte", "/actors", "/actors/%00/ego", 404),
    get("actors-id-60000-chars", "/actors", f"/actors/{LONG_ID}", {404, 422}),
    get("actors-ego-id-60000-chars", "/actors", f"/actors/{LONG_ID}/ego", {404, 422}),
    get("actors-iri-at-canary", "/actors", "/actors/" + quote(f"{C}/actor", safe=""), 404),
    get("actors-ego-radius-1000", "/actors", "/actors/russia/ego?radius=1000", 422, mentions=("radius",)),
    get("actors-ego-max-nodes-1e12", "/actors", f"/actors/russia/ego?max_nodes={10**12}", 422, mentions=("max_nodes",)),
    get("actors-ego-min-weight-negative", "/actors", "/actors/russia/ego?min_weight=-5", 422, mentions=("min_weight",)),
    get("actors-ego-radius-400-digits", "/actors", "/actors/russia/ego?radius=" + "9" * 400, 422),
    get("actors-ego-not-a-date", "/actors", "/actors/russia/ego?from=yesterday", 422, mentions=("from",)),
    get("actors-ego-direction", "/actors", "/actors/russia/ego?direction=sideways", 422),
    get("actors-ego-format-script", "/actors", "/actors/russia/ego?format=%3Cscript%3Ealert(1)%3C/script%3E", 200, problem=False, content_type="application/json", note="was 400; an unknown format= is ignored now, as at /sparql (Accept decides)"),
    get("actors-ego-relations-script", "/actors", "/actors/russia/ego?relations=%3Cscript%3E,%3Cimg%20src=x%3E", 400),
    get("actors-search-limit-negative", "/actors", "/actors?limit=-1", 422, mentions=("limit",)),
    get("actors-search-q-script", "/actors", "/actors?q=%3Cscript%3Ealert(1)%3C/script%3E", 200, problem=False, content_type="application/json"),
    get("actors-search-q-60000-chars", "/actors", "/actors?q=" + "x" * 60_000, 422, mentions=("q",)),
    get("events-type-script", "/events", "/events?type=%3Cscript%3Ealert(1)%3C/script%3E", 400, mentions=("unknown event type",)),
    get("events-type-sparql-injection", "/events", "/events?" + urlencode({"type": "Meeting> } } SELECT * { ?s ?p ?o } #"}), 400),
    get("events-limit-negative", "/events", "/events?limit=-5", 422, mentions=("limit",)),
    get("events-limit-huge", "/events", f"/events?limit={10**12}", 422, mentions=("limit",)),
    get("events-offset-negative", "/events", "/events?offset=-1", 422, mentions=("offset",)),
    get("events-offset-1e30", "/events", f"/events?offset={10**30}", {200, 422}, problem=False),
    get("events-not-a-date", "/events", "/events?from=2016-02-30", 422, mentions=("from",)),
    get("events-actor-60000-chars", "/events", "/events?actor=" + "z" * 60_000, {404, 422}),
    get("paths-max-paths-1e12", "/paths", f"/paths?from=russia&to=taliban&max_paths={10**12}", 422, mentions=("max_paths",)),
    get("paths-max-evidence-negative", "/paths", "/paths?from=russia&to=taliban&max_evidence=-1", 422),
    get("paths-missing-to", "/paths", "/paths?from=russia", 422, mentions=("to",)),
    get("paths-unknown-60000-chars", "/paths", "/paths?to=russia&from=" + "x" * 60_000, {404, 422}),
]
# fmt: on

# fmt: off
VALIDATE_CASES = [
    post("validate-billion-laughs", "/validate", BILLION_LAUGHS, RDFXML, 400, mentions=("DOCTYPE",), budget=BOMB),
    post("validate-xxe-etc-passwd", "/validate", XXE, RDFXML, 400, mentions=("DOCTYPE",), forbid=PASSWD, budget=BOMB),
    post("validate-external-dtd-at-canary", "/validate", EXTERNAL_DTD, RDFXML, 400, mentions=("DOCTYPE",), budget=BOMB),
    post("validate-parameter-entity-at-canary", "/validate", PARAMETER_ENTITY, RDFXML, 400, mentions=("DOCTYPE",), budget=BOMB),
    post("validate-doctype-in-utf-16", "/validate", ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r SYSTEM "file:///etc/passwd">' + RDF_OPEN + "</rdf:RDF>").encode("utf-16"), RDFXML, 400, mentions=("UTF-8",), forbid=PASSWD, note="a DOCTYPE the text check cannot see in UTF-16: refused as not UTF-8 first"),
    post("validate-rdfxml-xml-base-and-stylesheet-at-canary", "/validate", f'<?xml version="1.0"?><?xml-stylesheet href="{C}/s.xsl"?>{RDF_OPEN[:-1]} xml:base="{C}/"><rdf:Description rdf:about="a"><ex:p rdf:resource="b"/></rdf:Description></rdf:RDF>'.encode(), RDFXML, {200, 400}, problem=False),
    post("validate-jsonld-4000-deep", "/validate", lambda _: jsonld_deep(), JSONLD, 413, limit=NESTING, budget=BOMB),
    post("validate-jsonld-remote-context-string", "/validate", jsonld({"@context": f"{C}/ctx.jsonld", "@id": "http://example.org/a"}), JSONLD, 400, mentions=("remote @context",), budget=BOMB),
    post("validate-jsonld-remote-context-array", "/validate", jsonld({"@context": [{"ex": "http://example.org/"}, f"{C}/ctx.jsonld"], "@id": "http://example.org/a"}), JSONLD, 400, mentions=("remote @context",), budget=BOMB),
    post("validate-jsonld-remote-context-import", "/validate", jsonld({"@context": {"@import": f"{C}/ctx.jsonld"}, "@id": "http://example.org/a"}), JSONLD, 400, mentions=("remote @context",), budget=BOMB),
    post("validate-jsonld-remote-context-scoped", "/validate", jsonld({"@context": {"ex": "http://example.org/", "ex:p": {"@context": f"{C}/scoped.jsonld"}}, "@id": "http://example.org/a", "ex:p": {"@id": "http://example.org/b"}}), JSONLD, 400, mentions=("remote @context",), budget=BOMB),
    post("validate-jsonld-recursive-context", "/validate", jsonld({"@context": {"@import": f"{SELF}/validate"}, "@id": "http://example.org/a"}), JSONLD, 400, mentions=("remote @context",), budget=BOMB, note="a context that imports the server itself"),
    post("validate-jsonld-context-key-escaped", "/validate", b'{"\\u0040context": "' + C.encode() + b'/ctx.jsonld", "@id": "http://example.org/a"}', JSONLD, 400, mentions=("remote @context",)),
    post("validate-jsonld-context-deep-in-graph", "/validate", jsonld({"@graph": [{"@id": "http://example.org/a", "http://example.org/p": {"@context": f"{C}/deep.jsonld", "@id": "http://example.org/b"}}]}), JSONLD, 400, mentions=("remote @context",)),
    post("validate-jsonld-inline-base-and-vocab-at-canary", "/validate", jsonld({"@context": {"@base": f"{C}/", "@vocab": f"{C}/vocab#"}, "@id": "a", "p": {"@id": "b"}}), JSONLD, 200, problem=False, content_type="application/json"),
    post("validate-rdfxml-100000-deep", "/validate", lambda _: rdfxml_deep(), RDFXML, 413, limit=NESTING, budget=BOMB),
    post("validate-turtle-100000-brackets", "/validate", lambda _: turtle_deep(), TURTLE, 413, limit=NESTING, budget=BOMB),
    post("validate-turtle-base-and-prefix-at-canary", "/validate", f"@base <{C}/> . @prefix x: <{C}/x#> . <a> x:p x:o .".encode(), TURTLE, 200, problem=False, content_type="application/json"),
    post("validate-turtle-invalid-utf8-in-comment", "/validate", b"# caf\xe9\n" + EX.encode(), TURTLE, 400, mentions=("UTF-8",), members=("line", "column")),
    post("validate-charset-latin-1", "/validate", EX.encode(), TURTLE + "; charset=latin-1", 415),
    post("validate-wrong-content-type", "/validate", EX.encode(), PLAIN, 415),
    post("validate-no-content-type", "/validate", EX.encode(), None, 415),
    post("validate-over-payload-cap", "/validate", lambda _: over_cap(), TURTLE, 413, limit=PAYLOAD, budget=BOMB),
    post("validate-over-payload-cap-chunked", "/validate", lambda _: _chunks(chunked_over_cap()), TURTLE, 413, limit=PAYLOAD, budget=BOMB),
    post("validate-more-triples-than-the-cap", "/validate", lambda _: many_triples(), TURTLE, 413, limit=TRIPLES, budget=BOMB),
    post("validate-ontology-triples", "/validate", b"@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\nag:Foo a owl:Class .\n", TURTLE, 400, mentions=("ontology",)),
    post("validate-rdf-star", "/validate", b"@prefix ex: <http://example.org/> .\n<< ex:a ex:b ex:c >> ex:p ex:o .\n", TURTLE, 400, mentions=("RDF-star",)),
    post("validate-triple-term", "/validate", b"@prefix ex: <http://example.org/> .\nex:a ex:p <<( ex:a ex:b ex:c )>> .\n", TURTLE, 400),
    post("validate-relative-iris", "/validate", b"<a> <b> <c> .\n", TURTLE, 400, mentions=("relative IRI",)),
    post("validate-empty-body", "/validate", b"", TURTLE, 400),
    post("validate-not-a-steward-token", "/validate", EX.encode(), TURTLE, 401, headers=(("Authorization", "Bearer not-a-steward-token-0123456789abcdef"),), response_headers=("www-authenticate",)),
    post("validate-format-script", "/validate", EX.encode(), TURTLE, 406, path="/validate?format=%3Cscript%3E"),
]
# fmt: on

# fmt: off
BATCH_CASES = [
    post("batches-no-token", "/batches", CONFORMING, TURTLE, 401, response_headers=("www-authenticate",)),
    post("batches-wrong-token", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", "Bearer wrong-token-0123456789abcdefghijklmn"),), response_headers=("www-authenticate",)),
    post("batches-basic-auth", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", "Basic aG9zdGlsZTpob3N0aWxlLXNlY3JldA=="),)),
    post("batches-token-50-kb", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", "Bearer " + "A" * 50_000),)),
    post("batches-token-non-ascii-utf-8", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", "Bearer tökén-ünïcödé-0123456789abcdef".encode()),)),
    post("batches-token-secret-prefix", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", f"Bearer {SECRET[:-1]}"),)),
    post("batches-token-name-and-secret", "/batches", CONFORMING, TURTLE, 401, headers=(("Authorization", f"Bearer hostile:{SECRET}"),)),
    raw("batches-token-trailing-space", "/batches", token_trailing_space, 400, mentions=("no triples",), note="trailing whitespace is not part of an HTTP field value (RFC 9110 §5.5): authenticated, then the empty batch is refused"),
    raw("batches-token-trailing-nbsp", "/batches", token_trailing_nbsp, 401, response_headers=("www-authenticate",), note="0xA0 is not HTTP whitespace; FastAPI's HTTPBearer strips it (str.strip) and accepts the token"),
    raw("batches-token-leading-nbsp", "/batches", token_leading_nbsp, 401, response_headers=("www-authenticate",)),
    post("batches-billion-laughs-with-token", "/batches", BILLION_LAUGHS, RDFXML, 400, auth=True, mentions=("DOCTYPE",), budget=BOMB),
    post("batches-jsonld-4000-deep-with-token", "/batches", lambda _: jsonld_deep(), JSONLD, 413, auth=True, limit=NESTING, budget=BOMB),
    post("batches-turtle-100000-brackets-with-token", "/batches", lambda _: turtle_deep(), TURTLE, 413, auth=True, limit=NESTING, budget=BOMB),
    post("batches-remote-context-with-token", "/batches", jsonld({"@context": f"{C}/ctx.jsonld", "@id": "http://example.org/a"}), JSONLD, 400, auth=True, mentions=("remote @context",)),
    post("batches-more-triples-than-the-cap-with-token", "/batches", lambda _: many_triples(), TURTLE, 413, auth=True, limit=TRIPLES, budget=BOMB),
    post("batches-over-payload-cap-with-token", "/batches", lambda _: over_cap(), TURTLE, 413, auth=True, limit=PAYLOAD, budget=BOMB),
    post("batches-nonconforming-with-token", "/batches", NONCONFORMING, TURTLE, 422, auth=True, mentions=("does not conform",)),
    post("batches-ontology-triples-with-token", "/batches", b"@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\nag:Foo a owl:Class .\n", TURTLE, 400, auth=True, mentions=("ontology",)),
    Case(name="batches-delete-path-traversal", endpoint="/batches", method="DELETE", path="/batches/..%2F..%2Fetc", headers=(AUTH,), expect=frozenset({404, 422}), forbid=PASSWD),
    Case(name="batches-delete-unknown-id", endpoint="/batches", method="DELETE", path="/batches/20261122T153012345-7f3a", headers=(AUTH,), expect=frozenset({404}), mentions=("no batch",)),
    Case(name="batches-delete-without-token", endpoint="/batches", method="DELETE", path="/batches/20261122T153012345-7f3a", expect=frozenset({401})),
    Case(name="batches-delete-id-over-long", endpoint="/batches", method="DELETE", path="/batches/" + "b" * 5000, headers=(AUTH,), expect=frozenset({404, 422})),
    get("batches-get-path-traversal", "/batches", "/batches/..%2F..%2Fetc%2Fpasswd", {404, 422}, forbid=PASSWD),
    get("batches-list-status-script", "/batches", "/batches?status=%3Cscript%3E", 422),
    post("batches-x-steward-over-long", "/batches", CONFORMING, TURTLE, 422, auth=True, headers=(("X-Steward", "s" * 5000),), mentions=("x-steward",)),
    post("batches-source-over-long", "/batches", CONFORMING, TURTLE, 422, auth=True, path="/batches?source=" + "s" * 3000, mentions=("source",)),
    post("batches-idempotency-key-over-long", "/batches", CONFORMING, TURTLE, 422, auth=True, headers=(("Idempotency-Key", "k" * 5000),), mentions=("idempotency-key",)),
    post(
        "batches-idempotency-key-reused-with-another-payload",
        "/batches",
        OTHER_CONFORMING,
        TURTLE,
        422,
        auth=True,
        headers=(("Idempotency-Key", IDEMPOTENCY_KEY),),
        mentions=("Idempotency-Key",),
        setup=(
            post(
                "batches-idempotency-key-first-use",
                "/batches",
                CONFORMING,
                TURTLE,
                {200, 201},  # 200: replayed (the benchmark runs the case again)
                auth=True,
                headers=(("Idempotency-Key", IDEMPOTENCY_KEY),),
                problem=False,
                content_type="application/json",
                store_may_change=True,
            ),
        ),
    ),
]
# fmt: on

# fmt: off
EXTRACT_CASES = [
    post("extract-3-7-mb-paragraph", "/extract", lambda _: article_paragraph(), PLAIN, 413, limit=ARTICLE, budget=BOMB),
    post("extract-3-7-mb-paragraph-chunked", "/extract", lambda _: _chunks(article_paragraph()), PLAIN, 413, limit=ARTICLE, budget=BOMB),
    post("extract-100000-sentences", "/extract", lambda _: article_sentences(), PLAIN, 413, limit=ARTICLE, budget=BOMB),
    post("extract-400000-characters", "/extract", b"x" * 400_000, PLAIN, 413, limit=ARTICLE, budget=BOMB),
    post("extract-not-utf-8", "/extract", b"Russia met Pakistan in Moscow \xff\xfe.", PLAIN, 400, mentions=("UTF-8",)),
    post("extract-latin-1-declared", "/extract", "Russia met Pakistan in caf\xe9s".encode("latin-1"), PLAIN + "; charset=latin-1", 415, note="declared as latin-1: refused as /validate refuses it, even when the bytes would pass as UTF-8"),
    post("extract-wrong-content-type", "/extract", b"Russia met Pakistan.", "application/json", 415),
    post("extract-empty", "/extract", b"", PLAIN, 400),
    post("extract-published-not-a-date", "/extract", b"Russia met Pakistan.", PLAIN, 422, path="/extract?published=yesterday"),
    post("extract-file-over-long", "/extract", b"Russia met Pakistan.", PLAIN, 422, path="/extract?file=" + "f" * 5000),
    post("extract-not-a-steward-token", "/extract", b"Russia met Pakistan.", PLAIN, 401, headers=(("Authorization", "Bearer not-a-steward-token-0123456789abcdef"),)),
    raw("extract-client-disconnects", "/extract", extract_client_disconnects, set(), closed_ok=True, problem=False),
]
# fmt: on

UVICORN_ANSWERS = "uvicorn answers these itself (text/plain), so problem+json cannot be asserted"
HTTP = frozenset({400, 405, 408, 411, 413, 414, 431})
# fmt: off
HTTP_CASES = [
    raw("http-request-line-1-mb", "HTTP", request_line_1mb, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-header-block-1-mb", "HTTP", header_block_1mb, HTTP, closed_ok=True, problem=False, note="httptools sets no limit on a header block (h11 refuses more than 16 KB); answered 200"),
    raw("http-header-with-nul", "HTTP", header_nul, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-content-length-30-digits", "HTTP", content_length_absurd, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-content-length-10-gb", "HTTP", content_length_huge, 413, limit=PAYLOAD, budget=BOMB),
    raw("http-content-length-negative", "HTTP", content_length_negative, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-content-length-and-chunked", "HTTP", content_length_and_chunked, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-two-content-lengths", "HTTP", two_content_lengths, HTTP, closed_ok=True, problem=False, note=UVICORN_ANSWERS),
    raw("http-slow-body-then-close", "HTTP", slow_body_then_close, HTTP | {499}, closed_ok=True, problem=False, note="nobody reads the answer; the server log must not call it an incident"),
]
# fmt: on


def _anonymous_validations() -> tuple[Case, ...]:
    """Three anonymous /validate requests (an empty batch: 400 after the rate check, or 429)."""
    return tuple(
        post(f"rate-anonymous-{n}", "/validate", b"", TURTLE, {400, 429}, server="rate")
        for n in (1, 2, 3)
    )


# fmt: off
RATE_CASES = [
    post("rate-fourth-anonymous-validate", "/validate", b"", TURTLE, 429, server="rate", setup=_anonymous_validations(), response_headers=("retry-after",), mentions=(RATE,)),
    post("rate-anonymous-extract-after-the-limit", "/extract", b"Russia met Pakistan.", PLAIN, 429, server="rate", setup=_anonymous_validations(), response_headers=("retry-after",), mentions=(RATE,)),
    post("rate-steward-is-not-limited", "/validate", EX.encode(), TURTLE, 200, auth=True, server="rate", setup=_anonymous_validations(), problem=False, content_type="application/json"),
    post("rate-non-steward-token-is-not-anonymous", "/validate", EX.encode(), TURTLE, 401, server="rate", setup=_anonymous_validations(), headers=(("Authorization", "Bearer not-a-steward-token-0123456789abcdef"),)),
]
# fmt: on

CASES: list[Case] = [
    *SPARQL_CASES,
    *LOOKUP_CASES,
    *VALIDATE_CASES,
    *BATCH_CASES,
    *EXTRACT_CASES,
    *HTTP_CASES,
    *RATE_CASES,
]


def by_name() -> dict[str, Case]:
    return {case.name: case for case in CASES}


_names = [case.name for case in CASES]
assert len(_names) == len(set(_names)), "case names must be unique"
assert all(case.setup == () or all(not s.setup for s in case.setup) for case in CASES)
