"""Browser smoke tests of every page module against a mocked backend.

Each scenario loads the built bundle (cellweb/static/cellweb/build/) in headless
Chromium on a fake origin, answers the REST and WebSocket calls described in
frontend/README.md from Python, and checks what the page does. No Django
needed, so the front end can be verified on its own.

Run from the repository root after `cd frontend && npm run build`:
    python frontend/e2e/smoke.py [--shots DIR] [-k NAME]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import math
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from browser import APP_BUILD, HARNESS_BUILD, ROOT, launch, missing_bundles
from PIL import Image, ImageDraw

sys.path.insert(0, str(ROOT))
from tests.polling import wait_until as poll

ORIGIN = "http://cellweb.test"
W = H = 448
# Where a page loads each bundle from: the app as Django serves it, the harness from its own folder.
BUNDLES = {
    "app": ("/static/cellweb/build/", "app"),
    "harness": ("/harness-build/", "harness"),
}


# ---------------------------------------------------------------- fixtures


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def section_png(seed: int = 0, lo: float | None = None, hi: float | None = None) -> bytes:
    img = Image.new("L", (W, H), 40)
    d = ImageDraw.Draw(img)
    gain = 1.0 if lo is None or hi is None else max(0.3, min(3.0, 0.07 / max(1e-6, hi - lo)))
    d.ellipse((70 + seed * 3, 90, 380 + seed * 3, 370), fill=int(min(255, 100 * gain)))
    d.ellipse((150 + seed * 4, 160, 290 + seed * 4, 290), fill=int(min(255, 150 * gain)))
    for k in range(6):
        d.ellipse((180 + k * 17, 200 + (k % 3) * 15, 186 + k * 17, 206 + (k % 3) * 15), fill=230)
    return png_bytes(img)


def fluor_png() -> bytes:
    img = Image.new("L", (W, H), 0)
    ImageDraw.Draw(img).ellipse((160, 170, 300, 300), fill=220)
    return png_bytes(img)


def mask_png_b64(cx: float, cy: float, rx: float, ry: float, mode: str = "L") -> str:
    img = Image.new("L", (W, H), 0)
    ImageDraw.Draw(img).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    if mode == "1":
        img = img.convert("1")
    return base64.b64encode(png_bytes(img)).decode()


def decode_mask(b64: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(b64)))


def page_html(
    config: dict[str, Any],
    body_extra: str = "",
    before: str = "",
    body_class: str = "cw-body",
    bundle: str = "app",
) -> str:
    cfg = json.dumps(config).replace("<", "\\u003c")
    base, name = BUNDLES[bundle]
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>t</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="{base}{name}.css"></head>
<body class="{body_class}">{before}<div id="cw-root"></div>{body_extra}
<script id="cw-config" type="application/json">{cfg}</script>
<script type="module" src="{base}{name}.js"></script></body></html>"""


class Backend:
    """Routes requests on the fake origin to Python handlers."""

    def __init__(self, page, html: str):
        self.page = page
        self.html = html
        self.handlers: list[tuple[str, str, Callable]] = []
        self.calls: list[dict[str, Any]] = []
        page.route(f"{ORIGIN}/**", self._handle)

    def on(self, method: str, path: str, fn: Callable) -> None:
        self.handlers.insert(0, (method, path, fn))

    def _handle(self, route, request):
        url = request.url[len(ORIGIN) :]
        path, _, query = url.partition("?")
        if path == "/page/":
            return route.fulfill(status=200, content_type="text/html", body=self.html)
        folder, _, name = path.rpartition("/")
        bundle = {"/static/cellweb/build": APP_BUILD, "/harness-build": HARNESS_BUILD}.get(folder)
        if bundle:
            f = bundle / name
            ctype = "text/css" if f.suffix == ".css" else "application/javascript"
            return route.fulfill(status=200, content_type=ctype, body=f.read_bytes())
        body = None
        if request.post_data:
            try:
                body = json.loads(request.post_data)
            except ValueError:
                body = request.post_data
        for method, p, fn in self.handlers:
            if method == request.method and (
                p == path or (p.endswith("*") and path.startswith(p[:-1]))
            ):
                self.calls.append(
                    {
                        "method": method,
                        "path": path,
                        "query": query,
                        "body": body,
                        "headers": request.headers,
                    }
                )
                res = fn(body=body, query=query, path=path)
                if res == "abort":
                    return route.abort("connectionrefused")
                status, payload = res
                if isinstance(payload, bytes):
                    return route.fulfill(status=status, content_type="image/png", body=payload)
                return route.fulfill(
                    status=status, content_type="application/json", body=json.dumps(payload)
                )
        return route.fulfill(
            status=404, content_type="application/json", body='{"detail":"not found"}'
        )

    def count(self, method: str, path: str) -> int:
        return sum(1 for c in self.calls if c["method"] == method and c["path"] == path)

    def last(self, method: str, path: str) -> dict[str, Any]:
        return [c for c in self.calls if c["method"] == method and c["path"] == path][-1]


