"""What the proposal front must know about a project, kept in the shared cache.

The front answers ``GET /api/sections/<id>/proposal.png`` without the database when it can, so
it reads the project's active model version (id, name, modalities), whether it offers proposals
at all and its "first K without a proposal" setting from one cache entry per project. Whatever
changes them publishes the entry again after its commit (``proposal_state_publish``: activating a version, saving the project's
settings); a reader that finds no entry loads it from the database and adds it only if nobody
published meanwhile (``cache.add``), so a slow reader cannot put an old version back.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache, caches

from annotations.models import Project, ProposalMode
from inference.models import ModelVersion

__all__ = ["ProposalState", "proposal_state", "proposal_state_in_cache", "proposal_state_publish"]

_TIMEOUT_S = 24 * 3600


@dataclass(frozen=True)
class ProposalState:
    version_id: int | None
    version_name: str = ""
    modalities: tuple[str, ...] = ()
    before_proposals: int = 0  # the project's K
    # The project's proposal setting is "off": no proposal is served, stored or not.
    proposals_off: bool = False


def _key(project_id: int) -> str:
    return f"proposal-state:v2:{project_id}"


def _load(project_id: int) -> ProposalState:
    first, mode = (
        Project.objects.filter(pk=project_id)
        .values_list("annotations_before_proposals", "proposals")
        .first()
    ) or (0, ProposalMode.OFF)
    off = mode == ProposalMode.OFF
    version = (
        ModelVersion.objects.filter(project_id=project_id, is_active=True)
        .only("pk", "name", "config")
        .first()
    )
    if version is None:
        return ProposalState(None, before_proposals=first or 0, proposals_off=off)
    modalities = tuple(sorted((version.config or {}).get("modalities") or []))
    return ProposalState(version.pk, version.name, modalities, first or 0, off)


@lru_cache(maxsize=1)
def _loop_cache():
    """One client for reads on the server's event loop (see section_images.grants)."""
    return caches.create_connection("default")


def proposal_state_in_cache(project_id: int) -> ProposalState | None:
    """The published state, or None when there is none (or the cache cannot be read)."""
    try:
        state = _loop_cache().get(_key(project_id))
    except Exception:
        return None
    return state if isinstance(state, ProposalState) else None


def proposal_state(project_id: int) -> ProposalState:
    """The state from the cache, else from the database (and added to the cache)."""
    state = proposal_state_in_cache(project_id)
    if state is None:
        state = _load(project_id)
        with contextlib.suppress(Exception):  # an unreachable cache only costs the next reader
            cache.add(_key(project_id), state, _TIMEOUT_S)
    return state


def proposal_state_publish(project_id: int) -> None:
    """Write the state now in the database; call after the commit that changed it. If the
    cache cannot be written it cannot be read either: readers then load from the database."""
    with contextlib.suppress(Exception):
        cache.set(_key(project_id), _load(project_id), _TIMEOUT_S)
