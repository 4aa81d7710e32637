"""Print, set or correct the voxel size of a specimen's volumes after import: the same service as
the specimen page and ``PATCH /api/specimens/<id>/`` (docs/imports.md).

python manage.py set_voxel_size --project SLUG --specimen NAME                  # print it
python manage.py set_voxel_size --project SLUG --specimen NAME 0.195 0.098 0.098 [--user MANAGER]
python manage.py set_voxel_size --project SLUG --specimen NAME 0.16 0.16         # y x, 2D fields

Every volume of the specimen (label-free and paired stains, every time point) takes the size;
evaluations and predictions made from then on measure with it, those made before keep theirs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from annotations.management.users import user_named
from annotations.models import Project, Specimen
from annotations.selectors.voxel_size import specimen_voxel_size, voxel_size_words
from annotations.services.voxel_size import specimen_voxel_size_set
from cellweb.errors import DomainError


def _specimen(slug: str, name: str) -> Specimen:
    project = Project.objects.filter(slug=slug).first()
    if project is None:
        raise CommandError(f"No project with slug “{slug}”.")
    specimen = Specimen.objects.filter(project=project, name=name).first()
    if specimen is None:
        raise CommandError(f"No specimen “{name}” in project “{slug}”.")
    return specimen


class Command(BaseCommand):
    help = "Print, set or correct the voxel size (µm) of a specimen's volumes after import."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--specimen", required=True, help="The specimen's name.")
        parser.add_argument(
            "size",
            nargs="*",
            type=float,
            metavar="UM",
            help="Z Y X in micrometres (Y X for fields of a single section), each from 0.01 to "
            "100; none: print the stored size.",
        )
        parser.add_argument(
            "--user", default=None, help="Record this manager of the project as who set it."
        )

    def handle(self, *args, **o):
        specimen = _specimen(o["project"], o["specimen"])
        if not o["size"]:
            voxel = specimen_voxel_size(specimen=specimen)
            missing = f"; {voxel['missing']} volume(s) have none" if voxel["missing"] else ""
            self.stdout.write(f"Voxel size: {voxel_size_words(voxel['voxel_size'])}{missing}.")
            return
        try:
            change = specimen_voxel_size_set(
                specimen=specimen, user=user_named(o["user"]), values=o["size"]
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if not change.volumes:
            self.stdout.write(f"Unchanged: every volume has {voxel_size_words(change.voxel_size)}.")
            return
        before = "; ".join(voxel_size_words(p) for p in change.previous)
        self.stdout.write(
            self.style.SUCCESS(f"Voxel size {voxel_size_words(change.voxel_size)} (z × y × x)")
            + f" on {change.volumes} volume(s), was {before}. Evaluations and predictions made "
            "from now on use it; those made before keep the size they were made with."
        )
