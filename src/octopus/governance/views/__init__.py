"""The governance pages: break glass, the IG lead's audit pages, consent and preferences, 2FA."""
