"""Routes of retrain rounds: the project's rounds and one round."""

from django.urls import path

from inference.views import rounds as views

urlpatterns = [
    path("projects/<slug:slug>/rounds/", views.rounds_page, name="rounds"),
    path("projects/<slug:slug>/rounds/<int:number>/", views.round_page, name="round"),
]
