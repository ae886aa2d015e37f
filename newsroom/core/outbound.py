"""Requests the server makes to addresses someone else typed (partners' webhook endpoints),
guarded against server-side request forgery.

- Only ``https``; the host must resolve to public addresses only. Loopback, private,
  link-local, shared (carrier-grade NAT), reserved, multicast and cloud metadata addresses are
  refused, with the class named. ``allow_loopback`` (tests and local development only,
  ``NEWSROOM_WEBHOOK_ALLOW_LOOPBACK``) admits loopback, and plain ``http`` to it.
- The connection goes to the address that was checked (no second lookup that DNS rebinding
  could answer differently); TLS still checks the certificate against the host name.
- Redirects are never followed: a 3xx is an answer like any other.
- The whole exchange has a deadline, and at most ``max_bytes`` of the answer are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

# Cloud providers' instance metadata services: link-local or private already, named so the
# refusal says what they are.
METADATA = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack…
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
    ipaddress.ip_address("fd00:ec2::254"),  # AWS over IPv6
}


class Refused(ValueError):
    """The address may not be called; the message says why, for the editor."""


def address_class(ip) -> str | None:
    """Why ``ip`` may not be called (``"loopback"``, ``"private"``…), or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "cloud metadata"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "reserved or shared"
    return None


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def check(url: str, *, allow_loopback: bool = False) -> Target:
    """The URL's target if it may be called, else ``Refused`` saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Refused(f"That is not a valid URL: {error}.") from None
    if parts.scheme not in ("https", "http"):
        raise Refused("The URL must start with https://.")
    if not parts.hostname:
        raise Refused("The URL has no host.")
    if parts.username or parts.password:
        raise Refused("The URL must not carry a user name or password.")
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"{host} could not be resolved ({error}).") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise Refused(f"{host} resolves to no address.")
    loopback_only = True
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        kind = address_class(ip)
        if kind == "loopback" and allow_loopback:
            continue
        loopback_only = False
        if kind is not None:
            raise Refused(
                f"{host} resolves to {address}, a {kind} address: "
                "webhooks only go to public internet addresses."
            )
    if parts.scheme != "https" and not (allow_loopback and loopback_only):
        raise Refused("The URL must start with https://.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, path, addresses[0])


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    truncated: bool
    seconds: float


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float, context: ssl.SSLContext):
        super().__init__(target.host, target.port, timeout=timeout, context=context)
        self._address = target.address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float,
    max_bytes: int,
    allow_loopback: bool = False,
) -> Answer:
    """POST ``body`` to ``url`` under the rules above. ``Refused`` for an address that may not
    be called; ``OSError`` (timeouts included) or ``http.client.HTTPException`` when the
    exchange fails."""
    target = check(url, allow_loopback=allow_loopback)
    started = time.monotonic()
    deadline = started + timeout
    if target.scheme == "https":
        connection = _PinnedHTTPSConnection(target, timeout, ssl.create_default_context())
    else:
        connection = _PinnedHTTPConnection(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        chunks, size = [], 0
        while size <= max_bytes:
            if time.monotonic() > deadline:
                raise TimeoutError(f"No complete answer within {timeout:g} s.")
            chunk = response.read1(min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
        return Answer(
            status=response.status,
            body=data[:max_bytes],
            truncated=len(data) > max_bytes,
            seconds=time.monotonic() - started,
        )
    finally:
        connection.close()
