"""Routes of learning curves: pages, the stored report files, and the job's REST endpoints."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import learning_curve as apis
from inference.views import learning_curve as views

urlpatterns = [
    path(
        "projects/<slug:slug>/learning-curves/",
        views.learning_curves_page,
        name="learning-curves",
    ),
    path("learning-curves/<dbid:curve_id>/", views.learning_curve_page, name="learning-curve"),
    path(
        "learning-curves/<dbid:curve_id>/points.csv",
        views.learning_curve_file,
        {"key": "csv"},
        name="learning-curve-csv",
    ),
    path(
        "learning-curves/<dbid:curve_id>/curve.png",
        views.learning_curve_file,
        {"key": "figure"},
        name="learning-curve-figure",
    ),
    path(
        "learning-curves/<dbid:curve_id>/report.html",
        views.learning_curve_file,
        {"key": "report"},
        name="learning-curve-report",
    ),
    path(
        "api/projects/<slug:slug>/learning-curves/",
        apis.ProjectLearningCurvesApi.as_view(),
        name="api-learning-curves",
    ),
    path(
        "api/learning-curves/<dbid:curve_id>/",
        apis.LearningCurveDetailApi.as_view(),
        name="api-learning-curve",
    ),
    path(
        "api/learning-curves/<dbid:curve_id>/cancel/",
        apis.LearningCurveCancelApi.as_view(),
        name="api-learning-curve-cancel",
    ),
]
