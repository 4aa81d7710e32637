"""The route tables of every app's URL modules: each maps a route to the page or REST view it
serves (with its URL name), or to a nested table of the routes below it. Importing this module
registers the ``dbid`` path converter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import include, path

import annotations.converters  # noqa: F401  (registers the "dbid" path converter)


@dataclass(frozen=True)
class Target:
    """What a route serves: ``view``, named ``name``, called with ``kwargs`` besides the URL's."""

    view: Callable
    name: str
    kwargs: dict = field(default_factory=dict)


def page(view: Callable, name: str, **kwargs) -> Target:
    """A page (a view function) named ``name``; ``kwargs`` go to the view."""
    return Target(view, name, kwargs)


def rest(view_class, name: str) -> Target:
    """A REST endpoint served by the API view class ``view_class``, named ``name``."""
    return Target(view_class.as_view(), name)


def job_rest(detail, cancel, name: str) -> dict[str, Target]:
    """The routes below a job's REST address: its snapshot (``""``, named ``name``) and its
    cancel (``"cancel/"``, named ``name-cancel``)."""
    return {"": rest(detail, name), "cancel/": rest(cancel, f"{name}-cancel")}


def routes(table: dict) -> list:
    """The URL patterns of ``table`` (route -> ``Target``, or route -> the table below it), in
    its order."""
    return [
        path(route, include(routes(target)))
        if isinstance(target, dict)
        else path(route, target.view, target.kwargs, name=target.name)
        for route, target in table.items()
    ]
