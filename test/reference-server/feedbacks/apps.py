from django.apps import AppConfig


class FeedbacksConfig(AppConfig):
    name = "feedbacks"

    def ready(self):
        # Registers the OpenAPI extension for the custom authentication class.
        from . import schema  # noqa: F401
