"""This computer's addresses on the local network, for the console line that tells --listen users where
the page is."""

from __future__ import annotations

import ipaddress
import logging
import socket

import psutil

logger = logging.getLogger(__name__)


def lan_addresses() -> list[str]:
    """IPv4 addresses of this computer's network interfaces, without loopback and link-local ones."""
    found: list[str] = []
    try:
        interfaces = psutil.net_if_addrs()
    except OSError as err:
        logger.warning("Could not list the network interfaces: %s", err)
        return found
    for entries in interfaces.values():
        for entry in entries:
            if entry.family != socket.AF_INET:
                continue
            try:
                address = ipaddress.ip_address(entry.address)
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local or address.is_unspecified):
                found.append(str(address))
    return sorted(set(found), key=lambda a: tuple(int(p) for p in a.split(".")))
