"""The command-line options shared by ``import_volume`` and ``import_folder``: what to import into
which project, the channels of a multi-channel label-free image (docs/channels.md), the lab and
the voxel size."""

from __future__ import annotations

from annotations.services.imports.channels import parse_channel_names
from annotations.services.imports.options import ImportOptions


def add_source_arguments(parser, *, path_help: str) -> None:
    """The ``path`` to import (``path_help``) and ``--project``, created when new."""
    parser.add_argument("path", help=path_help)
    parser.add_argument(
        "--project", required=True, help="Project short name (slug); created when new."
    )


def add_channel_arguments(parser) -> None:
    parser.add_argument(
        "--channels",
        default="",
        help="Names of the channels of a multi-channel label-free image, e.g. bf,phase "
        "(default channel 1, channel 2, ... when --channel-axis is given). Left out, a file that "
        "names its channels (Phase, Hoechst; an HDF5 file's datasets) is read by those names.",
    )
    parser.add_argument(
        "--channel-axis",
        type=int,
        default=None,
        help="Which axis of the stored array holds the label-free channels: 0 for (c, y, x), "
        "1 for (z, c, y, x). Without it a stack is read as z-planes.",
    )
    parser.add_argument(
        "--stain-channels",
        default="",
        help="Those of the --channels that are a stain, e.g. hoechst: stored as fluorescence "
        "volumes of that channel, paired with the label-free image of the other channels. "
        "Without --channels, picked among the names the file gives its channels.",
    )


def add_origin_arguments(parser, *, what: str, voxel_help: str) -> None:
    """``--lab`` (the lab that imaged ``what``), ``--voxel-size`` (Z Y X, ``voxel_help``) and
    ``--frame-interval`` (minutes between time points)."""
    parser.add_argument("--lab", default="", help=f"The lab that imaged {what}.")
    parser.add_argument(
        "--voxel-size", nargs=3, type=float, metavar=("Z", "Y", "X"), help=voxel_help
    )
    parser.add_argument(
        "--frame-interval",
        type=float,
        default=None,
        metavar="MINUTES",
        help="Minutes between the time points of a time-lapse, for files that do not record it "
        "(ImageJ finterval, OME TimeIncrement and a TCF's TimeInterval are read); overrides the "
        "files' own.",
    )


def import_options(options: dict, **own) -> ImportOptions:
    """The import options of the parsed arguments: the modality, the lab, the voxel size, the
    frame interval and the channels, plus a command's ``own`` (a file's channel, HDF5 dataset
    and time point)."""
    return ImportOptions(
        modality=options["modality"],
        lab=options["lab"],
        voxel_size=options["voxel_size"],
        frame_interval_min=options["frame_interval"],
        channel_axis=options["channel_axis"],
        channel_names=parse_channel_names(options["channels"]),
        stain_channels=parse_channel_names(options["stain_channels"]),
        **own,
    )
