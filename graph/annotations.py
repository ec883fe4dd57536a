"""Read the curated seed annotations (``seeds/*.yaml``) into typed records
(:mod:`graph.annotation_specs`) and check what no record can check alone.

The files are written and edited by data stewards, so every problem is reported with the file and
line it is on, all problems at once, in words that say what to change. The format is documented in
``seeds/README.md``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from graph.annotation_specs import (
    ACTOR_KINDS,
    DATE_BASES,
    EVENT_TYPES,
    MODALITIES,
    ActorKind,
    ActorSpec,
    AnnotationFile,
    ArticleSpec,
    ClaimSpec,
    DateSpan,
    EventSpec,
    EventType,
    MembershipSpec,
    PlaceSpec,
    RegistryFile,
    ReportSpec,
    parse_date,
)
from graph.errors import InvalidInput

__all__ = [
    "ACTOR_KINDS",
    "DATE_BASES",
    "EVENT_TYPES",
    "MODALITIES",
    "ActorKind",
    "ActorSpec",
    "AnnotationFile",
    "ArticleSpec",
    "ClaimSpec",
    "Corpus",
    "DateSpan",
    "EventSpec",
    "EventType",
    "MembershipSpec",
    "PlaceSpec",
    "Problem",
    "RegistryFile",
    "ReportSpec",
    "load_corpus",
    "parse_date",
]

# ---------------------------------------------------------------------------- YAML with lines


class _LineDict(dict[str, Any]):
    """A mapping that remembers the line of itself and of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class _LineList(list[Any]):
    line: int
    item_lines: list[int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    out = _LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[str(key)] = loader.construct_object(value_node, deep=True)
        out.key_lines[str(key)] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> _LineList:
    out = _LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def _line_of(doc: Any, loc: tuple[int | str, ...]) -> int | None:
    """The line of the value at ``loc`` (a pydantic error location) in the parsed YAML."""
    node, line = doc, getattr(doc, "line", None)
    for part in loc:
        if isinstance(node, _LineDict) and isinstance(part, str):
            if part not in node:
                return node.line
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, _LineList) and isinstance(part, int) and part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line


# ---------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return (
            f"{self.source}:{self.line}: {self.message}"
            if self.line
            else f"{self.source}: {self.message}"
        )


@dataclass(frozen=True)
class Corpus:
    """Everything under ``seeds/``: the registry, the annotation files and the article texts."""

    root: Path
    actors: dict[str, ActorSpec]
    places: dict[str, PlaceSpec]
    files: list[AnnotationFile]
    texts: dict[str, str]  # article file name → text
    raw: dict[str, bytes]  # article file name → bytes (for the hash)


def _read_yaml(path: Path, shown: str, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        column = f", column {mark.column + 1}" if mark is not None else ""
        problems.append(Problem(shown, line, f"not valid YAML{column}: {exc.problem}"))
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(shown, None, f"cannot read the file: {exc}"))
    return None


def _stamp(doc: Any, source: str) -> None:
    """Write the line and source of every record into it, so that later checks can cite them."""
    if isinstance(doc, _LineDict):
        for value in doc.values():
            if isinstance(value, _LineList):
                for item, line in zip(value, value.item_lines, strict=True):
                    if isinstance(item, _LineDict):
                        item.setdefault("line", line)
                        item.setdefault("source", source)
            elif isinstance(value, _LineDict) and "id" in value:
                value.setdefault("line", value.line)
                value.setdefault("source", source)


