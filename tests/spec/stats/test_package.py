"""Spec: octopus.stats stands alone (an analyst's notebook has no Django)."""

import subprocess
import sys


def test_stats_imports_without_django():
    code = "import sys, octopus.stats; assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)