def wait_until(page, fn: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    # page.wait_for_timeout (not time.sleep) so Playwright keeps serving routes meanwhile.
    return poll(
        fn,
        timeout=timeout,
        what=what,
        interval=0.05,
        pause=lambda seconds: page.wait_for_timeout(seconds * 1000),
    )


def editor_point(page, x: float, y: float) -> tuple[float, float]:
    box = page.locator(".cw-editor-viewport").first.bounding_box()
    v = page.evaluate("() => window.cellweb.editor.getView()")
    return box["x"] + v["tx"] + x * v["scale"], box["y"] + v["ty"] + y * v["scale"]


def stroke(page, pts: list[tuple[float, float]]) -> None:
    page.mouse.move(*editor_point(page, *pts[0]))
    page.mouse.down()
    for p in pts[1:]:
        page.mouse.move(*editor_point(page, *p), steps=4)
    page.mouse.up()


def mask_count(page) -> int:
    return page.evaluate("() => window.cellweb.editor.getMask().reduce((a, v) => a + v, 0)")


# ---------------------------------------------------------------- scenarios


def section_and_window() -> dict[str, Any]:
    """The section 12 (z5 of 24) and RI display window that the annotator and review pages share."""
    return {
        "section": {
            "id": 12,
            "width": W,
            "height": H,
            "z": 5,
            "nZ": 24,
            "modality": "ri",
            "imageUrl": "/api/sections/12/image.png",
            "label": "cell-01 · t0 · z5/24",
        },
        "window": {"lo": 1.33, "hi": 1.40, "min": 1.30, "max": 1.46, "step": 0.001, "units": "RI"},
    }


def annotator_config(**extra: Any) -> dict[str, Any]:
    cfg = {
        "module": "annotator",
        "csrfToken": "tok123",
        **section_and_window(),
        "neighbours": {
            "prev": {
                "id": 11,
                "imageUrl": "/api/sections/11/image.png",
                "ownMaskUrl": "/api/sections/11/annotations/mine/",
            },
            "next": {
                "id": 13,
                "imageUrl": "/api/sections/13/image.png",
                "ownMaskUrl": "/api/sections/13/annotations/mine/",
            },
        },
        "fluorescence": {"imageUrl": "/api/sections/99/image.png"},
        "annotationUrl": "/api/sections/12/annotations/mine/",
        "nextUrl": "/projects/demo/annotate/next/",
        "progressUrl": "/api/projects/demo/annotation-progress/",
        "readOnly": False,
    }
    cfg.update(extra)
    return cfg


def annotation_dto(
    rev: int | None, mask: str | None, status: str | None = "draft", **kw: Any
) -> dict[str, Any]:
    d = {
        "revision": rev,
        "status": status,
        "mask_png": mask,
        "width": W,
        "height": H,
        "time_spent_s": 10.0,
        "can_edit": status != "submitted",
        "can_reopen": status == "submitted",
        "updated_at": "2024-01-01T10:00:00Z",
    }
    d.update(kw)
    return d


def common_annotator_routes(b: Backend, server: dict[str, Any]) -> None:
    b.on(
        "GET",
        "/api/sections/*",
        lambda query, path, **_: (
            (200, section_png(int(path.split("/")[3]) % 5, *parse_window(query)))
            if path.endswith("image.png")
            else (404, {})
        ),
    )
    b.on(
        "GET",
        "/api/sections/11/annotations/mine/",
        lambda **_: (200, annotation_dto(2, mask_png_b64(200, 230, 90, 70, mode="1"))),
    )
    b.on(
        "GET",
        "/api/sections/13/annotations/mine/",
        lambda **_: (200, annotation_dto(None, None, None)),
    )
    b.on(
        "GET",
        "/api/projects/demo/annotation-progress/",
        lambda **_: (
            200,
            {
                "sections_total": 40,
                "sections_complete": 12,
                "required_per_section": 3,
                "mine_submitted": 8,
                "mine_drafts": 2,
            },
        ),
    )
    b.on("GET", "/api/sections/12/annotations/mine/", lambda **_: (200, server["dto"]))


def parse_window(query: str) -> tuple[float | None, float | None]:
    q = dict(p.split("=", 1) for p in query.split("&") if "=" in p)
    return (float(q["lo"]), float(q["hi"])) if "lo" in q and "hi" in q else (None, None)


def test_annotator(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 900)
    server = {"dto": annotation_dto(3, mask_png_b64(210, 220, 80, 60)), "mode": "ok"}
    b = Backend(page, page_html(annotator_config()))
    common_annotator_routes(b, server)

    def put(body, **_):
        mode = server["mode"]
        if mode == "offline":
            return "abort"
        if mode == "conflict":
            server["mode"] = "ok"
            return 409, {
                "detail": "stale revision",
                "current": annotation_dto(
                    9, mask_png_b64(100, 100, 40, 40), updated_at="2024-01-01T12:34:00Z"
                ),
            }
        rev = (server["dto"]["revision"] or 0) + 1
        status = "submitted" if body["action"] == "submit" else "draft"
        server["dto"] = annotation_dto(rev, body["mask_png"], status)
        return 200, server["dto"]

    b.on("PUT", "/api/sections/12/annotations/mine/", put)
    b.on(
        "POST",
        "/api/sections/12/annotations/mine/reopen/",
        lambda **_: (
            200,
            {**server["dto"], "status": "draft", "can_edit": True, "can_reopen": False},
        ),
    )
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")
    assert "revision 3" in page.locator(".cw-status-text").inner_text()
    assert mask_count(page) > 10000, "server mask not shown"
    wait_until(
        page,
        lambda: "12 / 40" in page.locator(".cw-appbar-progress").inner_text(),
        what="progress bars",
    )

    # Draw: autosave after 1.5 s with base revision 3 and a proper grayscale PNG.
    page.keyboard.press("b")
    before = mask_count(page)
    stroke(page, [(60, 60), (120, 80), (160, 60)])
    assert mask_count(page) > before
    wait_until(
        page, lambda: b.count("PUT", "/api/sections/12/annotations/mine/") == 1, what="autosave"
    )
    req = b.last("PUT", "/api/sections/12/annotations/mine/")
    assert req["body"]["base_revision"] == 3 and req["body"]["action"] == "save", req["body"]
    assert req["headers"].get("x-csrftoken") == "tok123"
    img = decode_mask(req["body"]["mask_png"])
    assert img.size == (W, H) and img.mode == "L", (img.size, img.mode)
    assert set(img.tobytes()) == {0, 255}
    page.wait_for_function(
        "() => document.querySelector('.cw-status-text').textContent.includes('revision 4')"
    )
    assert page.locator(".cw-status-text").inner_text().startswith("Saved ")

    # Offline: edits kept, backoff message, local backup, then recovery.
    server["mode"] = "offline"
    stroke(page, [(300, 60), (360, 80)])
    page.wait_for_function(
        "() => document.querySelector('#cw-root').dataset.phase === 'offline'", timeout=8000
    )
    text = page.locator(".cw-status-text").inner_text()
    assert "Offline — retrying in" in text and "kept in this page" in text, text
    assert page.evaluate("() => !!localStorage.getItem('cellweb.annotation.12')")
    server["mode"] = "ok"
    page.wait_for_function(
        "() => document.querySelector('#cw-root').dataset.phase === 'clean'", timeout=10000
    )
    assert page.evaluate("() => localStorage.getItem('cellweb.annotation.12')") is None

    # Conflict: panel, nothing overwritten until the user decides; Keep mine re-saves on top.
    server["mode"] = "conflict"
    stroke(page, [(300, 380), (360, 400)])
    page.wait_for_selector("[data-panel=conflict]:not([hidden])", timeout=8000)
    assert "revision 9" in page.locator("[data-panel=conflict]").inner_text()
    if shots:
        page.screenshot(path=str(shots / "annotator-conflict.png"))
    n = b.count("PUT", "/api/sections/12/annotations/mine/")
    page.get_by_role("button", name="Keep mine").click()
    wait_until(
        page,
        lambda: b.count("PUT", "/api/sections/12/annotations/mine/") == n + 1,
        what="keep mine save",
    )
    assert b.last("PUT", "/api/sections/12/annotations/mine/")["body"]["base_revision"] == 9
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")

    # Neighbours, ghost, copy, fluorescence, window.
    page.keyboard.press(",")
    page.wait_for_selector(".cw-side-figure:not([hidden]) img[src*='/api/sections/11/image.png']")
    page.keyboard.press("g")
    page.wait_for_function(
        "() => window.cellweb.editor.getOverlays().some(o => o.name === 'ghost')"
    )
    page.keyboard.press("c")
    page.wait_for_function(
        "() => window.cellweb.editor.getMask().reduce((a, v) => a + v, 0) > 15000"
    )
    page.keyboard.press("Control+z")
    page.keyboard.press("r")
    page.wait_for_selector("img[src='/api/sections/99/image.png']")
    slider = page.locator("input[aria-label='Window high']")
    slider.focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    wait_until(
        page,
        lambda: any(
            c["path"] == "/api/sections/12/image.png" and "lo=" in c["query"] for c in b.calls
        ),
        what="windowed image request",
    )
    page.locator(".cw-editor-viewport").focus()
    if shots:
        page.mouse.move(*editor_point(page, 250, 330))
        page.screenshot(path=str(shots / "annotator.png"))

    # Submit with Ctrl+Enter, then reopen.
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-panel=submitted]:not([hidden])", timeout=8000)
    assert b.last("PUT", "/api/sections/12/annotations/mine/")["body"]["action"] == "submit"
    assert page.evaluate("() => window.cellweb.editor.readOnly")
    assert (
        page.locator("[data-action=next]").get_attribute("href") == "/projects/demo/annotate/next/"
    )
    if shots:
        page.screenshot(path=str(shots / "annotator-submitted.png"))
    page.get_by_role("button", name="Reopen").click()
    page.wait_for_function("() => !window.cellweb.editor.readOnly")
    close_clean(page, errors)


