"""The actorgraph HTTP API: a SPARQL 1.1 endpoint, ego networks and lookups for the visualiser.

Build an app with :func:`api.app.create_app` (there is no module-level app except the uvicorn
shim :func:`api.app.factory`).
"""

from api.app import create_app

__all__ = ["create_app"]
