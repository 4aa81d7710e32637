"""Websocket routes of the inference app (live job progress); see ``inference.consumers``."""

from django.urls import path

from inference.consumers import JobConsumer

websocket_urlpatterns: list = [
    path("ws/jobs/<int:job_id>/", JobConsumer.as_asgi()),
    path("ws/jobs/<slug:kind>/<int:job_id>/", JobConsumer.as_asgi()),
]
