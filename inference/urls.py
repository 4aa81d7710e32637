"""URL map of the inference app; each area keeps its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("inference.urls_training")),
    path("", include("inference.urls_evaluation")),
    path("", include("inference.urls_prediction")),
    path("", include("inference.urls_disagreement")),
    path("", include("inference.urls_rounds")),
]
