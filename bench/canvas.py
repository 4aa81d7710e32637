"""Brush-stroke rendering benchmark for the MaskEditor.

Serves frontend/harness.html and the harness bundle (frontend/harness-build/, a
development build kept out of the production app.js) on 127.0.0.1 (random port),
drives headless Chromium with Playwright, paints brush strokes on the
synthetic 448x448 section and reports how long the editor spends per frame
(raster work + redraw of the dirty rectangle), measured in the page with
performance.now() through the editor's renderHook.

Usage (from the repository root, after `cd frontend && npm run build`):
    python bench/canvas.py                 # run the benchmark
    python bench/canvas.py --screenshot /tmp/harness.png
    python bench/canvas.py --serve         # just serve the harness for manual use
"""

from __future__ import annotations

import argparse
import functools
import http.server
import statistics
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "frontend" / "e2e"))
from browser import HARNESS_BUILD, launch, missing_bundles  # noqa: E402

HARNESS = ROOT / "frontend" / "harness.html"
BUDGET_MS = 16.0


class HarnessHandler(http.server.SimpleHTTPRequestHandler):
    """Maps / to the harness page and /harness-build/ to the harness bundle, nothing else."""

    def translate_path(self, path: str) -> str:
        path = path.split("?", 1)[0].split("#", 1)[0]
        if path in ("/", "/harness.html"):
            return str(HARNESS)
        prefix = "/harness-build/"
        if path.startswith(prefix):
            name = path[len(prefix) :]
            if name and "/" not in name and ".." not in name:
                return str(HARNESS_BUILD / name)
        return str(ROOT / "__not_served__")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def start_server() -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(HarnessHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


INSTALL_HOOKS = """
() => {
  const ed = window.cellweb.editor;
  window.__bench = { frames: [], events: 0, raf: [], recording: false };
  ed.renderHook = (s) => {
    if (!window.__bench.recording || !s.stroke) return;
    window.__bench.frames.push(s.ms);
    window.__bench.events += s.events;
  };
  let last = performance.now();
  const tick = (t) => {
    if (window.__bench.recording) window.__bench.raf.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}
"""


def run_bench(url: str, screenshot: str | None, strokes: int) -> int:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("Python Playwright is not installed (pip install playwright).", file=sys.stderr)
        return 2

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, device_scale_factor=1)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url)
        page.wait_for_function("() => window.cellweb && window.cellweb.editor", timeout=15000)
        page.wait_for_function(
            "() => !window.cellweb.editor.root.classList.contains('is-loading')", timeout=15000
        )
        page.evaluate(INSTALL_HOOKS)

        box = page.locator(".cw-editor-viewport").bounding_box()
        assert box, "editor viewport not found"
        view = page.evaluate("() => window.cellweb.editor.getView()")
        scale, tx, ty = view["scale"], view["tx"], view["ty"]

        def to_screen(x: float, y: float) -> tuple[float, float]:
            return box["x"] + tx + x * scale, box["y"] + ty + y * scale

        page.keyboard.press("b")
        results: dict[int, tuple[list[float], int]] = {}
        for size in (12, 40):
            page.evaluate(f"() => window.cellweb.editor.setBrushSize({size})")
            page.evaluate("() => { window.__bench.recording = true; }")
            for i in range(strokes):
                y0 = 60 + (i * 331) % 330
                x0 = 40 + (i * 97) % 60
                page.mouse.move(*to_screen(x0, y0))
                page.mouse.down()
                # A wavy stroke across most of the section.
                for k in range(1, 61):
                    x = x0 + k * 6
                    y = y0 + 25 * ((k % 20) / 10 - 1) * (1 if (k // 20) % 2 == 0 else -1)
                    page.mouse.move(*to_screen(x, y))
                page.mouse.up()
                if i % 4 == 3:
                    page.keyboard.press("Control+z")
            page.wait_for_timeout(100)
            data = page.evaluate(
                "() => { window.__bench.recording = false; const d = window.__bench;"
                " const out = {frames: d.frames.slice(), events: d.events, raf: d.raf.slice()};"
                " d.frames.length = 0; d.events = 0; d.raf.length = 0; return out; }"
            )
            results[size] = (data["frames"], data["events"])
            raf = data["raf"]
            print(
                f"info: brush {size:>2} px: {len(data['frames'])} frames, {data['events']} pointer events, "
                f"median {statistics.median(data['frames']):.3f} ms, p95 {percentile(data['frames'], 95):.3f} ms, "
                f"max {max(data['frames']):.3f} ms; rAF interval median {statistics.median(raf):.1f} ms, "
                f"p95 {percentile(raf, 95):.1f} ms"
            )

        depth = page.evaluate("() => window.cellweb.editor.undoDepth")
        if screenshot:
            page.mouse.move(*to_screen(300, 120))
            page.wait_for_timeout(200)
            page.screenshot(path=screenshot)
            print(f"info: screenshot written to {screenshot}")
        browser.close()

    frames = [ms for fr, _ in results.values() for ms in fr]
    if not frames:
        print("No stroke frames were recorded; the benchmark could not run.", file=sys.stderr)
        return 1
    p95 = percentile(frames, 95)
    med = statistics.median(frames)
    print(f"info: {len(frames)} frames in total, undo depth after run {depth}")
    if errors:
        print("info: page reported errors:", *errors, sep="\n  ")
    print(f"figure: brush_frame_ms = {p95:.4g} ms", flush=True)
    print(f"figure: brush_frame_ms_median = {med:.4g} ms", flush=True)
    if p95 > BUDGET_MS:
        print(f"warning: p95 exceeds the {BUDGET_MS:.0f} ms frame budget", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--serve", action="store_true", help="only serve the harness until Ctrl+C")
    parser.add_argument(
        "--screenshot", metavar="PNG", help="save a screenshot of the harness after the strokes"
    )
    parser.add_argument(
        "--strokes", type=int, default=12, help="strokes per brush size (default 12)"
    )
    args = parser.parse_args()

    missing = missing_bundles()
    if missing:
        print(
            "Front-end bundles are missing: "
            + ", ".join(str(p.relative_to(ROOT)) for p in missing)
            + "\nBuild them first:  cd frontend && npm install && npm run build",
            file=sys.stderr,
        )
        return 1

    server, url = start_server()
    try:
        if args.serve:
            print(f"Serving the mask editor harness at {url}  (Ctrl+C to stop)")
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
        return run_bench(url, args.screenshot, args.strokes)
    finally:
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
