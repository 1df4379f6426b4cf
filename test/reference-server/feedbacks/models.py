"""Models as Paradigm would have them: feedback types an admin creates, completions, and the feedbacks users log."""
from django.db import models


class FeedbackType(models.Model):
    KINDS = [("boolean", "boolean"), ("number", "number"), ("tag", "tag"), ("comment", "comment")]
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=KINDS)


class Completion(models.Model):
    # Chat completion ids are opaque strings; unicode, spaces, `+` and `%` are allowed.
    id = models.CharField(primary_key=True, max_length=255)


class Feedback(models.Model):
    feedback_type = models.ForeignKey(FeedbackType, on_delete=models.CASCADE)
    completion = models.ForeignKey(Completion, on_delete=models.CASCADE)
    value = models.FloatField(null=True)
    flag = models.BooleanField(null=True, help_text="Field used in case of boolean type")
    # null=True without blank=True: DRF refuses "" in JSON ("This field may not be blank.").
    comment = models.TextField(null=True)
    tag = models.CharField(max_length=120, null=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Attachment(models.Model):
    """Next version only: a file attached to a feedback (a FileField, typed `string, format: uri` by drf-spectacular)."""

    feedback = models.ForeignKey(Feedback, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/")
