"""Routes of learning curves: pages, the stored report files, and the job's REST endpoints."""

from django.urls import include, path

from annotations.urls_parts import job_rest, rest
from inference.apis import learning_curve as api
from inference.views import learning_curve as views

# Below learning-curves/<id>/: the page, then its stored files (``key`` picks one).
curve_pages = [
    path("", views.learning_curve_page, name="learning-curve"),
    *(
        path(filename, views.learning_curve_file, {"key": key}, name=f"learning-curve-{key}")
        for filename, key in (
            ("points.csv", "csv"),
            ("curve.png", "figure"),
            ("report.html", "report"),
        )
    ),
]

# Below api/learning-curves/<id>/
curve_api = job_rest(api.LearningCurveDetailApi, api.LearningCurveCancelApi, "api-learning-curve")

urlpatterns = [
    path(
        "projects/<slug:slug>/learning-curves/", views.learning_curves_page, name="learning-curves"
    ),
    path("learning-curves/<dbid:curve_id>/", include(curve_pages)),
    rest(
        "api/projects/<slug:slug>/learning-curves/",
        api.ProjectLearningCurvesApi,
        "api-learning-curves",
    ),
    path("api/learning-curves/<dbid:curve_id>/", include(curve_api)),
]
