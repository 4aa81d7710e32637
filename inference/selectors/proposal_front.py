"""Answering ``GET /api/sections/<id>/proposal.png`` in front of Django, for stored proposals.

The same two ways as section images (``annotations.selectors.section_images``): from memory
(the section's source and the session's grant known in this process, the project's proposal
state read from the shared cache, the PNG in this process's memory) or, in a worker thread,
with the session check, the state from the database when the cache has none, the first-K
count and the stored PNG. Either returns None for anything but a stored proposal served as it
is: no session, an outsider, a project whose proposal setting is off, no active model, another
modality, a section still waiting for its first K annotations without a proposal, or no stored
proposal. The Django view then
answers it (its usual 404, 409, or a proposal computed on demand).

A PNG is kept under its section and model version, and the version is the one the project's
state names now, so a proposal of an older version is never served for a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotations.models import LABEL_FREE_MODALITIES
from annotations.selectors.annotation.independence import proposals_withheld_reason
from annotations.selectors.section_images import (
    SectionSource,
    section_source,
    section_source_in_memory,
    session_granted,
)
from annotations.selectors.section_images.grants import process_grants
from annotations.selectors.section_images.pngs import png_memory
from inference.models import StoredProposal
from inference.selectors.proposal_state import (
    ProposalState,
    proposal_state,
    proposal_state_in_cache,
)
from inference.selectors.proposals import proposal_refusal

__all__ = ["ProposalAnswer", "proposal_answer", "proposal_answer_from_memory"]

_SOURCES_MAX = 20_000
# (section id, version id) -> the stored proposal's source; its PNG is in ``png_memory``.
_sources: dict[tuple[int, int], str] = {}


@dataclass(frozen=True)
class ProposalAnswer:
    png: bytes
    version_id: int
    version_name: str
    source: str


def _memory_key(section_id: int, version_id: int) -> str:
    return f"proposal-front:{section_id}:{version_id}"


def _servable(source: SectionSource, state: ProposalState) -> bool:
    """An active model that may propose for this section's modality, in a project that
    offers proposals."""
    return (
        not state.proposals_off
        and state.version_id is not None
        and (
            proposal_refusal(
                modality=source.modality,
                is_label_free=source.modality in LABEL_FREE_MODALITIES,
                version_name=state.version_name,
                modalities=state.modalities,
            )
            is None
        )
    )


def _from_memory(section_id: int, state: ProposalState) -> ProposalAnswer | None:
    kind = _sources.get((section_id, state.version_id))
    png = png_memory.get(_memory_key(section_id, state.version_id)) if kind else None
    if png is None:
        return None
    return ProposalAnswer(png, state.version_id, state.version_name, kind)


def proposal_answer_from_memory(section_id: int, session_key: str | None) -> ProposalAnswer | None:
    """The answer without the database (one shared-cache read), else None."""
    if not session_key:
        return None
    process_grants.check_epoch()
    source = section_source_in_memory(section_id)
    if source is None or not process_grants.allowed(session_key, source.project_id):
        return None
    state = proposal_state_in_cache(source.project_id)
    # A first-K rule needs a count of the section's annotations: the thread does it.
    if state is None or state.before_proposals or not _servable(source, state):
        return None
    return _from_memory(section_id, state)


def proposal_answer(section_id: int, session_key: str | None) -> ProposalAnswer | None:
    """The answer after the session check and database reads; call in a worker thread."""
    if not session_key:
        return None
    process_grants.check_epoch()
    generation = process_grants.generation
    source = section_source(section_id)
    if source is None:
        return None
    if not session_granted(session_key, source.project_id, generation=generation):
        return None
    state = proposal_state(source.project_id)
    if not _servable(source, state):
        return None
    if proposals_withheld_reason(section_id, state.before_proposals):
        return None
    answer = _from_memory(section_id, state)
    if answer is not None:
        return answer
    row = (
        StoredProposal.objects.filter(section_id=section_id, model_version_id=state.version_id)
        .values_list("png", "source")
        .first()
    )
    if row is None:
        return None
    png, kind = bytes(row[0]), row[1]
    if len(_sources) >= _SOURCES_MAX:
        _sources.clear()
    _sources[(section_id, state.version_id)] = kind
    png_memory.put(_memory_key(section_id, state.version_id), png)
    return ProposalAnswer(png, state.version_id, state.version_name, kind)
