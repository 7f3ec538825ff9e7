"""A sequencer taking a stream of random orders until it is killed (for the kill -9 test; not a test module).

    python -m tests.settlement.crash_child DB FIRST_NONCE SEED [group]

Prints `ack NONCE ACCOUNT` after each order is accepted (or `nack NONCE` when refused), and cuts a batch every
25 orders, so a kill lands inside order, fill and batch writes alike. With `group`, orders go in groups of 1 to 32
through `Sequencer.submit_many` (the group commit the API uses), each acknowledged only once its group returned.
"""

from __future__ import annotations

import random
import sys

from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order


def main(db: str, first_nonce: int, seed: int, grouped: bool = False) -> None:
    rng = random.Random(seed)
    seq = Sequencer(Store(db), FakeLedger(), Settings(batch_interval=0, cosign_timeout=10**9))
    nonce = first_nonce
    while nonce < first_nonce + 100_000:
        size = rng.randint(1, 32) if grouped else 1
        group = []
        for n in range(nonce, nonce + size):
            key = rng.choice(KEYS[:4])
            signed = order(key, rng.randint(1, 2), rng.random() < 0.5, rng.randint(1, 3) * WAD, rng.randint(95, 105), n)
            group.append((n, key, signed))
        if grouped:
            results = seq.submit_many([signed for _, _, signed in group], now=nonce)
        else:
            results = []
            for _, _, signed in group:
                try:
                    results.append(seq.submit(signed, now=nonce))
                except OrderError as exc:
                    results.append(exc)
        for (n, key, _), result in zip(group, results, strict=True):
            print(f"nack {n}" if isinstance(result, OrderError) else f"ack {n} {key.address.lower()}", flush=True)
            if n % 25 == 0:
                seq.tick(now=n)
        nonce += size


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:] == ["group"])
