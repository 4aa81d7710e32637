"""A project's highest label value given (annotations 0005) from the records that still hold
class values: a class deleted before the mark existed may live on only in a training job, a
model version or an evaluation, and its value must not be given to a new class."""

from django.db import migrations


def _values(config) -> list[int]:
    """The class values a job's or a version's stored config names."""
    if not isinstance(config, dict):
        return []
    found = [config.get("target_value"), *(config.get("class_values") or [])]
    found += [(config.get("target") or {}).get("value")]
    found += [entry.get("value") for entry in config.get("classes") or [] if isinstance(entry, dict)]
    return [int(v) for v in found if isinstance(v, int) and not isinstance(v, bool)]


def forwards(apps, schema_editor):
    Project = apps.get_model("annotations", "Project")
    records = [
        apps.get_model("inference", "TrainingJob"),
        apps.get_model("inference", "ModelVersion"),
        apps.get_model("inference", "Evaluation"),
    ]
    for project in Project.objects.all().iterator():
        values = [project.label_value_high]
        values += [entry["value"] for entry in project.label_classes or []]
        for model in records:
            for config in model.objects.filter(project=project).values_list("config", flat=True):
                values += _values(config)
        high = min(max(values), 255)
        if high != project.label_value_high:
            Project.objects.filter(pk=project.pk).update(label_value_high=high)


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0007_project_label_value_high"),
        ("inference", "0006_result_voxel_size"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
