"""``/articles/{article}/text``: the text of an article, for the explorer page to show a quote
where it stands (``GET /events/{id}`` gives its character offsets in this text).

The text is the one the store holds (``schema:articleBody``, for the seeds and for every article a
batch brought); a store built before articles carried their text falls back to the file the store
names (``ag:sourceFile``) in the seeds' ``articles/`` directory: the client names an article, never
a path.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import Response

from api.deps import SettingsDep, SnapshotDep
from graph.errors import NotFound
from graph.lookups import article_detail
from graph.lookups import article_text as stored_text

__all__ = ["router"]

router = APIRouter(prefix="/articles", tags=["articles"])

TEXT = "text/plain; charset=utf-8"
#: What a seed article's file name looks like (``003_67a6b126cbf451ca.txt``): no directory part.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")

_NOT_FOUND_EXAMPLE: dict[str, Any] = {
    "type": "https://w3id.org/actorgraph/problems/not-found",
    "title": "Not found",
    "status": 404,
    "detail": "no article 'sputnik-2018-03-29'",
}


@router.get(
    "/{article:path}/text",
    summary="The text of an article",
    response_class=Response,
    responses={
        200: {
            "description": "The article's text, as annotated: the `start`/`end` offsets of an "
            "event's `evidence` count Unicode characters in it from 0.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        404: {
            "description": "No article has this id, or its text is not on this server.",
            "content": {"application/problem+json": {"example": _NOT_FOUND_EXAMPLE}},
        },
    },
)
def article_text(
    snapshot: SnapshotDep,
    settings: SettingsDep,
    article: Annotated[
        str,
        Path(
            description="An article: its IRI (an event's `article.iri` or `evidence[].article`), "
            "a CURIE (`article:…`) or its id.",
            openapi_examples={
                "id": {
                    "summary": "An article by its id",
                    "value": "unknown-2016-russia-disengaging-us-afghanistan",
                },
                "iri": {
                    "summary": "An article by its IRI",
                    "value": "https://w3id.org/actorgraph/id/article/"
                    "sputnik-2018-03-29-us-accuses-russia-arming-taliban",
                },
            },
        ),
    ],
) -> Response:
    """The article's text file, unchanged (UTF-8): `text[start:end]` is the quote of an evidence
    whose `article` is this one."""
    detail = article_detail(snapshot.store, article)
    text = stored_text(snapshot.store, detail)
    if text is not None:
        return Response(text.encode("utf-8"), media_type=TEXT)
    folder = (settings.seeds_path / "articles").resolve()  # a store built before texts were stored
    if detail.file is None or not _FILE_NAME.fullmatch(detail.file):
        raise NotFound(f"the text of article {article!r} is not on this server")
    path = folder / detail.file
    if path.parent != folder or not path.is_file():
        raise NotFound(f"the text of article {article!r} is not on this server")
    return Response(path.read_bytes(), media_type=TEXT)
