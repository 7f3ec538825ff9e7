"""The end-to-end demo (`make demo`): one epoch of the protocol on a local chain."""
