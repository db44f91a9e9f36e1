"""Trackier's request checks, in its order: key present (101), key valid (102), caller IP whitelisted (105)."""

from __future__ import annotations

import hmac
import ipaddress

from trackier_provider.emulator.errors import ApiError

LOOPBACK = ("127.0.0.0/8", "::1/128")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_whitelist(entries: list[str] | None) -> list[Network]:
    """IPs or CIDRs as networks; None means "loopback only", the default for a local emulator."""
    return [ipaddress.ip_network(entry.strip(), strict=False) for entry in (entries or LOOPBACK)]


def ip_allowed(client_ip: str, networks: list[Network]) -> bool:
    """True when ``client_ip`` (IPv4-mapped IPv6 included) falls in one of ``networks``."""
    try:
        address = ipaddress.ip_address(client_ip)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == net.version and address in net for net in networks)


def check(key: str | None, expected: str, client_ip: str, networks: list[Network]) -> None:
    """Raise the Trackier error for a missing key, a wrong key or a caller outside the whitelist."""
    if not key:
        raise ApiError(400, "101", "API Key is not found in request headers or query params")
    if not hmac.compare_digest(key.encode(), expected.encode()):
        raise ApiError(400, "102", "Invalid API Key")
    check_ip(client_ip, networks)


def check_ip(client_ip: str, networks: list[Network]) -> None:
    """Raise Trackier's 105 error when ``client_ip`` is outside the whitelist."""
    if not ip_allowed(client_ip, networks):
        raise ApiError(400, "105", f"IP address {client_ip} is not whitelisted for API access")
