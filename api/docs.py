"""The interactive docs, served whole by the app: ``/docs`` (Swagger UI), ``/redoc`` (ReDoc).

Their scripts, stylesheet and favicon are files of this package (``api/static/``: upstream's npm
bundles at a pinned version, see ``api/static/README.md``), served under ``/static`` with a year's
cache (a new version is a new folder, hence a new URL). No page names another host, ReDoc gets no
Google Fonts, and each page's Content-Security-Policy lets the browser fetch from this origin only:
the docs work on a machine with no network, and nothing a bundle might reach for (ReDoc 2 shows
Redocly's logo from its CDN) is fetched. ``/openapi.json`` is FastAPI's, unchanged.

The API has no OAuth2 flow (stewards send a bearer token), so Swagger UI needs no OAuth2
redirect page.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["REDOC", "STATIC", "STATIC_URL", "SWAGGER_UI", "content_security_policy", "install_docs"]

#: The vendored files (api/static/README.md says where each comes from and how to update it).
STATIC = Path(__file__).parent / "static"
STATIC_URL = "/static"
#: Folders of STATIC, one per upstream package and version.
SWAGGER_UI = "swagger-ui-5.35.0"
REDOC = "redoc-2.5.4"

#: A year, and never revalidated: a file under /static is never changed in place.
CACHE_CONTROL = "public, max-age=31536000, immutable"
#: By suffix, so the answer does not depend on the machine's /etc/mime.types.
MEDIA_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def content_security_policy(html: str) -> str:
    """The policy of a docs page: everything from this origin only; the page's inline scripts by
    hash; inline styles (ReDoc's styled-components write ``<style>`` elements); images and fonts
    also from ``data:`` URIs (Swagger UI's stylesheet); ReDoc's search worker from a ``blob:``.

    >>> content_security_policy("<script>go()</script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    ]
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *hashes]),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
        ]
    )


def _page(response: HTMLResponse) -> HTMLResponse:
    html = bytes(response.body).decode()
    response.headers["Content-Security-Policy"] = content_security_policy(html)
    response.headers["Cache-Control"] = "no-cache"  # it names the assets' versions
    return response


class Assets(StaticFiles):
    """The files under ``api/static/`` with their media type and a year's cache."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        media_type = MEDIA_TYPES.get(Path(full_path).suffix)
        if media_type:
            response.headers["Content-Type"] = media_type
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def install_docs(app: FastAPI) -> None:
    """Serve ``/docs``, ``/redoc`` and ``/static`` on ``app`` (made with ``docs_url=None,
    redoc_url=None``)."""
    assert app.openapi_url is not None
    openapi_url = app.openapi_url
    app.mount(STATIC_URL, Assets(directory=STATIC), name="static")

    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "") + STATIC_URL
        return _page(
            get_swagger_ui_html(
                openapi_url=request.scope.get("root_path", "") + openapi_url,
                title=f"{app.title} — Swagger UI",
                swagger_js_url=f"{root}/{SWAGGER_UI}/swagger-ui-bundle.js",
                swagger_css_url=f"{root}/{SWAGGER_UI}/swagger-ui.css",
                swagger_favicon_url=f"{root}/favicon.svg",
                oauth2_redirect_url=None,
                # the default validator is a badge image from swagger.io (not in this layout)
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "") + STATIC_URL
        return _page(
            get_redoc_html(
                openapi_url=request.scope.get("root_path", "") + openapi_url,
                title=f"{app.title} — ReDoc",
                redoc_js_url=f"{root}/{REDOC}/redoc.standalone.js",
                redoc_favicon_url=f"{root}/favicon.svg",
                with_google_fonts=False,
            )
        )

    # as FastAPI adds its own: GET and HEAD, outside the schema
    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
