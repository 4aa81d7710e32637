"""The launch form of a job list page: bound and launched on a POST, blank for a manager."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.test import RequestFactory

from cellweb.errors import ConflictError
from inference.views.launch import launch_form


class _Form(forms.Form):
    size = forms.IntegerField(min_value=1)


class _RefusingForm(_Form):
    refusal_status = 400

    def add_refusal(self, error) -> None:
        self.refusal_status = error.status_code
        self.add_error("size", error.message)


def _request(method: str = "get", data: dict | None = None):
    request = getattr(RequestFactory(), method)("/projects/lab/evaluations/", data or {})
    request._messages = CookieStorage(request)
    return request


def _job(pk: int = 7):
    return SimpleNamespace(pk=pk, _meta=SimpleNamespace(verbose_name="evaluation"))


def test_a_managers_get_has_a_blank_form_with_the_initial_values():
    launched = launch_form(
        _request(), {"is_manager": True}, _Form, _job, page="evaluation", initial={"size": 3}
    )
    assert not launched.form.is_bound
    assert launched.form.initial == {"size": 3}
    assert launched.status == 200 and launched.answer is None


def test_anyone_else_has_no_form():
    launched = launch_form(_request(), {"is_manager": False}, _Form, _job, page="evaluation")
    assert launched.form is None
    assert launched.status == 200 and launched.answer is None


def test_a_valid_post_launches_and_redirects_to_the_live_page():
    request = _request("post", {"size": "5"})
    calls = []

    def launch(form):
        calls.append(form.cleaned_data["size"])
        return _job(11)

    launched = launch_form(request, {"is_manager": True}, _Form, launch, page="evaluation")
    assert calls == [5]
    assert launched.answer.status_code == 302
    assert launched.answer["Location"] == "/evaluations/11/"
    assert [str(m) for m in get_messages(request)] == [
        "Evaluation 11 launched; this page follows it live."
    ]


def test_an_invalid_post_shows_the_bound_form_under_400_without_launching():
    calls = []
    launched = launch_form(
        _request("post", {"size": "0"}),
        {"is_manager": True},
        _Form,
        lambda form: calls.append(form) or _job(),
        page="evaluation",
    )
    assert calls == []
    assert launched.answer is None and launched.status == 400
    assert launched.form.is_bound and "size" in launched.form.errors


def test_a_refused_launch_answers_with_the_forms_refusal_status():
    def launch(form):
        raise ConflictError("A job is already running.", code="job_running")

    launched = launch_form(
        _request("post", {"size": "2"}), {"is_manager": True}, _RefusingForm, launch, page="x"
    )
    assert launched.answer is None
    assert launched.status == ConflictError.status_code == 409
    assert launched.form.errors["size"] == ["A job is already running."]
