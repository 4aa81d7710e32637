"""Every way of choosing SQLite gives the same locking settings.

Without WAL, a busy timeout and IMMEDIATE transactions, concurrent saves fail with "database is
locked" (bench/annotate.py: 18 of ~600 saves at 20 annotators). The embedded default had them;
``DATABASE_URL=sqlite:///...`` lost them. Each case loads the settings module afresh from the
environment and opens a real connection with the database it configures.
"""

from __future__ import annotations

import importlib.util
import itertools
from pathlib import Path

import pytest
from django.db import connections, transaction
from django.db.utils import ConnectionHandler
from django.test.utils import CaptureQueriesContext

SETTINGS_FILE = Path(__file__).resolve().parents[2] / "cellweb" / "settings.py"
_loaded = itertools.count()


def load_settings(monkeypatch, var_dir: Path, database_url: str | None):
    monkeypatch.setenv("CELLWEB_VAR_DIR", str(var_dir))
    if database_url is None:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", database_url)
    spec = importlib.util.spec_from_file_location(f"settings_probe_{next(_loaded)}", SETTINGS_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def database_paths(tmp_path: Path) -> dict[str, tuple[str | None, Path]]:
    """How a lab can pick SQLite, with the file each choice should open."""
    return {
        "embedded default": (None, tmp_path / "var" / "cellweb.sqlite3"),
        "absolute URL": (f"sqlite:///{tmp_path / 'abs.sqlite3'}", tmp_path / "abs.sqlite3"),
    }


@pytest.fixture
def open_connection(django_db_blocker):
    """A connection to a configured database, known to ``transaction.atomic`` by its alias."""
    opened = []

    def open_(database: dict):
        alias = f"sqlite_probe_{next(_loaded)}"
        connection = ConnectionHandler({"default": database, alias: database})[alias]
        connections[alias] = connection
        opened.append(alias)
        return connection

    with django_db_blocker.unblock():
        yield open_
        for alias in opened:
            connections[alias].close()
            del connections[alias]


@pytest.mark.parametrize("path", ["embedded default", "absolute URL"])
def test_every_sqlite_path_gets_wal_a_busy_timeout_and_immediate_transactions(
    monkeypatch, tmp_path, open_connection, path
):
    url, expected_file = database_paths(tmp_path)[path]
    settings = load_settings(monkeypatch, tmp_path / "var", url)
    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == expected_file
    assert not settings.USING_POSTGRES

    connection = open_connection(database)
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
    with (
        CaptureQueriesContext(connection) as queries,
        transaction.atomic(using=connection.alias),
    ):
        connection.cursor().execute("SELECT 1")
    assert queries.captured_queries[0]["sql"] == "BEGIN IMMEDIATE"
    assert expected_file.exists()


def test_the_settings_are_the_same_whichever_path_chose_sqlite(monkeypatch, tmp_path):
    configs = []
    for url, _ in database_paths(tmp_path).values():
        database = dict(load_settings(monkeypatch, tmp_path / "var", url).DATABASES["default"])
        database.pop("NAME")
        configs.append(database)
    embedded, *others = configs
    for other in others:
        assert other["OPTIONS"] == embedded["OPTIONS"]
        assert other.get("CONN_MAX_AGE", 0) == embedded.get("CONN_MAX_AGE", 0)


def test_options_written_in_the_url_win(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}?timeout=5"
    options = load_settings(monkeypatch, tmp_path, url).DATABASES["default"]["OPTIONS"]
    assert options["timeout"] == 5
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["init_command"] == "PRAGMA journal_mode=WAL;"


def test_postgres_urls_are_left_to_the_pool(monkeypatch, tmp_path):
    settings = load_settings(monkeypatch, tmp_path, "postgres://someone@db.example:5432/cw")
    database = settings.DATABASES["default"]
    assert settings.USING_POSTGRES
    assert "transaction_mode" not in database.get("OPTIONS", {})
    assert database["OPTIONS"]["pool"]["max_size"] >= 1
