"""The private-address guard on address strings: IPv4 carried inside IPv6, in every form.

Only strings are judged here; nothing connects to any of these addresses.
"""

from __future__ import annotations

import pytest

from linkcheck.urls import is_private_address as is_private


@pytest.mark.parametrize("address", [
    "::ffff:10.0.0.1",  # IPv4-mapped
    "::ffff:127.0.0.1",
    "64:ff9b::10.0.0.1",  # NAT64 well-known prefix (RFC 6052)
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud metadata address
    "64:ff9b::7f00:1",
    "64:ff9b:1::a00:1",  # NAT64 local-use prefix (RFC 8215): the network's own translator
    "::10.0.0.1",  # IPv4-compatible (deprecated)
    "::127.0.0.1",
    "::ffff:0:192.168.1.1",  # IPv4-translated (SIIT)
    "2002:c0a8:0101::1",  # 6to4 of 192.168.1.1
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1
    "2001:0:c0a8:101::1",  # Teredo, server 192.168.1.1
    "::1", "::", "fd00::1", "fe80::1%eth0", "127.0.0.1", "10.1.2.3", "169.254.169.254",
    "224.0.0.1", "ff02::1",
])
def test_private_addresses_are_refused_in_every_form(address):
    assert is_private(address)


@pytest.mark.parametrize("address", [
    "93.184.215.14",
    "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    "::ffff:93.184.215.14",
    "64:ff9b::93.184.215.14",  # what DNS64 answers for a public IPv4-only host
    "2002:5db8:d70e::1",  # 6to4 of 93.184.215.14
])
def test_public_addresses_pass_in_every_form(address):
    assert not is_private(address)
