"""The review queue's filter form: GET parameters that narrow what the queue lists."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms

from annotations.models import Project
from annotations.selectors.review import QueueFilter


class ReviewQueueFilterForm(forms.Form):
    """Specimen, "responses only", "stale only" and the page: a GET form, so a filtered queue
    is a link a reviewer can keep, and paging keeps the filters."""

    specimen = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All specimens", label="Specimen"
    )
    responses = forms.BooleanField(
        required=False, label="Responses only", help_text="Resubmitted after a send-back"
    )
    stale = forms.BooleanField(
        required=False,
        label="Stale only",
        help_text="An annotation changed after the section was confirmed",
    )
    page = forms.IntegerField(
        required=False, min_value=1, max_value=10**6, widget=forms.HiddenInput
    )

    def __init__(self, data, *, project: Project):
        super().__init__(data)
        self.fields["specimen"].queryset = project.specimens.order_by("name")

    def queue_filter(self) -> QueueFilter:
        data = self.cleaned_data
        specimen = data.get("specimen")
        return QueueFilter(
            specimen=specimen.pk if specimen is not None else None,
            responses=bool(data.get("responses")),
            stale=bool(data.get("stale")),
        )

    def page_number(self) -> int:
        return self.cleaned_data.get("page") or 1

    def query_for_page(self, page: int) -> str:
        """The query string of ``page`` of the same filtered queue."""
        only = self.queue_filter()
        params = {
            "specimen": only.specimen,
            "responses": "on" if only.responses else None,
            "stale": "on" if only.stale else None,
            "page": page if page > 1 else None,
        }
        return urlencode({key: value for key, value in params.items() if value is not None})
