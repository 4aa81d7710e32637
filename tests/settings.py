"""Test settings: the real services on 127.0.0.1, fresh files and channel prefixes per run.

Environment defaults are set before the project settings read them; any of them can be
overridden from the environment. Child processes (worker, ASGI server) inherit them.
"""

import os
import tempfile
import uuid

from tests.parallel import redis_database_for_worker

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cellweb")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
_run = uuid.uuid4().hex[:8]
# A worker of a parallel run (pytest -n, PYTEST_XDIST_WORKER "gw0", "gw1", ...) gets its own
# Redis database (its Celery queue), files and prefixes; pytest-django gives it its own test
# database. What the run's first process set is replaced, not inherited.
# Its child processes (Celery worker, ASGI server) inherit the result as it is.
_xdist = os.environ.get("PYTEST_XDIST_WORKER", "")
if _xdist and os.environ.get("CELLWEB_TEST_WORKER") != _xdist:
    os.environ["CELLWEB_TEST_WORKER"] = _xdist
    os.environ["REDIS_URL"] = redis_database_for_worker(os.environ["REDIS_URL"], _xdist)
    _run = f"{_run}{_xdist}"
    for _name in ("CHANNEL_PREFIX", "CACHE_PREFIX", "VAR_DIR", "DATA_DIR"):
        os.environ.pop(f"CELLWEB_{_name}", None)
# Separate prefixes keep parallel or leftover runs from hearing each other's events.
os.environ.setdefault("CELLWEB_CHANNEL_PREFIX", f"cwtest{_run}")
os.environ.setdefault("CELLWEB_CACHE_PREFIX", f"cwtest{_run}")
os.environ.setdefault("CELLWEB_VAR_DIR", tempfile.mkdtemp(prefix=f"cellweb-test-{_xdist}"))
os.environ.setdefault("CELLWEB_DATA_DIR", os.path.join(os.environ["CELLWEB_VAR_DIR"], "media"))
os.environ.setdefault("CELLWEB_SECRET_KEY", "test-only-" + uuid.uuid4().hex + uuid.uuid4().hex)
# Every process looks for revoked image access on every request, so a test that revokes in this
# process sees the ASGI server's answer change at once.
os.environ.setdefault("CELLWEB_IMAGE_GRANT_RECHECK", "0")
os.environ.setdefault("MALLOC_MMAP_MAX_", "0")
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", "68719476736")

from cellweb.settings import *  # noqa: E402,F403

# The smallest job kind, run end to end by a real worker (tests/integration/test_jobs_live.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.jobkind_app"]  # noqa: F405

# Users are created in almost every test; the production hasher would cost ~0.4 s each.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
