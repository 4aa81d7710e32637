"""Routes of disagreement scoring (the queue mode "most informative first")."""

from django.urls import include, path

from annotations.urls_parts import job_rest, rest
from inference.apis import disagreement as api
from inference.views.disagreement import disagreement_launch_page

# Below api/disagreement/<id>/
scoring_api = job_rest(api.DisagreementDetailApi, api.DisagreementCancelApi, "api-disagreement")

urlpatterns = [
    path(
        "training-jobs/<dbid:job_id>/disagreement/",
        disagreement_launch_page,
        name="training-job-disagreement",
    ),
    rest(
        "api/projects/<slug:slug>/disagreement/",
        api.ProjectDisagreementApi,
        "api-disagreement-launch",
    ),
    path("api/disagreement/<dbid:job_id>/", include(scoring_api)),
]
