"""drf-spectacular pieces: the bearerAuth scheme for our authentication class, and the root `security: []`."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerKeyScheme(OpenApiAuthenticationExtension):
    target_class = "feedbacks.auth.BearerKeyAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        # The wording of the published document's scheme.
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "Bearer authentication header of the form `Bearer <token>`, where `<token>` is your auth token.",
        }


def root_security_none(result, generator, request, public):
    # Operations carry their own security; the published document states "none by default" at the root.
    return {**result, "security": []}