def test_annotator_restore_backup(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1280, 800)
    server = {"dto": annotation_dto(3, mask_png_b64(210, 220, 80, 60))}
    b = Backend(page, page_html(annotator_config(fluorescence=None, neighbours=None)))
    common_annotator_routes(b, server)
    b.on(
        "PUT",
        "/api/sections/12/annotations/mine/",
        lambda body, **_: (200, annotation_dto(4, body["mask_png"])),
    )
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")
    page.evaluate(
        "(m) => localStorage.setItem('cellweb.annotation.12', JSON.stringify({v: 1, sectionId: 12, savedAt: Date.now(), baseRevision: 3, maskPng: m}))",
        mask_png_b64(100, 100, 30, 30),
    )
    page.reload()
    wait_until(
        page,
        lambda: b.count("PUT", "/api/sections/12/annotations/mine/") == 1,
        what="restored backup saved",
    )
    assert b.last("PUT", "/api/sections/12/annotations/mine/")["body"]["base_revision"] == 3
    assert mask_count(page) < 4000
    assert not page.locator("text=Reference").count(), (
        "fluorescence card must be absent without config"
    )
    close_clean(page, errors)


def test_annotator_minimal_config(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1024, 700)
    cfg = {
        "module": "annotator",
        "section": {"id": 5, "width": 128, "height": 96, "imageUrl": "/img.png"},
        "annotationUrl": "/a/",
    }
    b = Backend(page, page_html(cfg))
    b.on("GET", "/img.png", lambda **_: (200, section_png()))
    b.on("GET", "/a/", lambda **_: (200, {"revision": None, "status": None, "mask_png": None}))
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")
    assert "No annotation yet" in page.locator(".cw-status-text").inner_text()
    if shots:
        page.screenshot(path=str(shots / "annotator-minimal.png"))
    close_clean(page, errors)


