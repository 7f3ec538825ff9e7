"""The sequencer's count of unposted sales, which refuses sell orders beyond an account's free inventory, is kept in
memory across groups and ticks (issue 22: recounting it from the store after every 1 s tick stalled the orders behind
it by tens of milliseconds). A hostile state machine (sellers at their inventory's edge, silent co-signers who get
dropped, series expiring mid-batch, the ledger reverting and applying batches, clock steps of zero) checks after every
step that the kept count is exactly what the store holds, and that the store's narrow recount is the fills' own sum.
With the fix reverted the other way (a tick that wrote keeps the count), the machine fails.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order, sign

TRADERS = KEYS[:4]
SETTINGS = Settings(batch_interval=5, cosign_timeout=10, trading_cutoff=0, max_rounds=2)
HELD = 4 * WAD  # each trader's option tokens of each series on the ledger: sells run into it


@functools.cache
def _signed(key_index: int, series: int, buy: bool, size: int, price: int, nonce: int):
    return order(TRADERS[key_index], series, buy, size, price, nonce)


def _fills_sum(store: Store) -> dict[tuple[str, int], int]:
    """The unposted sales as the sequencer counted them before issue 22: every live fill of the pool and of the batches
    gathering co-signatures or posting, summed per (seller, series)."""
    fills = [fill for _, fill in store.unbatched_fills()]
    for batch in store.batches_with("cosigning", "posting"):
        fills += [fill for _, fill in store.batch_fills(batch.id)]
    sales: dict[tuple[str, int], int] = {}
    for fill in fills:
        sales[(fill.seller, fill.series)] = sales.get((fill.seller, fill.series), 0) + fill.size
    return sales


class SalesCount(RuleBasedStateMachine):
    """Orders, ticks, co-signatures and ledger events in any order; the kept sales count checked after each."""

    make_sequencer = Sequencer

    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="sales-count-"))
        self.ledger = FakeLedger()
        for trader in TRADERS:
            for series in (1, 2):
                self.ledger.inventories[(trader.address.lower(), series)] = HELD
        self.store = Store(self.folder / "s.db")
        self.seq = self.make_sequencer(self.store, self.ledger, SETTINGS)
        self.now = 10
        self.nonces = [0] * len(TRADERS)

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @rule(
        group=st.lists(
            st.tuples(
                st.integers(0, len(TRADERS) - 1),
                st.sampled_from([1, 2]),
                st.booleans(),
                st.integers(1, 3),
                st.integers(98, 102),
            ),
            min_size=1,
            max_size=4,
        )
    )
    def submit(self, group: list[tuple[int, int, bool, int, int]]) -> None:
        orders = []
        for trader, series, buy, size, price in group:
            self.nonces[trader] += 1
            orders.append(_signed(trader, series, buy, size * WAD, price, self.nonces[trader]))
        results = self.seq.submit_many(orders, self.now)
        assert len(results) == len(orders)

    @rule(step=st.sampled_from([0, 5, 11]))
    def tick(self, step: int) -> None:
        self.now += step
        self.seq.tick(self.now)

    @rule(silent=st.sets(st.integers(0, len(TRADERS) - 1)))
    def cosign(self, silent: set[int]) -> None:
        """Every trader with a leaf in the batch gathering co-signatures signs it, but the silent ones."""
        for batch in self.store.batches_with("cosigning"):
            for index, trader in enumerate(TRADERS):
                if index in silent:
                    continue
                try:
                    row, leaf = self.seq.leaf_for(batch.id, trader.address)
                except OrderError:  # no leaf of this trader in the batch
                    continue
                self.seq.cosign(batch.id, trader.address, sign(self.seq.leaf_typed_data(row, leaf), trader))

    @precondition(lambda self: self.now >= 40)  # late in a run: series 2 then takes no more orders
    @rule()
    def expire_series_2(self) -> None:
        """Series 2 expires now: its fills in the pool are void at the next cut, a batch holding it is abandoned."""
        self.ledger.expiries[2] = self.now

    @rule()
    def revert_last_posted(self) -> None:
        if self.ledger.batch_count() > self.ledger.settled:
            self.ledger.revert_from(self.ledger.batch_count())

    @rule()
    def apply_posted(self) -> None:
        """The ledger applies every posted batch: its sales leave the sellers' inventory there."""
        for number in range(self.ledger.settled + 1, self.ledger.batch_count() + 1):
            for index in range(16):
                self.ledger.applied.add((number, index))
        self.ledger.settled = self.ledger.batch_count()

    @invariant()
    def the_store_recount_is_the_fills_sum(self) -> None:
        assert self.store.unposted_sales() == _fills_sum(self.store)

    @invariant()
    def the_kept_count_is_the_stores(self) -> None:
        kept = self.seq._sales
        if kept is not None:
            assert {key: size for key, size in kept.items() if size} == self.store.unposted_sales()


class KeepsTheCountAcrossWrites(Sequencer):
    """The fix reverted the other way: a tick keeps the count even when it moved or voided fills."""

    def tick(self, now: int) -> str:
        with self.lock:
            kept = self._sales
            try:
                return super().tick(now)
            finally:
                self._sales = kept


class KeptAcrossWrites(SalesCount):
    make_sequencer = KeepsTheCountAcrossWrites


TestSalesCount = SalesCount.TestCase


def test_the_machine_finds_a_count_kept_across_a_tick_that_voided_fills():
    found = settings(max_examples=300, stateful_step_count=40, phases=[Phase.generate], database=None)  # no shrinking
    with pytest.raises(AssertionError):
        run_state_machine_as_test(KeptAcrossWrites, settings=found)


def test_a_tick_that_writes_nothing_keeps_the_count(tmp_path, monkeypatch):
    """The regression (issue 22): an idle tick made the next sell order recount every unposted fill from the store."""
    ledger = FakeLedger()
    store = Store(tmp_path / "s.db")
    seq = Sequencer(store, ledger, SETTINGS)
    seq.submit_many([_signed(0, 1, False, WAD, 100, 1), _signed(1, 1, True, WAD, 100, 1)], now=10)
    assert seq.tick(now=10) == "cut 1"  # it wrote: the next sell order counts again
    seq.submit(_signed(0, 1, False, WAD, 100, 2), now=10)
    recounts = []
    real = store.unposted_sales
    monkeypatch.setattr(store, "unposted_sales", lambda: recounts.append(1) or real())
    assert seq.tick(now=11) == "cosigning"
    seq.submit(_signed(0, 1, False, WAD, 100, 3), now=11)
    assert recounts == []
    store.close()
