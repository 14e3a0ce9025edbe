"""Keeping identifiers out of logs: a logging filter that redacts NHS numbers and postcodes.

Logs travel further than the database (log shippers, support tickets, screenshots), so they
must never carry patient identifiers, even in a traceback's local values or an error message.
"""

import logging
import re

# Ten digits, optionally grouped 3-3-4 with spaces or hyphens, not part of a longer number.
NHS_NUMBER = re.compile(r"(?<![\d])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\d])")
# UK postcodes (full), e.g. "W2 1NY", "SW1A 2AA". Not straight after a pipeline run id's
# timestamp ("20261204T112802Z-c521ab"): its hex suffix can take a postcode's shape, and a run id
# hidden in the logs cannot be traced to its snapshot.
POSTCODE = re.compile(r"(?<!\dZ-)\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)


def redact(text: str) -> str:
    text = NHS_NUMBER.sub("[NHS number removed]", text)
    return POSTCODE.sub("[postcode removed]", text)


class RedactIdentifiers(logging.Filter):
    """Rewrites the message and any traceback before a handler formats the record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call must not take the request down with it
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        # Django attaches the request to error records; its repr can include the query string.
        if hasattr(record, "request"):
            record.request = None
        return True
