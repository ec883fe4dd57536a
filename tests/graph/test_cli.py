"""The ``actorgraph`` command, run as a real process on a real store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import pytest

from graph.build import BuildResult
from graph.errors import InvalidInput
from graph.settings import PROJECT_ROOT
from graph.store import Store
from tests.servers import free_port, stop, wait_until_up

EXAMPLES = PROJECT_ROOT / "examples"


def actorgraph(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        input=stdin,
        cwd=PROJECT_ROOT,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT)},
    )


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "store"
    done = actorgraph("build", "--store", str(path))
    assert done.returncode == 0, done.stderr
    assert "total" in done.stdout and "conforms" in done.stdout
    return path


def test_query_table_json_csv(store_dir: Path) -> None:
    q = "SELECT ?label WHERE { actor:russia rdfs:label ?label }"
    table = actorgraph("query", q, "--store", str(store_dir))
    assert table.returncode == 0, table.stderr
    assert "Russia" in table.stdout
    as_json = json.loads(
        actorgraph("query", q, "--format", "json", "--store", str(store_dir)).stdout
    )
    assert as_json["results"]["bindings"][0]["label"]["value"] == "Russia"
    as_csv = actorgraph("query", q, "--format", "csv", "--store", str(store_dir)).stdout
    assert as_csv.splitlines() == ["label", "Russia"]


def test_query_from_file_and_construct(store_dir: Path) -> None:
    done = actorgraph(
        "query", "-f", str(EXAMPLES / "who-accused-russia.rq"), "--store", str(store_dir)
    )
    assert done.returncode == 0, done.stderr
    assert "John Nicholson" in done.stdout
    construct = actorgraph(
        "query",
        "CONSTRUCT { ?s ag:accused actor:russia } WHERE { ?s ag:accused actor:russia }",
        "--format",
        "turtle",
        "--store",
        str(store_dir),
    )
    assert construct.returncode == 0, construct.stderr
    assert "ag:accused actor:russia" in construct.stdout or "ag:accused" in construct.stdout


def test_query_syntax_error_is_a_message_with_line_and_column(store_dir: Path) -> None:
    done = actorgraph("query", "SELECT * WHERE {\n  ?s ?p }", "--store", str(store_dir))
    assert done.returncode == 2
    assert "query:2:" in done.stderr
    assert "Traceback" not in done.stderr


QUERY_MISTAKES = [
    "SELECT * WHERE { ?s foo:bar ?o }",
    "SELEC ?s WHERE { ?s ?p ?o }",
    "SELECT * WHERE {\n  ?s ?p ?o\n  ?s ?q ?r\n}",
    "SELECT * WHERE { ?s ?p ?o ",
    "SELECT ?s WHERE { ?s ?p ?o } LIMT 3",
]


@pytest.mark.parametrize("query", QUERY_MISTAKES)
def test_a_query_mistake_is_named_as_the_api_names_it(store_dir: Path, query: str) -> None:
    """The library's sentence (the API's `detail`), after the line and column, then the line
    with a caret under the column; never the parser's character classes."""
    done = actorgraph("query", query, "--store", str(store_dir))
    assert done.returncode == 2, done.stderr
    with pytest.raises(InvalidInput) as info:
        Store.memory().query(query)
    error = info.value
    assert error.line is not None and error.column is not None
    assert f"query:{error.line}:{error.column}: {error.message}\n" in done.stderr
    source_line, caret = done.stderr.rstrip("\n").split("\n")[-2:]
    assert caret.index("^") - 2 == error.column - 1  # under the column (after a 2-space indent)
    assert source_line[2:] == query.split("\n")[error.line - 1]
    assert "\\u{" not in done.stderr and "Traceback" not in done.stderr


def test_a_query_file_names_the_file(store_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "who.rq"
    path.write_text("SELECT ?who WHERE {\n  ?e ag:agent ?who ; sme:hasTimeStamp ?d\n}\n")
    done = actorgraph("query", "-f", str(path), "--store", str(store_dir))
    assert done.returncode == 2
    assert f"{path}:2:22: the prefix `sme:`" in done.stderr
    assert "did you mean `sem:hasTimeStamp`?" in done.stderr


@pytest.mark.parametrize(
    ("query", "words"),
    [
        (
            "INSERT DATA { actor:x a ag:State }",
            "INSERT is SPARQL Update: this endpoint is read-only and runs queries only",
        ),
        ("DELETE WHERE { ?s ?p ?o }", "DELETE is SPARQL Update"),
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE is refused"),
        (
            "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }",
            "FROM <http://127.0.0.1:9/x> is not a graph of this store",
        ),
    ],
)
def test_query_refuses_what_the_api_refuses_in_its_words(
    store_dir: Path, query: str, words: str
) -> None:
    before = actorgraph("query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv",
                        "--store", str(store_dir)).stdout  # fmt: skip
    done = actorgraph("query", query, "--store", str(store_dir))
    assert done.returncode == 2, done.stderr
    assert f"Query refused: {words}" in done.stderr
    after = actorgraph("query", "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "--format", "csv",
                       "--store", str(store_dir)).stdout  # fmt: skip
    assert before == after


def test_validate_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.ttl"
    good.write_text(
        "@prefix ag: <https://w3id.org/actorgraph/ontology#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/actorgraph/id/actor/x> a ag:State ; rdfs:label "X"@en .\n'
    )
    assert actorgraph("validate", str(good)).returncode == 0
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n"
        "<https://w3id.org/actorgraph/id/actor/x> a ag:State .\n"
        "<https://w3id.org/actorgraph/id/actor/x> ag:accused <https://w3id.org/actorgraph/id/actor/y> .\n"
    )
    done = actorgraph("validate", str(bad))
    assert done.returncode == 1, done.stdout + done.stderr
    report = json.loads(actorgraph("validate", str(bad), "--format", "json").stdout)
    assert report["conforms"] is False
    malformed = tmp_path / "malformed.ttl"
    malformed.write_text(
        '@prefix ag: <https://w3id.org/actorgraph/ontology#> .\nag:x ag:y "open .\n'
    )
    done = actorgraph("validate", str(malformed))
    assert done.returncode == 2
    assert "malformed.ttl:3" in done.stderr or "malformed.ttl:2" in done.stderr
    assert "Traceback" not in done.stderr


