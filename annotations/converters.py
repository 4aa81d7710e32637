"""URL path converters (``dbid`` is used by the routes of every app).

Importing this module registers them.
"""

from django.urls import register_converter


class DatabaseIdConverter:
    """A positive id that fits a 64-bit key, so an absurd id is a 404 rather than a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))


register_converter(DatabaseIdConverter, "dbid")
