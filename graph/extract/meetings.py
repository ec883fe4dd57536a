"""Meetings, conferences and calls: their participants and host."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from graph.extract.clauses import (
    _attributed,
    _coordinated_before,
    _objects_after,
)
from graph.extract.gazetteer import Gazetteer
from graph.extract.mentions import Mention
from graph.extract.reading import (
    _CONFIDENCE,
    _MEETING_NOUNS,
    Make,
    ReaderBase,
    _Speech,
)


class MeetingRules(ReaderBase):
    """Meetings, conferences and calls: their participants and host."""

    def _meeting(
        self,
        doc: Doc,
        sent: Span,
        trig: Span,
        actors: list[Mention],
        speech: _Speech | None,
        make: Make,
        minted: Gazetteer,
    ) -> None:
        """Participants of a meeting, conference or call (see the module docstring)."""
        words = trig.text.lower()
        etype = str(trig.label_)
        subjects = [
            m
            for m in _coordinated_before(doc, sent, trig.start, actors, close=True)
            if not _attributed(doc, sent, m)
        ]
        nominal = words.endswith(("between", "of")) or words in _MEETING_NOUNS
        if nominal and subjects:
            gap = {t.lower_ for t in doc[subjects[-1].end : trig.start]}
            if not gap & {"held", "hold", "holds", "had", "attended", "hosted", "joined"}:
                subjects = []
        if (
            subjects
            and speech is not None
            and subjects[-1].actor == speech.speaker.actor
            and subjects[-1].start < speech.content[0]
        ):
            subjects = []
        objects: list[Mention] = []
        host: str | None = None
        if nominal:
            k = trig.end
            if k < sent.end and doc[k].lower_ in ("of", "between", "with"):
                k += 1
            objects = _objects_after(doc, sent, k, actors, adjacent=True)
        elif words.endswith("with") or words.startswith(
            ("met", "meet", "visit", "host", "negotiated", "phoned", "telephoned", "called")
        ):
            objects = _objects_after(
                doc, sent, trig.end, actors, adjacent=True, include_places=words.startswith("visit")
            )
        elif trig.end < sent.end and doc[trig.end].lower_ in ("with", "between"):
            objects = _objects_after(doc, sent, trig.end + 1, actors, adjacent=True)
        if words in ("hosted", "hosts") and subjects:
            host = subjects[0].actor
            tail = [t for t in doc[trig.end : sent.end] if t.lower_ == "attended"]
            if tail:
                objects += _objects_after(doc, sent, tail[0].i + 2, actors, coordinated_only=True)
        if words == "attended by":
            host_tok = [t for t in doc[sent.start : trig.start] if t.lower_ in ("hosted", "hosts")]
            objects = _objects_after(doc, sent, trig.end, actors, coordinated_only=True)
            if host_tok:
                hosts = _coordinated_before(doc, sent, host_tok[0].i, actors)
                host = hosts[0].actor if hosts else None
            subjects = []
        for k in range(trig.end, sent.end):
            if doc[k].lower_ == "by" and k > trig.end and doc[k - 1].lower_ in ("talks", ";"):
                objects += _objects_after(doc, sent, k + 1, actors, adjacent=True)
        people = [*subjects, *objects]
        participants: list[str] = []
        for m in people:
            participants.extend(self._as_participants(m, minted))
        if host is not None:
            participants.insert(0, host)
        participants = list(dict.fromkeys(participants))
        if len(participants) < 2:
            return
        if etype == "Meeting" and ("phone" in words or "telephon" in words):
            etype = "PhoneCall"
        elif etype == "Meeting" and any(t.lower_ in ("conference", "summit") for t in sent):
            etype = "Conference"
        make(
            etype,
            participants[0],
            [],
            "meeting",
            trig,
            _CONFIDENCE["meeting"],
            participants=participants,
            host=host,
        )

    def _as_participants(self, m: Mention, minted: Gazetteer) -> list[str]:
        """A meeting's participant: officials of named states take part for their states."""
        entry = minted.entries.get(m.actor)
        if m.via == "group" and entry is not None and entry.demonyms:
            return list(dict.fromkeys(entry.demonyms))
        return [m.actor]
