"""A real SoftHSM2 token for the PKCS#11 signer: a throwaway token directory (SOFTHSM2_CONF) with one token initialised
by softhsm2-util, and one secp256k1 key generated in it. softhsm2 is a prerequisite (make install installs it), so
its absence fails these tests; nothing is skipped."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pkcs11
import pytest

from strikeforge.keys.pkcs11 import LIB_ENV, PIN_ENV_ENV, TOKEN_ENV, Pkcs11Key, close_sessions, default_library

# The oracle node's fixtures, for a round signed by the HSM key.
from tests.oracle_node.conftest import keystores, price_server  # noqa: F401

TOKEN = "strikeforge-test"
PIN = "20202020"
SO_PIN = "31313131"
KEY = "service-key"
PIN_ENV = "STRIKEFORGE_PKCS11_PIN"


@dataclass(frozen=True)
class SoftHsm:
    lib: str
    conf: Path
    util: str


@pytest.fixture(scope="package")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    """SoftHSM2 with its own token directory and the token TOKEN (user PIN `PIN`), named by the STRIKEFORGE_PKCS11_*
    variables for every test in this folder."""
    util, lib = shutil.which("softhsm2-util"), default_library()
    assert util and lib, "softhsm2 is missing (softhsm2-util or libsofthsm2.so): run make install, which installs it"
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOFTHSM2_CONF", str(conf))
        init = [util, "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN]
        subprocess.run(init, check=True, capture_output=True, text=True, timeout=60)
        # The module reads SOFTHSM2_CONF when it initialises: (re)initialise it now, with no session left open.
        close_sessions()
        pkcs11.lib(lib).reinitialize()
        env.setenv(LIB_ENV, lib)
        env.setenv(TOKEN_ENV, TOKEN)
        env.setenv(PIN_ENV, PIN)
        env.delenv(PIN_ENV_ENV, raising=False)
        yield SoftHsm(lib, conf, util)
        close_sessions()


@pytest.fixture(scope="package")
def hsm_address(softhsm: SoftHsm) -> str:
    """The address of KEY, generated once in the token."""
    address = Pkcs11Key.from_env(KEY).generate()
    close_sessions()
    return address


@pytest.fixture(autouse=True)
def logged_out(softhsm: SoftHsm) -> Iterator[None]:
    """Every test starts and ends with no session on the token (a login is shared by the whole process)."""
    close_sessions()
    yield
    close_sessions()
