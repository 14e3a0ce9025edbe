"""The population health engine ("brain").

Pure table code: nothing under this package may import Django. The web apps read what it
publishes (population snapshots) and never the other way round.
"""
