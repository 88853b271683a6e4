"""Client addresses behind trusted proxies, address prefixes, listener keys."""

from __future__ import annotations

from tonearm.analytics.listener import client_address, keyed, network_prefix, trusted_networks

LOOPBACK = trusted_networks(["127.0.0.1", "::1"])


def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert client_address("127.0.0.1", "198.51.100.7", LOOPBACK) == "198.51.100.7"
    assert client_address("203.0.113.9", "198.51.100.7", LOOPBACK) == "203.0.113.9"  # not a proxy: ignored
    # a client-made entry left of the proxy's own is ignored
    assert client_address("127.0.0.1", "1.1.1.1, 198.51.100.7", LOOPBACK) == "198.51.100.7"
    # a chain of trusted proxies: the first untrusted hop from the right
    two = trusted_networks(["127.0.0.1", "10.0.0.0/8"])
    assert client_address("127.0.0.1", "198.51.100.7, 10.1.2.3", two) == "198.51.100.7"
    assert client_address("127.0.0.1", "garbage", LOOPBACK) == "127.0.0.1"
    assert client_address("testclient", None, LOOPBACK) is None


def test_prefixes_are_24_and_64_bits():
    assert network_prefix("198.51.100.7") == "198.51.100.0/24"
    assert network_prefix("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network_prefix("::ffff:198.51.100.7") == "198.51.100.0/24"
    assert network_prefix(None) == ""


def test_the_listener_key_never_contains_the_address():
    salt = b"s" * 32
    key = keyed(salt, "listener", network_prefix("198.51.100.7"), "Overcast/3.0")
    assert len(key) == 32 and all(c in "0123456789abcdef" for c in key)
    assert "198.51.100" not in key
    # same network and app → same key; another day's salt → another key; another app → another key
    assert key == keyed(salt, "listener", "198.51.100.0/24", "Overcast/3.0")
    assert key != keyed(b"t" * 32, "listener", "198.51.100.0/24", "Overcast/3.0")
    assert key != keyed(salt, "listener", "198.51.100.0/24", "AppleCoreMedia/1.0")
