"""How two labs' instruments and cells differ: RI contrast, blur, noise and stain."""

from __future__ import annotations

from dataclasses import dataclass

MEDIUM_RI = 1.3337


@dataclass(frozen=True)
class LabProfile:
    """RI and stain characteristics of one laboratory's instrument and cells."""

    medium: float
    cytoplasm: float  # above medium
    nucleus: float  # magnitude of the nucleus-cytoplasm difference
    nucleolus: float  # above the nucleus
    envelope: float  # perinuclear rim above the local RI
    lipid: float  # absolute RI of lipid droplets before blur
    texture: float
    noise: float
    blur_sigma_vox: tuple[float, float, float]
    missing_cone_keep: float  # fraction of the signal left inside the missing cone
    stain_gain: float
    stain_background: float
    stain_noise: float


LAB_PROFILES: dict[str, LabProfile] = {
    "A": LabProfile(
        medium=MEDIUM_RI,
        cytoplasm=0.0185,
        nucleus=0.0085,
        nucleolus=0.016,
        envelope=0.003,
        lipid=1.445,
        texture=0.0028,
        noise=0.0007,
        blur_sigma_vox=(1.3, 0.7, 0.7),
        missing_cone_keep=0.25,
        stain_gain=1200.0,
        stain_background=90.0,
        stain_noise=12.0,
    ),
    # Another institute: different medium, flatter contrast, noisier and blurrier
    # reconstructions, Hoechst instead of DAPI.
    "B": LabProfile(
        medium=1.3372,
        cytoplasm=0.0135,
        nucleus=0.0060,
        nucleolus=0.012,
        envelope=0.002,
        lipid=1.425,
        texture=0.0038,
        noise=0.0013,
        blur_sigma_vox=(1.8, 0.9, 0.9),
        missing_cone_keep=0.15,
        stain_gain=450.0,
        stain_background=160.0,
        stain_noise=20.0,
    ),
}
