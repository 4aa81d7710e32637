"""What a server-rendered page hands its script: the JSON of its ``cw-config`` element."""

from __future__ import annotations

import json
import re

CONFIG_SCRIPT = re.compile(r'<script id="cw-config" type="application/json">(.*?)</script>', re.S)


def page_config(page) -> dict:
    """The page's ``cw-config`` object; ``page`` is a response or its HTML."""
    html = page if isinstance(page, str) else page.content.decode()
    match = CONFIG_SCRIPT.search(html)
    assert match, "the page has no cw-config"
    return json.loads(match.group(1))