def review_config(**extra: Any) -> dict[str, Any]:
    dis = Image.new("L", (W, H), 0)
    d = ImageDraw.Draw(dis)
    d.ellipse((120, 130, 300, 310), fill=1)
    d.ellipse((150, 160, 270, 280), fill=0)
    d.ellipse((125, 140, 170, 190), fill=2)
    cfg = {
        "module": "review",
        "csrfToken": "tok",
        **section_and_window(),
        "neighbours": {"prev": {"imageUrl": "/api/sections/11/image.png"}, "next": None},
        "annotations": [
            {
                "annotator": "alice",
                "revision": 7,
                "colour": "#e6194b",
                "mask_png": mask_png_b64(210, 220, 85, 82),
            },
            {
                "annotator": "bob",
                "revision": 3,
                "colour": "#3cb44b",
                "mask_png": mask_png_b64(205, 225, 80, 78),
            },
            {
                "annotator": "carol",
                "revision": 5,
                "colour": "#4363d8",
                "mask_png": mask_png_b64(215, 215, 90, 85),
            },
        ],
        "consensus": {"method": "staple", "mask_png": mask_png_b64(210, 220, 84, 80), "id": 5},
        "disagreement_png": base64.b64encode(png_bytes(dis)).decode(),
        "agreement": {
            "mean_dice": 0.91,
            "mean_jaccard": 0.84,
            "pairs": [
                {"a": "alice", "b": "bob", "dice": 0.93, "jaccard": 0.87},
                {"a": "alice", "b": "carol", "dice": 0.9, "jaccard": 0.82},
                {"a": "bob", "b": "carol", "dice": 0.78, "jaccard": 0.64},
            ],
        },
        "groundTruth": {"version": 2, "mask_png": mask_png_b64(212, 218, 83, 80), "stale": True},
        "actions": {
            "confirm": "/api/sections/12/review/confirm/",
            "sendBack": "/api/sections/12/review/send-back/",
            "exclude": "/api/sections/12/review/exclude/",
        },
        "annotators": ["alice", "bob", "carol"],
        "nextUrl": "/projects/demo/review/next/",
        "auditUrl": "/api/sections/12/audit/",
    }
    cfg.update(extra)
    return cfg


def review_routes(b: Backend) -> None:
    b.on(
        "GET",
        "/api/sections/*",
        lambda path, **_: (200, section_png()) if path.endswith("image.png") else (404, {}),
    )
    b.on(
        "GET",
        "/api/sections/12/audit/",
        lambda **_: (
            200,
            [
                {
                    "at": "2024-01-01T10:00:00Z",
                    "actor": "alice",
                    "action": "submitted",
                    "detail": "revision 7",
                },
                {
                    "at": "2024-01-02T09:00:00Z",
                    "actor": "system",
                    "action": "consensus",
                    "detail": {"method": "staple"},
                },
            ],
        ),
    )


def test_review(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 900)
    b = Backend(page, page_html(review_config()))
    review_routes(b)
    b.on("POST", "/api/sections/12/review/confirm/", lambda **_: (200, {"version": 3}))
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function(
        "() => window.cellweb.editor && window.cellweb.editor.getOverlays().length >= 5"
    )
    page.wait_for_selector(".cw-audit li >> text=alice")
    page.keyboard.press("d")
    page.wait_for_function(
        "() => window.cellweb.editor.getOverlays().find(o => o.name === 'disagreement').visible"
    )
    page.keyboard.press("k")
    assert not page.evaluate(
        "() => window.cellweb.editor.getOverlays().find(o => o.name === 'consensus').visible"
    )
    page.keyboard.press("k")
    if shots:
        page.screenshot(path=str(shots / "review.png"))
    page.keyboard.press("d")
    # Edit the consensus, then confirm the edited mask.
    page.get_by_role("button", name="Edit consensus").click()
    assert not page.evaluate("() => window.cellweb.editor.readOnly")
    page.keyboard.press("b")
    stroke(page, [(320, 300), (360, 330)])
    if shots:
        page.screenshot(path=str(shots / "review-edit.png"))
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector("[data-result=success]")
    body = b.last("POST", "/api/sections/12/review/confirm/")["body"]
    assert body["consensus_id"] == 5 and body["edited"] is True and body["base_version"] == 2, body
    assert decode_mask(body["mask_png"]).size == (W, H)
    assert page.locator("[data-action=next]").get_attribute("href") == "/projects/demo/review/next/"
    close_clean(page, errors)


def test_review_conflict_and_forms(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 900)
    b = Backend(page, page_html(review_config()))
    review_routes(b)
    b.on(
        "POST",
        "/api/sections/12/review/confirm/",
        lambda **_: (
            409,
            {
                "detail": "Someone confirmed first.",
                "code": "stale_ground_truth",
                "current": {
                    "version": 3,
                    "mask_png": mask_png_b64(200, 200, 70, 70),
                    "reviewer": "dave",
                    "confirmed_at": "2024-01-03T08:00:00Z",
                },
            },
        ),
    )
    b.on("POST", "/api/sections/12/review/send-back/", lambda **_: (200, {"ok": True}))
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function(
        "() => window.cellweb.editor && window.cellweb.editor.getOverlays().length >= 5"
    )
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("[data-result=warning]")
    assert "dave" in page.locator("[data-result=warning]").inner_text()
    assert b.last("POST", "/api/sections/12/review/confirm/")["body"]["edited"] is False
    assert page.evaluate("() => window.cellweb.editor.getOverlays().some(o => o.name === 'winner')")
    if shots:
        page.screenshot(path=str(shots / "review-conflict.png"))
    page.close()

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    b = Backend(page, page_html(review_config(consensus=None)))
    review_routes(b)
    b.on("POST", "/api/sections/12/review/send-back/", lambda **_: (200, {"ok": True}))
    b.on("POST", "/api/sections/12/review/exclude/", lambda **_: (200, {"ok": True}))
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => !!window.cellweb.editor")
    page.get_by_role("button", name="Send back").click()
    page.get_by_role("button", name="Send back").last.click()
    assert page.locator(".cw-form-error").inner_text() == "Please write a comment."
    page.locator("textarea").fill("Nucleus boundary too loose at the top")
    page.locator(".cw-form").get_by_label("bob", exact=True).check()
    page.get_by_role("button", name="Send back").last.click()
    page.wait_for_selector("[data-result=success]")
    body = b.last("POST", "/api/sections/12/review/send-back/")["body"]
    # With the ground-truth version the page showed, so a decision overtaken meanwhile is a 409.
    assert body == {
        "comment": "Nucleus boundary too loose at the top",
        "annotators": ["bob"],
        "base_version": 2,
    }, body
    close_clean(page, errors)


