"""What a section image costs with and without a grant held, to choose how long access stays in
memory (``annotations/selectors/section_images/grants.py``).

Seeds a throwaway site (SQLite in a temporary folder; the shared cache is Redis when
``BENCH_REDIS_URL`` is set, else the in-process cache) with one small RI volume and a signed-in
manager's session, renders the section once, then times one answer of an image already rendered:

- grant held: ``answer_from_memory`` with the epoch read at most once a second (as served);
- epoch read every request: the same with ``SECTION_IMAGE_GRANT_RECHECK_S = 0``, what revoking
  in every process at once (no bound at all) would cost;
- session checked every request: ``answer`` with ``SECTION_IMAGE_GRANT_TTL = 0``, what no
  grants at all would cost (Django's session and user checks, the membership and the session's
  expiry read on every image).

    .venv/bin/python bench/image_grants.py [--answers 2000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._common import bench_manager, ensure_malloc_env, figure, throwaway_site  # noqa: E402


def seed() -> tuple[str, int]:
    """A manager's session and one section of an RI volume."""
    import numpy as np
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from annotations.models import Specimen
    from annotations.services.volumes import volume_create

    user, project = bench_manager()
    specimen = Specimen.objects.create(project=project, name="cell")
    data = np.random.default_rng(0).uniform(1.33, 1.40, (4, 128, 128)).astype(np.float32)
    volume = volume_create(specimen=specimen, data=data, modality="ri")
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key, volume.sections.order_by("z").values_list("id", flat=True)[1]


def per_answer_us(ask, answers: int) -> float:
    """Mean microseconds of ``ask()``, which must answer 200 every time."""
    for _ in range(20):
        assert ask().status == 200
    started = time.perf_counter()
    for _ in range(answers):
        answer = ask()
    elapsed = time.perf_counter() - started
    assert answer.status == 200
    return elapsed / answers * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=2000)
    args = parser.parse_args()
    ensure_malloc_env()
    with tempfile.TemporaryDirectory() as workdir:
        throwaway_site(Path(workdir))
        from django.conf import settings

        from annotations.selectors import section_images as images

        session_key, section_id = seed()
        request = images.ImageRequest(section_id, session_key, {})
        assert images.answer(request).status == 200
        held = per_answer_us(lambda: images.answer_from_memory(request), args.answers)
        settings.SECTION_IMAGE_GRANT_RECHECK_S = 0.0
        epoch = per_answer_us(lambda: images.answer_from_memory(request), args.answers)
        settings.SECTION_IMAGE_GRANT_RECHECK_S = 1.0
        settings.SECTION_IMAGE_GRANT_TTL = 0.0
        images.grants.process_grants.clear()  # the grant learned above, gone: none is kept now
        checked = per_answer_us(lambda: images.answer(request), max(args.answers // 10, 50))
    figure("image_answer_grant_held", held, "us")
    figure("image_answer_epoch_read_every_request", epoch, "us")
    figure("image_answer_session_checked_every_request", checked, "us")
    figure("session_check_over_grant_held", checked / held, "x")


if __name__ == "__main__":
    main()
