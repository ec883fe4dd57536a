"""Bulk load (``actorgraph load``, :mod:`graph.load`) on real stores in temporary directories."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import URIRef

from graph.build import ACTORS_GRAPH, ONTOLOGY_GRAPH, build
from graph.errors import InvalidInput, ValidationFailed
from graph.load import Refused, default_graph_for, format_of, load_file
from graph.namespaces import AG, graph_iri
from graph.settings import PROJECT_ROOT
from graph.store import RDFFormat, Store

TTL = """@prefix ex: <https://example.org/> .
ex:a ex:p "one" ; ex:q ex:b .
ex:b ex:p "two" .
"""


def actorgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graph", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "HOME": str(PROJECT_ROOT)},
    )


@pytest.fixture(scope="module")
def seed_dump(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    """The seed build exported as gzipped N-Quads; its quads, and its ontology's."""
    built = Store.memory()
    build(PROJECT_ROOT / "seeds", built)
    path = tmp_path_factory.mktemp("dump") / "seed.nq.gz"
    path.write_bytes(gzip.compress(built.dump(RDFFormat.NQUADS)))
    return path, len(built), built.graph_size(ONTOLOGY_GRAPH)


def test_formats_and_graph_names() -> None:
    assert format_of(Path("x/dump.nq.gz")) == (RDFFormat.NQUADS, True)
    assert format_of(Path("a.TTL")) == (RDFFormat.TURTLE, False)
    assert default_graph_for(Path("my dump.nt.gz")) == graph_iri("load", "my-dump")
    with pytest.raises(InvalidInput, match=r"\.trig\[\.gz\]"):
        format_of(Path("a.rdf"))


def test_gzipped_nquads_dump_into_a_fresh_store(
    tmp_path: Path, seed_dump: tuple[Path, int, int]
) -> None:
    path, quads, ontology = seed_dump
    store = Store.open(tmp_path / "store")
    result = load_file(store, path, check=True)
    assert result.quads == quads - ontology == len(store)
    assert result.ontology_skipped == ontology > 0
    assert ONTOLOGY_GRAPH not in store.named_graphs() and ACTORS_GRAPH in store.named_graphs()
    assert result.checked >= 1 and result.problems == []


def test_turtle_into_its_own_graph(tmp_path: Path) -> None:
    ttl = tmp_path / "extra.ttl"
    ttl.write_text(TTL)
    store = Store.open(tmp_path / "store")
    result = load_file(store, ttl, check=False)
    assert result.quads == 3 and result.graphs == [graph_iri("load", "extra")]
    assert store.graph_size(graph_iri("load", "extra")) == 3
    other = URIRef("https://example.org/graph")
    load_file(store, ttl, graph=other, check=False)
    assert store.graph_size(other) == 3


def test_existing_graphs_are_refused_and_nothing_stays(
    tmp_path: Path, seed_dump: tuple[Path, int, int]
) -> None:
    store = Store.open(tmp_path / "store")
    build(PROJECT_ROOT / "seeds", store)
    before = len(store)
    with pytest.raises(Refused, match="seed graph"):
        load_file(store, seed_dump[0], check=False)
    assert len(store) == before
    ttl = tmp_path / "x.ttl"
    ttl.write_text(TTL)
    with pytest.raises(Refused, match="ontology"):
        load_file(store, ttl, graph=ONTOLOGY_GRAPH, check=False)
    load_file(store, ttl, check=False)
    with pytest.raises(Refused, match="holds triples already"):
        load_file(store, ttl, check=False)  # loading twice would merge into the first
    assert len(store) == before + 3


def test_bookkeeping_graphs_are_refused(tmp_path: Path) -> None:
    nq = tmp_path / "audit.nq"
    nq.write_text(
        "<https://example.org/a> <https://example.org/p> <https://example.org/b> "
        f"<{graph_iri('load', 'fine')}> .\n"
        "<https://example.org/a> <https://example.org/p> <https://example.org/c> "
        f"<{graph_iri('audit')}> .\n"
    )
    store = Store.open(tmp_path / "store")
    with pytest.raises(Refused, match="bookkeeping"):
        load_file(store, nq, check=False)
    assert len(store) == 0


def test_malformed_file_says_where_and_loads_nothing(tmp_path: Path) -> None:
    lines = [
        f'<https://example.org/s{i}> <https://example.org/p> "{i}" <{graph_iri("load", "g")}> .'
        for i in range(30_000)
    ]
    lines[25_000] = "<https://example.org/broken> <https://example.org/p> ."
    nq = tmp_path / "broken.nq.gz"
    nq.write_bytes(gzip.compress("\n".join(lines).encode()))
    store = Store.open(tmp_path / "store")
    with pytest.raises(InvalidInput) as caught:
        load_file(store, nq, check=False)
    assert caught.value.line == 25_001 and caught.value.column is not None
    assert len(store) == 0 and store.named_graphs() == []


def test_cli_synth_load_and_messages(tmp_path: Path) -> None:
    dump = tmp_path / "synth.nq.gz"
    made = actorgraph("synth", "--events", "50", "--out", str(dump))
    assert made.returncode == 0, made.stderr
    assert "triples" in made.stdout and "events" in made.stdout and dump.exists()
    store = tmp_path / "store"
    done = actorgraph("load", str(dump), "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert "triples/s" in done.stdout and "ontology triples skipped" in done.stdout
    assert "sampled nodes conform" in done.stdout
    broken = tmp_path / "bad.ttl"
    broken.write_text("<https://example.org/a> <https://example.org/p> .\n")
    failed = actorgraph("load", str(broken), "--store", str(store))
    assert failed.returncode == 2
    assert "bad.ttl" in failed.stderr and ":1:" in failed.stderr
    again = actorgraph("load", str(dump), "--store", str(store), "--no-check")
    assert again.returncode == 2 and "holds triples already" in again.stderr


def test_truncated_gzip_is_invalid_input_and_loads_nothing(
    tmp_path: Path, seed_dump: tuple[Path, int, int]
) -> None:
    cut = tmp_path / "cut.nq.gz"
    data = seed_dump[0].read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    store = Store.open(tmp_path / "store")
    with pytest.raises(InvalidInput, match=r"cannot read cut\.nq\.gz"):
        load_file(store, cut, check=False)
    assert len(store) == 0


def test_shape_check_reports_and_strict_refuses(tmp_path: Path) -> None:
    ttl = tmp_path / "actors.ttl"
    ttl.write_text(f"<https://example.org/state-without-label> a <{AG.State}> .\n")
    store = Store.open(tmp_path / "store")
    result = load_file(store, ttl, check=True)
    assert result.checked == 1 and result.problems, result
    store.drop_graph_now(result.graphs[0])
    with pytest.raises(ValidationFailed, match="--strict"):
        load_file(store, ttl, check=True, strict=True)
    assert len(store) == 0
