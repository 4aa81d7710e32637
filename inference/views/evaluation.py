"""Pages of evaluation: the list with the launch form, the live job / report page, the gallery,
the side-by-side comparison, downloads, and fluorescence ground truth (derive, preview, correct).
"""

from __future__ import annotations

import base64
import io

import numpy as np
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.db.models import Count
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from PIL import Image

from annotations.imaging.masks import decode_mask
from annotations.models import GroundTruth, GroundTruthSource, Role, Section
from annotations.permissions import get_project, get_section, user_roles
from annotations.selectors.data import project_links
from annotations.selectors.review import audit_trail, b64
from cellweb.errors import DomainError, NotAllowed
from inference.models import EvaluationMethod, EvaluationSetKind, VolumeResult
from inference.selectors import evaluation as selectors
from inference.services import evaluation as services
from inference.services import fluorescence_gt as fl_services
from inference.services import reports

WORST_ON_PAGE = 10
GALLERY_PER_PAGE = 12


def _context(request, project) -> dict:
    roles = user_roles(request.user, project)
    return {
        "project": project,
        "roles": roles,
        "is_manager": Role.MANAGER in roles,
        "project_links": project_links(project, roles),
    }


def _refused(request, error: DomainError):
    messages.error(request, error.message)
    return render(request, "base.html", status=error.status_code)


# ---------------------------------------------------------------------------------------------
# Launch form


