"""Websocket routes of every app, gathered in one list for the ASGI router."""

from inference.routing import websocket_urlpatterns as inference_routes

websocket_urlpatterns = [*inference_routes]
