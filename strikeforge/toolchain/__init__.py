"""The offline toolchain: solc (native or the solc-js shim) registered for py-solc-x, and anvil with safe defaults."""
