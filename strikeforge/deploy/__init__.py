"""Deployment: configuration, plan, manifest, execution and verification (`ape run deploy`)."""
