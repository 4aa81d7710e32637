"""The top bar on a narrow window (a 1024-pixel laptop, half a wide screen) in Chromium: its
links wrap onto a second line instead of running off the right edge, so Settings, API and
Sign out stay on screen and clickable."""

from __future__ import annotations

import pytest

from tests.fixtures_live import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.mark.parametrize("width", [1024, 760])
def test_every_top_bar_link_and_sign_out_stay_on_screen(asgi_server, page, project, manager, width):
    page.set_viewport_size({"width": width, "height": 800})
    login(page, asgi_server, "mona")
    page.goto(f"{asgi_server.url}/projects/{project.slug}/")
    links = page.locator("header.cw-topbar a, header.cw-topbar button")
    names = links.all_inner_texts()
    assert {"Projects", "Settings", "API", "Sign out"} <= set(names), names
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (
            names[i],
            box,
        )
    screenshot(page, f"topbar-{width}", full_page=False)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/**")
