"""Routes of prediction: pages, downloads and REST endpoints."""

from django.urls import include, path

from annotations.urls_parts import job_rest, rest
from inference.apis import prediction as api
from inference.apis.proposals import SectionProposalApi
from inference.views import prediction as views

# Below predictions/<id>/: the page and its downloads
prediction_pages = [
    path("", views.prediction_page, name="prediction"),
    path("nuclei.csv", views.prediction_csv, name="prediction-csv"),
    path("labels/<dbid:volume_id>.tif", views.prediction_labels, name="prediction-labels"),
    path("ortho/<dbid:volume_id>.png", views.prediction_orthoviews, name="prediction-ortho"),
]

# Below api/projects/<slug>/
project_api = [
    rest("predictions/", api.ProjectPredictionsApi, "api-predictions"),
    rest("prediction-settings/", api.PredictionSettingsApi, "api-prediction-settings"),
]

# Below api/predictions/<id>/
prediction_api = [
    *job_rest(api.PredictionDetailApi, api.PredictionCancelApi, "api-prediction"),
    rest("nuclei/", api.PredictionNucleiApi, "api-prediction-nuclei"),
    rest("series/", api.PredictionSeriesApi, "api-prediction-series"),
]

# Below api/sections/<id>/
section_api = [
    rest("nuclei/", api.SectionNucleiApi, "api-section-nuclei"),
    rest("proposal.png", SectionProposalApi, "api-section-proposal"),
]

urlpatterns = [
    # Pages and downloads
    path("projects/<slug:slug>/predictions/", views.predictions_page, name="predictions"),
    path("predictions/<dbid:prediction_id>/", include(prediction_pages)),
    # REST
    path("api/projects/<slug:slug>/", include(project_api)),
    path("api/predictions/<dbid:prediction_id>/", include(prediction_api)),
    path("api/sections/<dbid:section_id>/", include(section_api)),
]
