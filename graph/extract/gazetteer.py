"""The gazetteer: every name by which the extractor recognises an actor.

Three sources, in order of precedence:

* the **registry** of the graph (``seeds/actors.yaml`` and the ``actors:`` of the annotations, or
  the actors of a store): the actors the graph already knows, by label and every alias;
* the **standard actors** shipped with the package (``graph/data/standard_actors.yaml``): states with
  their capitals and demonyms, intergovernmental organisations, armed groups, news agencies and
  common government bodies, written from general knowledge;
* actors **minted** while reading an article (people with a title, unnamed officials, ministries),
  which are proposed as new.

A standard actor whose id, label or alias is already a name of a registry actor *is* that actor: the
registry's id, label and kind win and the standard names are added to it.

Two kinds of registry names are not used to recognise actors in a new article, because they only
make sense inside the article they were taken from:

* descriptions ("the diplomat", "the Russian envoy", "his envoy to Afghanistan"): a name that starts
  with a lower-case word, or with a determiner and ends with one; these are left to coreference;
* the names of ``Group`` actors and anonymous people ("Afghan officials", "a senior Taliban
  official"): a new article's "Afghan officials" are new people, so the extractor proposes a new
  group for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from graph.annotations import ACTOR_KINDS, ActorKind, ActorSpec, AnnotationFile

if TYPE_CHECKING:
    from graph.store import Store

__all__ = [
    "Entry",
    "Gazetteer",
    "Source",
    "is_description",
    "normalise",
    "slug",
    "standard_actors",
]

Source = Literal["registry", "standard", "new"]

_DETERMINERS = frozenset(
    {"the", "a", "an", "his", "her", "its", "their", "our", "some", "this", "that", "these"}
)
_FUNCTION_WORDS = frozenset({"of", "and", "the", "for", "de", "in", "on", "to"})
_EQUIVALENT = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " ", "\u2013": "-"}
)


def normalise(text: str) -> str:
    """Typographic quotes, apostrophes, dashes and no-break spaces as their plain forms.

    The mapping is one character to one character, so offsets into the normalised text are offsets
    into the original.

    >>> normalise("Russia\u2019s \u201cenvoy\u201d")
    'Russia\\'s "envoy"'
    """
    return text.translate(_EQUIVALENT)


def slug(text: str) -> str:
    """A kebab-case identifier: ``slug("Rex Tillerson")`` → ``rex-tillerson``."""
    return re.sub(r"[^a-z0-9]+", "-", normalise(text).lower()).strip("-")[:60] or "actor"


def is_description(name: str) -> bool:
    """A name that describes rather than names: left to coreference, not matched globally.

    >>> is_description("the diplomat"), is_description("the Russian envoy"), is_description("the Kremlin")
    (True, True, False)
    >>> is_description("Taliban insurgents"), is_description("his envoy to Afghanistan")
    (False, True)
    """
    words = normalise(name).split()
    if not words:
        return True
    first, last = words[0], words[-1]
    if first[:1].islower() and first.lower() not in _DETERMINERS:
        return True
    content = [w for w in words[1:] if w.lower() not in _FUNCTION_WORDS]
    return first.lower() in _DETERMINERS and (
        not content or last[:1].islower() or any(w[:1].islower() for w in content)
    )


@dataclass(frozen=True)
class Entry:
    """One actor the extractor can recognise."""

    id: str
    kind: str
    label: str
    names: tuple[str, ...] = ()  # label and aliases that recognise the actor anywhere
    demonyms: tuple[str, ...] = ()
    capitals: tuple[str, ...] = ()
    state: str | None = None  # the state a body, force or person belongs to
    source: Source = "registry"
    anonymous: bool = False

    @property
    def matchable(self) -> bool:
        """Whether the actor's names may be matched in a new article (not groups, not anonymous)."""
        return self.kind != "Group" and not self.anonymous


