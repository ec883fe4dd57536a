"""Read the curated seed annotations (``seeds/*.yaml``) into typed records.

The files are written and edited by data stewards, so every problem is reported with the file and
line it is on, all problems at once, in words that say what to change. The format is documented in
``seeds/README.md``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from graph.errors import InvalidInput

__all__ = [
    "ACTOR_KINDS",
    "DATE_BASES",
    "EVENT_TYPES",
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
    "load_corpus",
]

#: The kinds of actor (classes under ag:Actor), declared once.
ActorKind = Literal[
    "State",
    "IntergovernmentalOrganisation",
    "ArmedGroup",
    "ArmedForce",
    "GovernmentBody",
    "NewsOrganisation",
    "NonGovernmentalOrganisation",
    "Person",
    "Group",
]
ACTOR_KINDS: tuple[str, ...] = get_args(ActorKind)
#: The event types (classes under ag:PoliticalEvent), declared once.
EventType = Literal[
    "Meeting",
    "Conference",
    "PhoneCall",
    "Statement",
    "Accusation",
    "Criticism",
    "Denial",
    "CooperationOffer",
    "Invitation",
    "Rejection",
    "Request",
    "Demand",
    "Support",
    "Cooperation",
    "AidProvision",
    "Concession",
    "Investigation",
    "Sanction",
    "Threat",
    "Mobilisation",
    "Coercion",
    "ArmedAction",
]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
MODALITIES = ("negated", "hypothetical", "future", "historical")
#: What a date rests on (ag:DateBasis), from the most direct to the least; see seeds/README.md.
DateBasisName = Literal["stated", "relative", "context", "publication", "external"]
DATE_BASES: tuple[str, ...] = get_args(DateBasisName)

_ID = r"^[a-z0-9][a-z0-9-]*$"


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


# ---------------------------------------------------------------------------- records


def _as_list(value: Any) -> Any:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


IdList = Annotated[list[Annotated[str, Field(pattern=_ID)]], BeforeValidator(_as_list)]
Id = Annotated[str, Field(pattern=_ID)]


@dataclass(frozen=True)
class DateSpan:
    """A date as precise as the text allows: a day, a month, a year, or bounds."""

    earliest: dt.date | None
    latest: dt.date | None
    precision: Literal["day", "month", "year", "bounded"]

    @property
    def day(self) -> dt.date | None:
        return self.earliest if self.precision == "day" else None


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_date(value: Any) -> DateSpan:
    """``2016-12-29`` (a day), ``2016-12`` (a month) or ``2016`` (a year)."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return DateSpan(value, value, "day")
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return DateSpan(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")
    if m := _MONTH.fullmatch(text):
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"month {month} does not exist")
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return DateSpan(dt.date(year, month, 1), nxt - dt.timedelta(days=1), "month")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: write YYYY-MM-DD, YYYY-MM or YYYY (or use date_earliest/date_latest)"
        ) from None
    return DateSpan(day, day, "day")


