"""DRF throttling made deterministic: every Nth request to the rate view is throttled.

DRF's own machinery does the rest: APIView.check_throttles raises Throttled(wait), answered as
429 {"detail": "Request was throttled. Expected available in N second(s)."} with `Retry-After: N`.
"""
from rest_framework.throttling import BaseThrottle

from . import runtime


class EveryNthRequestThrottle(BaseThrottle):
    def allow_request(self, request, view):
        with runtime.lock:
            every = runtime.state["throttle_every"]
            if not every:
                return True
            runtime.state["seen"] += 1
            return runtime.state["seen"] % every != 0

    def wait(self):
        return runtime.state["retry_after"]
