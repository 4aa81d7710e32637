from django.db import migrations, models

HELP = (
    "Touching predicted nuclei numbered by connected components (binary versions, baselines) "
    "are separated by the ground truth's watershed before objects are scored. Evaluations from "
    "before the option: False."
)


class Migration(migrations.Migration):
    """Evaluations scored before the option counted touching predicted nuclei as one object:
    they keep False so their reports stay true; new evaluations separate them by default."""

    dependencies = [
        ("inference", "0003_prediction_track_gap"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluation",
            name="split_touching",
            field=models.BooleanField(default=False, help_text=HELP),
        ),
        migrations.AlterField(
            model_name="evaluation",
            name="split_touching",
            field=models.BooleanField(default=True, help_text=HELP),
        ),
    ]
