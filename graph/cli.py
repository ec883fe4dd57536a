"""The ``actorgraph`` command: a thin layer over the library, with readable output.

User errors print a message (file, line, what to do) and exit with a code, never a traceback:

* 1 — the data does not conform to the shapes;
* 2 — malformed input (with file, line and column), or a query the guard refuses (an update,
  SERVICE…: the words of the API);
* 3 — the store: missing, in use by another process, not writable, damaged (or another problem);
* 4 — a bad setting (ACTORGRAPH_…), named with what is wrong;
* 5 — ``serve`` cannot listen on its address (in use, or not allowed);
* 130 — interrupted.

Beside a running ``actorgraph serve`` (docs/decisions/20261205-cli-beside-the-server.md), the
read commands read its newest checkpoint and say so on stderr, and ``commit``/``retract`` go
through its API with the token of ACTORGRAPH_TOKEN, or say what to run (:mod:`graph.beside`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.errors import (
    ActorGraphError,
    InvalidInput,
    QueryRefused,
    StoreLocked,
    StoreUnavailable,
    ValidationFailed,
)
from graph.settings import Settings
from graph.store import QueryKind, QueryResult, RDFFormat, ResultsFormat, Store, Term

if TYPE_CHECKING:
    from rdflib import Graph

    from graph.batches import Steward
    from graph.beside import Server
    from graph.validate import Result

__all__ = ["app", "main"]

app = typer.Typer(
    help="actorgraph: a knowledge graph of political actors and their relationships, from news articles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Messages and data are printed with rich's markup for our own colours only: every text from
# the user or the data goes through `escape` ("[bold]" in a literal stays text), and emoji codes
# are off (rich would turn the ":date:" of "xsd:date: …" into a calendar).
out = Console(emoji=False)
err = Console(stderr=True, emoji=False)

StoreOpt = Annotated[
    Path | None,
    typer.Option(
        "--store", help="Store directory (default: ACTORGRAPH_STORE_PATH or ./data/store)."
    ),
]


def _settings(store: Path | None = None) -> Settings:
    settings = Settings()
    if store is not None:
        settings = settings.model_copy(update={"store_path": store})
    return settings


def _must_exist(path: Path) -> None:
    if not path.is_dir():
        raise StoreUnavailable(f"there is no store at {path}: run `actorgraph build` first")


@contextlib.contextmanager
def _reading(settings: Settings) -> Iterator[Store]:
    """The store for a read command: itself, or (while a server holds it) the server's newest
    checkpoint, said on stderr."""
    from graph.beside import reading

    _must_exist(settings.store_path)
    with reading(settings.store_path) as found:
        if found.checkpoint is not None:
            err.print(escape(found.describe()), highlight=False, soft_wrap=True)
        yield found.store


def _writer(settings: Settings, locked_hint: str) -> Store | tuple[Server, str]:
    """The store for ``commit``/``retract``, or the running server that holds it and the token
    to send it. ``locked_hint`` is what to run instead, when neither can be used
    (``{url}`` and ``{pid}`` filled in)."""
    from graph.beside import running_server

    path = settings.store_path
    _must_exist(path)
    try:
        return Store.open(path)
    except StoreLocked as exc:
        server = running_server(path)
        token = settings.client_token
        if server is not None and token is not None:
            return server, token
        if server is None:
            hint = locked_hint.format(url="http://HOST:PORT", pid="its process")
            raise StoreLocked(
                f"the store at {path} is in use by another process, not a server that announced "
                "itself (another command, or a server started without `actorgraph serve`): wait "
                f"for it to finish and run this again, or, if it is a server, {hint}"
            ) from exc
        raise StoreLocked(
            f"the store at {path} is in use by {server.describe()}: set ACTORGRAPH_TOKEN to a "
            f"steward token of that server and run this again, or "
            f"{locked_hint.format(url=server.url, pid=server.pid)}"
        ) from None


# ---------------------------------------------------------------------------- build


@app.command()
def build(
    store: StoreOpt = None,
    seeds: Annotated[
        Path | None, typer.Option(help="Seeds directory (default: the project's seeds/).")
    ] = None,
) -> None:
    """Build the graph from the seed articles and annotations (all or nothing)."""
    from graph.build import build as run_build

    settings = _settings(store)
    seeds_path = seeds or settings.seeds_path
    started = time.perf_counter()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)
        try:
            target = Store.open(settings.store_path)
        except StoreLocked as exc:
            raise _held(exc, settings.store_path, "a build replaces the graphs it serves") from None
        result = run_build(
            seeds_path, target, step=lambda msg: progress.update(task, description=msg)
        )
    table = Table(title=escape(f"Built {settings.store_path} from {seeds_path}"), show_lines=False)
    table.add_column("named graph")
    table.add_column("triples", justify="right")
    from graph.query import compact

    for name, n in result.graphs.items():
        table.add_row(escape(compact(name)), str(n))
    table.add_row("[bold]total", f"[bold]{result.triples}")
    out.print(table)
    out.print(f"SHACL: conforms ({time.perf_counter() - started:.1f} s)")


# ---------------------------------------------------------------------------- query


class QueryFormat(StrEnum):
    table = "table"
    json = "json"
    xml = "xml"
    csv = "csv"
    tsv = "tsv"
    turtle = "turtle"
    ntriples = "ntriples"
    jsonld = "jsonld"


@app.command()
def query(
    sparql: Annotated[str | None, typer.Argument(help="The SPARQL query (or use --file).")] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="Read the query from a file ('-' for stdin)."),
    ] = None,
    fmt: Annotated[
        QueryFormat, typer.Option("--format", help="Output format.")
    ] = QueryFormat.table,
    store: StoreOpt = None,
) -> None:
    """Run a SPARQL query over the union of all graphs (prefixes ag:, id:, sem:, … are predeclared)."""
    from graph.query import run

    if (sparql is None) == (file is None):
        raise InvalidInput(
            "give the query either as an argument or with --file, not both or neither"
        )
    text = (
        (sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8"))
        if file
        else sparql
    )
    assert text is not None
    settings = _settings(store)
    with _reading(settings) as target:
        try:
            result = run(
                target,
                text,
                max_length=settings.max_query_length,
                max_depth=settings.max_nesting_depth,
            )
        except InvalidInput as exc:
            raise _in_query(exc, text, None if file is None or str(file) == "-" else file) from None
        _print_result(result, fmt)


def _print_result(result: QueryResult, fmt: QueryFormat) -> None:
    if result.kind is QueryKind.GRAPH:
        rdf = {
            "json": RDFFormat.JSONLD,
            "jsonld": RDFFormat.JSONLD,
            "ntriples": RDFFormat.NTRIPLES,
        }.get(fmt.value, RDFFormat.TURTLE)
        sys.stdout.write(result.serialize(rdf).decode("utf-8"))
        return
    if fmt is QueryFormat.table:
        if result.kind is QueryKind.ASK:
            out.print("yes" if result.boolean() else "no")
            return
        table = Table(show_lines=False)
        for v in result.variables:
            table.add_column(escape(v), overflow="fold")
        n = 0
        for row in result.rows():
            table.add_row(*(_cell(row[v]) if v in row else "" for v in result.variables))
            n += 1
        out.print(table)
        err.print(f"{n} row{'s' if n != 1 else ''}")
        return
    by_key = {f.key: f for f in ResultsFormat}
    if fmt.value not in by_key:
        raise InvalidInput(
            f"--format {fmt.value} is for CONSTRUCT/DESCRIBE; use table, json, xml, csv or tsv"
        )
    sys.stdout.write(result.serialize(by_key[fmt.value]).decode("utf-8"))


def _in_query(exc: InvalidInput, text: str, file: Path | None) -> InvalidInput:
    """A syntax error in a query, named after its file, with the line and a caret under the
    column (the API's answer carries the same message, line and column)."""
    from graph.sparql_syntax import excerpt

    shown = excerpt(text, exc.line, exc.column)
    return InvalidInput(
        exc.message + (f"\n{shown}" if shown else ""),
        source=str(file) if file is not None else exc.source,
        line=exc.line,
        column=exc.column,
    )


def _cell(term: Term, limit: int = 160) -> str:
    """A table cell: the compact form, shortened (the other formats give the full text)."""
    from graph.query import compact

    text = compact(term)
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


# ---------------------------------------------------------------------------- validate

_EXTENSIONS = {
    ".ttl": RDFFormat.TURTLE,
    ".nt": RDFFormat.NTRIPLES,
    ".nq": RDFFormat.NQUADS,
    ".trig": RDFFormat.TRIG,
    ".jsonld": RDFFormat.JSONLD,
    ".json": RDFFormat.JSONLD,
    ".rdf": RDFFormat.RDFXML,
    ".owl": RDFFormat.RDFXML,
    ".xml": RDFFormat.RDFXML,
}


def format_for(path: Path) -> RDFFormat:
    """The RDF format of a file, from its extension."""
    try:
        return _EXTENSIONS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(_EXTENSIONS))
        raise InvalidInput(
            f"cannot tell the RDF format of {path.name}: use one of {known}"
        ) from None