def _to_date(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    return parse_date(value).earliest


Day = Annotated[dt.date, BeforeValidator(_to_date)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    line: int = 0
    source: str = ""


class ActorSpec(_Spec):
    id: Id
    kind: ActorKind
    label: str = Field(min_length=1)
    aliases: Annotated[list[str], BeforeValidator(_as_list)] = []
    demonyms: Annotated[list[str], BeforeValidator(_as_list)] = []
    wikidata: Annotated[str, Field(pattern=r"^Q[1-9][0-9]*$")] | None = None
    notation: str | None = None
    anonymous: bool = False
    note: str | None = None


class PlaceSpec(_Spec):
    id: Id
    label: str = Field(min_length=1)
    country: Id | None = None
    wikidata: Annotated[str, Field(pattern=r"^Q[1-9][0-9]*$")] | None = None
    note: str | None = None


class ArticleSpec(_Spec):
    file: str
    id: Id
    title: str
    publisher: Id | None = None
    published: Day | None = None
    published_earliest: Day | None = None
    published_latest: Day | None = None
    published_inferred: bool = False
    date_note: str | None = None
    language: str = "en"
    url: str | None = None
    cites: IdList = []

    @property
    def date_latest(self) -> dt.date | None:
        return self.published or self.published_latest


class MembershipSpec(_Spec):
    member: Id
    organisation: Id
    role: str = Field(min_length=1)
    quote: str = Field(min_length=1)
    occurrence: int | None = Field(default=None, ge=1)
    since: Any = Field(default=None, alias="from")
    until: Any = None
    date_basis: DateBasisName | None = None
    date_note: str | None = None
    note: str | None = None

    @field_validator("since", "until", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> Any:
        if value is not None:
            parse_date(value)
        return value

    @property
    def begins(self) -> dt.date | None:
        """The first day of the membership (``from``), if the article gives it."""
        return parse_date(self.since).earliest if self.since is not None else None

    @property
    def ends(self) -> dt.date | None:
        """The last day of the membership (``until``), if the article gives it."""
        return parse_date(self.until).latest if self.until is not None else None


class ClaimSpec(_Spec):
    id: Id
    text: str = Field(min_length=1)
    about: IdList = []
    condition: str | None = Field(default=None, min_length=1)
    note: str | None = None


Cameo = Annotated[str, Field(pattern=r"^[0-9]{2,4}$")]


class _Account(_Spec):
    """What one article's account of an event gives: its words, its outlet, and the code and date
    as it gives them. An event's own fields are its first account; a report is a further one."""

    quote: str = Field(min_length=1)
    occurrence: int | None = Field(default=None, ge=1)
    reported_via: Id | None = None
    cameo: Cameo | None = None
    date: Any = None
    date_earliest: Day | None = None
    date_latest: Day | None = None
    date_inferred: bool = False
    date_basis: DateBasisName | None = None
    date_note: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    note: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _check_date(cls, value: Any) -> Any:
        if value is not None:
            parse_date(value)
        return value

    @property
    def inferred(self) -> bool:
        """Whether the date was worked out rather than printed: from ``date_basis`` if given."""
        return self.date_basis != "stated" if self.date_basis else self.date_inferred

    @property
    def span(self) -> DateSpan:
        """The date: the ``date`` field, or else the explicit bounds."""
        if self.date is not None:
            return parse_date(self.date)
        return DateSpan(self.date_earliest, self.date_latest, "bounded")


class EventSpec(_Account):
    id: Id
    type: EventType
    agent: Id
    on_behalf_of: Id | None = None
    targets: IdList = []
    participants: IdList = []
    addressee: IdList = []
    host: Id | None = None
    mediators: IdList = []
    target_unnamed: bool = False
    place: Id | None = None
    claims: IdList = []
    denies_claim: IdList = []
    responds_to: IdList = []
    characterisation: str | None = None
    modality: Literal["negated", "hypothetical", "future", "historical"] | None = None
    # the code as this first account gives it, when further reports make the event's broader
    report_cameo: Cameo | None = None

    def actor_refs(self) -> Iterable[tuple[str, str]]:
        """Every (field, actor id) this event refers to."""
        yield "agent", self.agent
        for name in ("on_behalf_of", "host", "reported_via"):
            if (value := getattr(self, name)) is not None:
                yield name, value
        for name in ("targets", "participants", "addressee", "mediators"):
            for value in getattr(self, name):
                yield name, value


class ReportSpec(_Account):
    """A further account of an event recorded elsewhere (in this file or another): GDELT's
    mention row. The event's own fields are its first report; each ``reports:`` entry adds one."""

    id: Id
    event: Id


class AnnotationFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    article: ArticleSpec
    actors: list[ActorSpec] = []
    memberships: list[MembershipSpec] = []
    claims: list[ClaimSpec] = []
    events: list[EventSpec] = []
    reports: list[ReportSpec] = []


class RegistryFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    actors: list[ActorSpec] = []
    places: list[PlaceSpec] = []


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


def _problems_error(problems: list[Problem]) -> InvalidInput:
    first = problems[0]
    lines = "\n".join(f"  {p}" for p in problems)
    noun = "problem" if len(problems) == 1 else "problems"
    return InvalidInput(
        f"{len(problems)} {noun} in the seed annotations; nothing was written:\n{lines}",
        source=first.source,
        line=first.line,
    )
