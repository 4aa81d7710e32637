"""The user a command names with ``--user``: one clear error for a name nobody has."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def user_named(username: str | None):
    """The user named by --user, or None (the command acts as no one in particular)."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user “{username}”.")
    return user