def _parse(model: type[BaseModel], doc: Any, shown: str, problems: list[Problem]) -> Any:
    if not isinstance(doc, _LineDict):
        problems.append(Problem(shown, None, "expected a YAML mapping at the top of the file"))
        return None
    _stamp(doc, shown)
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc)
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = f"unknown field {loc[-1]!r}: see seeds/README.md for the fields"
            elif err["type"] == "missing":
                msg = f"missing required field {loc[-1]!r}"
            elif err["type"] == "literal_error":
                msg = f"{msg} (got {err.get('input')!r})"
            elif err["type"] == "string_pattern_mismatch":
                msg = f"{err.get('input')!r} is not a valid identifier or code ({msg})"
            problems.append(Problem(shown, _line_of(doc, loc), f"{where}: {msg}"))
        return None


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def load_corpus(root: Path) -> Corpus:
    """Read and cross-check every seed file.

    Raises:
        InvalidInput: listing every problem found, each with its file and line.
    """
    problems: list[Problem] = []
    registry_path = root / "actors.yaml"
    registry = _parse(
        RegistryFile,
        _read_yaml(registry_path, "seeds/actors.yaml", problems),
        "seeds/actors.yaml",
        problems,
    )
    files: list[AnnotationFile] = []
    for path in sorted((root / "annotations").glob("*.yaml")):
        shown = f"seeds/annotations/{path.name}"
        parsed = _parse(AnnotationFile, _read_yaml(path, shown, problems), shown, problems)
        if parsed is not None:
            files.append(parsed)
    if problems:
        raise _problems_error(problems)
    assert isinstance(registry, RegistryFile)

    actors: dict[str, ActorSpec] = {}
    for spec in [*registry.actors, *(a for f in files for a in f.actors)]:
        if spec.id in actors:
            first = actors[spec.id]
            problems.append(
                Problem(
                    spec.source,
                    spec.line,
                    f"actor id {spec.id!r} is already declared at {first.source}:{first.line}",
                )
            )
        actors[spec.id] = spec
    places = {p.id: p for p in registry.places}

    texts: dict[str, str] = {}
    raw: dict[str, bytes] = {}
    seen_ids: dict[str, Problem] = {}

    def unique(kind: str, ident: str, source: str, line: int) -> None:
        key = f"{kind}:{ident}"
        if key in seen_ids:
            problems.append(
                Problem(
                    source,
                    line,
                    f"{kind} id {ident!r} is already used at {seen_ids[key].source}:{seen_ids[key].line}",
                )
            )
        seen_ids[key] = Problem(source, line, "")

    claim_ids = {c.id for f in files for c in f.claims}
    event_ids = {e.id for f in files for e in f.events}
    events_by_id = {e.id: e for f in files for e in f.events}

    def actor(ident: str | None, source: str, line: int, field: str) -> None:
        if ident is not None and ident not in actors:
            problems.append(
                Problem(
                    source,
                    line,
                    f"{field}: unknown actor {ident!r}{_suggest(ident, actors)}; declare it in seeds/actors.yaml or under `actors:`",
                )
            )

    for place in places.values():
        actor(place.country, place.source, place.line, "country")

    for f in files:
        art = f.article
        src = art.source
        unique("article", art.id, src, art.line)
        path = root / "articles" / art.file
        if not path.is_file():
            problems.append(
                Problem(src, art.line, f"article file {art.file!r} is not in seeds/articles/")
            )
        else:
            raw[art.file] = path.read_bytes()
            try:
                texts[art.file] = raw[art.file].decode("utf-8")
            except UnicodeDecodeError as exc:
                problems.append(Problem(src, art.line, f"{art.file} is not UTF-8: {exc}"))
        if (
            art.published is None
            and art.published_earliest is None
            and art.published_latest is None
        ):
            problems.append(
                Problem(
                    src,
                    art.line,
                    "article: give `published`, or `published_earliest`/`published_latest`",
                )
            )
        actor(art.publisher, src, art.line, "publisher")
        if (
            art.publisher
            and art.publisher in actors
            and actors[art.publisher].kind != "NewsOrganisation"
        ):
            problems.append(
                Problem(
                    src,
                    art.line,
                    f"publisher {art.publisher!r} is a {actors[art.publisher].kind}, not a NewsOrganisation",
                )
            )
        for cited in art.cites:
            actor(cited, src, art.line, "cites")
        for m in f.memberships:
            actor(m.member, m.source, m.line, "member")
            actor(m.organisation, m.source, m.line, "organisation")
            if m.begins and m.ends and m.begins > m.ends:
                problems.append(
                    Problem(m.source, m.line, f"from {m.begins} is after until {m.ends}")
                )
            if (m.since is not None or m.until is not None) and m.date_basis is None:
                problems.append(
                    Problem(
                        m.source,
                        m.line,
                        "a membership with `from`/`until` needs `date_basis`: say what the dates rest on",
                    )
                )
        for c in f.claims:
            unique("claim", c.id, c.source, c.line)
            for a in c.about:
                actor(a, c.source, c.line, "about")
        for e in f.events:
            unique("event", e.id, e.source, e.line)
            for field, ident in e.actor_refs():
                actor(ident, e.source, e.line, field)
            if e.place is not None and e.place not in places:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        f"place: unknown place {e.place!r}{_suggest(e.place, places)}; add it under `places:` in seeds/actors.yaml",
                    )
                )
            for ref in [*e.claims, *e.denies_claim]:
                if ref not in claim_ids:
                    problems.append(
                        Problem(
                            e.source,
                            e.line,
                            f"unknown claim {ref!r}{_suggest(ref, claim_ids)}; declare it under `claims:`",
                        )
                    )
            for r in e.responds_to:
                if r not in event_ids:
                    problems.append(
                        Problem(
                            e.source,
                            e.line,
                            f"responds_to: unknown event {r!r}{_suggest(r, event_ids)}",
                        )
                    )
            span = e.span
            if span.earliest is None and span.latest is None:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        "no date: give `date`, or `date_earliest`/`date_latest` (the article's date is a safe upper bound)",
                    )
                )
            if span.earliest and span.latest and span.earliest > span.latest:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        f"date_earliest {span.earliest} is after date_latest {span.latest}",
                    )
                )
            if e.date_basis == "stated" and e.date_inferred:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        "date_basis: stated contradicts date_inferred: true; drop date_inferred (it follows from date_basis)",
                    )
                )
            if e.type == "Denial" and not (e.denies_claim or e.responds_to):
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        "a Denial needs `denies_claim` or `responds_to`: say what it denies",
                    )
                )
            if (
                e.type in ("Meeting", "Conference", "PhoneCall")
                and len(
                    {
                        e.agent,
                        *e.participants,
                        *e.targets,
                        *e.mediators,
                        *([e.host] if e.host else []),
                    }
                )
                < 2
            ):
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        f"a {e.type} needs at least two participants: list them under `participants`",
                    )
                )
            if e.agent in e.targets:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        f"{e.agent!r} is both the agent and a target of this {e.type}",
                    )
                )
            if e.target_unnamed and e.targets:
                problems.append(
                    Problem(
                        e.source,
                        e.line,
                        "`target_unnamed: true` says the text names no target, yet `targets` "
                        "names some: keep one of the two",
                    )
                )
        for rep in f.reports:
            unique(
                "event", rep.id, rep.source, rep.line
            )  # a report's id names its evidence, as an event's
            actor(rep.reported_via, rep.source, rep.line, "reported_via")
            event = events_by_id.get(rep.event)
            if event is None:
                problems.append(
                    Problem(
                        rep.source,
                        rep.line,
                        f"event: unknown event {rep.event!r}{_suggest(rep.event, event_ids)}; a report "
                        "adds an account of an event recorded under `events:`",
                    )
                )
                continue
            span, own = rep.span, event.span
            if span.earliest is None and span.latest is None:
                problems.append(
                    Problem(
                        rep.source,
                        rep.line,
                        "no date: give the date as this report gives it (`date`, or "
                        "`date_earliest`/`date_latest`)",
                    )
                )
            elif (span.earliest and (own.earliest is None or own.earliest < span.earliest)) or (
                span.latest and (own.latest is None or own.latest > span.latest)
            ):
                problems.append(
                    Problem(
                        rep.source,
                        rep.line,
                        f"the report dates {rep.event!r} {span.earliest or '…'}/{span.latest or '…'}, "
                        f"which does not contain the event's {own.earliest or '…'}/"
                        f"{own.latest or '…'}: an event carries only the date its reports agree "
                        "on; narrow the event's date, or correct the report's",
                    )
                )
    if problems:
        raise _problems_error(problems)
    return Corpus(root, actors, places, files, texts, raw)


def _problems_error(problems: list[Problem], what: str = "the seed annotations") -> InvalidInput:
    first = problems[0]
    lines = "\n".join(f"  {p}" for p in problems)
    noun = "problem" if len(problems) == 1 else "problems"
    return InvalidInput(
        f"{len(problems)} {noun} in {what}; nothing was written:\n{lines}",
        source=first.source,
        line=first.line,
    )