@app.command()
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(help="RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)."),
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="Report as 'text', 'json' or 'turtle'.")
    ] = "text",
    against_store: Annotated[
        bool,
        typer.Option(
            "--against-store",
            help="Validate the files as one batch in the context of the store (as `commit` and "
            "POST /validate do): they may refer to actors, articles and accusations in the graph.",
        ),
    ] = False,
    store: StoreOpt = None,
) -> None:
    """Validate RDF files against the shapes. Exit 1 if they do not conform, 2 if malformed."""
    import json

    from rdflib import Graph

    from graph.validate import validate as shacl

    data = Graph()
    for path in files:  # strictly, as a batch is read: both ways agree on what is malformed
        for t in _read_batch(path, _settings(store)):
            data.add(t)
    counts = ""
    if against_store:
        from graph.batches import check_batch

        with _reading(_settings(store)) as target:
            check = check_batch(target, data)
        report = check.report
        counts = (
            f" ({check.new_triples} new; {len(check.derived)} derived edges, "
            f"{check.new_edges} new; {check.focus_nodes} nodes validated in the context of the store)"
        )
        json_report = check.to_json()
    else:
        from graph.reports import complete_reports

        report = shacl(data + complete_reports(data))  # as a batch: each evidence its report
        json_report = report.to_json()
    if fmt == "json":
        sys.stdout.write(json.dumps(json_report, indent=2) + "\n")
    elif fmt == "turtle":
        sys.stdout.write(report.to_turtle())
    elif report.conforms:
        out.print(f"[green]Conforms[/green]: {len(data)} triples in {len(files)} file(s){counts}")
    else:
        _problems(report.results)
    if not report.conforms:
        raise typer.Exit(1)


