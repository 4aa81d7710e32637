"""Segmentation networks compared in the OS-Net paper (2D, one section in, one logit map out).

All networks share the same skeleton: four down modules, a bridge ConvBlock, four up modules and a
1x1 convolution head that returns logits (the sigmoid belongs to the loss or to inference, which
keeps BCE numerically stable and lets bf16 autocast run the whole body).

OS-Net follows the authors' published ``osnet.py`` rather than the paper's prose where the two
differ (see docs/performance.md): every convolution is conv (no bias) + BatchNorm + ReLU, the GCN has
kernel 7, the long skip carries ``c + g`` (the short skip connection, SSC) while the max-pool takes
``g`` alone, and the up-sampling transposed convolution has neither bias nor BatchNorm. These
choices reproduce the published parameter counts exactly (OS-Net 3,075,489; Unet16 2,464,289;
Unet64 39,391,361).

"Unet16+GCN+SSC" in the paper's Table 2 is the OS-Net architecture trained without augmentation:
the paper builds OS-Net by adding GCN and then SSC to Unet16, and then adds augmentation ("Our
proposed model, OS-Net showed the highest segmentation performance again"). Augmentation is a
training choice, not an architectural one, so ``unet16_gcn_ssc`` builds exactly the OS-Net module
(same class, same state-dict layout: weights load interchangeably). Only its display label differs,
so a run can record which training recipe it stood for.

Input height and width must be multiples of 16 (four 2x poolings); 448 = 16 * 28.
One module per idea: ``blocks`` (the paper's named building blocks), ``unet`` (Unet16/64 and
OS-Net), ``fusionnet`` and ``registry`` (names, labels, ``create_model``). A new network is one
module plus one registry line.
"""

from .blocks import ConvBlock, DownModule, GCNBlock, UpModule
from .fusionnet import FusionNet, ResidualConvBlock
from .registry import ALIASES, MODEL_NAMES, count_parameters, create_model, model_info, model_label
from .unet import UNet

__all__ = [
    "ALIASES",
    "MODEL_NAMES",
    "ConvBlock",
    "DownModule",
    "FusionNet",
    "GCNBlock",
    "ResidualConvBlock",
    "UNet",
    "UpModule",
    "count_parameters",
    "create_model",
    "model_info",
    "model_label",
]
