"""Switches the tests may change between cases (POST /_test/reset), initialised from the environment."""
import os
import threading

lock = threading.Lock()
state = {}


def configure(throttle_every=None, retry_after=None, deviant=None):
    with lock:
        state["throttle_every"] = int(os.environ.get("PARADIGM_REF_THROTTLE_EVERY", "0")) if throttle_every is None else throttle_every
        state["retry_after"] = int(os.environ.get("PARADIGM_REF_RETRY_AFTER", "1")) if retry_after is None else retry_after
        state["deviant"] = os.environ.get("PARADIGM_REF_DEVIANT") == "1" if deviant is None else deviant
        state["seen"] = 0


configure()