def viewer_config() -> dict[str, Any]:
    def secs(t: int) -> list[dict[str, Any]]:
        return [
            {
                "id": 100 * t + z,
                "z": z,
                "imageUrl": f"/api/sections/{100 * t + z}/image.png",
                "fluorescenceUrl": f"/api/sections/{100 * t + z}/fluor.png" if z % 2 == 0 else None,
            }
            for z in range(6)
        ]

    return {
        "module": "viewer",
        "specimen": {"name": "cell-01", "lab": "Lab A"},
        "timePoints": [
            {"t": 0, "volumeId": 3, "sections": secs(0)},
            {"t": 1, "volumeId": 4, "sections": secs(1)},
        ],
        "modality": "ri",
        "window": {"lo": 1.33, "hi": 1.40, "min": 1.30, "max": 1.46, "step": 0.001, "units": "RI"},
        "annotateUrlTemplate": "/sections/{id}/annotate/",
    }


def test_viewer(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 900)
    b = Backend(page, page_html(viewer_config()))
    b.on(
        "GET",
        "/api/sections/*",
        lambda path, **_: (
            200,
            fluor_png() if path.endswith("fluor.png") else section_png(int(path.split("/")[3]) % 7),
        ),
    )
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => !!window.cellweb.editor")
    root = page.locator("#cw-root")
    assert root.get_attribute("data-z") == "2"
    page.keyboard.press("ArrowUp")
    assert root.get_attribute("data-z") == "3"
    page.keyboard.press("End")
    assert root.get_attribute("data-z") == "5"
    page.keyboard.press("Home")
    assert root.get_attribute("data-z") == "0"
    page.keyboard.press("PageUp")
    page.keyboard.press("ArrowRight")
    assert root.get_attribute("data-t") == "1" and root.get_attribute("data-z") == "1"
    assert (
        page.locator("a:has-text('Annotate this section')").get_attribute("href")
        == "/sections/101/annotate/"
    )
    page.keyboard.press("ArrowDown")
    page.keyboard.press("f")
    page.keyboard.press("f")
    assert root.get_attribute("data-fluorescence") == "overlay"
    wait_until(
        page,
        lambda: any(c["path"].endswith("/fluor.png") for c in b.calls),
        what="fluorescence request",
    )
    page.wait_for_timeout(300)
    if shots:
        page.screenshot(path=str(shots / "viewer-overlay.png"))
    page.keyboard.press("f")
    page.keyboard.press("f")
    assert root.get_attribute("data-fluorescence") == "side"
    page.wait_for_timeout(300)
    if shots:
        page.screenshot(path=str(shots / "viewer-side.png"))
    assert "#t=1&z=0" in page.url
    close_clean(page, errors)


def job_snapshot(status: str = "running") -> dict[str, Any]:
    return {
        "id": 42,
        "status": status,
        "created_at": "2024-01-01T10:00:00Z",
        "config": {"model": "unet-small", "epochs": 10, "folds": 2},
        "estimate_s": 900,
        "folds": [
            {
                "index": i,
                "status": "running" if i == 0 else "queued",
                "worker": "gpu1@host" if i == 0 else None,
                "device": "cuda:0" if i == 0 else None,
                "epoch": 2 if i == 0 else None,
                "epochs": 10,
                "batch": 4 if i == 0 else None,
                "batches": 12,
                "eta_s": 300 if i == 0 else None,
                "error": None,
                "specimens_train": ["cell-01", "cell-02", "cell-03"],
                "specimens_val": ["cell-04"],
                "history": [
                    {
                        "epoch": e,
                        "train_loss": 0.9 / e,
                        "val_loss": 1.0 / e + 0.05,
                        "val_dice": 0.5 + 0.1 * e,
                    }
                    for e in ([1, 2] if i == 0 else [])
                ],
            }
            for i in range(2)
        ],
        "summary": None,
    }


def job_config(kind: str, job_id: int, **extra: Any) -> dict[str, Any]:
    """The live job page's config for job ``job_id`` of ``kind`` (training, evaluation...)."""
    return {
        "module": "job",
        "wsUrl": f"/ws/jobs/{job_id}/",
        "snapshotUrl": f"/api/{kind}-jobs/{job_id}/",
        "kind": kind,
        **extra,
    }


