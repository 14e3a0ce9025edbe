"""Shared care coordination: caseloads, referrals and warm introductions, holistic care plans,
tiers, check-ins and every practitioner's task inbox (the "hearts" of the Octopus)."""
