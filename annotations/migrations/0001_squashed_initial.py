"""The annotations tables as of 0013, in one migration that replaces 0001-0013.

``table`` and ``job`` are used by the inference app's initial migration too."""

import annotations.models.core
import annotations.models.labels
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def table(name, *fields, **options):
    """The ``CreateModel`` of ``name``: the ``id`` every table starts with, then ``fields``;
    ``options`` are the model's Meta (ordering, indexes, constraints)."""
    return migrations.CreateModel(
        name=name,
        fields=[
            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            *fields,
        ],
        options=options,
    )


def job(name, *fields, **options):
    """The table of a kind of job: the columns every job row has, then its own ``fields``."""
    return table(
        name,
        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('succeeded', 'Succeeded'), ('failed', 'Failed'), ('cancelled', 'Cancelled')], db_index=True, default='queued', max_length=16)),
        ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
        ('started_at', models.DateTimeField(blank=True, null=True)),
        ('finished_at', models.DateTimeField(blank=True, null=True)),
        ('heartbeat_at', models.DateTimeField(blank=True, null=True)),
        ('progress', models.FloatField(default=0.0)),
        ('message', models.CharField(blank=True, default='', max_length=500)),
        ('error', models.TextField(blank=True, default='')),
        ('log', models.JSONField(blank=True, default=list)),
        ('result', models.JSONField(blank=True, default=dict)),
        ('cancel_requested', models.BooleanField(default=False)),
        ('task_id', models.CharField(blank=True, default='', help_text='The queued task that owns this job now.', max_length=64)),
        ('attempts', models.PositiveSmallIntegerField(default=0, help_text='Runs started, counting runs cut short by a lost worker.')),
        *fields,
        **options,
    )


# The review queue reads sections lowest agreement first, sections without one first of all.
# PostgreSQL can serve that order straight from an index declared NULLS FIRST; SQLite (the demo
# database) cannot declare one, and its queues are small, so the index exists on PostgreSQL only.
REVIEW_ORDER_INDEX = "section_review_order"


def review_order_index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {REVIEW_ORDER_INDEX} ON annotations_section "
            "(project_id, status, agreement ASC NULLS FIRST, id)"
        )


def review_order_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {REVIEW_ORDER_INDEX}")