ILL_TYPED = """\
@prefix ag: <https://w3id.org/actorgraph/ontology#> .
@prefix sem: <http://semanticweb.cs.vu.nl/2009/11/sem/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/actorgraph/id/event/x> a ag:Meeting ;
    sem:hasTimeStamp "2017-03-32"^^xsd:date .
"""


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (
            ILL_TYPED,
            ':5:22: "2017-03-32" is not a valid xsd:date: there is no such calendar day; '
            'write YYYY-MM-DD, e.g. "2017-02-10"',
        ),
        ("", ": no triples"),
        (
            "# only a comment\n@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n",
            ": no triples",
        ),
        ('<https://w3id.org/actorgraph/id/actor/x> <p> "x" .\n', ":1:42: a relative IRI"),
    ],
    ids=["ill-typed literal", "empty", "only prefixes", "relative IRI"],
)
def test_validate_agrees_with_and_without_the_store_on_malformed_files(
    store_dir: Path, tmp_path: Path, content: str, words: str
) -> None:
    """Both ways read a file as a batch is read: exit 2 and one line saying where and what,
    never a traceback nor "Conforms"; rich markup and emoji codes are printed as text
    (xsd:date, not a calendar)."""
    path = tmp_path / "batch.ttl"
    path.write_text(content)
    alone = actorgraph("validate", str(path))
    beside = actorgraph("validate", "--against-store", "--store", str(store_dir), str(path))
    for done in (alone, beside):
        assert done.returncode == 2, done.stdout + done.stderr
        assert f"Invalid input: {path}{words}" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr and "Conforms" not in done.stdout
        assert "\N{CALENDAR}" not in done.stderr
    assert alone.stderr == beside.stderr


def test_data_and_messages_are_printed_as_text_not_markup(store_dir: Path, tmp_path: Path) -> None:
    query = 'SELECT ?x WHERE { BIND("[red]alarm[/red] at xsd:date: :smile:" AS ?x) }'
    done = actorgraph("query", query, "--store", str(store_dir))
    assert done.returncode == 0, done.stderr
    assert "[red]alarm[/red] at xsd:date: :smile:" in done.stdout
    report = tmp_path / "report.ttl"
    report.write_text(
        "@prefix ag: <https://w3id.org/actorgraph/ontology#> .\n"
        '<https://w3id.org/actorgraph/id/event/x> a ag:Meeting ; ag:datePrecision "[b]week:date:" .\n'
    )
    done = actorgraph("validate", str(report))
    assert done.returncode == 1
    assert "[b]week:date:" in done.stdout
    assert (
        "\N{CALENDAR}" not in done.stdout and "\N{SMILING FACE WITH OPEN MOUTH}" not in done.stdout
    )


def test_export_and_stats(store_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "all.nq"
    done = actorgraph("export", "--format", "nquads", "-o", str(out), "--store", str(store_dir))
    assert done.returncode == 0, done.stderr
    lines = [line for line in out.read_text().splitlines() if line.strip()]
    assert all(line.endswith(" .") for line in lines)
    assert any("/graph/edges>" in line for line in lines)
    stats = actorgraph("stats", "--store", str(store_dir))
    assert stats.returncode == 0, stats.stderr
    assert "ag:Accusation" in stats.stdout and "ag:metWith" in stats.stdout


def test_missing_store_says_what_to_do(tmp_path: Path) -> None:
    done = actorgraph("stats", "--store", str(tmp_path / "nowhere"))
    assert done.returncode == 3
    assert "actorgraph build" in done.stderr


def test_export_matches_store_size(
    store_dir: Path, tmp_path: Path, built: tuple[Store, BuildResult, Path]
) -> None:
    out = tmp_path / "all.nq"
    actorgraph("export", "--format", "nquads", "-o", str(out), "--store", str(store_dir))
    n = sum(1 for line in out.read_text().splitlines() if line.strip())
    assert n == len(built[0])


def test_serve_builds_the_store_and_answers_over_http(tmp_path: Path) -> None:
    """The README's main command: `actorgraph serve` on a machine with no store yet (at the
    default path, ./data/store, as `make serve` runs it from the checkout; here from a folder of
    the test's own, with the package importable from the checkout)."""
    port = free_port()
    store, log = tmp_path / "data" / "store", tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "graph", "serve", "--port", str(port)],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)},
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, server, log)  # builds the store from the seeds first
        with urlopen(f"{base}/healthz", timeout=10) as r:
            health = json.load(r)
        assert health.get("status") == "ok", log.read_text()
        query = urlencode({"query": "ASK { actor:taliban ag:metWith actor:russia }"})
        with urlopen(f"{base}/sparql?{query}", timeout=10) as r:
            assert json.load(r) == {"head": {}, "boolean": True}
        assert (store / "CURRENT").exists()  # RocksDB's own marker: the store was built there
    finally:
        stop(server)
    assert "no store at" in log.read_text()  # it said it was building one
