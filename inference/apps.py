from django.apps import AppConfig


class InferenceConfig(AppConfig):
    name = "inference"
    verbose_name = "Training and evaluation"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from annotations.models import GroundTruth
        from annotations.services.imports.listeners import import_listener_register
        from annotations.services.projects import project_settings_listener_register
        from annotations.services.specimen_removal import specimen_keeper_register
        from cellweb.jobs import job_listener_register
        from inference.selectors.proposal_state import proposal_state_publish
        from inference.selectors.specimen_results import specimen_results_said
        from inference.services.disagreement import disagreement_after_mode_change
        from inference.services.prediction import predict_imported
        from inference.services.proposals import proposals_after_import, proposals_after_settings
        from inference.services.rounds import round_evaluation_ended, round_training_ended
        from inference.services.rounds.auto import rounds_after_ground_truth

        specimen_keeper_register(specimen_results_said)
        import_listener_register(predict_imported)
        import_listener_register(proposals_after_import)
        project_settings_listener_register(proposal_state_publish)
        project_settings_listener_register(proposals_after_settings)
        project_settings_listener_register(disagreement_after_mode_change)
        job_listener_register("training", round_training_ended)
        job_listener_register("evaluation", round_evaluation_ended)
        post_save.connect(
            rounds_after_ground_truth, sender=GroundTruth, dispatch_uid="rounds_after_gt"
        )
