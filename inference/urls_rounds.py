"""Routes of retrain rounds: the project's rounds, one round, and their REST endpoints."""

from annotations.urls_parts import page, rest, routes
from inference.apis import round_source
from inference.apis import rounds as api
from inference.views import rounds as views

ROUTES = {
    "projects/<slug:slug>/rounds/": page(views.rounds_page, "rounds"),
    "projects/<slug:slug>/rounds/<int:number>/": page(views.round_page, "round"),
    "api/projects/<slug:slug>/": {
        "retrain-rounds/": rest(api.ProjectRoundsApi, "api-retrain-rounds"),
        "retrain-round-settings/": rest(api.RoundSettingsApi, "api-retrain-round-settings"),
        "retrain-round-source/": rest(round_source.RoundSourceApi, "api-retrain-round-source"),
    },
}

urlpatterns = routes(ROUTES)
