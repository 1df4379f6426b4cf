from typing import Union

from rest_framework import serializers

from .models import Attachment, Feedback, FeedbackType


def display_value_of(obj: Feedback) -> Union[bool, str, float, int]:
    kind = obj.feedback_type.kind
    if kind == "boolean":
        return obj.flag
    if kind == "number":
        return obj.value
    if kind == "tag":
        return obj.tag
    return obj.comment


class FeedbackSerializer(serializers.ModelSerializer):
    # The union hint is what makes drf-spectacular emit `oneOf: [boolean, string, number, integer]`, readOnly.
    display_value = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = ["value", "flag", "comment", "tag", "display_value"]

    def get_display_value(self, obj) -> Union[bool, str, float, int]:
        return display_value_of(obj)


class FeedbackDetailSerializer(serializers.ModelSerializer):
    """A feedback as stored, with its feedback type and completion."""

    # Next version: list and detail. It repeats display_value, so drf-spectacular repeats its oneOf.
    display_value = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = ["id", "feedback_type", "completion", "value", "flag", "comment", "tag", "display_value", "created_at"]

    def get_display_value(self, obj) -> Union[bool, str, float, int]:
        return display_value_of(obj)


class FeedbackTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = FeedbackType
        fields = ["id", "name", "kind"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "file"]
