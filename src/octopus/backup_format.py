"""Django's JSON serialisation, keeping microseconds.

Django's encoder cuts datetimes to milliseconds (ECMA-262), so a backup restored through it
moved every timestamp; ordering by time and "within the grant's window" checks could then
change. Registered as the ``octopus-json`` format by ``octopus.backup``; reading it back is
Django's own JSON deserialiser, which accepts microseconds.
"""

import datetime

from django.core.serializers.json import (
    Deserializer,  # noqa: F401  (the format's reader)
    DjangoJSONEncoder,
)
from django.core.serializers.json import Serializer as DjangoJSONSerializer


class FullPrecisionEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        if isinstance(o, datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(DjangoJSONSerializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = FullPrecisionEncoder
