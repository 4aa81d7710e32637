"""Final models stored before this showed, as their cross-validation metrics, the per-section
means over all held-out sections; the Models and Compare pages say (and show for fold versions)
the folds' pooled numbers. Rewrite them from their job's summary, where it keeps the pooled ones."""

from django.db import migrations


def final_models_pooled(apps, schema_editor):
    ModelVersion = apps.get_model("inference", "ModelVersion")
    finals = ModelVersion.objects.filter(kind="final", job__isnull=False).select_related("job")
    for version in finals.iterator(chunk_size=200):
        pooled = (version.job.summary or {}).get("pooled")
        if not pooled or "cross_validation" not in (version.metrics or {}):
            continue
        means = {key: block.get("mean") for key, block in pooled.items()}
        version.metrics = {**version.metrics, "cross_validation": means}
        version.save(update_fields=["metrics"])


class Migration(migrations.Migration):
    dependencies = [("inference", "0004_evaluation_split_touching")]

    operations = [migrations.RunPython(final_models_pooled, migrations.RunPython.noop)]
