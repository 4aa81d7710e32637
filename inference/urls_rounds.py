"""Routes of retrain rounds: the project's rounds, one round, and their REST endpoints."""

from django.urls import include, path

from annotations.urls_parts import rest
from inference.apis import rounds as api
from inference.views import rounds as views

# Below api/projects/<slug>/
project_api = [
    rest("retrain-rounds/", api.ProjectRoundsApi, "api-retrain-rounds"),
    rest("retrain-round-settings/", api.RoundSettingsApi, "api-retrain-round-settings"),
]

urlpatterns = [
    path("projects/<slug:slug>/rounds/", views.rounds_page, name="rounds"),
    path("projects/<slug:slug>/rounds/<int:number>/", views.round_page, name="round"),
    path("api/projects/<slug:slug>/", include(project_api)),
]
