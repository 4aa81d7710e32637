"""Check one answer of the test client against what /api/schema/ documents for it."""

from __future__ import annotations

import requests
import schemathesis
from schemathesis.core.transport import Response


def assert_documented(client, method: str, path: str, response) -> None:
    """Raise unless ``response`` (a Django test response) is what the schema says ``method path``
    answers (``path`` as the schema writes it, with ``{name}`` parameters)."""
    raw = client.get("/api/schema/?format=json").json()
    operation = schemathesis.openapi.from_dict(raw)[path][method.upper()]
    answer = Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.items()},
        content=response.content,
        request=requests.Request(method.upper(), "http://testserver" + path).prepare(),
        elapsed=0.0,
        message="",
        encoding="utf-8",
        http_version="1.1",
        verify=False,
    )
    operation.validate_response(answer)
