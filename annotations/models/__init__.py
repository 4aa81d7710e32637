from annotations.models.annotation import (
    Annotation,
    AnnotationRevision,
    AnnotationStatus,
    RevisionOrigin,
    SectionOffer,
)
from annotations.models.core import (
    LABEL_FREE_MODALITIES,
    ConsensusMethod,
    ImportJob,
    Membership,
    Modality,
    Project,
    ProposalMode,
    QueueMode,
    Role,
    SourceFile,
    Specimen,
    Tag,
)
from annotations.models.display import DisplayPreference, WindowMode
from annotations.models.effort import CorrectionEffort, ProposalLoad
from annotations.models.informative import SectionDisagreement
from annotations.models.labels import LabelKind, PaintRule, default_label_classes
from annotations.models.review import (
    AuditEvent,
    Consensus,
    GroundTruth,
    GroundTruthSnapshot,
    GroundTruthSource,
    ReviewAction,
)
from annotations.models.volumes import Section, SectionStatus, Volume

__all__ = [
    "LABEL_FREE_MODALITIES",
    "Annotation",
    "AnnotationRevision",
    "AnnotationStatus",
    "RevisionOrigin",
    "AuditEvent",
    "Consensus",
    "CorrectionEffort",
    "ProposalLoad",
    "ConsensusMethod",
    "ProposalMode",
    "QueueMode",
    "DisplayPreference",
    "GroundTruth",
    "GroundTruthSnapshot",
    "GroundTruthSource",
    "ImportJob",
    "LabelKind",
    "PaintRule",
    "default_label_classes",
    "Membership",
    "Modality",
    "Project",
    "ReviewAction",
    "Role",
    "Section",
    "SectionDisagreement",
    "SectionOffer",
    "SectionStatus",
    "SourceFile",
    "Specimen",
    "Tag",
    "Volume",
    "WindowMode",
]