def test_job(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 1000)
    cfg = job_config("training", 42, csrfToken="tok", cancelUrl="/api/training-jobs/42/cancel/")
    b = Backend(page, page_html(cfg))
    b.on("GET", "/api/training-jobs/42/", lambda **_: (200, job_snapshot()))
    note = "Cancel requested by mona at 2026-12-07 09:12 UTC — wrong snapshot"
    b.on(
        "POST",
        "/api/training-jobs/42/cancel/",
        lambda **_: (200, {**job_snapshot(), "cancel_note": note}),
    )
    sockets: list[Any] = []

    def ws_handler(ws):
        sockets.append(ws)
        ws.send(json.dumps({"type": "snapshot", "job": job_snapshot(), "seq": 100}))

    page.route_web_socket("ws://cellweb.test/ws/jobs/42/", ws_handler)
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_selector("[data-fold='0'][data-status=running]")
    page.wait_for_selector("#cw-root[data-conn=live]")
    ws = sockets[0]
    seq = 101
    for epoch in (3, 4):
        for batch in range(1, 13):
            ws.send(
                json.dumps(
                    {
                        "type": "progress",
                        "fold": 0,
                        "epoch": epoch,
                        "epochs": 10,
                        "batch": batch,
                        "batches": 12,
                        "eta_s": 200 - batch,
                        "loss": 0.35 - 0.01 * batch + 0.02 * math.sin(batch),
                        "seq": seq,
                    }
                )
            )
            seq += 1
        ws.send(
            json.dumps(
                {
                    "type": "epoch",
                    "fold": 0,
                    "epoch": epoch,
                    "train_loss": 0.9 / epoch,
                    "val_loss": 1.0 / epoch + 0.05,
                    "val_dice": 0.5 + 0.1 * epoch,
                    "seq": seq,
                }
            )
        )
        seq += 1
    # A duplicate must be ignored.
    ws.send(json.dumps({"type": "epoch", "fold": 0, "epoch": 4, "train_loss": 99, "seq": seq - 1}))
    ws.send(
        json.dumps(
            {
                "type": "fold_status",
                "fold": 1,
                "status": "running",
                "worker": "cpu@host",
                "device": "cpu (2 threads)",
                "error": None,
                "seq": seq,
            }
        )
    )
    seq += 1
    # Loss chart: 24 batch points + 4 train + 4 val.
    page.wait_for_selector("[data-fold='0'] [data-chart=loss][data-points='32']")
    page.wait_for_selector("[data-fold='0'] [data-chart=dice][data-points='4']")
    page.wait_for_selector("[data-fold='1'][data-status=running]")
    # Socket drop: reconnects and gets a fresh snapshot.
    ws.close()
    page.wait_for_selector("#cw-root[data-conn=reconnecting]")
    wait_until(page, lambda: len(sockets) >= 2, timeout=8, what="reconnect")
    page.wait_for_selector("#cw-root[data-conn=live]")
    assert b.count("GET", "/api/training-jobs/42/") >= 1
    ws = sockets[-1]
    if shots:
        page.screenshot(path=str(shots / "job-running.png"), full_page=True)
    page.get_by_role("button", name="Cancel job").click()
    page.fill("[data-role=cancel-reason]", "  wrong snapshot ")
    page.get_by_role("button", name="Yes, cancel").click()
    wait_until(
        page, lambda: b.count("POST", "/api/training-jobs/42/cancel/") == 1, what="cancel POST"
    )
    assert b.last("POST", "/api/training-jobs/42/cancel/")["body"] == {"reason": "wrong snapshot"}
    page.wait_for_selector(f"[data-role=cancel-note]:has-text('{note}')")
    summary = {
        "metrics": {
            "dice": {"mean": 0.851, "std": 0.012, "per_fold": [0.839, 0.863]},
            "jaccard": {"mean": 0.74, "std": 0.02, "per_fold": [0.72, 0.76]},
        }
    }
    ws.send(json.dumps({"type": "fold_status", "fold": 0, "status": "succeeded", "seq": 101}))
    ws.send(json.dumps({"type": "fold_status", "fold": 1, "status": "succeeded", "seq": 102}))
    ws.send(
        json.dumps({"type": "job_status", "status": "succeeded", "summary": summary, "seq": 103})
    )
    page.wait_for_selector("#cw-root[data-status=succeeded]")
    page.wait_for_selector("[data-card=summary] td:has-text('0.851 ± 0.012')")
    if shots:
        page.screenshot(path=str(shots / "job-done.png"), full_page=True)
    close_clean(page, errors)


def test_job_evaluation(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1200, 700)
    cfg = job_config("evaluation", 43)
    b = Backend(page, page_html(cfg))
    b.on(
        "GET",
        "/api/evaluation-jobs/43/",
        lambda **_: (200, {"id": 43, "status": "queued", "folds": [], "summary": None}),
    )

    def ws_handler(ws):
        ws.send(
            json.dumps(
                {
                    "type": "snapshot",
                    "job": {"id": 43, "status": "running", "folds": [], "summary": None},
                    "seq": 0,
                }
            )
        )
        ws.send(json.dumps({"type": "progress", "batch": 5, "batches": 10, "eta_s": 12, "seq": 1}))

    page.route_web_socket("ws://cellweb.test/ws/jobs/43/", ws_handler)
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_selector("[data-fold='-1'][data-status=running]")
    assert page.locator(".cw-chart").count() == 0
    if shots:
        page.screenshot(path=str(shots / "job-evaluation.png"))
    close_clean(page, errors)


