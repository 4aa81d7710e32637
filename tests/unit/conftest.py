"""Fixtures for the unit tests: torch on one thread, no network."""

from __future__ import annotations

import socket

import pytest

# Offered to every unit test: torch on one thread, and ``five_cells`` of the training tests.
from tests.helpers_training import five_specimens, single_thread_torch  # noqa: F401


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: the code under test works offline."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
