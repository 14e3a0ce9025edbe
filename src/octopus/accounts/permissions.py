"""Capability checks for views. Every view states what it needs; the server enforces it."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def require(capability: str):
    """Decorator for function views: 403 unless the signed-in user holds ``capability``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.has_capability(capability):
                raise PermissionDenied(f"This page needs the '{capability}' capability.")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator


class CapabilityRequiredMixin:
    """For class-based views: set ``capability`` on the class."""

    capability: str = ""

    def dispatch(self, request, *args, **kwargs):
        if not self.capability:
            raise PermissionDenied("This view declares no capability; refusing by default.")
        if not request.user.is_authenticated or not request.user.has_capability(self.capability):
            raise PermissionDenied(f"This page needs the '{self.capability}' capability.")
        return super().dispatch(request, *args, **kwargs)
