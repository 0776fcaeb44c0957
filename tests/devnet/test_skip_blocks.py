"""POST /admin/skip-blocks adds empty blocks (faults enabled only), so a swap's expiry can be reached over HTTP."""

import httpx
import pytest

from app.devnet import create_app


def _client(*, faults_enabled: bool) -> httpx.AsyncClient:
    app = create_app(chain_id="Binance-Dev", hrp="tbnb", genesis=[], faults_enabled=faults_enabled)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://devnet.test")


async def test_skip_blocks_raises_the_height_the_node_reports() -> None:
    async with _client(faults_enabled=True) as client:
        r = await client.post("/admin/skip-blocks", json={"count": 360})
        assert r.status_code == 200
        assert r.json() == {"height": 360}
        info = (await client.get("/api/v1/node-info")).json()
        assert info["sync_info"]["latest_block_height"] == 360


@pytest.mark.parametrize("body", [{"count": 0}, {"count": -1}, {}, {"count": 1, "x": 1}])
async def test_skip_blocks_refuses_a_bad_count(body: dict) -> None:
    async with _client(faults_enabled=True) as client:
        assert (await client.post("/admin/skip-blocks", json=body)).status_code == 400


async def test_skip_blocks_does_not_exist_without_faults() -> None:
    async with _client(faults_enabled=False) as client:
        assert (await client.post("/admin/skip-blocks", json={"count": 1})).status_code == 404
