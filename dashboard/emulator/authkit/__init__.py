"""The embedded authorization server of Connect: the OAuth 2.0 and OpenID Connect endpoints
that WorkOS serves on an AuthKit domain, here under the embedded API's base URL."""
