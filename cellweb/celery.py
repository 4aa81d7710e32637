"""The Celery application. Long work (imports, training folds, evaluations) runs here.

Every job kind runs through the one task in ``cellweb.jobs.tasks``, sent to its kind's queue:
``celery`` for CPU work such as imports, ``gpu`` for training and inference, so a facility can
point one worker process per GPU at the ``gpu`` queue.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cellweb.settings")

app = Celery("cellweb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.include = ["cellweb.jobs.tasks"]
app.autodiscover_tasks()
