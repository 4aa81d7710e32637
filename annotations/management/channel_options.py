"""The command-line options of a multi-channel label-free image (docs/channels.md), shared by
``import_volume`` and ``import_folder``."""

from __future__ import annotations

from annotations.services.imports.channels import parse_channel_names


def add_channel_arguments(parser) -> None:
    parser.add_argument(
        "--channels",
        default="",
        help="Names of the channels of a multi-channel label-free image, e.g. bf,phase "
        "(default channel 1, channel 2, ... when --channel-axis is given).",
    )
    parser.add_argument(
        "--channel-axis",
        type=int,
        default=None,
        help="Which axis of the stored array holds the label-free channels: 0 for (c, y, x), "
        "1 for (z, c, y, x). Without it a stack is read as z-planes.",
    )


def channel_options(options: dict) -> dict:
    """``channel_axis`` and ``channel_names`` for ``import_file`` from the parsed options."""
    return {
        "channel_axis": options["channel_axis"],
        "channel_names": parse_channel_names(options["channels"]),
    }