class EvaluationLaunchForm(forms.Form):
    model_version = forms.TypedChoiceField(
        label="Model version", required=False, coerce=int, empty_value=None
    )
    set_kind = forms.ChoiceField(
        label="Specimen set", choices=EvaluationSetKind.choices, initial="cross_modality"
    )
    lab = forms.ChoiceField(label="Lab", required=False)
    tag = forms.ChoiceField(label="Tag", required=False)
    specimen_ids = forms.TypedMultipleChoiceField(
        label="Specimens", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    include_training = forms.BooleanField(
        label="Also score specimens the model was trained on", required=False
    )
    gt_source = forms.ChoiceField(label="Ground truth", required=False)
    threshold = forms.FloatField(
        label="Threshold",
        initial=0.5,
        min_value=0.001,
        max_value=0.999,
        widget=forms.NumberInput({"step": "any"}),
    )

    def __init__(self, *args, choices: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model_version"].choices = [("", "None — baselines only")] + [
            (v["id"], f"#{v['id']} {v['name']}") for v in choices["versions"]
        ]
        if choices["versions"]:
            self.fields["model_version"].initial = choices["versions"][0]["id"]
        self.fields["lab"].choices = [("", "—")] + [
            (lab["value"], f"{lab['value']} ({lab['n']})") for lab in choices["labs"]
        ]
        self.fields["tag"].choices = [("", "—")] + [
            (t["value"], f"{t['value']} ({t['n']})") for t in choices["tags"]
        ]
        self.fields["specimen_ids"].choices = [
            (s["id"], f"{s['name']}{' · ' + s['lab'] if s['lab'] else ''}")
            for s in choices["specimens"]
        ]
        self.fields["gt_source"].choices = [("", "Automatic (by set)")] + [
            (s["value"], f"{s['label']} ({s['sections']} sections)") for s in choices["sources"]
        ]

    def launch_args(self) -> dict:
        data = self.cleaned_data
        params = {
            "lab": data.get("lab") or None,
            "tag": data.get("tag") or None,
            "specimen_ids": data.get("specimen_ids") or None,
            "include_training": data.get("include_training") or None,
        }
        return {
            "model_version_id": data.get("model_version"),
            "set_kind": data["set_kind"],
            "set_params": {k: v for k, v in params.items() if v is not None},
            "gt_source": data.get("gt_source") or None,
            "threshold": data["threshold"],
        }


@login_required
@require_http_methods(["GET", "POST"])
def evaluations_page(request, slug: str):
    project = get_project(request.user, slug)
    context = _context(request, project)
    choices = selectors.evaluation_form_choices(project)
    status = 200
    form = None
    if request.method == "POST":
        if not context["is_manager"]:
            return _refused(request, NotAllowed("Launching an evaluation needs the manager role."))
        form = EvaluationLaunchForm(request.POST, choices=choices)
        if form.is_valid():
            try:
                evaluation = services.evaluation_launch(
                    project=project, user=request.user, **form.launch_args()
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Evaluation {evaluation.pk} is queued.")
                return redirect("evaluation", evaluation_id=evaluation.pk)
        status = 400
    elif context["is_manager"]:
        form = EvaluationLaunchForm(choices=choices)
    _, rows = selectors.evaluation_list_rows(project, limit=200)
    for row in rows:
        row["created_label"] = row["created_at"][:16].replace("T", " ")
    context |= {"form": form, "evaluations": rows, "choices": choices}
    return render(request, "inference/evaluation_list.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# One evaluation


def _parse_time(value):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if isinstance(value, str) else None


def _worst(evaluation, count: int = WORST_ON_PAGE) -> list[dict]:
    _, rows = selectors.section_results(evaluation=evaluation, ordering="dice", limit=count)
    return rows


@login_required
def evaluation_page(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    context = _context(request, evaluation.project) | {
        "evaluation": evaluation,
        "config_data": evaluation.config or {},
        "as_of": _parse_time((evaluation.config or {}).get("as_of")),
        "can_cancel": Role.MANAGER in user_roles(request.user, evaluation.project)
        or evaluation.created_by_id == request.user.pk,
    }
    if evaluation.status == "succeeded" and evaluation.summary:
        context |= reports.report_context(evaluation)
        context |= {
            "figures": [
                {
                    "name": name,
                    "title": reports.FIGURE_TITLES[name],
                    "url": f"/evaluations/{evaluation.pk}/figures/{name}.png",
                }
                for name in reports.FIGURES
            ],
            "worst": _worst(evaluation),
            "volume_downloads": _volume_downloads(evaluation),
            "config": {"module": "report"},
        }
        return render(request, "inference/evaluation.html", context)
    context["config"] = {
        "module": "job",
        "kind": "evaluation",
        "title": f"Evaluation {evaluation.pk} · {evaluation.get_set_kind_display()}",
        "wsUrl": f"/ws/jobs/evaluation/{evaluation.pk}/",
        "snapshotUrl": f"/api/evaluations/{evaluation.pk}/",
        "cancelUrl": f"/api/evaluations/{evaluation.pk}/cancel/" if context["can_cancel"] else None,
        "csrfToken": get_token(request),
    }
    return render(request, "inference/evaluation.html", context)


def _volume_downloads(evaluation) -> list[dict]:
    rows = (
        VolumeResult.objects.filter(evaluation=evaluation)
        .exclude(pred_mask="")
        .order_by("specimen__name", "time_index", "volume_id", "method")
        .values_list("volume_id", "specimen__name", "time_index", "method")
    )
    volumes: dict[int, dict] = {}
    for volume_id, name, time_index, method in rows:
        entry = volumes.setdefault(
            volume_id,
            {"volume": volume_id, "specimen": name, "time_index": time_index, "links": []},
        )
        entry["links"].append(
            {
                "method": method,
                "label": dict(EvaluationMethod.choices).get(method, method),
                "url": f"/evaluations/{evaluation.pk}/masks/{volume_id}.tif?method={method}",
            }
        )
    return list(volumes.values())


@login_required
def evaluation_gallery_page(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    gallery = selectors.gallery_page(evaluation=evaluation, page=page, per_page=GALLERY_PER_PAGE)
    context = _context(request, evaluation.project) | {
        "evaluation": evaluation,
        "gallery": gallery,
        "pred_label": reports.method_label(evaluation, "model") if gallery["has_model"] else "Otsu",
        "config": {"module": "report"},
    }
    return render(request, "inference/evaluation_gallery.html", context)


@login_required
def evaluation_compare_page(request):
    ids = []
    for key in ("a", "b"):
        value = request.GET.get(key, "")
        if not value.isdigit() or len(value) > 18:
            messages.error(request, "Choose two evaluations to compare (?a=ID&b=ID).")
            return render(request, "base.html", status=400)
        ids.append(int(value))
    comparison = selectors.evaluation_compare(user=request.user, a_id=ids[0], b_id=ids[1])
    a, b = comparison["a"], comparison["b"]
    label_a = reports.method_label(a, comparison["primary_a"])
    label_b = reports.method_label(b, comparison["primary_b"])
    png = reports.compare_figure_png(
        comparison["pairs"], f"#{a.pk} {label_a}", f"#{b.pk} {label_b}"
    )
    metric_labels = dict(reports.METRICS)
    rows = [
        {
            **row,
            "method_label": reports.method_label(a, row["method_a"])
            if row["method_a"] == row["method_b"]
            else f"{reports.method_label(a, row['method_a'])} / "
            f"{reports.method_label(b, row['method_b'])}",
            "metric_label": metric_labels.get(row["key"], row["key"]),
            "better": _better(row["a"].get("mean"), row["b"].get("mean")),
        }
        for row in comparison["rows"]
    ]
    context = _context(request, a.project) | {
        "comparison": comparison,
        "rows": rows,
        "scatter": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        "label_a": label_a,
        "label_b": label_b,
    }
    return render(request, "inference/evaluation_compare.html", context)


def _better(a, b) -> str:
    if a is None or b is None or a == b:
        return ""
    return "a" if a > b else "b"


# ---------------------------------------------------------------------------------------------
# Downloads


@login_required
def evaluation_report_download(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    if evaluation.status != "succeeded":
        raise Http404("The report exists once the evaluation has succeeded.")
    if not evaluation.report or not default_storage.exists(evaluation.report.name):
        reports.report_write(evaluation)
    response = FileResponse(evaluation.report.open("rb"), content_type="text/html; charset=utf-8")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{evaluation.project.slug}-evaluation-{evaluation.pk}.html"'
    )
    return response


@login_required
def evaluation_results_csv(request, evaluation_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    response = StreamingHttpResponse(
        reports.results_csv_lines(evaluation), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{evaluation.project.slug}-evaluation-{evaluation.pk}.csv"'
    )
    return response


@login_required
def evaluation_mask_download(request, evaluation_id: int, volume_id: int):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    methods = (evaluation.config or {}).get("methods") or []
    method = request.GET.get("method") or (methods[0] if methods else "edge")
    result = (
        VolumeResult.objects.filter(evaluation=evaluation, volume_id=volume_id, method=method)
        .exclude(pred_mask="")
        .first()
    )
    if result is None:
        raise Http404("No stored mask for this volume and method.")
    try:
        handle = result.pred_mask.open("rb")
    except FileNotFoundError:
        raise Http404("The mask file is missing.") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"evaluation-{evaluation.pk}-volume-{volume_id}-{method}.tif",
        content_type="image/tiff",
    )


@login_required
def evaluation_figure(request, evaluation_id: int, name: str):
    evaluation = selectors.evaluation_get(user=request.user, evaluation_id=evaluation_id)
    if name not in reports.FIGURES or evaluation.status != "succeeded":
        raise Http404("No such figure.")
    path = reports.figure_path(evaluation, name)
    if not default_storage.exists(path):
        reports.report_write(evaluation)
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---------------------------------------------------------------------------------------------
# Fluorescence ground truth


class FluorescenceGTForm(forms.Form):
    method = forms.ChoiceField(
        label="Threshold", choices=[("otsu", "Otsu"), ("fixed", "Fixed value")], initial="otsu"
    )
    value = forms.FloatField(
        label="Fixed value (smoothed stain intensity)",
        required=False,
        widget=forms.NumberInput({"step": "any"}),
    )
    scope = forms.ChoiceField(
        label="Computed",
        choices=[("section", "per section"), ("volume", "per volume")],
        initial="volume",
    )
    smoothing_sigma = forms.FloatField(
        label="Smoothing σ (px, 0 = none)", initial=1.0, min_value=0.0, max_value=50.0
    )
    fill_holes = forms.BooleanField(label="Fill holes", required=False, initial=True)
    min_size = forms.IntegerField(
        label="Remove objects smaller than (px)", initial=64, min_value=0, max_value=10_000_000
    )
    remove_border = forms.BooleanField(
        label="Remove objects touching the border", required=False, initial=True
    )
    channel = forms.CharField(
        label="Channel (blank: the nuclear stain)", required=False, max_length=32
    )
    section = forms.IntegerField(label="Preview section", required=False, min_value=1)

    def params(self):
        data = {
            k: self.cleaned_data[k]
            for k in (
                "method",
                "value",
                "scope",
                "smoothing_sigma",
                "fill_holes",
                "min_size",
                "remove_border",
            )
        }
        return fl_services.fluorescence_gt_params(data)


def _png_b64(pixels: np.ndarray, mode: str) -> str:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode=mode).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _contour_data_uri(mask: np.ndarray, colour=(255, 45, 45)) -> str:
    from scipy import ndimage as ndi

    mask = np.asarray(mask, dtype=bool)
    thickness = max(1, round(max(mask.shape) / 224))
    outline = mask & ~ndi.binary_erosion(mask, iterations=thickness, border_value=0)
    rgba = np.zeros((*mask.shape, 4), dtype=np.uint8)
    rgba[outline, :3] = colour
    rgba[outline, 3] = 255
    return _png_b64(rgba, "RGBA")


@login_required
@require_http_methods(["GET", "POST"])
def fluorescence_gt_page(request, slug: str):
    try:
        project = get_project(request.user, slug, Role.REVIEWER, Role.MANAGER)
    except DomainError as error:
        return _refused(request, error)
    context = _context(request, project)
    pairs = fl_services.fluorescence_pairs(project=project)
    status = 200
    # Both buttons post the same parameters: "preview" draws one section, "derive" stores all.
    form = FluorescenceGTForm(request.POST) if request.method == "POST" else FluorescenceGTForm()
    preview = None
    if request.method == "POST" and request.POST.get("action") == "preview":
        if form.is_valid() and pairs:
            preview = _preview(project, form, pairs)
            if isinstance(preview, str):
                form.add_error(None, preview)
                preview = None
        if preview is None:
            status = 400
    elif request.method == "POST":
        if form.is_valid():
            try:
                created = fl_services.fluorescence_gt_create(
                    project=project,
                    user=request.user,
                    params=form.params(),
                    channel=form.cleaned_data.get("channel") or None,
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"Derived {created} fluorescence ground-truth sections from "
                    f"{len(pairs)} volume{'s' if len(pairs) != 1 else ''}.",
                )
                return redirect("fluorescence-gt", slug=project.slug)
        status = 400
    sections = []
    for pair in pairs[:200]:
        sections += [
            {
                "id": s_id,
                "label": f"{pair.label_free.specimen.name} · t{pair.label_free.time_index} · z{z}",
            }
            for s_id, z in Section.objects.filter(volume=pair.label_free)
            .order_by("z")
            .values_list("id", "z")
        ]
    counts = dict(
        GroundTruth.objects.filter(
            section__project=project, source=GroundTruthSource.FLUORESCENCE, is_current=True
        )
        .values_list("section__volume_id")
        .annotate(n=Count("id"))
    )
    context |= {
        "form": form,
        "preview": preview,
        "pairs": [
            {
                "specimen": p.label_free.specimen.name,
                "lab": p.label_free.specimen.lab,
                "time_index": p.label_free.time_index,
                "modality": p.label_free.get_modality_display(),
                "channel": p.fluorescence.channel or "—",
                "sections": p.label_free.size_z,
                "with_gt": counts.get(p.label_free.pk, 0),
                "first_section": Section.objects.filter(volume=p.label_free)
                .order_by("z")
                .values_list("id", flat=True)
                .first(),
            }
            for p in pairs
        ],
        "sections": sections,
        "can_derive": True,
    }
    return render(request, "inference/fluorescence_gt.html", context, status=status)


def _preview(project, form, pairs):
    section_id = form.cleaned_data.get("section")
    if section_id:
        section = (
            Section.objects.select_related("volume", "specimen", "project", "fluorescence")
            .filter(pk=section_id, project=project, is_label_free=True)
            .first()
        )
        if section is None:
            return "Choose a label-free section of this project with a paired stain."
    else:
        volume = pairs[0].label_free
        section = (
            Section.objects.select_related("volume", "specimen", "project", "fluorescence")
            .filter(volume=volume, z=volume.size_z // 2)
            .first()
        )
    try:
        mask, info = fl_services.fluorescence_gt_preview(
            section=section, params=form.params(), channel=form.cleaned_data.get("channel") or None
        )
    except DomainError as exc:
        return exc.message
    return {
        "section": section,
        "image_url": f"/api/sections/{section.pk}/image.png",
        "stain_url": f"/api/sections/{section.fluorescence_id}/image.png?tint=green"
        if section.fluorescence_id
        else None,
        "contour": _contour_data_uri(mask),
        "pixels": int(np.count_nonzero(mask)),
        "info": info,
    }


@login_required
def section_fluorescence_gt_page(request, section_id: int):
    try:
        section = get_section(request.user, section_id, Role.REVIEWER, Role.MANAGER)
    except DomainError as error:
        return _refused(request, error)
    truth = (
        GroundTruth.objects.filter(
            section=section, source=GroundTruthSource.FLUORESCENCE, is_current=True
        )
        .select_related("reviewer")
        .first()
    )
    versions = list(
        GroundTruth.objects.filter(section=section, source=GroundTruthSource.FLUORESCENCE)
        .select_related("reviewer")
        .defer("mask_png")
        .order_by("-version")[:50]
    )
    is_reviewer = Role.REVIEWER in user_roles(request.user, section.project)
    neighbours = {"prev": None, "next": None}
    for neighbour_id, z in Section.objects.filter(
        volume=section.volume, z__in=[section.z - 1, section.z + 1]
    ).values_list("id", "z"):
        neighbours["prev" if z < section.z else "next"] = neighbour_id
    context = _context(request, section.project) | {
        "section": section,
        "neighbours": neighbours,
        "truth": truth,
        "versions": versions,
        "image_url": f"/api/sections/{section.pk}/image.png",
        "stain_url": f"/api/sections/{section.fluorescence_id}/image.png?tint=green"
        if section.fluorescence_id
        else None,
        "audit": [
            e for e in audit_trail(section) if e["action"] in ("fluorescence_gt", "edit_confirm")
        ],
        "is_reviewer": is_reviewer,
    }
    if truth is not None:
        mask = decode_mask(bytes(truth.mask_png), section.shape)
        context["contour"] = _contour_data_uri(mask)
        context["config"] = _review_config(
            request, section, truth, can_act=is_reviewer, next_id=neighbours["next"]
        )
    return render(request, "inference/fluorescence_gt_section.html", context)


def _review_config(request, section, truth, *, can_act: bool, next_id: int | None) -> dict:
    """The ``review`` module with the fluorescence mask as its proposal; Confirm stores the
    (edited) mask as the next fluorescence version."""
    from annotations.selectors.annotation import _display_window

    volume = section.volume
    label = f"{section.specimen.name} · t{volume.time_index} · z{section.z}/{volume.size_z}"
    return {
        "module": "review",
        "csrfToken": get_token(request),
        "section": {
            "id": section.pk,
            "width": volume.size_x,
            "height": volume.size_y,
            "z": section.z,
            "nZ": volume.size_z,
            "modality": volume.modality,
            "imageUrl": f"/api/sections/{section.pk}/image.png",
            "label": f"fluorescence ground truth · {label}",
        },
        "window": _display_window(section),
        "neighbours": {"prev": None, "next": None},
        "fluorescence": {"imageUrl": f"/api/sections/{section.fluorescence_id}/image.png"}
        if section.fluorescence_id
        else None,
        "annotations": [],
        "proposalName": "fluorescence mask",
        "annotatorTools": False,
        "consensus": {
            "id": truth.pk,
            "method": f"{truth.method} v{truth.version}",
            "mask_png": b64(truth.mask_png),
        },
        "disagreement_png": None,
        "agreement": None,
        "groundTruth": {"version": truth.version, "mask_png": b64(truth.mask_png), "stale": False},
        "actions": {"confirm": f"/api/sections/{section.pk}/fluorescence-gt/confirm/"}
        if can_act
        else {},
        "annotators": [],
        "nextUrl": f"/sections/{next_id}/fluorescence-gt/" if next_id else None,
        "auditUrl": f"/api/sections/{section.pk}/audit/",
        "status": section.status,
        "readOnly": not can_act,
    }
