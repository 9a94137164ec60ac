"""The loopback guard every test runs under (``tests/support/network.py``)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]


def test_the_loopback_guard_refuses_the_internet(loopback_only: list[object]) -> None:
    with pytest.raises(ConnectionRefusedError, match="only reach loopback"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    with (
        socket.socket() as raw,
        pytest.raises(ConnectionRefusedError, match="only reach loopback"),
    ):
        raw.connect(("192.0.2.1", 443))
    with pytest.raises(ConnectionRefusedError, match="only reach loopback"):
        socket.getaddrinfo("api.telegram.org", 443)
    loopback_only.clear()  # the attempts above were the point of this test


def test_a_test_that_tries_to_leave_loopback_fails_even_if_it_swallows_the_error(
    pytester: pytest.Pytester,
) -> None:
    pytester.syspathinsert(REPO)
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makeconftest('pytest_plugins = ["tests.support.network"]')
    pytester.makepyfile(
        """
        import contextlib
        import socket

        def test_reaches_out():
            with contextlib.suppress(OSError):
                socket.create_connection(("192.0.2.1", 443), timeout=1)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*a test tried to leave loopback*"])
