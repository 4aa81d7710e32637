"""Demo data: synthetic cells from two labs, a time-lapse and a bright-field image, plus the cast.

Every image goes through ``import_file``, the path real uploads take (two cells and the
time-lapse as Tomocube-like TCF files, the rest as .npy stacks and a PNG), so the demo also
exercises the importer. Running it again adds only what is missing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from PIL import Image

from annotations.demo import make_brightfield, make_cell, make_time_series, write_tcf
from annotations.models import ConsensusMethod, Membership, Project, Role, Specimen, Tag, Volume
from annotations.services.groundtruth_import import ground_truth_import
from annotations.services.imports import ImportOptions, import_file
from annotations.services.volumes import atomic_with_file_cleanup

DEMO_PASSWORD = "cellweb-demo"
DEMO_SLUG = "demo"
DEMO_NAME = "Demo: label-free nuclei"
SHAPE = (24, 128, 128)
CAST = (
    ("alice", Role.ANNOTATOR),
    ("bob", Role.ANNOTATOR),
    ("carol", Role.ANNOTATOR),
    ("rita", Role.REVIEWER),
    ("mona", Role.MANAGER),
)
ADMIN = "admin"


@dataclass(frozen=True)
class DemoSpecimen:
    name: str
    lab: str
    kind: str  # "cell" | "time-lapse" | "brightfield"
    seed: int
    profile: str = "A"
    stain: str = "DAPI"
    dark_nucleus: bool = False
    as_tcf: bool = False
    tags: tuple[str, ...] = ()
    ground_truth: bool = False


def _lab_cells(lab: str, first_seed: int, count: int, **spec) -> list[DemoSpecimen]:
    """``count`` single cells of one lab, named ``<lab>-01`` on, seeded from ``first_seed + 1``."""
    return [
        DemoSpecimen(name=f"{lab}-{i:02d}", lab=lab, kind="cell", seed=first_seed + i, **spec)
        for i in range(1, count + 1)
    ]


def demo_specimens() -> list[DemoSpecimen]:
    kaist = [
        replace(
            spec,
            dark_nucleus=i % 3 == 0,  # about a third, like HL60 cells
            as_tcf=i in (1, 2),
        )
        for i, spec in enumerate(
            _lab_cells("KAIST", 100, 10, stain="DAPI", tags=("train",), ground_truth=True), 1
        )
    ]
    mannheim = _lab_cells("Mannheim", 200, 4, profile="B", stain="Hoechst", tags=("cross-lab",))
    extra = [
        DemoSpecimen(
            name="KAIST-timelapse",
            lab="KAIST",
            kind="time-lapse",
            seed=300,
            profile="A",
            stain="DAPI",
            as_tcf=True,
            tags=("time-lapse",),
        ),
        DemoSpecimen(name="BF-01", lab="KAIST", kind="brightfield", seed=400),
    ]
    return kaist + mannheim + extra


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created)


def _ensure_users(report: DemoReport, project: Project) -> None:
    User = get_user_model()
    for username, role in CAST:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
            report.created.append(f"user {username}")
        _, made = Membership.objects.get_or_create(project=project, user=user, role=role)
        if made:
            report.created.append(f"{username} as {role} of “{project.slug}”")
    if not User.objects.filter(username=ADMIN).exists():
        User.objects.create_superuser(username=ADMIN, email="", password=DEMO_PASSWORD)
        report.created.append(f"superuser {ADMIN}")


def _ensure_project(report: DemoReport) -> Project:
    project = Project.objects.filter(slug=DEMO_SLUG).first()
    if project is None:
        project = Project(
            slug=DEMO_SLUG,
            name=DEMO_NAME,
            description=(
                "Synthetic holotomograms of single cells from two labs (KAIST with DAPI, Mannheim "
                "with Hoechst), a 4-step time-lapse and a bright-field image. Nuclei are sometimes "
                "darker than the cytoplasm, as in HL60 cells."
            ),
            required_annotations=3,
            consensus_method=ConsensusMethod.STAPLE,
        )
        project.full_clean()
        project.save()
        report.created.append(f"project “{DEMO_SLUG}”")
    return project


def _import(project: Project, spec: DemoSpecimen, path: Path, **options) -> None:
    """``path`` imported into the specimen of ``spec`` (from its lab) with ``options``."""
    import_file(
        path=path,
        project=project,
        specimen_name=spec.name,
        options=ImportOptions(lab=spec.lab, **options),
    )


def _import_cell(project: Project, spec: DemoSpecimen, folder: Path) -> None:
    cell = make_cell(seed=spec.seed, shape=SHAPE, lab=spec.profile, dark_nucleus=spec.dark_nucleus)
    if spec.as_tcf:
        path = folder / f"{spec.name}.TCF"
        write_tcf(path, [cell.ri], {"CH0": [cell.dapi]}, cell.voxel_size, compression="gzip")
        _import(project, spec, path, modality="ri", channel=spec.stain)
    else:
        ri_path, stain_path = (
            folder / f"{spec.name}_RI.npy",
            folder / f"{spec.name}_{spec.stain}.npy",
        )
        np.save(ri_path, cell.ri)
        np.save(stain_path, cell.dapi)
        _import(project, spec, ri_path, modality="ri", voxel_size=cell.voxel_size)
        _import(
            project,
            spec,
            stain_path,
            modality="fluorescence",
            channel=spec.stain,
            voxel_size=cell.voxel_size,
        )
    if spec.ground_truth:
        volume = Volume.objects.get(
            specimen__project=project, specimen__name=spec.name, modality="ri", time_index=0
        )
        ground_truth_import(volume=volume, masks=cell.nucleus)


def _import_time_lapse(project: Project, spec: DemoSpecimen, folder: Path) -> None:
    cells = make_time_series(seed=spec.seed, n_time_points=4, shape=SHAPE, lab=spec.profile)
    path = folder / f"{spec.name}.TCF"
    write_tcf(path, [c.ri for c in cells], {"CH0": [c.dapi for c in cells]}, cells[0].voxel_size)
    _import(project, spec, path, modality="ri", channel=spec.stain)


def _import_brightfield(project: Project, spec: DemoSpecimen, folder: Path) -> None:
    image, _nucleus = make_brightfield(seed=spec.seed, shape=(256, 256))
    path = folder / f"{spec.name}.png"
    Image.fromarray(np.clip(image * 65535.0, 0, 65535).astype(np.uint16)).save(path)
    _import(project, spec, path, modality="brightfield", voxel_size=(0.16, 0.16))


_IMPORTERS: dict[str, Callable[[Project, DemoSpecimen, Path], None]] = {
    "cell": _import_cell,
    "time-lapse": _import_time_lapse,
    "brightfield": _import_brightfield,
}


def _tag(project: Project, specimen: Specimen, names: tuple[str, ...]) -> bool:
    added = False
    for name in names:
        tag, _ = Tag.objects.get_or_create(project=project, name=name)
        if not specimen.tags.filter(pk=tag.pk).exists():
            specimen.tags.add(tag)
            added = True
    return added


def seed_demo(*, progress: Callable[[str], None] | None = None) -> DemoReport:
    """Create whatever part of the demo is missing; return what was created."""
    say = progress or (lambda line: None)
    report = DemoReport()
    with transaction.atomic():
        project = _ensure_project(report)
        _ensure_users(report, project)
    with tempfile.TemporaryDirectory(prefix="cellweb-demo-") as tmp:
        folder = Path(tmp)
        for spec in demo_specimens():
            specimen = Specimen.objects.filter(project=project, name=spec.name).first()
            if specimen is None or not specimen.volumes.exists():
                say(f"Creating {spec.name} ({spec.lab}, {spec.kind})")
                with atomic_with_file_cleanup():
                    _IMPORTERS[spec.kind](project, spec, folder)
                    specimen = Specimen.objects.get(project=project, name=spec.name)
                    _tag(project, specimen, spec.tags)
                report.created.append(f"specimen {spec.name}")
            elif _tag(project, specimen, spec.tags):
                report.created.append(f"tags of {spec.name}")
    return report
