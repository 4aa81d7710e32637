"""Fixtures for the unit tests of pure code."""

from __future__ import annotations

import socket

import pytest
import torch


@pytest.fixture
def one_torch_thread():
    """Run a test's torch work on one thread: tiny tensors gain nothing from a second one, and
    on a busy shared machine its spinning turns a seconds-long training run into minutes."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test: the code under test works offline."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
