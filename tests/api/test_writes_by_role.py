"""Each role does only its own work: every route that takes a POST, PUT, PATCH or DELETE, called
by a signed-out visitor, by a manager of another project and by an annotator of this one, with
the ids of this project's objects (a section, an annotation, a membership, a job...).

The table, role × route → answer:

==========================  =====================================  ===========================
caller                      routes                                 answer
==========================  =====================================  ===========================
signed out                  every API route                        401 or 403 (405: no such
                                                                   method), nothing written
signed out                  every page                             to the sign-in page (405)
another project's manager   every route naming this project's      404 (405), nothing written
                            objects
annotator                   their own work (``ANNOTATOR_WORK``)    may write
annotator                   every other API route                  403 or 404 (405), nothing
                                                                   written
annotator                   every other page                       nothing written
==========================  =====================================  ===========================

The routes come from the URL configuration (``tests/helpers_routes.py``), so a route added later
is held to the table without editing this file.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotations.models import Project, Role
from tests.conftest import _member, signed_in
from tests.helpers_routes import concrete, routes

pytestmark = pytest.mark.usefixtures("known_nuclei")

WRITES = ("INSERT", "UPDATE", "DELETE")
METHODS = ("post", "put", "patch", "delete")
# An annotator's own work: their mask of a section, their queue, their display window.
ANNOTATOR_WORK = {
    ("put", "api/sections/<dbid:section_id>/annotations/mine/"),
    ("post", "api/sections/<dbid:section_id>/annotations/mine/reopen/"),
    ("post", "api/projects/<slug:slug>/annotate/next/"),
    ("post", "projects/<slug:slug>/annotate/next/"),
    ("put", "api/volumes/<dbid:volume_id>/display/"),
}
# A computation asked for with a POST that stores nothing (any member may ask).
POSTED_READS = {("post", "api/projects/<slug:slug>/training-estimate/")}


def writing_routes(ids) -> list[tuple[str, str, str]]:
    """``(method, route, url)`` for every method a route's view takes besides GET (a function
    view: POST), Django's own sign-in pages aside."""
    found = []
    for route, view in routes():
        if route.startswith("accounts/"):
            continue
        view_class = getattr(view, "view_class", None)
        methods = (
            ("post",) if view_class is None else [m for m in METHODS if hasattr(view_class, m)]
        )
        url = concrete(route, ids)
        assert url is not None, f"teach `ids` the parameters of {route}"
        found += [(method, route, url) for method in methods]
    return found


def call(client, method: str, url: str):
    """The answer and the writes it made."""
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, {}, content_type="application/json")
    writes = [
        q["sql"][:100] for q in queries.captured_queries if q["sql"].lstrip().startswith(WRITES)
    ]
    return response, writes


@pytest.fixture
def table(ids, manager):
    return writing_routes(ids)


def test_signed_out_visitors_change_nothing(table):
    wrong = []
    for method, _route, url in table:
        response, writes = call(Client(), method, url)
        code = response.status_code
        if url.startswith("/api/"):
            refused = code in (401, 403, 405)
        else:
            refused = code == 405 or (
                code == 302 and response["Location"].startswith("/accounts/login/")
            )
        if not refused or writes:
            wrong.append(f"{method.upper()} {url}: {code} {writes}")
    assert not wrong, "\n".join(wrong)


def test_a_manager_of_another_project_gets_404_for_this_projects_objects(table):
    other = Project.objects.create(slug="other", name="Other project")
    client = signed_in(_member(other, "sam", Role.MANAGER))
    wrong = []
    for method, route, url in table:
        if "<" not in route:  # not about one project: creating a project, the home page
            continue
        response, writes = call(client, method, url)
        if response.status_code not in (404, 405) or writes:
            wrong.append(f"{method.upper()} {url}: {response.status_code} {writes}")
    assert not wrong, "\n".join(wrong)


def test_an_annotator_writes_only_their_own_work(table, annotator):
    client = signed_in(annotator)
    wrong = []
    for method, route, url in table:
        if (method, route) in ANNOTATOR_WORK:
            continue
        response, writes = call(client, method, url)
        code = response.status_code
        refused = (
            code in (403, 404, 405)
            or not url.startswith("/api/")
            or "<" not in route
            or ((method, route) in POSTED_READS and code == 200)
        )
        if not refused or writes:
            wrong.append(f"{method.upper()} {url}: {code} {writes}")
    assert not wrong, "\n".join(wrong)
    # The own work is reachable: the table does not pass by refusing everything.
    mine = [url for method, route, url in table if (method, route) in ANNOTATOR_WORK]
    assert len(mine) == len(ANNOTATOR_WORK)
