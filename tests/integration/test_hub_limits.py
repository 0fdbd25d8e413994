"""Overall deadline and reply-size cap of the server companion's calls to the REAL hub (issue 11).

The companion's identity service (``IdTokenService``, its hub source) runs here with alice's
real server token (``$JUPYTERHUB_API_TOKEN`` of her running server), configured like her server:
only the addresses point at ``tests/faultproxy.py``, which forwards to where her server reaches
the hub (the hub's REST API, for the service lookup; the id_token service's own address, for
the id_token). In ``drip`` mode the proxy sends the hub's real reply back one byte a second, so
no per-read timeout ever fires: only the overall deadline (``request_deadline``) ends the wait,
with ``hub_deadline``; the refreshes that joined the read end with it, and once the drip is over
the next refresh starts a new read and brings a valid id_token. A reply of the real service
larger than ``max_reply_bytes`` (the cap lowered below it, or the reply grown past the default cap
by the proxy's ``pad`` mode) is refused with ``hub_reply_too_large``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
import pytest
from integration_stack import (
    HUB_API_URL,
    SERVICE_NAME,
    server_token_of,
    verify_id_token,
)

from jupyter_extension_server import errors
from jupyter_extension_server.identity import IdTokenService

sys.path.append(str(Path(__file__).resolve().parents[1]))  # tests/faultproxy.py
from faultproxy import FaultProxy

pytestmark = pytest.mark.asyncio

#: Per-phase timeout (each dripped byte arrives well within it).
REQUEST_TIMEOUT = 5.0
#: The overall deadline the identity service gets here.
DEADLINE = 8.0
#: How long the test waits for anything before calling it a hang (far past the deadline).
HANG = DEADLINE * 8
#: The default cap of a hub reply (c.IdTokenService.max_reply_bytes).
DEFAULT_CAP = 1024 * 1024


@pytest.fixture(scope="module")
def alice_server(alice):
    """alice's server token (her server runs for the module, as the hub started it)."""
    alice.start_server("alice")
    try:
        assert alice.open_server("alice").status_code == 200
        yield server_token_of("alice")
    finally:
        alice.stop_server("alice")


def service_location(server_token: str) -> tuple[str, str]:
    """``(host:port, prefix)`` of the id_token service, as the hub tells alice's server."""
    response = httpx.get(
        f"{HUB_API_URL}/services/{SERVICE_NAME}",
        headers={"Authorization": f"token {server_token}"},
        timeout=30,
    )
    assert response.status_code == 200, response.status_code
    model = response.json()
    url = httpx.URL(model["url"])
    return f"{url.host}:{url.port}", model["prefix"]


def hub_api_hostport() -> str:
    url = httpx.URL(HUB_API_URL)
    return f"{url.host}:{url.port}"


def identity_service(server_token: str, **config) -> IdTokenService:
    return IdTokenService(
        hub_user="alice",
        hub_api_token=server_token,
        sources=["hub"],
        request_timeout=REQUEST_TIMEOUT,
        request_deadline=DEADLINE,
        **config,
    )


@pytest.mark.parametrize("call", ["id-token", "service lookup"])
async def test_a_dripping_hub_gives_a_deadline_error_and_frees_later_refreshes(alice_server, call):
    """The drip on the id_token service's answer (its URL configured, as hub_service_url
    allows), or on the hub API's answer to the service lookup (the URL asked from the hub)."""
    if call == "id-token":
        upstream, prefix = service_location(alice_server)
    else:
        upstream, prefix = hub_api_hostport(), ""
    async with FaultProxy(upstream=upstream) as proxy:
        if call == "id-token":
            config = {"hub_api_url": HUB_API_URL, "hub_service_url": f"{proxy.url}{prefix}"}
        else:
            config = {"hub_api_url": f"{proxy.url}/hub/api"}
        service = identity_service(alice_server, **config)
        try:
            if call == "id-token":
                # Through the proxy, the real service answers: the path works before the fault.
                first = await asyncio.wait_for(service.refresh(), HANG)
                assert first is not None and first.source == "hub"
                assert verify_id_token(first.id_token)["preferred_username"] == "alice"
            forwarded = proxy.stats["forwarded"]
            await proxy.set_mode("drip", seconds=1)
            reads = [asyncio.ensure_future(service.refresh()) for _ in range(3)]
            # A hang fails the test (instead of stalling the run) far past the deadline.
            results = await asyncio.wait_for(asyncio.gather(*reads, return_exceptions=True), HANG)
            for result in results:  # the three shared one read, and its error
                assert isinstance(result, errors.HubDeadlineExceeded), repr(result)
                assert result.code == "hub_deadline" and result.status == 504
                assert f"deadline of {DEADLINE:g} s" in result.message
                assert "c.IdTokenService.request_deadline" in result.message
                assert "eyJ" not in result.message
            assert proxy.stats["forwarded"] == forwarded + 1  # one request reached the hub
            assert proxy.stats["dripped"] > 0  # and its reply came back one byte at a time
            # The stuck read is over: the next refresh starts a read of its own, and works.
            await proxy.set_mode("pass")
            identity = await asyncio.wait_for(service.refresh(), HANG)
            assert identity is not None and identity.source == "hub"
            assert verify_id_token(identity.id_token)["preferred_username"] == "alice"
            assert proxy.stats["forwarded"] == forwarded + 2
        finally:
            await service.close()


async def test_a_hub_reply_larger_than_the_cap_is_refused(alice_server):
    """The real service's answer through the proxy: over a cap lowered below it (an id_token of
    Keycloak's is well over 512 bytes, its signature alone is 342); and grown past the default
    cap (1 MiB) by the proxy's ``pad`` mode. Once the proxy passes it as is, it is read."""
    upstream, prefix = service_location(alice_server)
    async with FaultProxy(upstream=upstream) as proxy:
        config = {"hub_api_url": HUB_API_URL, "hub_service_url": f"{proxy.url}{prefix}"}
        capped = identity_service(alice_server, max_reply_bytes=512, **config)
        default = identity_service(alice_server, **config)
        assert default.max_reply_bytes == DEFAULT_CAP
        try:
            with pytest.raises(errors.HubReplyTooLarge) as lowered:
                await asyncio.wait_for(capped.refresh(), HANG)
            assert proxy.stats["forwarded"] == 1  # the real service answered it
            await proxy.set_mode("pad", size=DEFAULT_CAP)
            with pytest.raises(errors.HubReplyTooLarge) as padded:
                await asyncio.wait_for(default.refresh(), HANG)
            assert proxy.stats["forwarded"] == 2 and proxy.stats["padded"] == 1
            for info, cap in ((lowered, 512), (padded, DEFAULT_CAP)):
                assert info.value.code == "hub_reply_too_large" and info.value.status == 502
                assert f"{cap} bytes" in info.value.message
                assert "c.IdTokenService.max_reply_bytes" in info.value.message
                assert "eyJ" not in info.value.message
            await proxy.set_mode("pass")
            identity = await asyncio.wait_for(default.refresh(), HANG)
            assert identity is not None
            assert verify_id_token(identity.id_token)["preferred_username"] == "alice"
            assert len(identity.id_token) > 512
        finally:
            await capped.close()
            await default.close()