class StandardActor(BaseModel):
    """An entry of ``graph/data/standard_actors.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    kind: ActorKind
    label: str
    aliases: list[str] = []
    demonyms: list[str] = []
    capitals: list[str] = []
    state: str | None = None
    notation: str | None = None


class _StandardFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    actors: list[StandardActor]


@cache
def standard_actors() -> tuple[Entry, ...]:
    """The standard actors shipped in ``graph/data/standard_actors.yaml``, parsed once."""
    text = resources.files("graph.data").joinpath("standard_actors.yaml").read_text("utf-8")
    parsed = _StandardFile.model_validate(yaml.safe_load(text))
    return tuple(
        Entry(
            id=a.id,
            kind=a.kind,
            label=a.label,
            names=tuple(dict.fromkeys([a.label, *a.aliases])),
            demonyms=tuple(a.demonyms),
            capitals=tuple(a.capitals),
            state=a.state,
            source="standard",
        )
        for a in parsed.actors
    )


@dataclass
class Gazetteer:
    """Actors by id, with the names that recognise them.

    >>> g = Gazetteer.build([])
    >>> g.resolve("the Kremlin").id, g.resolve("Washington").id, g.by_demonym("Afghan").id
    ('russia', 'united-states', 'afghanistan')
    """

    entries: dict[str, Entry] = field(default_factory=dict)
    _index: dict[str, str] | None = field(default=None, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def build(
        cls,
        registry: Iterable[Entry],
        *,
        standard: bool = True,
    ) -> Gazetteer:
        """Registry entries first, then the standard actors merged into them (see the module doc)."""
        g = cls()
        for entry in registry:
            g._add_registry(entry)
        if standard:
            for entry in standard_actors():
                g._add_standard(entry)
        return g

    @classmethod
    def from_specs(
        cls,
        actors: Iterable[ActorSpec],
        *,
        memberships: Iterable[tuple[str, str]] = (),
        keep_alias: Mapping[str, bool] | None = None,
        standard: bool = True,
    ) -> Gazetteer:
        """From the records of the curated annotation (``ActorSpec``).

        ``memberships`` are (member, organisation) pairs: a member's first organisation that is a
        state becomes its ``state``. ``keep_alias`` (alias → keep?) drops aliases that the caller
        may not use (the evaluation keeps only the aliases seen in the training articles).
        """
        specs = list(actors)
        kinds = {a.id: a.kind for a in specs}
        state_of: dict[str, str] = {}
        for member, organisation in memberships:
            if kinds.get(organisation) == "State":
                state_of.setdefault(member, organisation)
        entries = []
        for a in specs:
            aliases = [
                x for x in a.aliases if keep_alias is None or keep_alias.get(x, False) is True
            ]
            names = [n for n in dict.fromkeys([a.label, *aliases]) if not is_description(n)]
            entries.append(
                Entry(
                    id=a.id,
                    kind=a.kind,
                    label=a.label,
                    names=tuple(names),
                    demonyms=tuple(a.demonyms),
                    state=state_of.get(a.id),
                    source="registry",
                    anonymous=a.anonymous,
                )
            )
        return cls.build(entries, standard=standard)

    @classmethod
    def from_annotations(
        cls,
        registry: Mapping[str, ActorSpec],
        files: Iterable[AnnotationFile],
        *,
        texts: Iterable[str] | None = None,
        standard: bool = True,
    ) -> Gazetteer:
        """The actors that ``files`` refer to, with only the aliases that occur in ``texts``.

        This is the gazetteer a curator could have written from these files alone: used by the
        evaluation to keep the article being scored out of it (leave-one-article-out).
        """
        files = list(files)
        used: set[str] = set()
        memberships: list[tuple[str, str]] = []
        local: list[ActorSpec] = []
        for f in files:
            local.extend(f.actors)
            if f.article.publisher:
                used.add(f.article.publisher)
            used.update(f.article.cites)
            for m in f.memberships:
                used.update((m.member, m.organisation))
                memberships.append((m.member, m.organisation))
            for c in f.claims:
                used.update(c.about)
            for e in f.events:
                used.update(ident for _, ident in e.actor_refs())
        pool = {**registry, **{a.id: a for a in local}}
        specs = [pool[i] for i in sorted(used) if i in pool]
        keep: dict[str, bool] | None = None
        if texts is not None:
            haystack = normalise("\n".join(texts)).lower()
            keep = {
                alias: normalise(alias).lower() in haystack for a in specs for alias in a.aliases
            }
        return cls.from_specs(specs, memberships=memberships, keep_alias=keep, standard=standard)

    @classmethod
    def from_store(cls, store: Store, *, standard: bool = True) -> Gazetteer:
        """The actors of a store (graph ``id:graph/actors`` and any batch), by label and alias."""
        from graph.query import canned

        prefix = "https://w3id.org/actorgraph/id/actor/"
        base: dict[str, tuple[str, str]] = {}
        for row in store.query(canned("network_actors")).values():
            iri, kind, label = row[0], row[1], row[2]
            if iri and iri.startswith(prefix) and kind and label:
                local_kind = kind.rsplit("#", 1)[-1]
                if local_kind in ACTOR_KINDS:
                    base[iri[len(prefix) :]] = (local_kind, label)
        names: dict[str, list[str]] = {k: [] for k in base}
        for row in store.query(canned("extract_actor_names")).values():
            iri, name, what = row[0], row[1], row[2]
            if iri and name and iri.startswith(prefix) and iri[len(prefix) :] in names:
                names[iri[len(prefix) :]].append(f"{what}\t{name}")
        entries = []
        for ident, (kind, label) in sorted(base.items()):
            aliases = [n.split("\t", 1)[1] for n in names[ident] if n.startswith("name\t")]
            demonyms = [n.split("\t", 1)[1] for n in names[ident] if n.startswith("demonym\t")]
            anonymous = any(n.startswith("anonymous\t") for n in names[ident])
            entries.append(
                Entry(
                    id=ident,
                    kind=kind,
                    label=label,
                    names=tuple(
                        n for n in dict.fromkeys([label, *aliases]) if not is_description(n)
                    ),
                    demonyms=tuple(dict.fromkeys(demonyms)),
                    source="registry",
                    anonymous=anonymous,
                )
            )
        return cls.build(entries, standard=standard)

    def _add_registry(self, entry: Entry) -> None:
        if entry.id in self.entries:
            old = self.entries[entry.id]
            entry = replace(
                old,
                names=tuple(dict.fromkeys([*old.names, *entry.names])),
                demonyms=tuple(dict.fromkeys([*old.demonyms, *entry.demonyms])),
            )
        self.entries[entry.id] = entry
        self._index = None

    def _add_standard(self, entry: Entry) -> None:
        index = self._name_index()
        target = entry.id if entry.id in self.entries else None
        if target is None:
            for name in entry.names:
                hit = index.get(normalise(name).lower())
                if hit is not None:
                    target = hit
                    break
        self._index = None
        if target is None:
            self.entries[entry.id] = entry
            return
        old = self.entries[target]
        self.entries[target] = replace(
            old,
            names=tuple(dict.fromkeys([*old.names, *entry.names])),
            demonyms=tuple(dict.fromkeys([*old.demonyms, *entry.demonyms])),
            capitals=tuple(dict.fromkeys([*old.capitals, *entry.capitals])),
            state=old.state or entry.state,
        )

    def _name_index(self) -> dict[str, str]:
        if self._index is not None:
            return self._index
        index: dict[str, str] = {}
        for e in self.entries.values():
            if e.matchable:
                for n in (*e.names, *e.capitals):
                    index.setdefault(normalise(n).lower(), e.id)
        self._index = index
        return index

    # ------------------------------------------------------------------ lookups
    def __contains__(self, ident: object) -> bool:
        return ident in self.entries

    def __getitem__(self, ident: str) -> Entry:
        return self.entries[ident]

    def __len__(self) -> int:
        return len(self.entries)

    def resolve(self, name: str) -> Entry | None:
        """The actor a name (label, alias or capital; case-insensitive) stands for, if any."""
        hit = self._name_index().get(normalise(name).lower())
        return None if hit is None else self.entries[hit]

    def by_demonym(self, demonym: str) -> Entry | None:
        """The state whose demonym this is (``Afghan`` → Afghanistan)."""
        key = normalise(demonym).lower()
        for e in self.entries.values():
            if e.kind == "State" and any(d.lower() == key for d in e.demonyms):
                return e
        return None

    def add(self, entry: Entry) -> Entry:
        """Add a minted actor (or return the one already there under that id)."""
        self._index = None
        return self.entries.setdefault(entry.id, entry)

    def copy(self) -> Gazetteer:
        return Gazetteer(dict(self.entries))

    def __post_init__(self) -> None:
        self._index = None
