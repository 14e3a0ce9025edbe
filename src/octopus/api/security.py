"""API authentication and capability checks, the same rules as the pages."""

from django.core.exceptions import PermissionDenied
from ninja.security import SessionAuth


class CapabilitySession(SessionAuth):
    """Signed-in session (with CSRF on unsafe methods) holding a capability."""

    def __init__(self, capability: str):
        super().__init__(csrf=True)
        self.capability = capability

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None:
            return None
        if not user.has_capability(self.capability):
            raise PermissionDenied(f"This endpoint needs the '{self.capability}' capability.")
        return user
