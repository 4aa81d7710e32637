"""Routes of disagreement scoring (the queue mode "most informative first")."""

from annotations.urls_parts import job_rest, page, rest, routes
from inference.apis import disagreement as api
from inference.views.disagreement import disagreement_launch_page

ROUTES = {
    "training-jobs/<dbid:job_id>/disagreement/": page(
        disagreement_launch_page, "training-job-disagreement"
    ),
    "api/projects/<slug:slug>/disagreement/": rest(
        api.ProjectDisagreementApi, "api-disagreement-launch"
    ),
    "api/disagreement/<dbid:job_id>/": job_rest(
        api.DisagreementDetailApi, api.DisagreementCancelApi, "api-disagreement"
    ),
}

urlpatterns = routes(ROUTES)
