#!/usr/bin/env python
"""Django's manage.py, for developers. Users run the ``octopus`` command instead."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "octopus.settings.demo")
    from django.core.management import execute_from_command_line

    from octopus.settings.environment import exit_on_configuration_error

    exit_on_configuration_error(execute_from_command_line)(sys.argv)
