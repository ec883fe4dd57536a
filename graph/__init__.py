"""actorgraph: a knowledge graph of political actors and their relationships, from news articles.

Start here. The entry points:

* :func:`graph.build.build` turns ``seeds/`` into the store (all or nothing);
* :class:`graph.store.Store` is the embedded pyoxigraph store (the only module that touches it);
* :func:`graph.validate.validate` checks data against the SHACL shapes;
* :mod:`graph.networks` answers ego-network and path questions.

>>> from graph import Store, build
>>> from graph.settings import PROJECT_ROOT
>>> store = Store.memory()
>>> result = build(PROJECT_ROOT / "seeds", store)
>>> result.report.conforms
True
>>> store.query("ASK { actor:john-nicholson ag:accused actor:russia }").boolean()
True
"""

from graph.build import build
from graph.errors import ActorGraphError, InvalidInput, NotFound, ValidationFailed
from graph.store import Store
from graph.validate import validate

__all__ = [
    "ActorGraphError",
    "InvalidInput",
    "NotFound",
    "Store",
    "ValidationFailed",
    "build",
    "validate",
]
