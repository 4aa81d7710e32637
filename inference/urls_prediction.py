"""Routes of prediction: pages, downloads and REST endpoints."""

from annotations.urls_parts import job_rest, page, rest, routes
from inference.apis import prediction as api
from inference.apis.proposals import SectionProposalApi
from inference.views import prediction as views

ROUTES = {
    # Pages and downloads
    "projects/<slug:slug>/predictions/": page(views.predictions_page, "predictions"),
    "predictions/<dbid:prediction_id>/": {
        "": page(views.prediction_page, "prediction"),
        "nuclei.csv": page(views.prediction_csv, "prediction-csv"),
        "labels/<dbid:volume_id>.tif": page(views.prediction_labels, "prediction-labels"),
        "ortho/<dbid:volume_id>.png": page(views.prediction_orthoviews, "prediction-ortho"),
    },
    # REST
    "api/projects/<slug:slug>/": {
        "predictions/": rest(api.ProjectPredictionsApi, "api-predictions"),
        "prediction-settings/": rest(api.PredictionSettingsApi, "api-prediction-settings"),
    },
    "api/predictions/<dbid:prediction_id>/": {
        **job_rest(api.PredictionDetailApi, api.PredictionCancelApi, "api-prediction"),
        "nuclei/": rest(api.PredictionNucleiApi, "api-prediction-nuclei"),
        "series/": rest(api.PredictionSeriesApi, "api-prediction-series"),
    },
    "api/sections/<dbid:section_id>/": {
        "nuclei/": rest(api.SectionNucleiApi, "api-section-nuclei"),
        "proposal.png": rest(SectionProposalApi, "api-section-proposal"),
    },
}

urlpatterns = routes(ROUTES)
