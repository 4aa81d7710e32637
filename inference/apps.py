from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    verbose_name = "Training and evaluation"

    def ready(self) -> None:
        from annotations.services.imports.listeners import import_listener_register
        from inference.services.prediction import predict_imported

        import_listener_register(predict_imported)

        from cellweb.jobs import job_listener_register
        from inference.services.rounds import round_evaluation_ended, round_training_ended

        job_listener_register("training", round_training_ended)
        job_listener_register("evaluation", round_evaluation_ended)
