"""Request-wide rules: every page needs a signed-in user, and no page is cached."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login

# Paths that must work before sign-in. Everything else, including the API, needs a user.
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/healthz", "/favicon.ico")


class LoginRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": "Sign in required."}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages carry resident data: browsers and proxies must not keep copies (shared PCs)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/static/"):
            response.setdefault("Cache-Control", "no-store")
        return response
