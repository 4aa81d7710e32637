"""Routes of disagreement scoring (the queue mode "most informative first")."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import disagreement as apis
from inference.views.disagreement import disagreement_launch_page

urlpatterns = [
    path(
        "training-jobs/<dbid:job_id>/disagreement/",
        disagreement_launch_page,
        name="training-job-disagreement",
    ),
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
