"""Server-rendered pages: what a page hands its script (the JSON of its ``cw-config`` element),
and the project settings form as posted."""

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


def settings_form_post(client, **fields):
    """POST the settings page of the project ``lab`` with ``client``: the fields the form
    requires as the ``project`` fixture holds them (3 annotations, STAPLE), changed or added to
    by ``fields``."""
    form = {"required_annotations": "3", "consensus_method": "staple", **fields}
    return client.post("/projects/lab/settings/", form)
