"""Object-level (per-nucleus) evaluation: instances, matching, NuSeT errors and mAP.

Works on 2D and 3D label images (0 = background, each nucleus one positive label).

Definitions, with their sources:

- **IoU matrix** between every ground-truth and every predicted object.
- **Correct detections** (paper 003): "correct detections denote the number of predicted cells
  that can link with ground truth cells, and incorrect detections refer to the number of
  unlinked cells from the prediction." Linking is a one-to-one Hungarian assignment
  (``scipy.optimize.linear_sum_assignment`` maximising total IoU) keeping pairs with
  IoU >= ``iou_threshold`` (0.7, the overlap paper 003 uses throughout).
- **F.N. / F.P. rate** (paper 003, verbatim): "given a nucleus' ground-truth binary mask, find
  the corresponding model-predicted mask that has the largest overlap ratio", with
  "overlap ratio = (A_GT ∩ A_pred) / A_GT"; "If the overlap ratio is smaller than 0.7, it is
  suggested that the model fails to detect the nucleus", and "F.N. rate = N_missing nuclei /
  N_total nuclei". For F.P.: "given a nucleus' model-predicted mask, find the corresponding
  ground-truth mask that has the largest overlap, if the overlap ratio of the model predicted
  mask and the ground-truth mask is smaller than 0.7, it is suggested that the model detects an
  'nucleus' that does not exist in the ground-truth", and "F.P. rate = N_mis-detections /
  N_total nuclei". We use the paper's one overlap-ratio formula (normalised by the GT area) for
  both, and, as printed, both rates are divided by the number of GROUND-TRUTH nuclei. With no
  GT nucleus the rates are NaN (the counts are still reported; pool counts over a data set
  and divide, as the paper's "in the entire dataset" does).
- **Split / merge / catastrophe** (paper 003): "Split, merge and catastrophe errors are subsets
  of incorrect detections, where split and merge errors describe the splitting and merging of
  ground truth cells into prediction cells, and catastrophe errors refer to the uneven matching
  of ground truth and prediction cells" - the details are in its refs 29 (Moen et al., DeepCell)
  and 30 (Caicedo et al. 2019). We link a GT and a predicted object when IoU > 0.1 (the value in
  ref 30's published evaluation code) and classify each connected group of linked objects as in
  ref 29: one GT with >= 2 predictions is a split (counted per GT nucleus), >= 2 GT with one
  prediction is a merge (counted per predicted object), >= 2 with >= 2 is a catastrophe
  (counted per group).
- **mAP** (paper 004, after the 2018 Data Science Bowl / Caicedo et al.): objects match "if the
  IoU of the two components is above a given threshold"; unmatched GT objects are FN and
  unmatched predictions FP; "Precision = TP / (TP + FP + FN)", computed "for all 10 IoU
  thresholds in {0.5 + i×0.05, i ∈ [0, 9]}. The final result is the mean of these 10 values".
  "Above" is strict (IoU > t). No object in either image ⇒ precision 1.0 at every threshold.
- **Object precision / recall / F1** (StarDist, Cellpose, the Data Science Bowl): TP/(TP+FP),
  TP/(TP+FN) and 2TP/(2TP+FP+FN) of the one-to-one pairs with IoU > 0.5 (the mAP's pairs at
  its first threshold) and of the correct detections (IoU ≥ 0.7); None where a denominator is 0.

One module per idea: ``labels`` (instances from a binary mask), ``overlap`` (IoU of every pair),
``matching`` (Hungarian pairs and paper 003's errors), ``precision`` (mAP), ``detection``
(object precision, recall, F1), ``scores`` (the
numbers of one binary pair) and ``pooled`` (the numbers of many 2D fields, summed). The names below are the package's surface.
"""

from .detection import F1_IOU, detection_scores, threshold_key
from .labels import label_instances
from .matching import SPLIT_MERGE_LINK_IOU, ObjectMatch, match_instances
from .overlap import iou_matrix
from .pooled import COUNT_KEYS, PooledObjects, class_map_score
from .precision import DEFAULT_MAP_THRESHOLDS, average_precision, mean_average_precision
from .scores import object_scores

__all__ = [
    "COUNT_KEYS",
    "DEFAULT_MAP_THRESHOLDS",
    "F1_IOU",
    "SPLIT_MERGE_LINK_IOU",
    "ObjectMatch",
    "PooledObjects",
    "class_map_score",
    "average_precision",
    "detection_scores",
    "iou_matrix",
    "label_instances",
    "match_instances",
    "mean_average_precision",
    "object_scores",
    "threshold_key",
]
