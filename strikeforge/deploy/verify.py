"""After a deployment: every contract's on-chain code is its artifact's, every role is held by exactly whom the config
says, and every owner and governance parameter is the config's.

Role holders are rebuilt from RoleGranted/RoleRevoked events since each contract's deployment block (AccessControl is
not enumerable), so an unexpected holder is found even when nobody knows to ask about it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import to_checksum_address

from strikeforge.deploy.plan import DEFAULT_ADMIN_ROLE, PRICER
from strikeforge.deploy.runner import Run

# Roles each access-controlled contract has: getter name -> role id getter (None: DEFAULT_ADMIN_ROLE).
ROLES = {
    "StrikeforgeTimelock": ("DEFAULT_ADMIN_ROLE", "PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"),
    "OptionsEngine": ("DEFAULT_ADMIN_ROLE", "SERIES_CREATOR_ROLE"),
    "ThetaVault": ("DEFAULT_ADMIN_ROLE", "KEEPER_ROLE", "GUARDIAN_ROLE"),
    "SettlementLedger": ("DEFAULT_ADMIN_ROLE", "SEQUENCER_ROLE"),
}


@dataclass(frozen=True)
class Check:
    subject: str  # e.g. "ThetaVault.KEEPER_ROLE"
    expected: str
    actual: str

    @property
    def ok(self) -> bool:
        return self.expected == self.actual


def _names(addresses: set[str] | list[str]) -> str:
    return ", ".join(sorted(to_checksum_address(a) for a in addresses)) or "nobody"


def expected_roles(run: Run) -> dict[str, dict[str, set[str]]]:
    """Who must hold each role, from the config."""
    config = run.config
    timelock = {run.address("StrikeforgeTimelock")}
    safe = {run.address("Safe")}
    return {
        "StrikeforgeTimelock": {
            "DEFAULT_ADMIN_ROLE": timelock,
            "PROPOSER_ROLE": safe,
            "CANCELLER_ROLE": safe,
            "EXECUTOR_ROLE": safe,
        },
        "OptionsEngine": {"DEFAULT_ADMIN_ROLE": timelock, "SERIES_CREATOR_ROLE": {run.address("ThetaVault")}},
        "ThetaVault": {
            "DEFAULT_ADMIN_ROLE": timelock,
            "KEEPER_ROLE": {run.resolve(config.vault.keeper)},
            "GUARDIAN_ROLE": {run.resolve(config.vault.guardian)},
        },
        "SettlementLedger": {
            "DEFAULT_ADMIN_ROLE": timelock,
            "SEQUENCER_ROLE": {run.resolve(config.settlement.sequencer)},
        },
    }


def role_holders(contract: Any, since_block: int) -> dict[bytes, set[str]]:
    """Every role's holders, replayed from RoleGranted and RoleRevoked in chain order."""
    from ape import chain

    stop = chain.blocks.height + 1
    logs = list(contract.RoleGranted.range(since_block, stop)) + list(contract.RoleRevoked.range(since_block, stop))
    logs.sort(key=lambda log: (log.block_number, log.log_index))
    holders: dict[bytes, set[str]] = {}
    for log in logs:
        members = holders.setdefault(bytes(log.role), set())
        account = to_checksum_address(log.account)
        if log.event_name == "RoleGranted":
            members.add(account)
        else:
            members.discard(account)
    return holders


def verify(run: Run) -> list[Check]:
    """Every check; a deployment is right when all are ok."""
    checks = [
        Check(f"{key} code", f"{contract} artifact", f"{contract} artifact" if status == "same" else "different")
        for key, _, contract, status in run.code_status()
    ]
    for key, wanted in expected_roles(run).items():
        contract = run.at(key)
        since = int(run.manifest.steps[key]["block"])
        actual = role_holders(contract, since)
        for role_name in ROLES[key]:
            role = DEFAULT_ADMIN_ROLE if role_name == "DEFAULT_ADMIN_ROLE" else bytes(getattr(contract, role_name)())
            checks.append(Check(f"{key}.{role_name}", _names(wanted[role_name]), _names(actual.pop(role, set()))))
        for role, members in actual.items():  # a role the config does not know of
            if members:
                checks.append(Check(f"{key}.role 0x{role.hex()}", "nobody", _names(members)))
    checks += _owners(run)
    return checks