def _problems(results: list[Result]) -> None:
    """The results as a table; IRIs of the project's namespaces in their short form."""
    from rdflib import URIRef

    from graph.query import compact

    def short(text: str | None) -> str:
        return compact(URIRef(text)) if text and text.startswith("http") else text or ""

    table = Table(title=f"{len(results)} problem(s)", show_lines=True)
    for col in ("severity", "focus node", "path", "value", "message"):
        table.add_column(col, overflow="fold")
    for r in results:
        cells = (r.severity, short(r.focus_node), r.result_path or "", short(r.value), r.message)
        table.add_row(*(escape(c) for c in cells))
    out.print(table)


def _is_review(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def _read_review(path: Path, settings: Settings) -> Graph:
    """A review file (``actorgraph ingest``) as the batch it makes, against the store's actors."""
    from graph.extract.gazetteer import Gazetteer
    from graph.ingest import read_review

    with _reading(settings) as target:
        known = Gazetteer.from_store(target, standard=False)
    return read_review(path, known)


def _read_batch(path: Path, settings: Settings | None = None) -> Graph:
    """A file parsed as a steward's batch (strictly: no base IRI, no ill-typed literal), or a
    review file (YAML, from ``actorgraph ingest``) read against the store's actors."""
    from graph.batches import parse_batch

    if _is_review(path):
        return _read_review(path, settings or _settings())
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}", source=str(path)) from None
    return parse_batch(raw, format_for(path), source=str(path))


# ---------------------------------------------------------------------------- stewards


def _steward(name: str | None) -> Steward:
    import getpass

    from graph.batches import Steward

    who = name or getpass.getuser()
    return Steward(name=who, credential=f"cli-{who}")


