"""Bringing image files into a project: one code path for the web form, the API and the command.

``options``: how to import a file (``ImportOptions``), one record that each entry builds and the
services pass down. ``checks``: what refuses a file before any pixel is read; ``fit``: whether its volumes fit the
specimen they join. ``importer``:
``import_file``, one file into a specimen, all or nothing. ``staging``: uploads kept on disk until
their import runs. ``jobs``: uploads as jobs of the kind "import", run by a worker. ``pairing``:
the files of a folder grouped into fields by a name pattern (pure). ``fields``: one field (a
label-free image and its stain) into one specimen, all or nothing. ``batch``: several uploaded
files at once, a job per field.
"""

from annotations.services.imports.checks import (
    inspect_file,
    modality_check,
    parse_voxel_size,
    time_index_check,
    upload_size_check,
    voxel_size_check,
)
from annotations.services.imports.duplicates import duplicate_check
from annotations.services.imports.fit import fit_check
from annotations.services.imports.importer import ImportResult, import_file
from annotations.services.imports.jobs import (
    import_job_create,
    import_job_finish,
    import_job_run,
    import_job_work,
)
from annotations.services.imports.options import ImportOptions
from annotations.services.imports.staging import staged_path

__all__ = [
    "ImportOptions",
    "ImportResult",
    "duplicate_check",
    "fit_check",
    "import_file",
    "import_job_create",
    "import_job_finish",
    "import_job_run",
    "import_job_work",
    "inspect_file",
    "modality_check",
    "parse_voxel_size",
    "staged_path",
    "time_index_check",
    "upload_size_check",
    "voxel_size_check",
]
