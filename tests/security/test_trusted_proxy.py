"""Behind trusted proxies (config.trusted_proxies), the client is the rightmost untrusted X-Forwarded-For hop."""

import pytest

from tests.helpers import make_config
from tests.security.test_client_ip import _order


@pytest.fixture
def config_data() -> dict:
    return {**make_config(), "trusted_proxies": ["192.168.0.0/24", "fd00::1"]}


@pytest.mark.parametrize(
    ("peer", "xff", "status"),
    [
        ("192.168.0.9", "10.1.2.3", 200),  # the trusted proxy forwards a whitelisted client
        ("192.168.0.9", "10.1.2.3, 192.168.0.7", 200),  # through two trusted proxies
        ("fd00::1", "2001:db8::5", 200),
        ("192.168.0.9", "::ffff:10.1.2.3", 200),
        ("192.168.0.9", "10.1.2.3, 172.16.0.1", 403),  # the client is the rightmost untrusted: 172.16.0.1
        ("192.168.0.9", "", 403),  # no header: the proxy itself is the client
        ("192.168.0.9", "garbage, 10.1.2.3", 200),  # left of the first untrusted hop is never read
        ("192.168.0.9", "10.1.2.3, garbage", 403),  # a garbled hop: unknown client
        ("10.9.9.9", "10.1.2.3", 403),  # not a trusted proxy: its header is ignored
    ],
)
async def test_trusted_proxy_forwards_the_client(client_from, peer, xff, status) -> None:
    async with client_from(peer) as client:
        r = await _order(client, {"X-Forwarded-For": xff} if xff else {})
    assert r.status_code == status, r.text
