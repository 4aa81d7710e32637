"""The registry finds the apps' job kinds once, and a thread that asks while another is still
importing them waits for them instead of being told the kind is unknown."""

from __future__ import annotations

import importlib
import threading
import time

# The module (the package re-exports a function of the same name).
registry = importlib.import_module("cellweb.jobs.kinds")


def test_a_second_thread_asking_during_discovery_finds_the_kind(monkeypatch):
    started = threading.Event()

    def slow_discovery(module_name: str) -> None:
        assert module_name == "job_kinds"
        started.set()
        time.sleep(0.2)  # the imports of the apps' job_kinds modules take a while
        registry._KINDS["slow_chore"] = object()

    monkeypatch.setattr(registry, "autodiscover_modules", slow_discovery)
    monkeypatch.setattr(registry, "_discovered", False)
    monkeypatch.setitem(registry._KINDS, "placeholder", object())
    found: dict[str, object] = {}

    first = threading.Thread(
        target=lambda: found.setdefault("first", registry.get_kind("slow_chore"))
    )
    first.start()
    started.wait(5)
    found["second"] = registry.get_kind("slow_chore")
    first.join(5)

    assert found["first"] is not None and found["second"] is found["first"]
    registry._KINDS.pop("slow_chore", None)
