"""Settings from the environment are parsed strictly: a bad value stops the start with its name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cellweb.env import env_bool, env_float, env_int, env_list, env_str, env_url, secret_key

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("yes", True), ("Off", False), ("0", False), ("", True)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("CW_TEST", raw)
    assert env_bool("CW_TEST", True) is expected


@pytest.mark.parametrize(
    ("parse", "raw", "message"),
    [
        (lambda: env_bool("CW_TEST", False), "maybe", "is not a boolean"),
        (lambda: env_int("CW_TEST", 1), "1.5", "is not an integer"),
        (lambda: env_int("CW_TEST", 1, minimum=2), "1", "must be at least 2"),
        (lambda: env_float("CW_TEST", 1.0), "fast", "is not a number"),
        (lambda: env_float("CW_TEST", 1.0), "nan", "must be a finite number"),
        (lambda: env_float("CW_TEST", 1.0, minimum=0.0), "-0.5", "must be at least 0"),
        (lambda: env_url("CW_TEST", schemes=("redis",)), "http://x", "unsupported scheme"),
    ],
)
def test_bad_values_name_the_variable(monkeypatch, parse, raw, message):
    monkeypatch.setenv("CW_TEST", raw)
    with pytest.raises(ImproperlyConfigured, match=message) as error:
        parse()
    assert "CW_TEST" in str(error.value)


def test_values_and_defaults(monkeypatch):
    monkeypatch.setenv("CW_TEST", " 2.5 ")
    assert env_float("CW_TEST", 1.0, minimum=0.0) == 2.5
    monkeypatch.setenv("CW_TEST", "a, b,,c")
    assert env_list("CW_TEST", []) == ["a", "b", "c"]
    monkeypatch.delenv("CW_TEST")
    assert env_int("CW_TEST", 7) == 7
    assert env_str("CW_TEST", "x") == "x"


def test_a_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("CW_TEST_FILE", str(secret))
    assert env_str("CW_TEST") == "from-a-file"
    monkeypatch.setenv("CW_TEST_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_FILE"):
        env_str("CW_TEST")


def test_the_site_refuses_to_start_with_a_bad_setting(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cellweb.settings",
        "CELLWEB_VAR_DIR": str(tmp_path),
        "CELLWEB_IMAGE_GRANT_TTL": "a minute",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "CELLWEB_IMAGE_GRANT_TTL='a minute' is not a number" in result.stderr


def _settings_value(tmp_path, name: str, **env: str) -> subprocess.CompletedProcess:
    """``settings.<name>`` as a fresh process reads it from ``env``."""
    return subprocess.run(
        [sys.executable, "-c", f"from django.conf import settings; print(settings.{name})"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cellweb.settings",
            "CELLWEB_VAR_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_estimates_device_kind_is_set_from_the_environment(tmp_path):
    name = "TRAINING_ESTIMATE_DEVICE"
    assert (
        _settings_value(tmp_path, name, CELLWEB_TRAINING_ESTIMATE_DEVICE="CUDA").stdout == "cuda\n"
    )
    refused = _settings_value(tmp_path, name, CELLWEB_TRAINING_ESTIMATE_DEVICE="gpu")
    assert refused.returncode != 0
    assert "CELLWEB_TRAINING_ESTIMATE_DEVICE='gpu' is not a device kind" in refused.stderr


def test_a_short_secret_key_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CW_TEST_KEY", "too-short")
    with pytest.raises(ImproperlyConfigured, match="CW_TEST_KEY must be at least 32"):
        secret_key("CW_TEST_KEY", tmp_path / "key")
    assert not (tmp_path / "key").exists()


def test_without_a_configured_key_one_is_made_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("CW_TEST_KEY", raising=False)
    key_file = tmp_path / "var" / "secret_key"
    first = secret_key("CW_TEST_KEY", key_file)
    assert len(first) >= 50 and key_file.stat().st_mode & 0o777 == 0o600
    assert secret_key("CW_TEST_KEY", key_file) == first
    monkeypatch.setenv("CW_TEST_KEY", "k" * 32)
    assert secret_key("CW_TEST_KEY", key_file) == "k" * 32
