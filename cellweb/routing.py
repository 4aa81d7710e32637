"""Websocket routes, gathered in one list for the ASGI router: one live route for every job,
and one for a section's review notices."""

from django.urls import path

from annotations.consumers import SectionConsumer
from cellweb.jobs.consumer import JobConsumer

websocket_urlpatterns = [
    path("ws/jobs/<slug:kind>/<int:job_id>/", JobConsumer.as_asgi()),
    path("ws/sections/<int:section_id>/", SectionConsumer.as_asgi()),
]