def _vault_auction(run: Run) -> list[Check]:
    """The vault sells through the deployed BatchAuction (immutable AUCTION, its bid cap the config's), prices each
    auction's reserve with the deployed DeltaStrikeSelector, on the config's terms."""
    vault, auction, terms = run.at("ThetaVault"), run.at("BatchAuction"), run.config.vault
    return [
        Check("ThetaVault.AUCTION", run.address("BatchAuction"), to_checksum_address(vault.AUCTION())),
        Check("BatchAuction.MAX_BIDS", str(run.config.auction.max_bids), str(auction.MAX_BIDS())),
        Check("ThetaVault.pricer", run.address(PRICER), to_checksum_address(vault.pricer())),
        Check("ThetaVault.reserve_discount_bps", str(terms.reserve_discount_bps), str(vault.reserve_discount_bps())),
        Check("ThetaVault.auction_duration", str(terms.auction_duration), str(vault.auction_duration())),
        Check("ThetaVault.min_bid_bps", str(terms.min_bid_bps), str(vault.min_bid_bps())),
    ]


def _ledger_desk(run: Run) -> list[Check]:
    """The ledger's cash is the config's asset, and LedgerAuctionDesk joins that ledger to the vault's auction."""
    ledger, desk, config = run.at("SettlementLedger"), run.at("LedgerAuctionDesk"), run.config
    return [
        Check(
            "SettlementLedger.CASH", run.address(config.settlement.cash_contract), to_checksum_address(ledger.CASH())
        ),
        Check("LedgerAuctionDesk.LEDGER", run.address("SettlementLedger"), to_checksum_address(desk.LEDGER())),
        Check("LedgerAuctionDesk.AUCTION", run.address("BatchAuction"), to_checksum_address(desk.AUCTION())),
    ]


def _owners(run: Run) -> list[Check]:
    config = run.config
    timelock = run.address("StrikeforgeTimelock")
    router, signed = run.at("OracleRouter"), run.at("SignedPriceOracle")
    checks = [
        Check("OracleRouter.owner", timelock, to_checksum_address(router.owner())),
        Check("OracleRouter.disputer", run.resolve(config.oracle.disputer), to_checksum_address(router.disputer())),
        Check("SignedPriceOracle.owner", timelock, to_checksum_address(signed.owner())),
        Check("SignedPriceOracle.threshold", str(config.oracle.signed.threshold), str(signed.threshold())),
        Check("SignedPriceOracle.max_faulty", str(config.oracle.signed.max_faulty), str(signed.max_faulty())),
        Check(
            "SignedPriceOracle.signers",
            _names([run.resolve(s) for s in config.oracle.signed.signers]),
            _names([signed.signers(i) for i in range(len(config.oracle.signed.signers))]),
        ),
        Check(
            "StrikeforgeTimelock.minDelay",
            str(config.governance.timelock_delay),
            str(run.at("StrikeforgeTimelock").getMinDelay()),
        ),
        Check(
            "StrikeforgeTimelock.DELAY_FLOOR",
            str(config.governance.delay_floor),
            str(run.at("StrikeforgeTimelock").DELAY_FLOOR()),
        ),
    ]
    vol = config.oracle.volatility
    if vol is not None:  # always: the pricer reads it
        feed = run.at("SignedVolOracle")
        checks += [
            Check("SignedVolOracle.owner", timelock, to_checksum_address(feed.owner())),
            Check("SignedVolOracle.threshold", str(vol.threshold), str(feed.threshold())),
            Check("SignedVolOracle.max_faulty", str(vol.max_faulty), str(feed.max_faulty())),
            Check(
                "SignedVolOracle.signers",
                _names([run.resolve(s) for s in vol.signers]),
                _names([feed.signers(i) for i in range(len(vol.signers))]),
            ),
        ]
    checks += _vault_auction(run)
    checks += _ledger_desk(run)
    safe = config.governance.safe
    if safe.address is None:
        contract = run.at("Safe")
        checks.append(Check("Safe.owners", _names([run.resolve(o) for o in safe.owners]), _names(contract.getOwners())))
        checks.append(Check("Safe.threshold", str(safe.threshold), str(contract.getThreshold())))
    return checks
