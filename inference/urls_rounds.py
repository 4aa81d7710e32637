"""Routes of retrain rounds: the project's rounds, one round, and their REST endpoints."""

from django.urls import path

from inference.apis import rounds as apis
from inference.views import rounds as views

urlpatterns = [
    path("projects/<slug:slug>/rounds/", views.rounds_page, name="rounds"),
    path("projects/<slug:slug>/rounds/<int:number>/", views.round_page, name="round"),
    path(
        "api/projects/<slug:slug>/retrain-rounds/",
        apis.ProjectRoundsApi.as_view(),
        name="api-retrain-rounds",
    ),
    path(
        "api/projects/<slug:slug>/retrain-round-settings/",
        apis.RoundSettingsApi.as_view(),
        name="api-retrain-round-settings",
    ),
]
