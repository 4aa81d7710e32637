"""Request bodies over real HTTP to uvicorn: refused before they are read, counted as they stream.

Under ASGI, Django reads the whole body into a temporary file before any view runs. These tests
talk to the server over raw sockets (so a body can be announced and never sent, or streamed in
chunks), with the server's temporary folder of its own to look into, and an upload limit of 1 MB.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import secrets
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.test import Client

from annotations.models import ImportJob
from tests.conftest import PASSWORD
from tests.fixtures_live import LiveServer, start_asgi_server

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TB = 1024**4
MB = 1024 * 1024
IMPORTS = "/api/projects/lab/imports/"
# How long a client waits for an answer it should get at once (the server is local).
ANSWER_WITHIN_S = 10.0


@pytest.fixture(scope="module")
def server_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("server-tmp")


@pytest.fixture(scope="module")
def server(django_db_setup, server_tmp) -> Iterator[LiveServer]:
    """uvicorn serving cellweb.asgi with a 1 MB upload limit and its own temporary folder.

    One server for the module: each test's rows are committed, so the server sees them.
    """
    server = start_asgi_server(
        name="asgi-guard", extra_env={"CELLWEB_MAX_UPLOAD_MB": "1", "TMPDIR": str(server_tmp)}
    )
    yield server
    server.process.stop()


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    csrf = secrets.token_hex(16)
    return f"{settings.SESSION_COOKIE_NAME}={client.session.session_key}; csrftoken={csrf}", csrf


def multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = "cw" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def npy_bytes(shape=(4, 32, 32)) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, (1.335 + 0.05 * np.random.default_rng(0).random(shape)).astype(np.float32))
    return buffer.getvalue()


def request_head(method: str, path: str, headers: dict[str, str]) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


class Answer:
    def __init__(self, raw: bytes):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        self.headers = {
            name.strip().lower(): value.strip()
            for name, value in (line.split(":", 1) for line in header_lines)
        }

    def json(self) -> dict:
        return json.loads(self.body)


def read_answer(sock: socket.socket, timeout: float = ANSWER_WITHIN_S) -> Answer:
    """Read one whole response (the guard and Django both send Content-Length)."""
    sock.settimeout(timeout)
    raw = b""
    while b"\r\n\r\n" not in raw:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before an answer: {raw!r}")
        raw += chunk
    answer = Answer(raw)
    while len(answer.body) < int(answer.headers["content-length"]):
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer.body += chunk
    return answer


def stream_until_answered(sock: socket.socket, chunks: Iterator[bytes]) -> int:
    """Send chunks until the server answers (or stops reading); returns the bytes sent."""
    sent = 0
    for chunk in chunks:
        if select.select([sock], [], [], 0)[0]:
            break
        try:
            sock.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(chunk)
    return sent


def zeros(total: int, size: int = 256 * 1024) -> Iterator[bytes]:
    block = bytes(size)
    for _ in range(total // size):
        yield block


def chunked(blocks: Iterator[bytes]) -> Iterator[bytes]:
    for block in blocks:
        yield f"{len(block):x}\r\n".encode() + block + b"\r\n"
    yield b"0\r\n\r\n"


def temp_files_of(pid: int, folder: Path) -> list[tuple[str, int]]:
    """Files under ``folder`` that the process holds open, named or already unlinked."""
    found = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith(str(folder)):
                found.append((target, os.stat(f"/proc/{pid}/fd/{fd}").st_size))
        except OSError:
            continue
    return found


def connect(server: LiveServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=ANSWER_WITHIN_S)


# --------------------------------------------------------------------------- refused at once


def test_an_anonymous_oversized_stream_is_refused_before_it_reaches_the_disk(
    server, server_tmp, project
):
    body, content_type = multipart({"specimen": "x", "modality": "ri"}, "huge.npy", b"")
    headers = {"Content-Type": content_type, "Content-Length": str(TB)}
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers) + body[:-40])
        stream_until_answered(sock, zeros(64 * MB))
        assert temp_files_of(server.process.proc.pid, server_tmp) == []
        answer = read_answer(sock)
    assert answer.status == 403
    assert "sign in before uploading" in answer.json()["detail"]
    assert [path for path in server_tmp.rglob("*") if path.is_file()] == []
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "manager"])
def test_a_declared_10_tb_with_only_the_head_sent_is_answered_at_once(server, manager, who):
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(10 * TB)}
    if who == "manager":
        headers["Cookie"], headers["X-CSRFToken"] = session_cookie(manager)
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers))
        answer = read_answer(sock)
    if who == "anonymous":
        assert answer.status == 403
    else:
        assert answer.status == 413
        detail = answer.json()["detail"]
        assert "The request is 10.0 TB; the limit is 1 MB." in detail
        assert "manage.py import_volume" in detail


def test_the_413_states_the_real_size(server, manager):
    cookie, csrf = session_cookie(manager)
    body, content_type = multipart({"specimen": "x", "modality": "ri"}, "big.npy", bytes(3 * MB))
    headers = {"Content-Type": content_type, "Content-Length": str(len(body))}
    headers |= {"Cookie": cookie, "X-CSRFToken": csrf}
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers))
        answer = read_answer(sock)
    assert answer.status == 413
    assert answer.json()["detail"].startswith("The request is 3.0 MB; the limit is 1 MB.")


def test_a_70_mb_json_body_gets_a_json_413(server, manager, annotator):
    path = "/api/sections/1/annotations/mine/"
    headers = {"Content-Type": "application/json", "Content-Length": str(70 * MB)}
    with connect(server) as sock:
        sock.sendall(request_head("PUT", path, headers))
        assert read_answer(sock).status == 403
    cookie, csrf = session_cookie(annotator)
    with connect(server) as sock:
        sock.sendall(request_head("PUT", path, headers | {"Cookie": cookie, "X-CSRFToken": csrf}))
        answer = read_answer(sock)
    assert answer.status == 413
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["detail"] == (
        "The request is 70.0 MB; the limit is 64 MB for requests other than file uploads."
    )
    assert "Traceback" not in server.process.log_text()


def test_the_upload_form_gets_a_page_not_json(server, project):
    headers = {"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(TB)}
    with connect(server) as sock:
        sock.sendall(request_head("POST", "/projects/lab/import/", headers))
        answer = read_answer(sock)
    assert answer.status == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert b"sign in before uploading files" in answer.body


# --------------------------------------------------------------------------- counted


def test_a_chunked_upload_is_counted_and_cut_at_the_limit(server, server_tmp, manager):
    cookie, csrf = session_cookie(manager)
    head, content_type = multipart({"specimen": "x", "modality": "ri"}, "big.npy", b"")
    headers = {"Content-Type": content_type, "Transfer-Encoding": "chunked"}
    headers |= {"Cookie": cookie, "X-CSRFToken": csrf}
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers))
        sent = stream_until_answered(sock, chunked(iter([head[:-40], *zeros(64 * MB)])))
        answer = read_answer(sock)
    assert answer.status == 413
    # Cut within one chunk of the limit (1 MB and the multipart allowance of 1 MB).
    assert re.match(
        r"The request was stopped after 2\.\d MB: the limit is 1 MB\.", answer.json()["detail"]
    )
    assert sent < 64 * MB
    assert not ImportJob.objects.exists()
    deadline = time.time() + ANSWER_WITHIN_S
    while temp_files_of(server.process.proc.pid, server_tmp) and time.time() < deadline:
        time.sleep(0.05)
    assert temp_files_of(server.process.proc.pid, server_tmp) == []


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_signed_in_upload_under_the_limit_still_works(server, manager, framing):
    cookie, csrf = session_cookie(manager)
    body, content_type = multipart({"specimen": "cell-01", "modality": "ri"}, "ri.npy", npy_bytes())
    headers = {"Content-Type": content_type, "Cookie": cookie, "X-CSRFToken": csrf}
    if framing == "chunked":
        headers["Transfer-Encoding"] = "chunked"
        blocks = [body[i : i + 4096] for i in range(0, len(body), 4096)]
        payload = b"".join(chunked(iter(blocks)))
    else:
        headers["Content-Length"] = str(len(body))
        payload = body
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers) + payload)
        answer = read_answer(sock)
    assert answer.status == 202, answer.body
    job = ImportJob.objects.get(pk=answer.json()["id"])
    assert job.original_name == "ri.npy"
    assert job.params["specimen_name"] == "cell-01"


def test_basic_credentials_count_as_signed_in(server, manager):
    token = base64.b64encode(f"mona:{PASSWORD}".encode()).decode()
    headers = {"Authorization": f"Basic {token}", "Content-Length": str(10 * TB)}
    headers["Content-Type"] = "multipart/form-data; boundary=x"
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers))
        assert read_answer(sock).status == 413
    headers["Authorization"] = "Basic " + base64.b64encode(b"mona:wrong").decode()
    with connect(server) as sock:
        sock.sendall(request_head("POST", IMPORTS, headers))
        assert read_answer(sock).status == 403
