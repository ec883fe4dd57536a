"""Time :func:`graph.payloads.check_rdf` on 5 MB payloads, ordinary and hostile; print a table.

    python benchmarks/payloads.py            # every format and kind, best of 3 runs each
    python benchmarks/payloads.py --size 1e6 --runs 5

The checks run before any parser sees a payload, so they must stay fast on whatever a client
sends: each row is one payload of ``--size`` bytes (about), its kind, the outcome (passed, or the
error class) and the best time of ``--runs``. Ordinary payloads are realistic batches (events
with evidence, blank nodes, collections, literals holding brackets and quotes) converted with
rdflib to every format; hostile ones are bracket bombs, floods of tiny tokens, huge strings,
deep nesting at the very end of a large file (the slowest path to report a position), and a bad
UTF-8 byte at the end.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rdflib import Dataset, Graph  # noqa: E402

from graph.errors import ActorGraphError  # noqa: E402
from graph.payloads import check_rdf  # noqa: E402
from graph.store import RDFFormat  # noqa: E402

PREFIXES = """\
@prefix ag: <https://w3id.org/actorgraph/ontology#> .
@prefix actor: <https://w3id.org/actorgraph/id/actor/> .
@prefix event: <https://w3id.org/actorgraph/id/event/> .
@prefix ev: <https://w3id.org/actorgraph/id/evidence/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""

BLOCK = """\
# event {i}: a meeting [with brackets in a comment (]
event:e{i} a ag:Meeting ;
    rdfs:label "Talks number {i} [held] (in {{Moscow}}) \\"quoted\\""@en ;
    ag:agent actor:a{i} ;
    ag:participant actor:a{i}, actor:b{i} ;
    ag:quote '''A long quote with "quotes", [brackets] and (parentheses), number {i}.''' ;
    ag:evidence [ a oa:Annotation ; oa:hasTarget [ oa:hasSelector [ oa:exact "q{i}" ] ] ] ;
    ag:tags ( "a" "b" ( "c" ) ) ;
    ag:amount "{i}"^^xsd:integer .

"""


def ordinary_turtle(size: int) -> str:
    parts = [PREFIXES]
    total, i = len(PREFIXES), 0
    while total < size:
        block = BLOCK.format(i=i)
        parts.append(block)
        total += len(block.encode())
        i += 1
    return "".join(parts)


def convert(turtle: str, fmt: str) -> bytes:
    if fmt in ("trig", "nquads"):
        ds = Dataset()
        ds.graph("https://example.org/g").parse(data=turtle, format="turtle")
        return ds.serialize(format=fmt, encoding="utf-8")
    g = Graph().parse(data=turtle, format="turtle")
    if fmt == "json-ld":
        return g.serialize(
            format="json-ld",
            context={"ag": "https://w3id.org/actorgraph/ontology#"},
            encoding="utf-8",
        )
    return g.serialize(format=fmt, encoding="utf-8")


def ordinary(fmt: str, size: int) -> bytes:
    """Ordinary data converted by rdflib to ``fmt``, about ``size`` bytes once converted."""
    sample = ordinary_turtle(100_000)
    ratio = len(convert(sample, fmt)) / len(sample.encode())
    return convert(ordinary_turtle(int(size / ratio)), fmt)