def test_import(browser, shots: Path | None) -> None:
    for outcome in ("succeeded", "failed"):
        page, errors = open_page(browser, 1000, 600)
        b = Backend(
            page,
            page_html(
                {
                    "module": "import",
                    "snapshotUrl": "/api/import-jobs/7/",
                    "doneUrl": "/projects/demo/",
                }
            ),
        )
        seq = [
            {"status": "queued", "progress": 0.0, "message": "", "error": None, "result": None},
            {
                "status": "running",
                "progress": 0.4,
                "message": "Reading cell-02.tif (2/5)",
                "error": None,
                "result": None,
            },
            {
                "status": outcome,
                "progress": 1.0,
                "message": "Done" if outcome == "succeeded" else "Stopped",
                "error": None if outcome == "succeeded" else "cell-03.tif: not a 3D stack",
                "result": {"specimens": 5, "sections": 120} if outcome == "succeeded" else None,
            },
        ]
        b.on(
            "GET",
            "/api/import-jobs/7/",
            lambda _s=seq, **_: (200, _s.pop(0) if len(_s) > 1 else _s[0]),
        )
        page.goto(f"{ORIGIN}/page/")
        page.wait_for_selector(f"#cw-root[data-status={outcome}]", timeout=8000)
        if outcome == "succeeded":
            assert page.locator("[data-action=done]").get_attribute("href") == "/projects/demo/"
        else:
            assert "not a 3D stack" in page.locator("[data-result=failed]").inner_text()
        if shots:
            page.screenshot(path=str(shots / f"import-{outcome}.png"))
        close_clean(page, errors)
    # Who may cancel gets the button; the reason goes with the request and the answer's line shows.
    page, errors = open_page(browser, 1000, 600)
    running = {"status": "running", "progress": 0.3, "message": "Reading", "error": None}
    b = Backend(
        page,
        page_html(
            {
                "module": "import",
                "snapshotUrl": "/api/import-jobs/8/",
                "cancelUrl": "/api/import-jobs/8/cancel/",
                "job": running,
            }
        ),
    )
    note = "Cancelled by mona at 2026-12-07 09:12 UTC — wrong file"
    b.on("GET", "/api/import-jobs/8/", lambda **_: (200, running))
    b.on(
        "POST",
        "/api/import-jobs/8/cancel/",
        lambda **_: (200, {**running, "status": "cancelled", "cancel_note": note}),
    )
    page.goto(f"{ORIGIN}/page/")
    if shots:
        page.screenshot(path=str(shots / "import-running.png"))
    page.get_by_role("button", name="Cancel import").click()
    page.fill("[data-role=cancel-reason]", " wrong file ")
    page.get_by_role("button", name="Yes, cancel").click()
    page.wait_for_selector("#cw-root[data-status=cancelled]")
    assert b.last("POST", "/api/import-jobs/8/cancel/")["body"] == {"reason": "wrong file"}
    assert page.locator("[data-role=cancel-note]").inner_text() == note
    assert page.get_by_role("button", name="Cancel import").count() == 0
    if shots:
        page.screenshot(path=str(shots / "import-cancelled.png"))
    close_clean(page, errors)


def test_report(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1000, 600)
    png = "data:image/png;base64," + base64.b64encode(section_png()).decode()
    gallery = f"""<div class="cw-page"><label><input type="checkbox" data-layer="gt" checked> GT</label>
<label><input type="checkbox" data-layer="pred" checked> Prediction</label>
<label><input type="checkbox" data-layer="edge"> Edges</label>
<figure class="cw-overlay"><img src="{png}" width="200"><img data-layer-img="gt" src="{png}"><img data-layer-img="pred" src="{png}"><img data-layer-img="edge" src="{png}"></figure></div>"""
    b = Backend(page, page_html({"module": "report"}, gallery))
    assert b
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => window.cellweb && window.cellweb.page")
    assert page.locator("[data-layer-img=edge]").is_hidden()
    assert page.locator("[data-layer-img=gt]").is_visible()
    page.locator("input[data-layer=gt]").uncheck()
    assert page.locator("[data-layer-img=gt]").is_hidden()
    page.locator("input[data-layer=edge]").check()
    assert page.locator("[data-layer-img=edge]").is_visible()
    close_clean(page, errors)


def test_shortcut_panel(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1440, 900)
    server = {"dto": annotation_dto(None, None, None)}
    b = Backend(page, page_html(annotator_config()))
    common_annotator_routes(b, server)
    b.on(
        "PUT",
        "/api/sections/12/annotations/mine/",
        lambda body, **_: (200, annotation_dto(1, body["mask_png"])),
    )
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")
    page.keyboard.press("?")
    page.wait_for_selector(".cw-shortcuts:not([hidden])")
    if shots:
        page.screenshot(path=str(shots / "shortcuts.png"))
    page.keyboard.press("Escape")
    assert page.locator(".cw-shortcuts").is_hidden()
    # Polygon: click points, double-click closes; Shift subtracts.
    page.keyboard.press("p")
    for x, y in [(100, 100), (300, 100), (300, 300)]:
        page.mouse.click(*editor_point(page, x, y))
    page.mouse.dblclick(*editor_point(page, 100, 300))
    n = mask_count(page)
    assert 38000 < n < 42000, n
    page.keyboard.press("l")
    page.keyboard.down("Shift")
    stroke(page, [(150, 150), (250, 150), (250, 250), (150, 250)])
    page.keyboard.up("Shift")
    n2 = mask_count(page)
    assert 28000 < n2 < 32000, n2
    page.keyboard.press("f")
    assert abs(mask_count(page) - n) < 600
    page.keyboard.press("Shift+Delete")
    assert mask_count(page) == 0
    page.keyboard.press("Control+z")
    assert mask_count(page) > 0
    page.keyboard.press("Control+y")
    assert mask_count(page) == 0
    close_clean(page, errors)


def test_editor_view_and_polygon_keys(browser, shots: Path | None) -> None:
    page, errors = open_page(browser, 1300, 850)
    b = Backend(page, page_html({"module": "harness"}, bundle="harness"))
    assert b
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => window.cellweb && window.cellweb.editor")
    # Wheel zoom keeps the image point under the cursor fixed.
    sx, sy = editor_point(page, 100, 120)
    page.mouse.move(sx, sy)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(50)
    nx, ny = editor_point(page, 100, 120)
    assert abs(nx - sx) < 1.5 and abs(ny - sy) < 1.5, (sx, sy, nx, ny)
    assert page.evaluate("() => window.cellweb.editor.getView().scale") > 1.5
    # Right-drag pans without drawing.
    v0 = page.evaluate("() => window.cellweb.editor.getView()")
    page.mouse.down(button="right")
    page.mouse.move(sx + 80, sy + 30, steps=5)
    page.mouse.up(button="right")
    v1 = page.evaluate("() => window.cellweb.editor.getView()")
    assert abs(v1["tx"] - v0["tx"] - 80) < 2 and abs(v1["ty"] - v0["ty"] - 30) < 2
    assert mask_count(page) == 0
    # Space + drag pans too.
    page.keyboard.down("Space")
    page.mouse.move(sx, sy)
    page.mouse.down()
    page.mouse.move(sx - 40, sy, steps=4)
    page.mouse.up()
    page.keyboard.up("Space")
    assert mask_count(page) == 0
    page.keyboard.press("0")
    # Polygon: Backspace drops the last point, Esc cancels, Enter closes.
    page.keyboard.press("p")
    for x, y in [(50, 50), (150, 50), (150, 150), (400, 400)]:
        page.mouse.click(*editor_point(page, x, y))
    page.keyboard.press("Backspace")
    page.mouse.click(*editor_point(page, 50, 150))
    page.keyboard.press("Enter")
    assert abs(mask_count(page) - 100 * 100) < 300, mask_count(page)
    page.mouse.click(*editor_point(page, 200, 200))
    page.mouse.click(*editor_point(page, 300, 200))
    page.keyboard.press("Escape")
    assert abs(mask_count(page) - 100 * 100) < 300
    # Brush size keys and the eraser.
    page.keyboard.press("b")
    size = page.evaluate("() => window.cellweb.editor.brushSize")
    page.keyboard.press("]")
    assert page.evaluate("() => window.cellweb.editor.brushSize") > size
    page.keyboard.press("e")
    stroke(page, [(60, 100), (140, 100)])
    assert mask_count(page) < 100 * 100
    # Mask display cycles and the undo button reflects history.
    page.keyboard.press("o")
    assert page.evaluate("() => window.cellweb.editor.maskStyle") == "outline"
    assert page.evaluate("() => window.cellweb.editor.undoDepth") == 2
    close_clean(page, errors)


