"""Steps that several browser tests take the same way: submitting in the editor, launching a
job from its form and following it on its live page to the results."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import numpy as np

from annotations.models import Annotation
from inference.models import Evaluation, LearningCurve, Prediction
from tests.fixtures_live import screenshot
from tests.helpers_jobs import wait_until
from tests.helpers_training import SINGLE_THREAD_ENV

# The editor's mask (a Uint8Array, one byte a pixel) as base64: a JSON array of a real-size
# field's 1.3 million numbers takes the browser protocol seconds, its bytes a tenth of one.
_MASK_BASE64 = """() => {
    const mask = window.cellweb.editor.getMask();
    let text = '';
    for (let i = 0; i < mask.length; i += 0x8000) {
        text += String.fromCharCode.apply(null, mask.subarray(i, i + 0x8000));
    }
    return btoa(text);
}"""


def editor_mask(page, shape: tuple[int, int]) -> np.ndarray:
    """The mask the editor shows now, its class value per pixel, as an array of ``shape``."""
    data = base64.b64decode(page.evaluate(_MASK_BASE64))
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def submit_in_editor(page, section_id: int, annotator) -> Annotation:
    """Click the editor's Submit; the annotation once the server has it submitted."""
    page.get_by_role("button", name="Submit").click()
    return wait_until(
        lambda: Annotation.objects.filter(
            section_id=section_id, annotator=annotator, status="submitted"
        ).first(),
        timeout=15.0,
        what="the submitted annotation on the server",
    )


@dataclass(frozen=True)
class JobForm:
    """A job's launch form and live page: the job's model, the ``data-role`` of the launch
    button, the page's path, and what the page shows once the job has succeeded."""

    model: type
    button: str
    path: str
    results: str = ""
    images: str = ""


EVALUATION = JobForm(
    Evaluation, "launch", "evaluations", "#summary-table", "figure[data-figure] img"
)
PREDICTION = JobForm(
    Prediction, "launch-prediction", "predictions", "#nuclei-table", "[data-role=orthoviews]"
)
LEARNING_CURVE = JobForm(LearningCurve, "launch-learning-curve", "learning-curves")


def launch_from_form(page, form: JobForm, *, shot: str):
    """Picture the filled form as ``shot``, launch and wait for the job's live page to show it
    queued: the job (the only row of its model)."""
    screenshot(page, shot)
    page.click(f"[data-role={form.button}]")
    page.wait_for_url(re.compile(rf"/{form.path}/\d+/$"))
    page.wait_for_selector("#cw-root[data-status=queued]")
    return form.model.objects.get()


def work_queued_job(page, worker_factory, form: JobForm, *, worker: str, shot: str) -> None:
    """Picture the queued job's page as ``shot``, start a one-thread ``worker`` and wait (up to
    three minutes) for the page to show the results and every one of their images loaded."""
    screenshot(page, shot)
    worker_factory(name=worker, extra_env=SINGLE_THREAD_ENV)
    page.wait_for_selector(form.results, timeout=180_000)
    page.wait_for_function(
        "(selector) => { const all = [...document.querySelectorAll(selector)];"
        " return all.length > 0 && all.every(i => i.complete && i.naturalWidth > 0) }",
        arg=form.images,
    )
