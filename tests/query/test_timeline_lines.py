"""The readable timeline line of network events names the endpoint by family."""

from __future__ import annotations

from tracee_py.proctree.timeline import describe


def test_unix_socket_connect_shows_the_socket_path() -> None:
    row = {
        "event": "net_connect",
        "family": "unix",
        "path": "/var/run/nscd/socket",
        "addr": None,
        "port": None,
        "retval": -2,
    }
    assert describe(row) == "connect unix:/var/run/nscd/socket = -2 (ENOENT)"


def test_inet6_connect_brackets_the_address() -> None:
    row = {
        "event": "net_connect",
        "family": "inet6",
        "path": None,
        "addr": "::1",
        "port": 8080,
        "retval": 0,
    }
    assert describe(row) == "connect [::1]:8080"
