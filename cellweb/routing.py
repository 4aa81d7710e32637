"""Websocket routes, gathered in one list for the ASGI router: one live route for every job."""

from django.urls import path

from cellweb.jobs.consumer import JobConsumer

websocket_urlpatterns = [
    path("ws/jobs/<slug:kind>/<int:job_id>/", JobConsumer.as_asgi()),
]
