"""The vault keeper: rolls ThetaVault epochs when due, once, across restarts."""