def cases(size: int) -> list[tuple[str, RDFFormat, bytes]]:
    turtle = ordinary_turtle(size)
    ttl = turtle.encode()
    xml_head = b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    xml_tail = b"</rdf:RDF>"
    laughs = (
        b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        + b"".join(
            b'<!ENTITY lol%d "%s">\n' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
            for n in range(1, 10)
        )
        + b"]>\n"
        + xml_head
        + b'<rdf:Description rdf:about="http://a"><rdf:value>&lol9;</rdf:value></rdf:Description>'
        + xml_tail
    )
    out: list[tuple[str, RDFFormat, bytes]] = [
        ("ordinary", RDFFormat.TURTLE, ttl),
        ("[ bomb", RDFFormat.TURTLE, b"[" * size),
        ("<< bomb", RDFFormat.TURTLE, b"<< " * (size // 3)),
        ("[] flood (never deep)", RDFFormat.TURTLE, b"[]" * (size // 2)),
        ("<> flood (tiny IRIs)", RDFFormat.TURTLE, b"<>" * (size // 2)),
        ('"" flood (tiny strings)', RDFFormat.TURTLE, b'""' * (size // 2)),
        ("one long string", RDFFormat.TURTLE, b'<a> <b> """' + b"x[(" * (size // 3) + b'""" .'),
        (
            "long strings, escapes",
            RDFFormat.TURTLE,
            b'<a> <b> "'
            + b'\\"[\\\\' * (size // 6)
            + b'" .\n'
            + b"<a> <b> '"
            + b"\\'(" * (size // 6)
            + b"' .",
        ),
        ("comments", RDFFormat.TURTLE, b"# [[[[ ((( {{{\n" * (size // 16)),
        ("deep at the end", RDFFormat.TURTLE, ttl + b"<a> <b> " + b"[ <p> " * 100),
        ("unclosed long strings", RDFFormat.TURTLE, b"'''\"\"\"" * (size // 6)),
        ("bad UTF-8 at the end", RDFFormat.TURTLE, ttl + b"# \xff\n"),
        ("ordinary", RDFFormat.TRIG, ordinary("trig", size)),
        ("{ bomb", RDFFormat.TRIG, b"{" * size),
        ("ordinary", RDFFormat.NTRIPLES, ordinary("nt", size)),
        ("<<( bomb", RDFFormat.NTRIPLES, b"<a> <b> " + b"<<( <a> <b> " * (size // 12)),
        ("ordinary", RDFFormat.NQUADS, ordinary("nquads", size)),
        ("ordinary", RDFFormat.JSONLD, ordinary("json-ld", size)),
        ("[ bomb", RDFFormat.JSONLD, b"[" * size),
        ("[] flood (never deep)", RDFFormat.JSONLD, b"[" + b"[]," * (size // 3) + b"[]]"),
        ("{} flood", RDFFormat.JSONLD, b"[" + b"{}," * (size // 3) + b"{}]"),
        (
            "inline @context flood",
            RDFFormat.JSONLD,
            b"[" + b'{"@context":{}},' * (size // 16) + b"{}]",
        ),
        ("number flood", RDFFormat.JSONLD, b"[" + b"1," * (size // 2) + b"1]"),
        ("one long string", RDFFormat.JSONLD, b'{"@id": "' + b'x[{\\"' * (size // 6) + b'"}'),
        (
            "deep at the end",
            RDFFormat.JSONLD,
            b'[{"a":"b"},' * (size // 12) + b"[" * 100 + b"]" * 100 + b"]",
        ),
        (
            "remote @context at the end",
            RDFFormat.JSONLD,
            b"[" + b"{}," * (size // 3) + b'{"@context": "http://127.0.0.1:1/c"}]',
        ),
        ("ordinary", RDFFormat.RDFXML, ordinary("xml", size)),
        ("flat <a/> flood", RDFFormat.RDFXML, xml_head + b"<a/>" * (size // 4) + xml_tail),
        ("deep bomb", RDFFormat.RDFXML, xml_head + b"<a>" * (size // 3)),
        ("one long text", RDFFormat.RDFXML, xml_head + b"<a>" + b"x" * size + b"</a>" + xml_tail),
        ("billion laughs", RDFFormat.RDFXML, laughs),
        (
            "DOCTYPE at the end",
            RDFFormat.RDFXML,
            xml_head + b"<a/>" * (size // 4) + b"<!DOCTYPE x>",
        ),
    ]
    return out


def best_of(runs: int, check: Callable[[], None]) -> tuple[float, float, str]:
    """Best CPU time and best wall time of ``runs``, and the outcome. CPU time is the figure to
    read on a shared machine: other processes inflate the wall time."""
    cpu, wall, outcome = float("inf"), float("inf"), "passed"
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        try:
            check()
        except ActorGraphError as exc:
            outcome = type(exc).__name__
        cpu = min(cpu, time.process_time() - start_cpu)
        wall = min(wall, time.perf_counter() - start_wall)
    return cpu, wall, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=5e6, help="bytes per payload (about)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-depth", type=int, default=64)
    args = parser.parse_args()
    print(f"{'format':<9} {'payload':<28} {'MB':>5} {'outcome':<14} {'CPU s':>6} {'wall s':>6}")
    for kind, fmt, data in cases(int(args.size)):
        cpu, wall, outcome = best_of(
            args.runs,
            lambda: check_rdf(data, fmt, max_depth=args.max_depth),  # noqa: B023
        )
        mb = len(data) / 1e6
        print(f"{fmt.key:<9} {kind:<28} {mb:>5.2f} {outcome:<14} {cpu:>6.3f} {wall:>6.3f}")


if __name__ == "__main__":
    main()
