"""A folder or .zip of one mask file per nucleus, read and merged into one instance label image
(``imaging.object_masks``): the form expert masks of crowded nuclei often come in. Shared by
``manage.py import_masks --instances FOLDER`` and the ground-truth upload API (a .zip)."""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import numpy as np

from annotations.imaging.errors import MaskError
from annotations.imaging.labels import MAX_INSTANCES
from annotations.imaging.object_masks import MergedObjects, merge_object_masks
from annotations.services.mask_files import read_mask_stack
from cellweb.errors import InvalidInput

MASK_SUFFIXES = (".png", ".tif", ".tiff", ".npy")
# A .zip's members are read one at a time; this caps what it may unpack to in all.
MAX_UNPACKED_BYTES = 4 * 1024**3


def _is_mask_name(name: str) -> bool:
    path = PurePosixPath(name)
    hidden = any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
    return not hidden and path.suffix.lower() in MASK_SUFFIXES


def _masks_folder_only(names: list[str], source: str) -> list[str]:
    """A field as published (``<id>/images/<id>.png`` beside ``<id>/masks/*.png``) holds its
    image too: where the files lie in a ``masks`` folder, only that folder's files are masks.
    Several such folders are several fields, which one instance image cannot hold."""
    folders = sorted(
        {str(PurePosixPath(n).parent) for n in names if PurePosixPath(n).parent.name == "masks"}
    )
    if not folders:
        return names
    if len(folders) > 1:
        shown = ", ".join(f"{folder}/" for folder in folders[:3])
        raise InvalidInput(
            f"{source} holds {len(folders)} masks folders ({shown}{', …' if len(folders) > 3 else ''}"
            "), one per field; import each field's masks on its own."
        )
    return [n for n in names if str(PurePosixPath(n).parent) == folders[0]]


def _check_count(count: int, source: str) -> None:
    """Refuse before a file is read: a 16-bit label image numbers at most 65,535 nuclei."""
    if count > MAX_INSTANCES:
        raise InvalidInput(
            f"{source} holds {count:,} mask files; a 16-bit label image holds at most "
            f"{MAX_INSTANCES:,} nuclei. Import the field in parts."
        )


def _folder_masks(folder: Path) -> Iterator[tuple[str, np.ndarray]]:
    """The folder's own mask files, or, where it holds none, those of its ``masks`` folder (a
    field's folder as published, with ``images/`` beside ``masks/``)."""
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and _is_mask_name(p.name)]
    if not files and (folder / "masks").is_dir():
        folder = folder / "masks"
        files = [p for p in sorted(folder.iterdir()) if p.is_file() and _is_mask_name(p.name)]
    _check_count(len(files), folder.name)
    for path in files:
        yield path.name, read_mask_stack(path, None, one_object=True)


def _zip_masks(path: Path, name: str) -> Iterator[tuple[str, np.ndarray]]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"{name} could not be opened as a .zip ({exc}).") from exc
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and _is_mask_name(m.filename)]
        kept = set(_masks_folder_only([m.filename for m in members], name))
        members = [m for m in members if m.filename in kept]
        _check_count(len(members), name)
        if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
            raise InvalidInput(f"{name} unpacks to more than {MAX_UNPACKED_BYTES // 1024**3} GiB.")
        for member in members:
            suffix = PurePosixPath(member.filename).suffix
            with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                try:
                    handle.write(archive.read(member))
                except (zipfile.BadZipFile, OSError, ValueError) as exc:
                    raise InvalidInput(
                        f"{member.filename} in {name} could not be unpacked ({exc})."
                    ) from exc
                handle.flush()
                yield (
                    member.filename,
                    read_mask_stack(Path(handle.name), None, member.filename, one_object=True),
                )


def is_object_mask_source(path: Path) -> bool:
    """A folder, or a .zip: read as one mask file per nucleus."""
    return path.is_dir() or zipfile.is_zipfile(path)


def read_object_masks(path: Path, name: str | None = None) -> MergedObjects:
    """Merge the mask files of a folder or a .zip (.png, .tif, .tiff, .npy; hidden files and
    macOS's ``__MACOSX`` left out), one nucleus per file; refuse a folder with none."""
    name = name or path.name
    masks = _folder_masks(path) if path.is_dir() else _zip_masks(path, name)
    try:
        merged = merge_object_masks(masks)
    except MaskError as exc:
        raise InvalidInput(f"{name}: {exc.message}") from exc
    return merged


def merged_summary(merged: MergedObjects) -> str:
    """What the merge did, in a sentence a biologist can check against the folder."""
    files = len(merged.names) + len(merged.empty)
    text = f"{files} mask file(s) merged into {merged.objects} nuclei (one id per file"
    text += ", in file-name order)."
    if merged.empty:
        text += f" {len(merged.empty)} empty file(s) skipped: {', '.join(merged.empty[:5])}"
        text += "…" if len(merged.empty) > 5 else ""
        text += "."
    if merged.overlap_pixels:
        text += (
            f" {merged.overlap_pixels} pixel(s) were claimed by two or more files; each went to "
            "the smallest of them."
        )
    if merged.lost:
        text += f" Covered whole by smaller nuclei, so not kept: {', '.join(merged.lost[:5])}."
    return text
