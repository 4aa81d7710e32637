"""Building blocks of every app's URL modules: a REST view's route, and a job's REST snapshot
with its cancel endpoint. Importing this module registers the ``dbid`` path converter."""

from django.urls import path

import annotations.converters  # noqa: F401  (registers the "dbid" path converter)


def rest(route: str, view, name: str):
    """``route`` answered by the REST view class ``view``, named ``name``."""
    return path(route, view.as_view(), name=name)


def job_rest(detail, cancel, name: str) -> list:
    """The routes below a job's REST address: its snapshot (``""``, named ``name``) and its
    cancel (``"cancel/"``, named ``name-cancel``)."""
    return [rest("", detail, name), rest("cancel/", cancel, f"{name}-cancel")]
