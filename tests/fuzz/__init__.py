"""Fuzzing in CI: bounded, deterministic, against the real app (lifespan, store, query workers).

* ``test_openapi.py`` — Schemathesis over the OpenAPI schema the app publishes: every operation,
  its examples, coverage cases and 20 generated cases (valid and invalid), once per check: no
  server error, documented status code, documented content type, body matching the schema.
* ``test_negotiation.py``, ``test_names.py``, ``test_parameters.py``, ``test_sparql.py``,
  ``test_payloads.py`` — Hypothesis properties of what parses user input: ``Accept`` headers,
  actor names, dates and query parameters, SPARQL parameters and bodies, RDF and article bodies.
* ``test_writes.py`` — what the fuzzer's writes did to the reads (a regression test).

Run: ``.venv/bin/python -m pytest tests/fuzz -q`` (about 2 minutes on 2 cores); leave it out with
``-m "not fuzz"``. Every run generates the same inputs (``derandomize``, no example database):
a failure reproduces by running the test again, and its falsifying example is printed.

Deeper, slower exploration (not in CI): serve the app and point the Schemathesis CLI at it, e.g.
``ACTORGRAPH_STEWARD_TOKENS=fuzz:<32 chars> ACTORGRAPH_QUERY_TIMEOUT=3 uvicorn --factory
api.app:factory --port 8731`` then ``st run http://127.0.0.1:8731/openapi.json -n 150 -w 1
--continue-on-failure -H "Authorization: Bearer <32 chars>" -c not_a_server_error,
status_code_conformance,content_type_conformance,response_schema_conformance`` (with a hooks
module, ``SCHEMATHESIS_HOOKS``, that aliases the RDF and SPARQL media types to ``text/plain``,
as ``test_openapi.py`` does). Its stateful phase is what found the bug ``test_writes.py`` pins.
"""
