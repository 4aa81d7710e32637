"""A GET never writes: every route of the site, read by each member of the cast of a project
with data in every room (sections, annotations, an import, a training job, an evaluation, a
prediction, a learning curve), runs no INSERT, UPDATE or DELETE and leaves the media folder as it was.

The routes and their ids come from ``tests/helpers_routes.py`` (a route whose path names an id it
does not know fails the test until ``ids`` learns it). Slower than most tests (the data behind
every page: a real evaluation and prediction run here), and still cheaper than a write check in
each page's own test.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import signed_in
from tests.helpers_routes import concrete, routes

pytestmark = pytest.mark.usefixtures("known_nuclei")

WRITES = ("INSERT", "UPDATE", "DELETE")
# Built for each download (seconds each): read once, by the manager.
SLOW = ("/bioimageio/",)


def answers_get(view) -> bool:
    view_class = getattr(view, "view_class", None)
    return view_class is None or hasattr(view_class, "get")


def media_state(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def test_no_get_of_any_route_writes_for_any_member(
    ids, manager, annotator, reviewer, outsider, media_root
):
    readable = [(route, concrete(route, ids)) for route, view in routes() if answers_get(view)]
    unknown = [route for route, url in readable if url is None]
    assert not unknown, f"teach `ids` the parameters of {unknown}"
    before = media_state(media_root)
    writes: list[str] = []
    answered: dict[str, set[int]] = {}
    for user in (manager, annotator, reviewer, outsider):
        client = signed_in(user)
        for _, url in readable:
            if user != manager and any(part in url for part in SLOW):
                continue
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            answered.setdefault(url, set()).add(response.status_code)
            writes += [
                f"{user.username} GET {url}: {query['sql'][:120]}"
                for query in queries.captured_queries
                if query["sql"].lstrip().upper().startswith(WRITES)
            ]
    assert not writes, "\n".join(writes)
    assert media_state(media_root) == before
    # The walk reached the pages behind the ids, not only their refusals.
    shown = [url for url, codes in answered.items() if 200 in codes]
    assert len(shown) >= 0.8 * len(answered), sorted(set(answered) - set(shown))
