"""Bearer tokens for service accounts on the FHIR API (decision 0033).

A request to /api/fhir/ with ``Authorization: Bearer <token>`` is made as the service account's
user, with ``request.smart_scopes`` holding the account's scopes. Placed after the session and
idle-timeout middleware (a token request has no session to keep alive) and before the sign-in
and second-factor checks: the token is a machine credential issued by an administrator, so the
person-facing second factor does not apply to it.
"""

from django.http import JsonResponse

FHIR_PREFIX = "/api/fhir/"
# Virtual ward devices send observations with a token too (decision 0038).
TOKEN_PREFIXES = (FHIR_PREFIX, "/api/virtual-ward/observations")


class ServiceAccountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if request.path.startswith(TOKEN_PREFIXES) and header.startswith("Bearer "):
            from .fhir.scopes import parse_scopes
            from .service_accounts import authenticate

            account = authenticate(header.removeprefix("Bearer ").strip())
            if account is None:
                response = JsonResponse(
                    {
                        "resourceType": "OperationOutcome",
                        "issue": [
                            {
                                "severity": "error",
                                "code": "login",
                                "diagnostics": "Unknown, withdrawn or malformed bearer token.",
                            }
                        ],
                    },
                    status=401,
                    content_type="application/fhir+json",
                )
                response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
                return response
            user = account.user
            user.is_verified = lambda: True  # see the module docstring
            request.user = user
            request.smart_scopes = parse_scopes(account.scopes)
            request.service_account = account
        return self.get_response(request)
