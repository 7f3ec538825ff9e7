"""Signing keys that live outside the process: PKCS#11 tokens (hardware HSMs, cloud KMS libraries, SoftHSM2)."""
