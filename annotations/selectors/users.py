"""Reads about people by name."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cellweb.errors import InvalidInput


def user_ids_by_name(names) -> list[int]:
    """The ids of the users called ``names``; a 400 that names every unknown one."""
    wanted = sorted(set(names))
    found = dict(get_user_model().objects.filter(username__in=wanted).values_list("username", "pk"))
    unknown = [name for name in wanted if name not in found]
    if unknown:
        raise InvalidInput(f"No annotator called {', '.join(unknown)}.")
    return [found[name] for name in wanted]
