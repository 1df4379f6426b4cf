"""`Authorization: Bearer <key>` against the keys in PARADIGM_REF_KEYS, as DRF's TokenAuthentication does it."""
import os

from rest_framework import authentication, exceptions


class ApiKeyUser:
    is_authenticated = True
    is_anonymous = False

    def __init__(self, key):
        self.key = key


def accepted_keys():
    return {k for k in os.environ.get("PARADIGM_REF_KEYS", "sk-reference-test").split(",") if k}


class BearerKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None  # DRF then answers 401 "Authentication credentials were not provided."
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        try:
            key = auth[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        if key not in accepted_keys():
            raise exceptions.AuthenticationFailed("Invalid token.")
        return (ApiKeyUser(key), key)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) with `WWW-Authenticate: Bearer`.
        return self.keyword
