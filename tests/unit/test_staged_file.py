"""The staged upload a job reads (volume imports and model imports share it): there while it is
there, a clear refusal once it is gone or when the path points outside the staging folder."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotations.services.imports.staging import discard_staged, stage_upload, staged_file
from cellweb.errors import InvalidInput


def test_a_staged_upload_is_read_until_it_is_discarded(media_root):
    relative, _, size = stage_upload(SimpleUploadedFile("cell.npy", b"x" * 10))
    path = staged_file(relative)
    assert path.read_bytes() == b"x" * 10 and size == 10
    discard_staged(relative)
    with pytest.raises(InvalidInput, match="no longer on the server"):
        staged_file(relative)


@pytest.mark.parametrize("relative", ["", "../settings.py", "volumes/elsewhere.npy"])
def test_a_path_outside_the_staging_folder_is_refused(media_root, relative):
    with pytest.raises(InvalidInput, match="please upload it again"):
        staged_file(relative)
