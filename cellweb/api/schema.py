"""The OpenAPI schema class: every operation documents the error answers it can give.

An endpoint lists its own error codes with ``error_responses`` where it has something to say
about them; the ones any endpoint can give are added here in the one error shape: 403 (not
signed in, or no role), 404 (no such object, or an address under /api/ that matches nothing)
and, for operations that take a body, 400, 413 and 415.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema

from .inputs import error_responses

_ALWAYS = (400, 403, 404)
_WITH_BODY = (413, 415)


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        codes = _ALWAYS + (_WITH_BODY if self.method in ("POST", "PUT", "PATCH") else ())
        for code, answer in error_responses(*codes).items():
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(answer, str(code))
        return responses
