"""Clinical code lists shipped with Octopus (CSV with provenance) and their registry.

Data only, plus ``registry``: the one place feeds and features look a list up (decision 0066).
"""
