"""A sequencer taking a stream of random orders until it is killed (for the kill -9 test; not a test module).

    python -m tests.settlement.crash_child DB FIRST_NONCE SEED

Prints `ack NONCE ACCOUNT` after each order is accepted (or `nack NONCE` when refused), and cuts a batch every
25 orders, so a kill lands inside order, fill and batch writes alike.
"""

from __future__ import annotations

import random
import sys

from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order


def main(db: str, first_nonce: int, seed: int) -> None:
    rng = random.Random(seed)
    seq = Sequencer(Store(db), FakeLedger(), Settings(batch_interval=0, cosign_timeout=10**9))
    for nonce in range(first_nonce, first_nonce + 100_000):
        key = rng.choice(KEYS[:4])
        signed = order(key, rng.randint(1, 2), rng.random() < 0.5, rng.randint(1, 3) * WAD, rng.randint(95, 105), nonce)
        try:
            seq.submit(signed, now=nonce)
        except OrderError:
            print(f"nack {nonce}", flush=True)
            continue
        print(f"ack {nonce} {key.address.lower()}", flush=True)
        if nonce % 25 == 0:
            seq.tick(now=nonce)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
