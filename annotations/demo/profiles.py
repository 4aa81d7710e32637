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


# One column a lab. Lab B is another institute: different medium, flatter contrast,
# noisier and blurrier reconstructions, Hoechst instead of DAPI.
_LABS = ("A", "B")
_VALUES: dict[str, tuple] = {
    "medium": (MEDIUM_RI, 1.3372),
    "cytoplasm": (0.0185, 0.0135),
    "nucleus": (0.0085, 0.0060),
    "nucleolus": (0.016, 0.012),
    "envelope": (0.003, 0.002),
    "lipid": (1.445, 1.425),
    "texture": (0.0028, 0.0038),
    "noise": (0.0007, 0.0013),
    "blur_sigma_vox": ((1.3, 0.7, 0.7), (1.8, 0.9, 0.9)),
    "missing_cone_keep": (0.25, 0.15),
    "stain_gain": (1200.0, 450.0),
    "stain_background": (90.0, 160.0),
    "stain_noise": (12.0, 20.0),
}

LAB_PROFILES: dict[str, LabProfile] = {
    lab: LabProfile(**{name: column[i] for name, column in _VALUES.items()})
    for i, lab in enumerate(_LABS)
}
