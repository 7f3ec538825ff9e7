"""Review of the group commit (issue 22): attacks on `submit_many` and the HTTP intake, each a failing test first."""

from __future__ import annotations

import pytest

from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
A, B = KEYS[0], KEYS[1]


def _outcomes(results: list) -> list[str]:
    return [str(r) if isinstance(r, OrderError) else "accepted" for r in results]


@pytest.mark.parametrize("tick_first", [False, True])
def test_a_sale_matched_earlier_in_the_group_counts_against_the_sellers_next_sell_order(store_spec, tick_first):
    """A holds 1 option and rests an ask for it. In one group B lifts the ask (A has sold its 1) and A sends another
    ask for 1: one by one, the second ask is refused (A has 0 free). The group must refuse it too, also when the
    sales were last counted before the group (at start, or after a tick, which forgets the count)."""
    ledger = FakeLedger()
    ledger.inventories[(A.address.lower(), 1)] = WAD
    store = Store(store_spec)
    seq = Sequencer(store, ledger, SETTINGS)
    assert seq.submit(order(A, 1, False, WAD, 100, 1), now=10)[0] == 1
    if tick_first:
        seq.tick(now=10)
    else:
        seq = Sequencer(store, ledger, SETTINGS)  # a restart: nothing counted yet
    results = seq.submit_many([order(B, 1, True, WAD, 100, 1), order(A, 1, False, WAD, 100, 2)], now=10)
    assert _outcomes(results)[0] == "accepted" and results[0][1].fills  # type: ignore[index]
    assert _outcomes(results)[1].startswith(f"size: sells {WAD} of series 1, but {A.address.lower()} has 0 free")
    store.close()
