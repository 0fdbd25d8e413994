"""Overall deadline and reply-size cap of the calls to JupyterHub's API (issue 11, item 4).

The FakeHub (a plainly named fake of the hub's REST route, see conftest) sits behind
``tests/faultproxy.py``; in ``drip`` mode the proxy sends the hub's reply back one byte a second,
so no per-read timeout ever fires: only the overall deadline ends the wait.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from jupyter_extension_server import errors

from .conftest import HUB_TOKEN, OWNER, mint_id_token

sys.path.append(str(Path(__file__).resolve().parents[2] / "tests"))  # tests/faultproxy.py
from faultproxy import FaultProxy

DEADLINE = 2.0


async def test_a_dripping_hub_gives_a_deadline_error_and_the_next_read_works(
    fake_hub, make_service
):
    upstream = fake_hub.url.split("://", 1)[1].split("/", 1)[0]
    async with FaultProxy(upstream=upstream) as proxy:
        service = make_service(
            hub_api_url=f"{proxy.url}/hub/api",
            hub_user=OWNER,
            hub_api_token=HUB_TOKEN,
            request_timeout=5,
            request_deadline=DEADLINE,
        )
        await proxy.set_mode("drip", seconds=1)
        reads = [asyncio.ensure_future(service.refresh()) for _ in range(3)]
        results = await asyncio.wait_for(
            asyncio.gather(*reads, return_exceptions=True), DEADLINE * 5
        )
        for result in results:  # the three shared one read, and its error
            assert isinstance(result, errors.HubDeadlineExceeded), result
            assert result.code == "hub_deadline"
            assert "request_deadline" in result.message
        # One request reached the hub: the lookup of its id_token service, whose reply dripped.
        assert fake_hub.lookups + fake_hub.calls == 1
        assert proxy.stats["dripped"] > 0
        await proxy.set_mode("pass")
        identity = await asyncio.wait_for(service.refresh(), DEADLINE * 5)
        assert identity is not None and identity.id_token == fake_hub.id_token


async def test_a_hub_reply_larger_than_the_cap_is_refused(hub_env, make_service):
    # The id_token service answers the token alone (hundreds of bytes): a cap below that refuses
    # the reply, with the limit named; the default cap reads it.
    hub_env.serve_token(mint_id_token())
    with pytest.raises(errors.HubReplyTooLarge) as info:
        await make_service(max_reply_bytes=100).refresh()
    assert info.value.code == "hub_reply_too_large"
    assert "100 bytes" in info.value.message
    identity = await make_service().refresh()
    assert identity is not None and identity.id_token == hub_env.id_token
