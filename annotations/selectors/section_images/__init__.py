"""Rendered section images: what rendering needs, the PNGs, and who may see them.

A viewer scrolling through a volume asks for dozens of section PNGs a second. Through Django's
middleware, session and membership lookups each answer costs several milliseconds of CPU, far
more than sending bytes that are already rendered. So each process keeps in memory:

- **section sources**: what rendering needs to know about a section (file, z, modality, project);
- **rendered PNGs**: a byte-bounded LRU (``SECTION_IMAGE_MEMORY_MB``). Behind it, the shared
  cache holds the renders of each section's default window, which every viewer asks for first;
  a window of one's own, such as a slider being dragged, is not worth a round trip there;
- **grants**: which session may see the images of which project, learned through Django's own
  session store and ``django.contrib.auth.get_user`` (session hash, active user, backends) plus
  the membership query of the image API, and kept for ``SECTION_IMAGE_GRANT_TTL`` seconds, or
  until the session expires if that is sooner (an expiry sends no signal).

Whatever can take access away (a logout, a membership change, a user deactivated or given a new
password, a deleted volume or project) calls :func:`revoke_image_access`. That forgets the grants
of this process at once and writes a new access epoch to the shared cache. Every other process
reads the epoch at most ``SECTION_IMAGE_GRANT_RECHECK_S`` seconds apart and forgets its grants
and section sources when it has changed. If the cache cannot be read, the grants are dropped
and every request is checked again. That recheck is the one bound on revocation, kept for speed
(``bench/image_grants.py``: reading the epoch on every request costs about ten times an answer
from memory, checking the session every time about a hundred times).

:func:`answer_from_memory` never touches the database and never blocks on I/O except that
epoch read. :func:`answer` may do both and belongs in a worker thread. Either one returns
``None`` whenever the request is not a plain success (no session, not a member, a bad
parameter, a missing section). The caller then hands the request to the Django view, which
gives the proper 4xx answer.

One module per part: ``sources`` (section sources and membership), ``spec`` (the resolved
request), ``pngs`` (rendering and the PNG memory), ``grants`` (access and its revocation) and
``answers`` (the two ways of answering). The proposal front (``inference.asgi``) uses the same
sources, grants and session check.
"""

from .answers import (
    ImageAnswer,
    ImageRequest,
    answer,
    answer_from_memory,
    forget_in_process,
    session_granted,
    session_may_see,
)
from .grants import EPOCH_CACHE_KEY, revoke_image_access
from .pngs import section_image_png
from .sources import (
    SectionSource,
    forget_section_sources,
    may_see_section_images,
    section_image_source,
    section_source,
    section_source_in_memory,
)
from .spec import (
    IMAGE_SIZE_RANGE,
    RENDER_VERSION,
    SectionImage,
    etag_matches,
    section_image_params,
    section_image_spec,
)

__all__ = [
    "EPOCH_CACHE_KEY",
    "IMAGE_SIZE_RANGE",
    "RENDER_VERSION",
    "ImageAnswer",
    "ImageRequest",
    "SectionImage",
    "SectionSource",
    "answer",
    "answer_from_memory",
    "etag_matches",
    "forget_in_process",
    "forget_section_sources",
    "session_granted",
    "may_see_section_images",
    "revoke_image_access",
    "section_image_params",
    "section_image_png",
    "section_image_source",
    "section_image_spec",
    "section_source",
    "section_source_in_memory",
    "session_may_see",
]
