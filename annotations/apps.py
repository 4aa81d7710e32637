from django.apps import AppConfig


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Images and annotations"

    def ready(self) -> None:
        from annotations import signals

        signals.connect()
