"""Fixtures for the unit tests of pure code."""

from __future__ import annotations

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
