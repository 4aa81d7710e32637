"""Forms of the data pages: uploading an image and a project's settings."""

from __future__ import annotations

from django import forms

from annotations.models import ConsensusMethod, Modality
from annotations.services.imports import parse_voxel_size, voxel_size_check
from cellweb.errors import InvalidInput


class ImportForm(forms.Form):
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
        help_text="Only for a generic HDF5 file: the path of the image inside it (e.g. /volume).",
    )
    time = forms.IntegerField(
        label="Time point",
        min_value=0,
        max_value=100_000,
        required=False,
        help_text="Empty imports every time point; for a single stack, the time point it belongs to.",
    )
    lab = forms.CharField(label="Lab", max_length=100, required=False)
    voxel_size = forms.CharField(
        label="Voxel size (µm, z,y,x)",
        max_length=100,
        required=False,
        help_text="Overrides the file's own; e.g. 0.195,0.098,0.098.",
    )

    def clean_voxel_size(self):
        try:
            values = parse_voxel_size(self.cleaned_data.get("voxel_size", ""))
            return voxel_size_check(values)
        except InvalidInput as exc:
            raise forms.ValidationError(exc.message) from exc


class ProjectSettingsForm(forms.Form):
    required_annotations = forms.IntegerField(
        label="Annotations needed per section",
        min_value=1,
        max_value=20,
        help_text="Independent annotations a section needs before it goes to review (OS-Net used 3).",
    )
    consensus_method = forms.ChoiceField(label="Consensus method", choices=ConsensusMethod.choices)
    allow_fluorescence_reference = forms.BooleanField(
        label="Annotators may look at the paired fluorescence while drawing", required=False
    )
    allow_self_review = forms.BooleanField(
        label="Reviewers may review sections they annotated (small labs)", required=False
    )