@app.command()
def commit(
    file: Annotated[
        Path,
        typer.Argument(
            help="The batch: an RDF file (Turtle, TriG, JSON-LD…), or a review file "
            "(NAME.review.yaml, from `actorgraph ingest`): the article and its reviewed events."
        ),
    ],
    source: Annotated[
        str | None, typer.Option(help="Where the triples come from (a URL, a tool, a person).")
    ] = None,
    comment: Annotated[
        str | None, typer.Option(help="Why, or anything a reviewer should know.")
    ] = None,
    steward: Annotated[
        str | None,
        typer.Option(
            help="Who commits (default: your login name; through a server: the token's name)."
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Validate a batch against the store and commit it as one unit (exit 1 if it does not
    conform). While a server holds the store, through its API (token: ACTORGRAPH_TOKEN)."""
    import shlex
    from urllib.parse import urlencode

    from graph.batches import commit_batch

    settings = _settings(store)
    batch = _read_batch(file, settings)  # malformed input is told here, before a server is asked
    if _is_review(file):
        fmt, body = RDFFormat.TURTLE, batch.serialize(format="turtle", encoding="utf-8")
    else:
        fmt, body = format_for(file), file.read_bytes()
    query = urlencode({k: v for k, v in (("source", source), ("comment", comment)) if v})
    curl = (
        f"send it yourself: curl -X POST '{{url}}/batches{'?' + query if query else ''}' "
        f"-H 'Authorization: Bearer <token>' -H 'Content-Type: {fmt.media_type}' "
        f"--data-binary @{shlex.quote(str(file))} — or stop the server (kill {{pid}}) and run "
        "this again"
    )
    target = _writer(settings, curl)
    if not isinstance(target, Store):
        _commit_through(*target, file, body, fmt, source=source, comment=comment, steward=steward)
        return
    try:
        info = commit_batch(
            target, batch, steward=_steward(steward), source=source, comment=comment
        )
    except ValidationFailed as exc:
        _problems(exc.report.results)
        err.print(f"[red]Does not conform[/red]: nothing was written ({escape(str(file))})")
        raise typer.Exit(1) from None
    finally:
        target.close()
    _committed(info.id, info.iri, info.submitted, info.new_triples, info.derived_edges)


def _committed(
    batch_id: str, iri: str, submitted: int, new: int, edges: int, via: str = ""
) -> None:
    out.print(
        f"[green]Committed[/green] batch {escape(batch_id)}: {submitted} triples ({new} new) and "
        f"{edges} derived edges into <{escape(iri)}>{escape(via)}"
    )


def _commit_through(
    server: Server,
    token: str,
    file: Path,
    body: bytes,
    fmt: RDFFormat,
    *,
    source: str | None,
    comment: str | None,
    steward: str | None,
) -> None:
    """``commit`` through the running server: POST /batches, its answer in the local words."""
    from graph.beside import send

    status, answer = send(
        server,
        "POST",
        "/batches",
        token=token,
        query={"source": source, "comment": comment},
        body=body,
        headers={"Content-Type": fmt.media_type, **({"X-Steward": steward} if steward else {})},
    )
    if status in (200, 201):
        _committed(
            str(answer.get("id")), str(answer.get("iri")), int(answer.get("submitted", 0)),
            int(answer.get("new_triples", 0)), int(answer.get("derived_edges", 0)),
            f" (through {server.describe()})",
        )  # fmt: skip
        return
    if status == 422 and isinstance(answer.get("report"), dict):
        _problems(_results(answer["report"]))
        err.print(f"[red]Does not conform[/red]: nothing was written ({escape(str(file))})")
        raise typer.Exit(1)
    raise _answer_error(server, status, answer, source=str(file))


def _results(report: dict[str, object]) -> list[Result]:
    """The results of a report the API answered with."""
    from graph.validate import Result

    results = report.get("results")
    return (
        [Result(**r) for r in results if isinstance(r, dict)] if isinstance(results, list) else []
    )


def _answer_error(
    server: Server, status: int, answer: dict[str, object], *, source: str | None = None
) -> ActorGraphError:
    """A problem+json answer of the running server as the error the local command would raise."""
    from graph.errors import Conflict, LimitExceeded, NotFound

    detail = str(answer.get("detail") or answer.get("title") or f"status {status}")
    if status == 400:
        line, column = answer.get("line"), answer.get("column")
        return InvalidInput(
            detail,
            source=source,
            line=line if isinstance(line, int) else None,
            column=column if isinstance(column, int) else None,
        )
    if status == 404:
        return NotFound(detail)
    if status == 409:
        return Conflict(detail)
    if status == 413:
        allowed = answer.get("allowed")
        return LimitExceeded(
            detail,
            limit=str(answer.get("limit", "")),
            allowed=allowed if isinstance(allowed, int | float) else None,
        )
    if status in (401, 403):
        return ActorGraphError(
            f"{server.describe()} refused the token ({detail}): set ACTORGRAPH_TOKEN to a "
            "steward token of that server (the secret of one of its ACTORGRAPH_STEWARD_TOKENS)"
        )
    return ActorGraphError(f"{server.describe()} answered {status}: {detail}")


@app.command()
def retract(
    batch_id: Annotated[
        str, typer.Argument(metavar="ID", help="The batch id (see `actorgraph batches`).")
    ],
    comment: Annotated[str | None, typer.Option(help="Why the batch is retracted.")] = None,
    steward: Annotated[
        str | None,
        typer.Option(
            help="Who retracts (default: your login name; through a server: the token's name)."
        ),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Retract a batch and the edges derived only from it, in one transaction (logged). While a
    server holds the store, through its API (token: ACTORGRAPH_TOKEN)."""
    from urllib.parse import quote, urlencode

    from graph.batches import retract_batch
    from graph.errors import RetractionRefused

    path = f"/batches/{quote(batch_id, safe='')}"
    query = urlencode({"comment": comment}) if comment else ""
    curl = (
        f"run: curl -X DELETE '{{url}}{path}{'?' + query if query else ''}' "
        "-H 'Authorization: Bearer <token>' — or stop the server (kill {pid}) and run this again"
    )
    target = _writer(_settings(store), curl)
    if not isinstance(target, Store):
        server, token = target
        status, answer = _send_retraction(server, token, path, comment, steward)
        if status == 200:
            _retracted(
                batch_id, int(answer.get("removed_triples", 0)), int(answer.get("gone_triples", 0)),
                f" (through {server.describe()})",
            )  # fmt: skip
            return
        if status == 409 and isinstance(answer.get("report"), dict):
            _problems(_results(answer["report"]))
            err.print(
                f"[red]Refused[/red]: {escape((str(answer.get('detail', '')).splitlines() or [''])[0])}"
            )
            raise typer.Exit(1)
        raise _answer_error(server, status, answer)
    try:
        done = retract_batch(target, batch_id, steward=_steward(steward), comment=comment)
    except RetractionRefused as exc:
        _problems(exc.report.results)
        err.print(f"[red]Refused[/red]: {escape(exc.message.splitlines()[0])}")
        raise typer.Exit(1) from None
    finally:
        target.close()
    _retracted(batch_id, done.removed, done.gone)


def _send_retraction(
    server: Server, token: str, path: str, comment: str | None, steward: str | None
) -> tuple[int, dict[str, Any]]:
    from graph.beside import send

    headers = {"X-Steward": steward} if steward else {}
    return send(server, "DELETE", path, token=token, query={"comment": comment}, headers=headers)


def _retracted(batch_id: str, removed: int, gone: int, via: str = "") -> None:
    out.print(
        f"[green]Retracted[/green] batch {escape(batch_id)}: {removed} triples removed from its "
        f"graph, {gone} of them gone from the graph (the others are stated elsewhere too)"
        f"{escape(via)}"
    )


def _held(exc: StoreLocked, path: Path, why: str) -> StoreLocked:
    """The store is held: by an announced server (named, with how to stop it), or by another
    process."""
    from graph.beside import running_server

    server = running_server(path)
    if server is None:
        return exc
    return StoreLocked(
        f"the store at {path} is in use by {server.describe()}: stop it first (Ctrl-C in its "
        f"terminal, or kill {server.pid}); {why}"
    )


@app.command()
def batches(store: StoreOpt = None) -> None:
    """List the committed and retracted batches."""
    from graph.batches import list_batches

    table = Table(title="batches")
    table.add_column("id", no_wrap=True)
    for col in ("steward", "triples (new) + edges", "source", "status"):
        table.add_column(col, overflow="fold")
    with _reading(_settings(store)) as target:
        found = list_batches(target)
    for b in found:
        status = f"retracted by {b.retracted_by}" if b.retracted_at else "committed"
        counts = f"{b.submitted} ({b.new_triples}) + {b.derived_edges}"
        table.add_row(*(escape(c) for c in (b.id, b.steward, counts, b.source or "", status)))
    out.print(table)


# ---------------------------------------------------------------------------- extract


class ExtractFormat(StrEnum):
    turtle = "turtle"
    json = "json"


def _article_and_day(article: Path, published: str | None) -> tuple[str, dt.date | None]:
    """An article's text (a file, or stdin for '-') and its --published date, for `extract` and
    `ingest` alike.

    Raises:
        InvalidInput: the file cannot be read, is not UTF-8, or the date is not YYYY-MM-DD.
    """
    try:
        raw = sys.stdin.buffer.read() if str(article) == "-" else article.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {article}: {exc.strerror}", source=str(article)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{article} is not UTF-8: {exc}", source=str(article)) from None
    if published is None:
        return text, None
    try:
        return text, dt.date.fromisoformat(published)
    except ValueError:
        raise InvalidInput(f"--published {published!r} is not a date YYYY-MM-DD") from None


@app.command()
def extract(
    article: Annotated[Path, typer.Argument(help="The article as UTF-8 text ('-' for stdin).")],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to a file instead of stdout.")
    ] = None,
    fmt: Annotated[
        ExtractFormat, typer.Option("--format", help="Turtle (to validate and commit) or JSON.")
    ] = ExtractFormat.turtle,
    published: Annotated[
        str | None,
        typer.Option(help="Publication date YYYY-MM-DD (default: printed in the article, if any)."),
    ] = None,
    actors: Annotated[
        bool,
        typer.Option(
            "--actors/--no-actors",
            help="Describe the actors referred to (kind, label), so the file validates alone.",
        ),
    ] = True,
    store: StoreOpt = None,
) -> None:
    """Propose candidate actors and events from a news article (never writes to the store)."""
    import json

    from graph.extract import Extractor
    from graph.extract.output import to_json, to_turtle

    text, day = _article_and_day(article, published)
    settings = _settings(store)
    extractor = None
    if settings.store_path.is_dir() and any(settings.store_path.iterdir()):
        try:
            with _reading(settings) as target:
                extractor = Extractor.for_store(target, pipeline=settings.nlp_pipeline)
            source = f"the actors of {settings.store_path}"
        except StoreUnavailable as exc:
            err.print(f"[yellow]{escape(str(exc))}[/yellow]: using the seed registry instead")
    if extractor is None:
        source = f"the registry of {settings.seeds_path}"
        extractor = Extractor.for_seeds(settings.seeds_path, pipeline=settings.nlp_pipeline)
    name = "stdin.txt" if str(article) == "-" else article.name
    result = extractor.extract(text, file=name, published=day)
    body = (
        json.dumps(to_json(result), indent=2, ensure_ascii=False) + "\n"
        if fmt is ExtractFormat.json
        else to_turtle(result, include_actors=actors)
    )
    if output is None:
        sys.stdout.write(body)
    else:
        output.write_text(body, encoding="utf-8")
    new = sum(1 for a in result.actors.values() if a.source != "registry")
    err.print(
        escape(
            f"{len(result.candidates)} candidate event(s), {len(result.actors)} actor(s) "
            f"({new} not in the graph yet), gazetteer: {source}; pipeline: "
            f"{extractor.pipeline.description}" + (f"; wrote {output}" if output else "")
        )
    )


@app.command()
def ingest(
    article: Annotated[Path, typer.Argument(help="The article as UTF-8 text.")],
    url: Annotated[str, typer.Option(help="The address the article was published at.")],
    published: Annotated[
        str | None,
        typer.Option(help="Publication date YYYY-MM-DD (default: printed in the article, if any)."),
    ] = None,
    publisher: Annotated[
        str | None,
        typer.Option(help="The publisher's actor id (default: guessed from the URL's host)."),
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Propose the events of a new article and write them to a review file beside it (stores
    nothing). Review the file, then `actorgraph commit ARTICLE.review.yaml` stores the article and
    its events in one batch."""

    from graph.extract import Extractor
    from graph.extract.gazetteer import Gazetteer
    from graph.ingest import guess_publisher, review_path, review_text
    from graph.payloads import article_url

    url = article_url(url, source="--url")
    text, day = _article_and_day(article, published)
    settings = _settings(store)
    with _reading(settings) as target:
        gazetteer = Gazetteer.from_store(target)
    extractor = Extractor(gazetteer, pipeline=settings.nlp_pipeline)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err) as progress:
        progress.add_task(f"reading {article.name} with {extractor.pipeline.name}", total=None)
        result = extractor.extract(text, file=article.name, published=day)
    if publisher is None:
        publisher = guess_publisher(url, gazetteer)
    elif publisher not in gazetteer.entries:
        raise InvalidInput(f"--publisher {publisher!r} is not an actor of the graph")
    review = review_path(article)
    review.write_text(
        review_text(
            result,
            url=url,
            publisher=publisher,
            pipeline=extractor.pipeline.description,
            review=review,
        ),
        encoding="utf-8",
    )
    table = Table(title=f"{len(result.candidates)} candidate event(s) in {article.name}")
    for col in ("#", "type", "agent", "targets / participants", "modality", "conf.", "rule"):
        table.add_column(col, overflow="fold")
    for n, c in enumerate(result.candidates, start=1):
        others = c.participants if c.type in ("Meeting", "Conference", "PhoneCall") else c.targets
        table.add_row(
            str(n),
            c.type,
            escape(c.agent),
            escape(", ".join(o for o in others if o != c.agent)),
            c.modality or "",
            f"{c.confidence:.2f}",
            escape(c.rule),
        )
    out.print(table)
    for warning in result.warnings:
        err.print(f"[yellow]dropped[/yellow]: {escape(warning)}")
    out.print(
        f"Wrote [bold]{escape(str(review))}[/bold] (pipeline: "
        f"{escape(extractor.pipeline.description)}; publisher: {escape(publisher or 'unknown')})."
        " Nothing is stored: review it, then run "
        f"[bold]actorgraph commit {escape(str(review))}[/bold]"
    )


# ---------------------------------------------------------------------------- export, stats


class ExportFormat(StrEnum):
    turtle = "turtle"
    trig = "trig"
    nquads = "nquads"
    ntriples = "ntriples"
    jsonld = "jsonld"


@app.command()
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", help="Serialisation.")
    ] = ExportFormat.trig,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to a file instead of stdout.")
    ] = None,
    store: StoreOpt = None,
) -> None:
    """Export the whole graph (TriG, N-Quads and JSON-LD keep the named graphs; Turtle is the union)."""
    by_key = {f.key: f for f in RDFFormat}
    with _reading(_settings(store)) as target:
        data = target.dump(by_key[fmt.value])
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        err.print(f"wrote {len(data):,} bytes to {escape(str(output))}")


@app.command()
def stats(store: StoreOpt = None) -> None:
    """Counts of actors and events by class, edges by property, and triples per graph."""
    from graph.query import stats as compute

    with _reading(_settings(store)) as target:
        s = compute(target)
    for title, rows in (
        ("instances by class", s.classes),
        ("derived edges", s.edges),
        ("named graphs", s.graphs),
    ):
        table = Table(title=title)
        table.add_column("")
        table.add_column("count", justify="right")
        for name, n in rows:
            table.add_row(escape(name), str(n))
        out.print(table)
    out.print(f"{s.triples} triples in all")


# ---------------------------------------------------------------------------- bulk load


@app.command()
def load(
    files: Annotated[
        list[Path],
        typer.Argument(help="Dumps: .nt, .nq, .ttl, .trig, each optionally gzipped (.gz)."),
    ],
    store: StoreOpt = None,
    graph: Annotated[
        str | None,
        typer.Option(
            "--graph",
            help="Named graph for the triples of a triple format (default: "
            "id:graph/load/<file stem>, one per file).",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option(
            help="Validate a sample of the loaded nodes against the shapes "
            "(20 per 100,000 triples, in the context of the store) and report problems."
        ),
    ] = True,
    strict: Annotated[
        bool,
        typer.Option(help="Undo a file whose sample does not conform (exit 1)."),
    ] = False,
) -> None:
    """Bulk-load large RDF dumps, streaming, into new named graphs of their own (each file all
    or nothing). The store must not be held by a running server: stop it first."""
    from rdflib import URIRef

    from graph.load import format_of, load_file

    settings = _settings(store)
    for path in files:  # every name is checked before anything is written
        format_of(path)
        if not path.is_file():
            raise InvalidInput(f"there is no file {path}", source=str(path))
    try:
        target = Store.open(settings.store_path)
    except StoreLocked as exc:
        raise _held(
            exc,
            settings.store_path,
            "a bulk load writes the store directly (its API takes "
            "batches, not dumps): stop the server first, load, and start it again",
        ) from None
    failed = False
    try:
        for path in files:
            started = time.perf_counter()
            with Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                result = load_file(
                    target,
                    path,
                    graph=URIRef(graph) if graph else None,
                    check=check,
                    strict=strict,
                    progress=_rate(progress, path.name, started),
                )
            from graph.query import compact

            names = ", ".join(compact(g) for g in result.graphs[:5])
            more = f" and {len(result.graphs) - 5} more" if len(result.graphs) > 5 else ""
            out.print(
                escape(
                    f"{path.name}: {result.quads:,} triples in {result.seconds:.1f} s "
                    f"({result.rate:,.0f} triples/s) into {len(result.graphs)} graph(s): "
                    f"{names}{more}"
                ),
                highlight=False,
                soft_wrap=True,
            )
            if result.ontology_skipped:
                from graph.load import ONTOLOGY_SKIPPED

                out.print(
                    escape(
                        f"{result.ontology_skipped:,} ontology triples skipped: {ONTOLOGY_SKIPPED}"
                    ),
                    highlight=False,
                    soft_wrap=True,
                )
            if check:
                if result.problems:
                    failed = True
                    out.print(
                        f"[yellow]Shape check:[/yellow] {len(result.problems)} problem(s) in "
                        f"{result.checked} sampled nodes ({result.check_seconds:.1f} s; the first "
                        "few below)"
                    )
                    _problems(result.problems[:10])
                else:
                    out.print(
                        f"Shape check: {result.checked} sampled nodes conform "
                        f"({result.check_seconds:.1f} s)"
                    )
    finally:
        target.close()
    if failed:
        err.print("loaded, but the sample does not conform (use --strict to refuse such files)")


def _rate(progress: Progress, name: str, started: float) -> Callable[[int], None]:
    """A progress callback: triples so far and triples/s, on the bar of ``name``."""
    task = progress.add_task(escape(name), total=None)

    def step(n: int) -> None:
        rate = n / max(time.perf_counter() - started, 1e-9)
        progress.update(task, description=escape(f"{name}: {n:,} triples, {rate:,.0f} triples/s"))

    return step


#: Triples of a synthetic dataset per event, its share of actors and articles included
#: (measured at 100k triples; the ontology and the derived edges come on top).
TRIPLES_PER_EVENT = 45


@app.command()
def synth(
    events: Annotated[
        int,
        typer.Option(
            "--events", help="About this many events (≈ 45 triples each, plus the ontology)."
        ),
    ] = 2_000,
    output: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write (.nq, or .nq.gz to gzip).")
    ] = Path("synth.nq.gz"),
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 1,
) -> None:
    """Write a synthetic dataset (the benchmarks' generator: ontology, actors, articles, events,
    derived edges) as N-Quads, to try `actorgraph load` at scale."""
    import gzip

    from graph.load import format_of

    fmt, gz = format_of(output)
    if fmt is not RDFFormat.NQUADS:
        raise InvalidInput(f"synth writes N-Quads: name the file .nq or .nq.gz, not {output.name}")
    generator = _synth_module()
    started = time.perf_counter()
    with err.status(f"generating about {events:,} events"):
        triples = len(generator.ontology_quads()) + max(events, 1) * TRIPLES_PER_EVENT
        data = generator.dataset(triples, seed=seed)
        inner = Store(data, None, read_only=True)
        made = inner.query(
            "SELECT (COUNT(?e) AS ?n) WHERE { ?e a ?c . ?c rdfs:subClassOf* ag:PoliticalEvent }"
        )
        n_events = next(iter(made.values()))[0] or "0"
        try:
            with gzip.open(output, "wb") if gz else output.open("wb") as sink:
                data.dump(sink, format=fmt.ox_format)
        except OSError as exc:
            raise InvalidInput(f"cannot write {output}: {exc.strerror}") from None
    out.print(
        escape(
            f"wrote {len(data):,} triples ({int(n_events):,} events) to {output} "
            f"in {time.perf_counter() - started:.1f} s"
        ),
        highlight=False,
        soft_wrap=True,
    )


def _synth_module() -> Any:
    """benchmarks/synth.py, the generator (it lives beside the package, in the checkout)."""
    import importlib

    from graph.settings import PROJECT_ROOT

    try:
        return importlib.import_module("benchmarks.synth")
    except ImportError:
        if str(PROJECT_ROOT) not in sys.path:
            sys.path.insert(0, str(PROJECT_ROOT))
        try:
            return importlib.import_module("benchmarks.synth")
        except ImportError as exc:
            raise ActorGraphError(
                f"the generator benchmarks/synth.py is not here ({exc}): run this from the "
                "project's checkout"
            ) from None


# ---------------------------------------------------------------------------- serve


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    store: StoreOpt = None,
    access_log: Annotated[
        bool,
        typer.Option(
            help="Log every request (about 0.1 ms each); turn off behind a proxy that logs them."
        ),
    ] = True,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Proxies whose X-Forwarded-For names the client (comma-separated IPs, or '*'); "
            "per-client limits use that address. Only list your own reverse proxy."
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the API (SPARQL endpoint, ego networks); builds the store from seeds/ if there is
    none at the default path. Runs in the foreground until Ctrl-C."""
    import signal
    import socket

    import uvicorn

    from api.app import create_app
    from api.runtime import open_store
    from api.server import BoundedHead
    from graph.beside import announce, connectable, running_server

    settings = _settings(store)
    # Everything that can fail is tried before the server starts, so a failure is one line
    # with what to do (exit codes in the module docstring), not a traceback after "serving on".
    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        raise CannotListen(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}): is another server running "
            "there? Stop it, or choose another --port"
        ) from None
    path = settings.store_path
    if settings.store_path_is_default and (not path.exists() or not any(path.iterdir())):
        err.print(escape(f"no store at {path}: building it from {settings.seeds_path} first"))
    try:
        open_store(settings).close()
    except StoreLocked as exc:
        server = running_server(path)
        raise StoreLocked(
            f"{exc} ({server.describe()} serves it)" if server else str(exc)
        ) from None
    err.print(
        escape(
            f"serving on http://{host}:{port}  (API docs: http://{host}:{port}/docs, "
            "SPARQL: /sparql)  — Ctrl-C stops it"
        )
    )
    # After a graceful shutdown uvicorn raises the signal that stopped it again; Python's default
    # for SIGTERM would end the process before the announcement is taken back.
    signal.signal(signal.SIGTERM, _terminated)
    # announced beside the store, so that the command line can read and write beside it
    with announce(path, connectable(host, port)):
        uvicorn.run(
            create_app(settings),
            host=host,
            port=port,
            http=BoundedHead,  # a request's head is bounded too (httptools alone is not)
            log_level="info",
            access_log=access_log,
            forwarded_allow_ips=forwarded_allow_ips,
        )


def _terminated(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


class CannotListen(Exception):
    """The server's address is taken or not allowed (exit code 5)."""


# ---------------------------------------------------------------------------- entry point


def main() -> None:
    """Console entry point: map the error hierarchy to messages and exit codes."""
    from pydantic import ValidationError

    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except ValidationFailed as exc:
        err.print(f"[red]Does not conform:[/red] {escape(str(exc))}", soft_wrap=True)
        sys.exit(1)
    except InvalidInput as exc:
        err.print(f"[red]Invalid input:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except QueryRefused as exc:
        err.print(f"[red]Query refused:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except ActorGraphError as exc:
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(3)
    except ValidationError as exc:
        for line in _settings_problems(exc):
            err.print(f"[red]Bad setting:[/red] {escape(line)}", highlight=False, soft_wrap=True)
        sys.exit(4)
    except CannotListen as exc:
        err.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(5)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        # typer 0.29 vendors click (typer._click): its usage errors are not click's classes
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if isinstance(exc, click.ClickException) or (callable(show) and isinstance(exit_code, int)):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        raise


def _settings_problems(exc: Exception) -> list[str]:
    """pydantic's errors about Settings, as one line per environment variable."""
    lines = []
    for error in getattr(exc, "errors", list)():
        where = "_".join(str(p) for p in error.get("loc", ()) if isinstance(p, str))
        name = f"ACTORGRAPH_{where.upper()}" if where else "settings"
        value = error.get("input")
        shown = f" (got {value!r})" if isinstance(value, str | int | float) else ""
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{name}: {message}{shown}")
    return lines or [str(exc)]
