"""Off-chain companions of contracts/pricing: high-precision Black-Scholes references (mpmath, QuantLib)."""
