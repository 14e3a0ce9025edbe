from tests.security.factories import relate  # noqa: F401
