"""How the dashboard reaches WorkOS, or its embedded API: chosen here, once, for every
client the dashboard opens (the service layer's, the authorization server's, single
sign-on's).

The embedded API is reached in process, through a transport that hands the request to
its views without a socket: a dashboard request never waits on a second request to its
own server, so a single-threaded server works too. WorkOS is reached over the network.
"""

import httpx


def transport(*, embedded: bool, limits: httpx.Limits | None = None) -> httpx.BaseTransport:
    """The transport of a client of the embedded API (`embedded`) or of WorkOS, with these
    connection `limits` over the network."""
    if embedded:
        from dashboard.emulator.transport import EmbeddedTransport

        return EmbeddedTransport()
    return httpx.HTTPTransport(limits=limits or httpx.Limits())
