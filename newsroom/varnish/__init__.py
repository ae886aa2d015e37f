"""The Varnish configuration for a shared HTTP cache in front of the app servers
(``newsroom.vcl``; README "A shared HTTP cache in front (Varnish)"), and ``vcl()``, which fills
in the backend and the addresses allowed to purge."""

import ipaddress
import os
from pathlib import Path

VCL = Path(__file__).with_name("newsroom.vcl")


def acl_entry(address: str) -> str:
    """``10.0.0.0/24`` as a VCL ACL entry: ``"10.0.0.0"/24;``; a host name as itself."""
    address = address.strip()
    try:
        network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        if not address or any(c in address for c in '"/ ;{}'):
            raise ValueError(f"Not an address, network or host name: {address!r}") from None
        return f'"{address}";'
    if network.num_addresses == 1:
        return f'"{network.network_address}";'
    return f'"{network.network_address}"/{network.prefixlen};'


def vcl(backend: str = "127.0.0.1:8000", purgers: list[str] | tuple = ()) -> str:
    """``newsroom.vcl`` with its backend at ``backend`` (host:port) and ``purgers`` (addresses
    or networks of the app servers and task workers) allowed to purge, besides this machine."""
    host, _, port = backend.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"The backend is host:port, not {backend!r}")
    text = VCL.read_text(encoding="utf-8")
    text = text.replace(
        '.host = "127.0.0.1";  # newsroom:backend-host', f'.host = "{host.strip("[]")}";'
    )
    text = text.replace('.port = "8000";  # newsroom:backend-port', f'.port = "{port}";')
    entries = "\n    ".join(acl_entry(address) for address in purgers if address.strip())
    return text.replace("# newsroom:purgers", entries or "# (none besides this machine)")


def from_environment() -> str:
    """``vcl()`` from NEWSROOM_VARNISH_BACKEND and NEWSROOM_VARNISH_PURGE_ACL (comma-separated)."""
    return vcl(
        os.environ.get("NEWSROOM_VARNISH_BACKEND", "127.0.0.1:8000"),
        os.environ.get("NEWSROOM_VARNISH_PURGE_ACL", "").split(","),
    )
