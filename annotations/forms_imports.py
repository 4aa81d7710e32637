"""Forms of the import pages: one file, or the files of a folder, with the options every import
takes (``ImportOptions``)."""

from __future__ import annotations

from django import forms

from annotations.models import (
    LABEL_FREE_MODALITIES,
    Modality,
)
from annotations.services.imports import ImportOptions, parse_voxel_size, voxel_size_check
from annotations.services.imports.channels import parse_channel_names
from annotations.services.imports.pairing import DEFAULT_LABEL_FREE, DEFAULT_PATTERN, DEFAULT_STAIN
from cellweb.errors import InvalidInput


def label_free_channels_field() -> forms.CharField:
    """The names of a multi-channel label-free image's channels (docs/channels.md)."""
    return forms.CharField(
        label="Label-free channels",
        max_length=300,
        required=False,
        help_text="For a label-free image with several channels: their names, e.g. bf,phase. "
        "Left empty, a file that names its channels (Phase, Hoechst) is read by those names.",
    )


def channel_axis_field() -> forms.IntegerField:
    """Which axis of the stored array holds the label-free channels (docs/channels.md)."""
    return forms.IntegerField(
        label="Channel axis",
        min_value=0,
        max_value=3,
        required=False,
        help_text="Which axis of the stored array holds those channels: 0 for (c, y, x), "
        "1 for (z, c, y, x). Left empty, a stack is read as z-planes.",
    )


def stain_channels_field() -> forms.CharField:
    """Which of a multi-channel label-free image's channels are stains (docs/channels.md)."""
    return forms.CharField(
        label="Stain channels",
        max_length=300,
        required=False,
        help_text="Those of the channels that are a stain (e.g. hoechst): stored as fluorescence, "
        "paired with the other channels. Given alone, picked among the names the file gives.",
    )


def lab_field() -> forms.CharField:
    """The lab the imported specimens come from."""
    return forms.CharField(label="Lab", max_length=100, required=False)


def voxel_size_field(help_text: str) -> forms.CharField:
    """A voxel size typed as z,y,x in µm (checked by ``VoxelSizeCleaning``)."""
    return forms.CharField(
        label="Voxel size (µm, z,y,x)", max_length=100, required=False, help_text=help_text
    )


class VoxelSizeCleaning:
    """The check of a form's ``voxel_size_field``: parsed, then within the accepted range."""

    def clean_voxel_size(self):
        try:
            values = parse_voxel_size(self.cleaned_data.get("voxel_size", ""))
            return voxel_size_check(values)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc


class ImportOptionsForm(VoxelSizeCleaning, forms.Form):
    """The options an import of one file and of a folder share, shown after the form's own
    fields: the lab, the voxel size and a multi-channel label-free image's layout."""

    lab = lab_field()
    voxel_size = voxel_size_field("For files that do not carry it; e.g. 0.195,0.098,0.098.")
    channels = label_free_channels_field()
    channel_axis = channel_axis_field()
    stain_channels = stain_channels_field()
    frame_interval_min = forms.FloatField(
        label="Frame interval (minutes)",
        required=False,
        help_text="For a time-lapse: minutes between consecutive time points, when the files do "
        "not record it (ImageJ and OME-TIFF metadata, a TCF do).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([name for name in self.fields if name not in _IMPORT_OPTIONS])

    def import_options(self) -> ImportOptions:
        """The valid form's options as one record (a form's own fields included: the modality,
        and a file's channel, HDF5 dataset and time point)."""
        data = self.cleaned_data
        return ImportOptions.from_dict(
            data
            | {
                "time_index": data.get("time"),
                "first_time_index": data.get("first_time"),
                "channel_names": parse_channel_names(data.get("channels") or ""),
                "stain_channels": parse_channel_names(data.get("stain_channels") or ""),
            }
        )


_IMPORT_OPTIONS = frozenset(ImportOptionsForm.base_fields)


def time_point_field(label: str, help_text: str) -> forms.IntegerField:
    """An optional time point of the import form, 0 to 100,000."""
    return forms.IntegerField(
        label=label, min_value=0, max_value=100_000, required=False, help_text=help_text
    )


class ImportForm(ImportOptionsForm):
    file = forms.FileField(
        label="Image file",
        help_text="Tomocube .TCF, HDF5 (.h5), TIFF/OME-TIFF, NumPy .npy, or a 2D PNG/TIFF.",
        allow_empty_file=False,
    )
    specimen = forms.CharField(
        label="Specimen",
        max_length=200,
        help_text="A new name creates the specimen; an existing name adds to it (e.g. its DAPI stack).",
        widget=forms.TextInput(attrs={"list": "specimen-names", "autocomplete": "off"}),
    )
    modality = forms.ChoiceField(label="Modality", choices=Modality.choices, initial=Modality.RI)
    channel = forms.CharField(
        label="Fluorescence channel",
        max_length=32,
        required=False,
        help_text="For a fluorescence stack, its stain (e.g. DAPI, Hoechst). Optional for a TCF.",
    )
    dataset = forms.CharField(
        label="HDF5 dataset",
        max_length=500,
        required=False,
        help_text="Only for a generic HDF5 file: the path of the image inside it (e.g. /volume). "
        "Left empty, a file of one dataset per channel (BF, Hoechst) is read by their names.",
    )
    time = time_point_field(
        "Time point",
        "One frame: empty imports every time point; for a file of several, the one to keep; for "
        "a single stack, the time point it belongs to.",
    )
    first_time = time_point_field(
        "First time point",
        "Every frame: where the file's time points start in the specimen's series, for a "
        "time-lapse saved in several files (t 0–9 of the file stored at 10–19 with 10). Leave "
        "the time point empty.",
    )
    voxel_size = voxel_size_field("Overrides the file's own; e.g. 0.195,0.098,0.098.")


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", _MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [super(_MultipleFileField, self).clean(item, initial) for item in files if item]


class ImportFolderForm(ImportOptionsForm):
    files = _MultipleFileField(
        label="Files of the folder",
        help_text="Select all files of a dish at once (Ctrl+A in the file dialog).",
        allow_empty_file=False,
    )
    pattern = forms.CharField(
        label="Name pattern",
        max_length=200,
        initial=DEFAULT_PATTERN,
        help_text="{specimen} names the field (one specimen per field), {channel} tells the "
        "label-free image from its stain, {time} numbers the frames of a time-lapse saved one file "
        "per frame, * matches anything: dish1_f03_c1.tif + dish1_f03_c2.tif → specimen dish1_f03; "
        "with {specimen}_t{time}.tif, pos1_t001.tif, pos1_t002.tif, … → specimen pos1, time "
        "points 1, 2, ….",
    )
    label_free = forms.CharField(
        label="Label-free channel", max_length=32, initial=DEFAULT_LABEL_FREE
    )
    stain = forms.CharField(label="Stain channel", max_length=32, initial=DEFAULT_STAIN)
    modality = forms.ChoiceField(
        label="Label-free modality",
        choices=[
            (value, label) for value, label in Modality.choices if value in LABEL_FREE_MODALITIES
        ],
        initial=Modality.RI,
    )
    stain_name = forms.CharField(
        label="Stain", max_length=32, required=False, help_text="e.g. DAPI or Hoechst."
    )
