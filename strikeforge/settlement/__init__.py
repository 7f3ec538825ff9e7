"""Rollup settlement, off-chain side: netting trades into per-account leaves and the Merkle-sum tree over them."""

# Worker processes serving the sequencer's API beside its engine by default (`settle run --api-workers`; relay.py).
# One: on two cores a second worker takes CPU the engine and the database need (bench/sequencer_load.py).
API_WORKERS = 1
