"""Rollup settlement, off-chain side: netting trades into per-account leaves and the Merkle-sum tree over them."""
