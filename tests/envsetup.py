"""Loaded with ``-p tests.envsetup`` before Django starts: point the suite at the real services.

Defaults match the development and CI machines (PostgreSQL and Redis on 127.0.0.1); any of them
can be overridden from the environment.
"""

import os
import tempfile
import uuid

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cellweb")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
_run = uuid.uuid4().hex[:8]
# Separate prefixes keep parallel or leftover runs from hearing each other's events.
os.environ.setdefault("CELLWEB_CHANNEL_PREFIX", f"cwtest{_run}")
os.environ.setdefault("CELLWEB_CACHE_PREFIX", f"cwtest{_run}")
os.environ.setdefault("CELLWEB_VAR_DIR", tempfile.mkdtemp(prefix="cellweb-test-"))
os.environ.setdefault("CELLWEB_DATA_DIR", os.path.join(os.environ["CELLWEB_VAR_DIR"], "media"))
os.environ.setdefault("CELLWEB_SECRET_KEY", "test-only-" + uuid.uuid4().hex + uuid.uuid4().hex)
os.environ.setdefault("MALLOC_MMAP_MAX_", "0")
os.environ.setdefault("MALLOC_TRIM_THRESHOLD_", "68719476736")
