from .factories import relate  # noqa: F401
