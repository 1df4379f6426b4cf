from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import runtime
from .models import Completion, Feedback, FeedbackType
from .serializers import AttachmentSerializer, FeedbackDetailSerializer, FeedbackSerializer, FeedbackTypeSerializer
from .throttling import EveryNthRequestThrottle


class RateView(APIView):
    throttle_classes = [EveryNthRequestThrottle]

    @extend_schema(
        tags=["Feedbacks"],
        summary="Create a completion feedback",
        description="Log a feedback of a given type and linked to an existing completion.",
        request=FeedbackSerializer,
        responses={200: None},
    )
    def post(self, request, feedback_type_id, completion_id):
        feedback_type = get_object_or_404(FeedbackType, pk=feedback_type_id)
        # Completions are created on first use (the reference server has no chat endpoint to create them).
        completion, _ = Completion.objects.get_or_create(id=completion_id)
        serializer = FeedbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = serializer.save(feedback_type=feedback_type, completion=completion)
        if runtime.state["deviant"]:
            # Deviant mode: what the published contract does not allow (it declares only 200, no body).
            return Response({"id": feedback.id, **serializer.data}, status=status.HTTP_201_CREATED)
        return Response(status=status.HTTP_200_OK)


# Paradigm's published operations all carry a summary (its lint requires one); drf-spectacular has none by itself.
@extend_schema(tags=["Feedbacks"])
@extend_schema_view(
    list=extend_schema(summary="List feedbacks"),
    retrieve=extend_schema(summary="Get a feedback"),
    destroy=extend_schema(summary="Delete a feedback"),
)
class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Feedbacks logged on completions."""

    # Next version only (urls_next.py): list, detail, delete, and a file upload.

    queryset = Feedback.objects.select_related("feedback_type").order_by("id")
    serializer_class = FeedbackDetailSerializer

    @extend_schema(summary="Attach a file to a feedback", request=AttachmentSerializer, responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], serializer_class=AttachmentSerializer)
    def attachment(self, request, pk=None):
        feedback = self.get_object()
        serializer = AttachmentSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        serializer.save(feedback=feedback)
        return Response(serializer.data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["Feedbacks"])
@extend_schema_view(list=extend_schema(summary="List feedback types"))
class FeedbackTypeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = FeedbackType.objects.order_by("id")
    serializer_class = FeedbackTypeSerializer
