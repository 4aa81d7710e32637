from django.contrib import admin

from inference.models import EpochLog, FoldRun, ModelVersion, TrainingJob

# What a fold's row shows, inline on its job and in the folds' list.
FOLD_COLUMNS = (
    "index",
    "kind",
    "status",
    "worker",
    "device",
    "epoch",
    "epochs",
    "attempts",
    "heartbeat_at",
)


class FoldRunInline(admin.TabularInline):
    model = FoldRun
    extra = 0
    fields = (*FOLD_COLUMNS, "error")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(TrainingJob)
class TrainingJobAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "project",
        "status",
        "created_by",
        "created_at",
        "estimate_s",
        "code_version",
    )
    list_filter = ("status", "project")
    readonly_fields = ("snapshot", "summary", "config", "code_version", "gathered_at")
    inlines = [FoldRunInline]


@admin.register(FoldRun)
class FoldRunAdmin(admin.ModelAdmin):
    list_display = ("id", "job", *FOLD_COLUMNS)
    list_filter = ("status", "kind")


@admin.register(EpochLog)
class EpochLogAdmin(admin.ModelAdmin):
    list_display = ("fold", "epoch", "train_loss", "val_loss", "val_dice", "seconds", "created_at")


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "name",
        "project",
        "kind",
        "arch",
        "is_active",
        "created_by",
        "created_at",
    )
    list_filter = ("project", "kind", "arch", "is_active")