class Migration(migrations.Migration):

    replaces = [
        ('annotations', '0001_initial'),
        ('annotations', '0002_review_queue_order_index'),
        ('annotations', '0003_job_task_and_attempts'),
        ('annotations', '0004_display_preference'),
        ('annotations', '0004_section_offer_skipped_at'),
        ('annotations', '0005_merge_display_and_offers'),
        ('annotations', '0006_revision_origin'),
        ('annotations', '0007_project_proposals'),
        ('annotations', '0008_correction_effort'),
        ('annotations', '0009_project_label_set'),
        ('annotations', '0010_project_annotations_before_proposals'),
        ('annotations', '0011_queue_mode_and_section_disagreement'),
        ('annotations', '0012_project_label_set_version'),
        ('annotations', '0013_volume_channel_names'),
    ]

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        table(
            'Project',
            ('slug', models.SlugField(max_length=64, unique=True)),
            ('name', models.CharField(max_length=200)),
            ('description', models.TextField(blank=True, default='')),
            ('required_annotations', models.PositiveSmallIntegerField(default=3, help_text='Independent annotations each section needs before review.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(20)])),
            ('consensus_method', models.CharField(choices=[('majority', 'Majority vote'), ('staple', 'STAPLE')], default='staple', max_length=16)),
            ('allow_fluorescence_reference', models.BooleanField(default=False, help_text='Annotators may look at the paired fluorescence while drawing.')),
            ('allow_self_review', models.BooleanField(default=False, help_text='A reviewer may review sections they annotated (small labs).')),
            ('proposals', models.CharField(choices=[('off', 'Off'), ('offered', 'Offered (a button and the M key)'), ('start', 'Start from the proposal on a blank section')], default='off', help_text="Whether annotators may start from the active model's mask.", max_length=16)),
            ('queue_mode', models.CharField(choices=[('fullest_first', 'Fullest first (finish sections, middle-out)'), ('most_informative', 'Most informative first (fold models disagree most)')], default='fullest_first', help_text="The work queue's order of fresh sections.", max_length=20)),
            ('annotations_before_proposals', models.PositiveSmallIntegerField(default=0, help_text='The first K submitted annotations of every section are made without a model proposal; they stay the independent reference for agreement.', validators=[django.core.validators.MaxValueValidator(20)])),
            ('label_classes', models.JSONField(default=annotations.models.labels.default_label_classes, help_text='The label set: [{value, name, colour, shortcut, kind}] (models/labels.py).')),
            ('label_set_version', models.PositiveIntegerField(default=1, help_text='Counts the changes of the label set that change what a mask value means (a class added, deleted or given another kind); the editor saves with it.')),
            ('label_class_since', models.JSONField(blank=True, default=dict, help_text='{value: label_set_version} when each class was added or its kind last changed.')),
            ('paint_rule', models.CharField(choices=[('replace', 'Painting over another class replaces it'), ('background', 'Painting fills background only')], default='replace', help_text='Whether painting over another class replaces it or fills background only.', max_length=16)),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ordering=['name'],
        ),
        table(
            'Membership',
            ('role', models.CharField(choices=[('annotator', 'Annotator'), ('reviewer', 'Reviewer'), ('manager', 'Manager')], max_length=16)),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to=settings.AUTH_USER_MODEL)),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='annotations.project')),
            indexes=[models.Index(fields=['user', 'project'], name='annotations_user_id_ba2404_idx')],
            constraints=[models.UniqueConstraint(fields=('project', 'user', 'role'), name='membership_unique_role')],
        ),
        table(
            'Tag',
            ('name', models.CharField(max_length=64)),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tags', to='annotations.project')),
            ordering=['name'],
            constraints=[models.UniqueConstraint(fields=('project', 'name'), name='tag_unique_name')],
        ),
        table(
            'Specimen',
            ('name', models.CharField(max_length=200)),
            ('lab', models.CharField(blank=True, default='', max_length=100)),
            ('notes', models.TextField(blank=True, default='')),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='specimens', to='annotations.project')),
            ('tags', models.ManyToManyField(blank=True, related_name='specimens', to='annotations.tag')),
            ordering=['name'],
            constraints=[models.UniqueConstraint(fields=('project', 'name'), name='specimen_unique_name')],
        ),
        table(
            'SourceFile',
            ('sha256', models.CharField(max_length=64)),
            ('original_name', models.CharField(max_length=255)),
            ('size_bytes', models.BigIntegerField()),
            ('format', models.CharField(max_length=16)),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='source_files', to='annotations.project')),
            ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            constraints=[models.UniqueConstraint(fields=('project', 'sha256'), name='source_unique_checksum')],
        ),
        job(
            'ImportJob',
            ('staged_path', models.CharField(blank=True, default='', max_length=500)),
            ('original_name', models.CharField(max_length=255)),
            ('params', models.JSONField(default=dict)),
            ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='import_jobs', to=settings.AUTH_USER_MODEL)),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='import_jobs', to='annotations.project')),
            ('specimen', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='annotations.specimen')),
            ordering=['-created_at'],
        ),
        table(
            'Volume',
            ('modality', models.CharField(choices=[('ri', 'Refractive index (ODT)'), ('brightfield', 'Bright-field'), ('phase', 'Phase contrast'), ('dic', 'DIC'), ('fluorescence', 'Fluorescence')], max_length=16)),
            ('channel', models.CharField(blank=True, default='', max_length=32)),
            ('time_index', models.PositiveIntegerField(default=0)),
            ('size_z', models.PositiveIntegerField()),
            ('size_y', models.PositiveIntegerField()),
            ('size_x', models.PositiveIntegerField()),
            ('voxel_size_z', models.FloatField(blank=True, help_text='µm', null=True)),
            ('voxel_size_y', models.FloatField(blank=True, help_text='µm', null=True)),
            ('voxel_size_x', models.FloatField(blank=True, help_text='µm', null=True)),
            ('units', models.CharField(default='intensity', max_length=16)),
            ('data', models.FileField(max_length=500, upload_to=annotations.models.core.volume_upload_to)),
            ('stats', models.JSONField(default=dict)),
            ('channel_names', models.JSONField(blank=True, default=list, help_text="A multi-channel label-free volume (e.g. bright-field + phase): its channels' names, and its file holds (z, c, y, x). Empty for a single-channel volume (z, y, x).")),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('paired_with', models.ForeignKey(blank=True, help_text='For a fluorescence volume: its label-free partner (same specimen and time point).', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='fluorescence_pairs', to='annotations.volume')),
            ('source_file', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='volumes', to='annotations.sourcefile')),
            ('specimen', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='volumes', to='annotations.specimen')),
            ordering=['specimen', 'time_index', 'modality', 'channel'],
            constraints=[models.UniqueConstraint(fields=('specimen', 'modality', 'channel', 'time_index'), name='volume_unique_channel_time')],
        ),
        table(
            'Section',
            ('z', models.PositiveIntegerField()),
            ('is_label_free', models.BooleanField(default=True)),
            ('stats', models.JSONField(default=dict)),
            ('status', models.CharField(choices=[('open', 'Needs annotations'), ('review', 'Ready for review'), ('confirmed', 'Confirmed'), ('sent_back', 'Sent back'), ('excluded', 'Excluded')], default='open', max_length=16)),
            ('submitted_count', models.PositiveSmallIntegerField(default=0)),
            ('started_count', models.PositiveSmallIntegerField(default=0)),
            ('agreement', models.FloatField(blank=True, help_text='Mean pairwise Dice of submitted annotations.', null=True)),
            ('updated_at', models.DateTimeField(auto_now=True)),
            ('fluorescence', models.ForeignKey(blank=True, help_text='The paired fluorescence section of a label-free section.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='label_free_partners', to='annotations.section')),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sections', to='annotations.project')),
            ('specimen', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sections', to='annotations.specimen')),
            ('volume', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sections', to='annotations.volume')),
            ordering=['volume', 'z'],
            indexes=[models.Index(fields=['project', 'status', 'agreement'], name='section_review_queue'), models.Index(fields=['project', 'status', 'submitted_count'], name='section_annotation_queue'), models.Index(fields=['specimen', 'z'], name='annotations_specime_a1f3ed_idx')],
            constraints=[models.UniqueConstraint(fields=('volume', 'z'), name='section_unique_z')],
        ),
        table(
            'Annotation',
            ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted')], default='draft', max_length=16)),
            ('revision', models.PositiveIntegerField(default=0, help_text='Number of the latest revision.')),
            ('time_spent_s', models.FloatField(default=0.0)),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('submitted_at', models.DateTimeField(blank=True, null=True)),
            ('annotator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='annotations', to=settings.AUTH_USER_MODEL)),
            ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='annotations', to='annotations.section')),
            indexes=[models.Index(fields=['annotator', 'status'], name='annotations_annotat_b5f05c_idx')],
            constraints=[models.UniqueConstraint(fields=('section', 'annotator'), name='annotation_one_per_annotator')],
        ),
        table(
            'AnnotationRevision',
            ('number', models.PositiveIntegerField()),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted')], max_length=16)),
            ('mask_png', models.BinaryField()),
            ('foreground_pixels', models.PositiveIntegerField(default=0)),
            ('time_spent_s', models.FloatField(default=0.0)),
            ('source', models.CharField(default='canvas', max_length=16)),
            ('origin', models.CharField(choices=[('blank', 'Blank'), ('own_previous', 'Own previous section'), ('model', 'Model proposal')], default='blank', max_length=16)),
            ('origin_model_version', models.PositiveIntegerField(blank=True, help_text='Id of the model version whose proposal the mask started from (kept when the version is later replaced or deleted).', null=True)),
            ('annotation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='revisions', to='annotations.annotation')),
            ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ordering=['annotation', 'number'],
            constraints=[models.UniqueConstraint(fields=('annotation', 'number'), name='revision_unique_number')],
        ),
        table(
            'SectionOffer',
            ('offered_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('skipped_at', models.DateTimeField(blank=True, help_text='The annotator skipped it: it comes back later.', null=True)),
            ('annotator', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
            ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='annotations.section')),
            constraints=[models.UniqueConstraint(fields=('section', 'annotator'), name='offer_once')],
        ),
        table(
            'DisplayPreference',
            ('mode', models.CharField(choices=[('default', 'Physical default'), ('auto', 'Auto: percentiles of this volume'), ('custom', 'Custom')], default='default', max_length=8)),
            ('lo', models.FloatField(blank=True, null=True)),
            ('hi', models.FloatField(blank=True, null=True)),
            ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='display_preferences', to=settings.AUTH_USER_MODEL)),
            ('volume', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='display_preferences', to='annotations.volume')),
            constraints=[models.UniqueConstraint(fields=('user', 'volume'), name='display_preference_unique')],
        ),
        table(
            'ProposalLoad',
            ('model_version', models.PositiveIntegerField(help_text="Id of the proposal's model version.")),
            ('mask_png', models.BinaryField()),
            ('foreground_pixels', models.PositiveIntegerField(default=0)),
            ('loaded_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('annotation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='proposal_load', to='annotations.annotation')),
        ),
        table(
            'CorrectionEffort',
            ('revision', models.PositiveIntegerField(help_text='The submitted revision measured.')),
            ('origin', models.CharField(choices=[('blank', 'Blank'), ('own_previous', 'Own previous section'), ('model', 'Model proposal')], max_length=16)),
            ('origin_model_version', models.PositiveIntegerField(blank=True, null=True)),
            ('proposal_dice', models.FloatField(blank=True, null=True)),
            ('changed_pixels', models.PositiveIntegerField(blank=True, null=True)),
            ('active_time_s', models.FloatField(default=0.0)),
            ('submitted_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('annotation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='effort', to='annotations.annotation')),
            indexes=[models.Index(fields=['origin_model_version'], name='annotations_origin__108772_idx')],
        ),
        migrations.CreateModel(
            name='SectionDisagreement',
            fields=[
                ('section', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='disagreement', serialize=False, to='annotations.section')),
                ('variance', models.FloatField(help_text="Mean over pixels of the variance of the fold models' foreground probabilities.")),
                ('pairwise_dice', models.FloatField(help_text="Mean Dice over every pair of fold models' masks at the threshold (1 = agree).")),
                ('folds', models.PositiveSmallIntegerField(help_text='Fold models compared.')),
                ('training_job_id', models.PositiveIntegerField(help_text='The training job of the fold models.')),
                ('computed_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='annotations.project')),
            ],
            options={
                'indexes': [models.Index(fields=['project', '-variance'], name='section_disagreement_rank')],
            },
        ),
        table(
            'Consensus',
            ('method', models.CharField(max_length=16)),
            ('mask_png', models.BinaryField()),
            ('agreement', models.JSONField(default=dict, help_text='Pairwise Dice/Jaccard and their means.')),
            ('annotator_stats', models.JSONField(default=dict, help_text='Per annotator: STAPLE sensitivity/specificity, Dice with consensus.')),
            ('disagreement_png', models.BinaryField(blank=True, null=True)),
            ('is_current', models.BooleanField(default=True)),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('inputs', models.ManyToManyField(related_name='consensuses', to='annotations.annotationrevision')),
            ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='consensuses', to='annotations.section')),
            ordering=['-created_at'],
            indexes=[models.Index(fields=['section', 'is_current'], name='annotations_section_7c7593_idx')],
        ),
        table(
            'GroundTruth',
            ('source', models.CharField(choices=[('consensus', 'Confirmed consensus'), ('fluorescence', 'Fluorescence-derived'), ('imported', 'Imported mask')], max_length=16)),
            ('version', models.PositiveIntegerField()),
            ('mask_png', models.BinaryField()),
            ('foreground_pixels', models.PositiveIntegerField(default=0)),
            ('input_revisions', models.JSONField(default=list, help_text='[{annotation_id, revision, annotator}] the consensus was built from.')),
            ('method', models.CharField(blank=True, default='', max_length=32)),
            ('params', models.JSONField(blank=True, default=dict, help_text='e.g. fluorescence thresholds.')),
            ('edited', models.BooleanField(default=False)),
            ('edit_summary', models.JSONField(blank=True, default=dict)),
            ('confirmed_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ('is_current', models.BooleanField(default=True)),
            ('stale', models.BooleanField(default=False, help_text='An input annotation changed after confirmation.')),
            ('consensus', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='annotations.consensus')),
            ('reviewer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ground_truths', to='annotations.section')),
            ordering=['section', 'source', '-version'],
            indexes=[models.Index(fields=['source', 'is_current'], name='annotations_source_0b66c1_idx')],
            constraints=[models.UniqueConstraint(fields=('section', 'source', 'version'), name='gt_unique_version'), models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('section', 'source'), name='gt_one_current_per_source')],
        ),
        table(
            'GroundTruthSnapshot',
            ('source', models.CharField(choices=[('consensus', 'Confirmed consensus'), ('fluorescence', 'Fluorescence-derived'), ('imported', 'Imported mask')], max_length=16)),
            ('as_of', models.DateTimeField()),
            ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
            ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ('entries', models.ManyToManyField(related_name='snapshots', to='annotations.groundtruth')),
            ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='gt_snapshots', to='annotations.project')),
        ),
        table(
            'AuditEvent',
            ('action', models.CharField(choices=[('consensus', 'Consensus computed'), ('confirm', 'Confirmed'), ('edit_confirm', 'Edited and confirmed'), ('send_back', 'Sent back'), ('exclude', 'Excluded'), ('reopen', 'Reopened'), ('stale', 'Ground truth marked stale'), ('fluorescence_gt', 'Fluorescence ground truth derived')], max_length=32)),
            ('detail', models.JSONField(blank=True, default=dict)),
            ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
            ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ('section', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='audit_events', to='annotations.section')),
            ordering=['at', 'id'],
        ),
        migrations.RunPython(review_order_index_create, review_order_index_drop),
    ]
