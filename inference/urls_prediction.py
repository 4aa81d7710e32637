"""Routes of prediction: pages, downloads and REST endpoints."""

from django.urls import path

import annotations.urls_data  # noqa: F401  (registers the "dbid" path converter)
from inference.apis import prediction as apis
from inference.apis.proposals import SectionProposalApi
from inference.views import prediction as views

urlpatterns = [
    # Pages and downloads
    path("projects/<slug:slug>/predictions/", views.predictions_page, name="predictions"),
    path("predictions/<dbid:prediction_id>/", views.prediction_page, name="prediction"),
    path(
        "predictions/<dbid:prediction_id>/nuclei.csv",
        views.prediction_csv,
        name="prediction-csv",
    ),
    path(
        "predictions/<dbid:prediction_id>/labels/<dbid:volume_id>.tif",
        views.prediction_labels,
        name="prediction-labels",
    ),
    path(
        "predictions/<dbid:prediction_id>/ortho/<dbid:volume_id>.png",
        views.prediction_orthoviews,
        name="prediction-ortho",
    ),
    # REST
    path(
        "api/projects/<slug:slug>/predictions/",
        apis.ProjectPredictionsApi.as_view(),
        name="api-predictions",
    ),
    path(
        "api/projects/<slug:slug>/prediction-settings/",
        apis.PredictionSettingsApi.as_view(),
        name="api-prediction-settings",
    ),
    path(
        "api/predictions/<dbid:prediction_id>/",
        apis.PredictionDetailApi.as_view(),
        name="api-prediction",
    ),
    path(
        "api/predictions/<dbid:prediction_id>/cancel/",
        apis.PredictionCancelApi.as_view(),
        name="api-prediction-cancel",
    ),
    path(
        "api/predictions/<dbid:prediction_id>/nuclei/",
        apis.PredictionNucleiApi.as_view(),
        name="api-prediction-nuclei",
    ),
    path(
        "api/predictions/<dbid:prediction_id>/series/",
        apis.PredictionSeriesApi.as_view(),
        name="api-prediction-series",
    ),
    path(
        "api/sections/<dbid:section_id>/nuclei/",
        apis.SectionNucleiApi.as_view(),
        name="api-section-nuclei",
    ),
    path(
        "api/sections/<dbid:section_id>/proposal.png",
        SectionProposalApi.as_view(),
        name="api-section-proposal",
    ),
]
