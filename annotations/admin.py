from django.contrib import admin

from annotations import models


@admin.register(models.Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "required_annotations", "consensus_method", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    # Classes change through the settings page or the API, which check them and refuse deleting
    # a class that masks use; here they are shown only.
    readonly_fields = ("label_classes",)


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "project", "role")
    list_filter = ("role", "project")


@admin.register(models.Specimen)
class SpecimenAdmin(admin.ModelAdmin):
    list_display = ("name", "project", "lab")
    list_filter = ("project", "lab")


@admin.register(models.Volume)
class VolumeAdmin(admin.ModelAdmin):
    list_display = ("specimen", "modality", "channel", "time_index", "size_z", "size_y", "size_x")
    list_filter = ("modality",)


@admin.register(models.Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("id", "volume", "z", "status", "submitted_count", "agreement")
    list_filter = ("status", "project")


@admin.register(models.ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "original_name", "status", "progress", "created_at")
    list_filter = ("status",)


admin.site.register(models.Tag)
admin.site.register(models.SourceFile)
admin.site.register(models.Annotation)
admin.site.register(models.AnnotationRevision)
admin.site.register(models.Consensus)
admin.site.register(models.GroundTruth)
admin.site.register(models.GroundTruthSnapshot)
admin.site.register(models.AuditEvent)
