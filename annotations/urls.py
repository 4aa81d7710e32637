"""URL map of the annotations app; each area keeps its own module."""

from django.urls import include, path

urlpatterns = [
    path("", include("annotations.urls_data")),
    path("", include("annotations.urls_annotate")),
    path("", include("annotations.urls_review")),
]
