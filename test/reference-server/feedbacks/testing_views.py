"""Test-only views (plain Django, so not in the OpenAPI schema): read back what was stored, reset between tests."""
import json

from django.http import HttpResponseNotAllowed, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from . import runtime
from .models import Attachment, Completion, Feedback


def stored(request):
    rows = Feedback.objects.order_by("id").values("id", "feedback_type_id", "completion_id", "value", "flag", "comment", "tag")
    return JsonResponse(list(rows), safe=False, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def reset(request):
    """Deletes every feedback and completion (feedback types stay), and resets the switches.

    Body (JSON, all optional): {"throttle_every": N, "retry_after": S, "deviant": bool}; left out = from the environment.
    """
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    options = json.loads(request.body or b"{}")
    Attachment.objects.all().delete()
    Feedback.objects.all().delete()
    Completion.objects.all().delete()
    runtime.configure(options.get("throttle_every"), options.get("retry_after"), options.get("deviant"))
    return JsonResponse({"ok": True})
