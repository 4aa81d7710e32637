"""Routes of learning curves: pages, the stored report files, and the job's REST endpoints."""

from annotations.urls_parts import job_rest, page, rest, routes
from inference.apis import learning_curve as api
from inference.views import learning_curve as views

ROUTES = {
    "projects/<slug:slug>/learning-curves/": page(views.learning_curves_page, "learning-curves"),
    # The page, then its stored files (``key`` picks one)
    "learning-curves/<dbid:curve_id>/": {
        "": page(views.learning_curve_page, "learning-curve"),
        "points.csv": page(views.learning_curve_file, "learning-curve-csv", key="csv"),
        "curve.png": page(views.learning_curve_file, "learning-curve-figure", key="figure"),
        "report.html": page(views.learning_curve_file, "learning-curve-report", key="report"),
    },
    "api/projects/<slug:slug>/learning-curves/": rest(
        api.ProjectLearningCurvesApi, "api-learning-curves"
    ),
    "api/learning-curves/<dbid:curve_id>/": job_rest(
        api.LearningCurveDetailApi, api.LearningCurveCancelApi, "api-learning-curve"
    ),
}

urlpatterns = routes(ROUTES)
