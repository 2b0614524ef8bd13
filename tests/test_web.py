"""The lab web server of notebook 07: loopback only, switchable to 503 or slow, stopped by teardown/close."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

import pytest

import labkit
from labkit.exceptions import ConfigurationError
from labkit.lesson import web
from labkit.runtime.lab import Lab


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return int(reply.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_serves_on_loopback_with_an_ephemeral_port(lab: Lab) -> None:
    server = web.serve(lab)
    assert server.url.startswith("http://127.0.0.1:") and server.port > 0
    assert server._httpd.server_address[0] == "127.0.0.1"
    assert _get(server.url) == 200 and server.requests == 1


def test_fail_answers_503_while_the_port_still_accepts_connections(lab: Lab) -> None:
    server = web.serve(lab)
    server.fail(503)
    assert web.tcp_check(server.url) is True
    assert _get(server.url) == 503
    server.heal()
    assert _get(server.url) == 200


def test_slow_delays_each_answer_and_is_bounded(lab: Lab) -> None:
    server = web.serve(lab)
    server.slow(0.3)
    started = time.perf_counter()
    assert _get(server.url) == 200
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(ConfigurationError):
        server.slow(web.MAX_DELAY + 1)
    with pytest.raises(ConfigurationError):
        server.fail(200)


def test_teardown_stops_the_server_and_leaves_nothing(lab: Lab) -> None:
    server = web.serve(lab)
    assert lab.inventory() == ["labkit:web-server lab-web lab-local"]
    report = lab.teardown()
    assert report.ok and lab.inventory() == []
    assert not server.running
    assert web.tcp_check(server.url) is False


def test_closing_the_lab_stops_the_server_and_a_new_lab_starts_a_fresh_one() -> None:
    first_lab = labkit.connect("moto")
    first = web.serve(first_lab)
    second_lab = labkit.connect("moto")  # Run All twice: connect() closes the first lab
    try:
        first._thread.join(timeout=2)
        assert not first.running
        second = web.serve(second_lab)
        assert second.running and _get(second.url) == 200
        assert second_lab.inventory() == ["labkit:web-server lab-web lab-local"]
    finally:
        second_lab.teardown()
        second_lab.close()


def test_checks_refuse_anything_but_loopback_http() -> None:
    for url in ("http://example.com/", "https://127.0.0.1/", "http://10.0.0.1:80/"):
        with pytest.raises(ConfigurationError):
            web.tcp_check(url)
