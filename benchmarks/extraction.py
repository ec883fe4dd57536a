"""Evaluate the extractor against curated annotations; print precision, recall, F1 and throughput.

    python benchmarks/extraction.py                    # untuned folder first, seeds, own, speed
    python benchmarks/extraction.py --pipeline blank   # the same with spaCy's blank English

The headline is ``seeds/untuned/``: twelve articles written and annotated completely before any
rule was changed for them, and never used to tune one (their errors are not read to write rules).
Then the seeds, leave-one-article-out, the own articles of ``seeds/eval/`` and the development
articles of ``seeds/dev/`` (both tuned on).
Each folder also gets the *false edges*: the (agent, relation, target) edges a commit of the
unreviewed candidates would add that no curated event of the article gives.

How it scores (docs/decisions/20261122-extraction-engine.md repeats this):

* **Leave-one-article-out on the seeds.** For each seed article, the gazetteer is built from the
  *other four* annotations only — the actors they refer to, with only the aliases that occur in
  the other four texts — plus the standard actors. Nothing of the scored article's annotation
  reaches the extractor. On the own articles (``seeds/eval/``) the gazetteer may use all five seeds.
* **Actors.** Gold: the actors the article's annotation refers to (events, memberships, claims,
  cites) that are named in its text (a label or alias occurs in it). Predicted: every actor the
  extractor recognised in the text. An extracted actor is the gold actor with the same id, or
  whose label or one of whose aliases equals its label (case-insensitive, determiners dropped).
* **Events**, by group: *met with* (Meeting, Conference, PhoneCall), *accused* (Accusation),
  *denied* (Denial), *other* (every other type; the type must match exactly). A curated event is
  one tuple per target — (type, agent, target, asserted?) — or, for the met-with group, one per
  unordered pair of its participants (agent, participants, targets and host): a Meeting of {A, B, C}
  is the pairs AB, AC, BC. *asserted?* is false for negated and hypothetical events, so a negated
  meeting extracted as a meeting that happened is wrong. A candidate tuple matches a curated tuple
  when the tuples are equal (actors mapped as above) and the candidate's evidence sentence overlaps
  the curated quote. Matching is one-to-one.
* **Throughput**: articles per second for a 5 kB article (the seed article of about 5 kB,
  extraction only and extraction + Turtle), median of repeated runs, one process, one core.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.annotations import (  # noqa: E402
    AnnotationFile,
    ArticleSpec,
    Corpus,
    EventSpec,
    load_corpus,
)
from graph.build import find_quote  # noqa: E402
from graph.extract import Extraction, Extractor  # noqa: E402
from graph.extract.gazetteer import Gazetteer, normalise  # noqa: E402
from graph.extract.output import to_turtle  # noqa: E402
from graph.extract.pipeline import AUTO, load_pipeline  # noqa: E402

MEETINGS = {"Meeting", "Conference", "PhoneCall"}
GROUPS = ("met with", "accused", "denied", "other")
_DET = re.compile(r"^(the|a|an|some)\s+", re.IGNORECASE)


def group_of(etype: str) -> str:
    if etype in MEETINGS:
        return "met with"
    return {"Accusation": "accused", "Denial": "denied"}.get(etype, "other")


def key_name(text: str) -> str:
    return _DET.sub("", normalise(text).strip().lower())


@dataclass(frozen=True)
class Tuple:
    group: str
    etype: str
    agent: str
    target: str
    asserted: bool
    start: int
    end: int

    def key(self) -> tuple[str, str, str, str, bool]:
        etype = "" if self.group != "other" else self.etype
        return (self.group, etype, self.agent, self.target, self.asserted)


def event_tuples(
    etype: str,
    agent: str,
    targets: Iterable[str],
    participants: Iterable[str],
    host: str | None,
    modality: str | None,
    start: int,
    end: int,
) -> list[Tuple]:
    group = group_of(etype)
    asserted = modality not in ("negated", "hypothetical")
    if group == "met with":
        people = sorted({agent, *targets, *participants, *([host] if host else [])})
        return [Tuple(group, etype, a, b, asserted, start, end) for a, b in combinations(people, 2)]
    return [Tuple(group, etype, agent, t, asserted, start, end) for t in (list(targets) or ["-"])]


class Mapper:
    """Extracted actor ids → gold ids: same id, or a label equal to a gold label or alias."""

    def __init__(self, corpus: Corpus, f: AnnotationFile) -> None:
        self.ids = set(corpus.actors)
        local = {a.id for a in f.actors}
        self.names: dict[str, str] = {}
        ordered = sorted(corpus.actors.values(), key=lambda a: (a.id not in local, a.id))
        for a in ordered:
            bare = re.sub(r"\s*\(.*\)\s*$", "", a.label)  # "Afghan officials (NYT, 2016)"
            for name in (a.label, bare, *a.aliases):
                self.names.setdefault(key_name(name), a.id)

    def __call__(self, ident: str, *names: str) -> str:
        if ident in self.ids:
            return ident
        for name in names:
            if key_name(name) in self.names:
                return self.names[key_name(name)]
        return ident


def gold_tuples(text: str, f: AnnotationFile) -> list[Tuple]:
    out = []
    for e in f.events:
        m = find_quote(text, e.quote, occurrence=e.occurrence)
        out.extend(
            event_tuples(
                e.type, e.agent, e.targets, e.participants, e.host, e.modality, m.start, m.end
            )
        )
    return out


def predicted_tuples(x: Extraction, mapper: Mapper) -> list[Tuple]:
    def m(ident: str) -> str:
        entry = x.actors.get(ident)
        return mapper(ident, *((entry.label, *entry.names) if entry else (ident,)))

    out = []
    for c in x.candidates:
        out.extend(
            event_tuples(
                c.type,
                m(c.agent),
                [m(t) for t in c.targets],
                [m(p) for p in c.participants],
                m(c.host) if c.host else None,
                c.modality,
                c.sentence_start,
                c.sentence_end,
            )
        )
    return out


def match(gold: list[Tuple], pred: list[Tuple]) -> Counter[tuple[str, str]]:
    """Counts per (group, tp|fp|fn)."""
    counts: Counter[tuple[str, str]] = Counter()
    used: set[int] = set()
    for p in pred:
        hit = next(
            (
                i
                for i, g in enumerate(gold)
                if i not in used and g.key() == p.key() and p.start < g.end and g.start < p.end
            ),
            None,
        )
        if hit is None:
            counts[(p.group, "fp")] += 1
        else:
            used.add(hit)
            counts[(p.group, "tp")] += 1
    for i, g in enumerate(gold):
        if i not in used:
            counts[(g.group, "fn")] += 1
    return counts


def gold_actors(corpus: Corpus, text: str, f: AnnotationFile) -> set[str]:
    used: set[str] = set(f.article.cites)
    for m in f.memberships:
        used.update((m.member, m.organisation))
    for c in f.claims:
        used.update(c.about)
    for e in f.events:
        used.update(i for _, i in e.actor_refs())
    haystack = normalise(text).lower()
    registry = {**corpus.actors, **{a.id: a for a in f.actors}}
    named = set()
    for ident in used:
        a = registry[ident]
        if any(
            re.search(rf"(?<!\w){re.escape(normalise(n).lower())}(?!\w)", haystack)
            for n in (a.label, re.sub(r"\s*\(.*\)\s*$", "", a.label), *a.aliases, *a.demonyms)
        ):
            named.add(ident)
    return named


def predicted_actors(x: Extraction, mapper: Mapper) -> set[str]:
    out = set()
    for m in x.mentions:
        entry = x.actors.get(m.actor)
        out.add(mapper(m.actor, *((entry.label, *entry.names) if entry else (m.actor,))))
    return out


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def false_edges(gold: list[Tuple], pred: list[Tuple]) -> int:
    """The edges a commit of the unreviewed candidates would add that the article does not
    support: asserted (agent, relation, target) of the candidates that no curated event of the
    article gives, anywhere in it (so a true edge found in another sentence is not counted)."""
    true = {g.key()[:4] for g in gold if g.asserted}
    return len({p.key()[:4] for p in pred if p.asserted and p.target != "-"} - true)


def evaluate(
    corpus: Corpus,
    files: list[AnnotationFile],
    texts: dict[str, str],
    gazetteers: dict[str, Gazetteer],
    pipeline: str = AUTO,
) -> tuple[Counter[tuple[str, str]], list[str]]:
    counts: Counter[tuple[str, str]] = Counter()
    lines = []
    for f in files:
        text = texts[f.article.file]
        x = Extractor(gazetteers[f.article.file], pipeline=pipeline).extract(
            text, file=f.article.file, published=f.article.published
        )
        mapper = Mapper(corpus, f)
        gold, pred = gold_tuples(text, f), predicted_tuples(x, mapper)
        c = match(gold, pred)
        c[("false edges", "n")] += false_edges(gold, pred)
        gold_a, pred_a = gold_actors(corpus, text, f), predicted_actors(x, mapper)
        c[("actors", "tp")] += len(gold_a & pred_a)
        c[("actors", "fp")] += len(pred_a - gold_a)
        c[("actors", "fn")] += len(gold_a - pred_a)
        counts.update(c)
        row = "  ".join(
            f"{g}: {c[(g, 'tp')]}/{c[(g, 'tp')] + c[(g, 'fp')]}/{c[(g, 'tp')] + c[(g, 'fn')]}"
            for g in ("actors", *GROUPS)
        )
        lines.append(
            f"  {f.article.file}  (tp/predicted/gold)  {row}  false edges: "
            f"{c[('false edges', 'n')]}"
        )
    return counts, lines


def report(title: str, counts: Counter[tuple[str, str]], lines: list[str]) -> None:
    print(f"\n{title}")
    print(*lines, sep="\n")
    print(f"  {'':10} {'P':>6} {'R':>6} {'F1':>6}   tp  fp  fn")
    for g in ("actors", *GROUPS):
        tp, fp, fn = counts[(g, "tp")], counts[(g, "fp")], counts[(g, "fn")]
        p, r, f1 = prf(tp, fp, fn)
        print(f"  {g:10} {p:6.2f} {r:6.2f} {f1:6.2f}  {tp:3d} {fp:3d} {fn:3d}")
    tp = sum(counts[(g, "tp")] for g in GROUPS)
    fp = sum(counts[(g, "fp")] for g in GROUPS)
    fn = sum(counts[(g, "fn")] for g in GROUPS)
    p, r, f1 = prf(tp, fp, fn)
    print(f"  {'all events':10} {p:6.2f} {r:6.2f} {f1:6.2f}  {tp:3d} {fp:3d} {fn:3d}")
    articles = len(lines)
    n = counts[("false edges", "n")]
    print(
        f"  false edges a commit of the unreviewed candidates would add: {n} ({n / max(1, articles):.1f} per article)"
    )


def folder_corpus(corpus: Corpus, folder: Path) -> tuple[list[AnnotationFile], dict[str, str]]:
    """An evaluation folder's annotations and texts, read with the same records as the seeds
    (``benchmarks/check_folder.py`` checks them as strictly as the build)."""
    import yaml

    from graph.annotations import _LineLoader

    files, texts = [], {}
    for path in sorted((folder / "annotations").glob("*.yaml")):
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
        f = AnnotationFile.model_validate(doc)
        files.append(f)
        texts[f.article.file] = (folder / "articles" / f.article.file).read_text(encoding="utf-8")
    return files, texts


def own_corpus(corpus: Corpus) -> tuple[list[AnnotationFile], dict[str, str]]:
    """The own articles (seeds/eval/), read with the same records as the seeds."""
    return folder_corpus(corpus, ROOT / "seeds" / "eval")


def score_folder(corpus: Corpus, folder: Path, title: str, pipeline: str) -> None:
    """Score the extractor on a folder of annotated articles, with the gazetteer of all seeds."""
    files, texts = folder_corpus(corpus, folder)
    if not files:
        return
    full = Gazetteer.from_annotations(corpus.actors, corpus.files, texts=corpus.texts.values())
    local = {a.id: a for f in files for a in f.actors}
    registry = Corpus(corpus.root, {**corpus.actors, **local}, corpus.places, files, texts, {})
    gazetteers = {f.article.file: full for f in files}
    counts, lines = evaluate(registry, files, texts, gazetteers, pipeline)
    report(title, counts, lines)


def throughput(corpus: Corpus, pipeline: str = AUTO) -> None:
    gaz = Gazetteer.from_specs(corpus.actors.values())
    x = Extractor(gaz, pipeline=pipeline)
    name, text = min(corpus.texts.items(), key=lambda kv: abs(len(kv[1].encode()) - 5000))
    runs = []
    for _ in range(30):
        t = time.perf_counter()
        x.extract(text, file=name)
        runs.append(time.perf_counter() - t)
    rdf = []
    for _ in range(10):
        t = time.perf_counter()
        to_turtle(x.extract(text, file=name))
        rdf.append(time.perf_counter() - t)
    t = time.perf_counter()
    Extractor(gaz, pipeline=pipeline)
    setup = time.perf_counter() - t
    print(f"\nThroughput on {name} ({len(text.encode()):,} bytes), one core:")
    print(f"  extraction:            {1 / statistics.median(runs):6.1f} articles/s")
    print(f"  extraction + Turtle:   {1 / statistics.median(rdf):6.1f} articles/s")
    print(f"  building the extractor (gazetteer of {len(gaz)} actors): {setup * 1000:.0f} ms, once")


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pipeline",
        default=AUTO,
        help="spaCy pipeline: auto (trained if installed), blank, or a package name",
    )
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput runs")
    parser.add_argument(
        "--dev",
        action="store_true",
        help="while writing rules: the seeds and the own articles only, not the untuned folder",
    )
    args = parser.parse_args(argv)
    corpus = load_corpus(ROOT / "seeds")
    print(f"Pipeline: {load_pipeline(args.pipeline).description}")
    if not args.dev:
        score_folder(
            corpus,
            ROOT / "seeds" / "untuned",
            "UNTUNED articles (seeds/untuned/: annotated before any rule saw them; never tuned "
            "on), gazetteer from all five seeds:",
            args.pipeline,
        )
    loao = {}
    for f in corpus.files:
        others = [g for g in corpus.files if g is not f]
        loao[f.article.file] = Gazetteer.from_annotations(
            corpus.actors, others, texts=[corpus.texts[g.article.file] for g in others]
        )
    counts, lines = evaluate(corpus, corpus.files, corpus.texts, loao, args.pipeline)
    report("Seed articles, leave-one-article-out:", counts, lines)
    score_folder(
        corpus,
        ROOT / "seeds" / "eval",
        "Own articles (seeds/eval/; the rules were tuned on these), gazetteer from all five seeds:",
        args.pipeline,
    )
    score_folder(
        corpus,
        ROOT / "seeds" / "dev",
        "Development articles (seeds/dev/; written for tuning the parse rules: tuned on), "
        "gazetteer from all five seeds:",
        args.pipeline,
    )
    if not args.no_speed:
        throughput(corpus, args.pipeline)


if __name__ == "__main__":
    main()


__all__ = ["ArticleSpec", "EventSpec", "main"]
