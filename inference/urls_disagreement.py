"""Routes of disagreement scoring (the queue mode "most informative first")."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import disagreement as apis

urlpatterns = [
    path(
        "api/projects/<slug:slug>/disagreement/",
        apis.ProjectDisagreementApi.as_view(),
        name="api-disagreement-launch",
    ),
    path(
        "api/disagreement/<dbid:job_id>/",
        apis.DisagreementDetailApi.as_view(),
        name="api-disagreement",
    ),
    path(
        "api/disagreement/<dbid:job_id>/cancel/",
        apis.DisagreementCancelApi.as_view(),
        name="api-disagreement-cancel",
    ),
]