TOPBAR = (
    '<header style="background:#1f2933;color:#fff;padding:12px 20px">CellWeb · Projects</header>'
)


def test_template_integration(browser, shots: Path | None) -> None:
    """Pages as the Django templates build them: content above and below #cw-root."""
    page, errors = open_page(browser, 1400, 900)
    progress = """<section style="display:flex;gap:20px;padding:8px 20px">
<div class="cw-progress-block" data-kind="project"><span class="cw-progress-caption">server text</span><div class="cw-progress"><div class="cw-progress-bar" style="width: 1%"></div></div></div>
<div class="cw-progress-block" data-kind="mine"><span class="cw-progress-caption">server text</span><div class="cw-progress"><div class="cw-progress-bar" style="width: 1%"></div></div></div></section>"""
    server = {"dto": annotation_dto(3, mask_png_b64(210, 220, 80, 60))}
    b = Backend(
        page,
        page_html(
            annotator_config(), before=TOPBAR + '<main class="cw-page">' + progress, body_class=""
        ),
    )
    common_annotator_routes(b, server)
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function("() => document.querySelector('#cw-root').dataset.phase === 'clean'")
    wait_until(
        page,
        lambda: "12 / 40" in page.locator("[data-kind=project] .cw-progress-caption").inner_text(),
        what="adopted progress",
    )
    assert page.locator("#cw-root .cw-appbar-progress").count() == 0
    box = page.locator("#cw-root").bounding_box()
    assert box["y"] + box["height"] <= 900, box
    if shots:
        page.screenshot(path=str(shots / "template-annotator.png"))
    page.close()

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    after = """<div class="cw-grid"><section class="cw-card" id="agreement"><table id="agreement-pairs"></table></section>
<section class="cw-card" id="audit-trail"><ol class="cw-audit"><li data-action="consensus">server</li></ol></section></div>"""
    b = Backend(page, page_html(review_config(), body_extra=after, before=TOPBAR, body_class=""))
    review_routes(b)
    b.on("POST", "/api/sections/12/review/confirm/", lambda **_: (200, {"version": 3}))
    page.goto(f"{ORIGIN}/page/")
    page.wait_for_function(
        "() => window.cellweb.editor && window.cellweb.editor.getOverlays().length >= 5"
    )
    assert page.locator("#cw-root [data-card=agreement]").count() == 0
    assert page.locator("#cw-root [data-card=audit]").count() == 0
    assert b.count("GET", "/api/sections/12/audit/") == 0
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_selector(".cw-callout[data-result=success]")
    page.wait_for_selector('#audit-trail li[data-action="consensus"] >> text=system')
    if shots:
        page.screenshot(path=str(shots / "template-review.png"), full_page=True)
    close_clean(page, errors)


def open_page(browser, width: int, height: int):
    """A new tab of ``width`` x ``height`` and the list where its errors collect. The annotate
    page's section notices (``/ws/sections/<id>/``) connect to a socket that stays silent."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.route_web_socket("**/ws/sections/**", lambda ws: None)
    return page, watch_errors(page)


def close_clean(page, errors: list[str]) -> None:
    """Close the tab; it must not have logged an error."""
    assert not errors, errors
    page.close()


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on(
        "console",
        lambda m: (
            errors.append(f"console: {m.text}")
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    return errors


SCENARIOS = [
    test_annotator,
    test_annotator_restore_backup,
    test_annotator_minimal_config,
    test_shortcut_panel,
    test_review,
    test_review_conflict_and_forms,
    test_viewer,
    test_job,
    test_job_evaluation,
    test_import,
    test_report,
    test_template_integration,
    test_editor_view_and_polygon_keys,
]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shots", type=Path, help="directory for screenshots")
    parser.add_argument("-k", dest="pattern", help="only scenarios whose name contains this")
    args = parser.parse_args()
    if missing_bundles():
        print("Build the bundles first: cd frontend && npm run build", file=sys.stderr)
        return 1
    if args.shots:
        args.shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    failed = 0
    with sync_playwright() as pw:
        browser = launch(pw)
        for fn in SCENARIOS:
            if args.pattern and args.pattern not in fn.__name__:
                continue
            t0 = time.time()
            try:
                fn(browser, args.shots)
                print(f"ok    {fn.__name__} ({time.time() - t0:.1f} s)")
            except Exception:
                failed += 1
                print(f"FAIL  {fn.__name__}")
                traceback.print_exc()
        browser.close()
    print("all passed" if not failed else f"{failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
