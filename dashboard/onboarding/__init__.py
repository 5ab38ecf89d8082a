"""Onboarding an application: the hand-over sheet its developer needs to integrate it, and
a check, with a client secret, that its credentials get a token that verifies."""
