"""The off-chain oracle node: sources, aggregation, EIP-712 reports, signing, publishing and its persisted state."""
