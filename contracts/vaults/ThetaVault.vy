# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title ThetaVault
@custom:contract-name ThetaVault
@license MIT
@notice An options vault in the lifecycle of Ribbon's theta vaults, exposed as an asynchronous ERC-4626 vault
        (ERC-7540): it writes covered calls (asset = the underlying) or cash-secured puts (asset = the strike asset)
        each epoch through the OptionsEngine at a strike picked by its strike selector (10-delta by default), sells
        them in a uniform-price batch auction (BatchAuction) whose reserve is the pricer's Black-Scholes value less a
        capped discount, and settles deposits and redemptions only at the epoch roll, at that roll's share price. A mid-epoch share price
        would ignore the open options' liability and let late depositors take premium they did not risk.
@dev Lifecycle. Users `requestDeposit` / `requestRedeem` at any time; the keeper's `roll` (1) settles the expired series and reclaims its collateral, (2) charges the fees accrued
     since the last roll, exactly once, into `fees_owed` (the recipient pulls them with `claim_fees`), (3) fixes the
     roll price, burns the shares of pending redemptions (their assets become reserved, claimable) and mints the
     shares of pending deposits (held by the vault, claimable), (4) writes the next series on all invested assets to
     itself and offers every option in a new auction: reserve = the pricer's value per option times
     (1 - reserve_discount_bps), bids of at least min_bid_bps of the supply, bidding for auction_duration (at most
     12 hours, so every auction ends before its series' expiry); if the strike selection, the series creation or the
     pricer fails or returns an unusable value, no options are written this epoch, the epoch proceeds and
     `OptionsNotWritten` says why. Bidders escrow their cash in the auction with each bid. Once bidding has ended
     anyone calls `finish_auction`: it settles the auction at the checked clearing price if nobody has, books the
     proceeds and burns the unsold options, which returns their collateral; a due roll does this itself if nobody
     did (after expiry the unsold options cannot be burned: the vault holds them and redeems them in that roll).
     While no series is open a roll may happen at once; otherwise not before the series' expiry (and the router's
     dispute period, enforced by the engine).
     Claims go through ERC-7540 `deposit`/`mint` (shares out) and `withdraw`/`redeem` (assets out), by the
     controller or an operator it approved. Share price: (assets + 1) / (supply + 10^DECIMALS_OFFSET), the virtual
     offset of snekmate's erc4626, rounded against the user at each conversion.
     Roles (snekmate access_control): the admin (a timelock) sets fees, recipient, strike selector, pricer and the
     auction's terms (discount <= 20%, duration <= 12 h, bid floor); the keeper rolls; the guardian pauses new risk only. Pause, exactly: `requestDeposit` reverts
     Paused() and a roll writes no new series (OptionsNotWritten "paused"); everything else works as unpaused:
     `requestRedeem`, claims, `claim_fees`, and the roll's steps (1)-(3): settling the expired series, charging fees,
     settling every pending redemption and deposit (requested before the pause) at the roll price. With no series
     open a paused vault may roll again at once, so every later redemption is settled by the next roll. What a
     pause costs depositors: the premium of the epochs it skips, while the management fee keeps accruing on idle
     assets; and with no series open the keeper chooses when the next one is written (time to expiry 1 to 8 days
     for the same pricer). No principal moves.
     Request ids (ERC-7540, "Request Ids"): the aggregated model. Every request has requestId 0 (`requestDeposit`
     and `requestRedeem` return 0, and their events say 0), and a controller's requests are told apart by the
     controller alone: `pendingDepositRequest(0, c)` is what c requested in the current epoch, `claimableDepositRequest
     (0, c)` everything settled by past rolls and not yet claimed (likewise for redemptions), and every view answers 0
     for any other requestId, since no request has one. Claims merge a controller's settled requests (one claim can
     span epochs settled at different prices: `deposit`/`redeem` pay pro rata of the merged claim), which only the
     requestId 0 model allows: requests sharing a non-zero id must be claimed at one rate. Before issue 23 the id was
     the epoch while claims stayed merged, and the claimable views gave the merged total for every past id.
     Allowed readings (deliberate, documented, not defects):
     - `setOperator(msg.sender, true)` reverts SelfOperator(), as Centrifuge's ERC-7540 vault does: a controller is
       always its own operator, and storing it would only make `isOperator(c, c)` disagree with what is enforced.
     - Recon's ERC-7540 properties 7540-1 (`convertToAssets(totalSupply) == totalAssets`) and 7540-2
       (`convertToShares(totalAssets) == totalSupply`) do not hold here, by design: the price supply counts shares
       not in totalSupply (claimable deposit shares are minted only when claimed; shares of pending redemptions are
       burned at request), and the 10^DECIMALS_OFFSET virtual offset and +1 virtual asset make the conversions
       differ from the plain ratio by up to the offset's weight at dust amounts. convertToShares/convertToAssets are
       the indicative roll price, rounded down (ERC-4626).
     Errors are ABI-encoded custom errors raised with `raw_revert` (signatures in each raise): SelfOperator(),
     ZeroAmount(), CapExceeded(uint256), ExceedsClaimable(uint256,uint256), AsyncFlow(), EpochNotDue(uint256),
     PriceOverflow(), NotOperator(address,address), NotFeeRecipient(address), Paused(), InvalidConfig(string),
     NoOpenAuction(), RollOutOfGas().
@custom:security Threat model (M-3: rolling never depends on a third party's cooperation; M-4: no change that can
                 cost depositors applies before a depositor who asks to leave when it is scheduled is out).
                 - A bidder must never be able to stop a roll or an auction, nor get options it did not pay for:
                   its cash is escrowed by the auction when it bids (a bid that cannot pay reverts alone), winners
                   pull their options and refunds themselves, and the vault pulls its proceeds and unsold options;
                   a blacklisted or reverting bidder only locks its own claim. An auction with no bids settles at
                   the reserve, sells nothing, and its options are burned. A griefer filling the auction's bid cap
                   must bid at least min_bid_bps of the supply each time, at or above the reserve, and min_bid_bps
                   times the cap is at least the supply (set_parameters checks it), so filling the cap means buying
                   everything at a price the vault accepted. Bidding closes at the auction's end and settling opens
                   there: no bid lands after the window, and bids are firm (no cancellation race).
                 - The settler (anyone, after the window): its only input is the clearing price, which the auction
                   checks (WrongClearingPrice); it cannot pick a price or a winner.
                 - A collateral token that refuses the engine's pull at a roll (paused, or blacklisting the vault for
                   a while) only skips that epoch's options (OptionsNotWritten "writing failed").
                 - The keeper chooses the roll's gas: each third-party call that may fail without reverting the roll
                   gets exactly CALL_GAS and is made only when that much is available (else RollOutOfGas), so a
                   starved call reverts the roll instead of skipping the options, and a callee that burns its gas
                   only skips them.
                 - The pricer and the strike selector are called statically without reverting on failure; a pricer
                   that reverts, returns short data, burns its gas or returns a value above 1e36 per option only
                   skips this epoch's options. A wrong but plausible price moves the reserve only: winners still pay
                   the highest price the bids support, never above their own limits.
                 - The fee recipient must never be able to stop a roll: fees accrue to `fees_owed` and are pulled;
                   a reverting or blacklisted recipient only delays its own pay (it may claim to another receiver).
                 - The keeper can roll only when due (the open series expired and settled); it cannot choose prices,
                   skip fees or move claims. A missing keeper delays rolls; it takes nothing.
                 - Governance (the admin, a timelock whose delay has a floor of the longest exit: 8 days of epoch +
                   max(the router's SOURCE_GRACE, STALL_PERIOD) + DISPUTE_PERIOD + 1 day) can change fees (bounded:
                   5% a year, 30% of gains), the recipient, strike selector, pricer and auction terms, but every
                   change is public for longer than a depositor needs to request redemption and be paid at a roll
                   under the old terms. It cannot touch claimable assets or shares.
                 - The guardian (outside the timelock, no delay, no time limit) must never be able to keep a
                   depositor in, nor move value: it can only stop new risk (new deposit requests, writing options).
                   A pause, even in the block a costly change is scheduled and for ever, never blocks
                   requestRedeem, a due roll's settlement of every pending request at the roll price, or a claim
                   (F4). It cannot choose prices, fees or whom a roll pays.
                 - A token that blacklists: a blacklisted bidder or recipient is handled above; a blacklisted
                   depositor's own claim fails only for the receiver it names (it may name another). A vault the
                   token blacklists is out of scope (nothing can move).
                 - An oracle halt: the roll's settlement needs the router's final expiry price, and the router
                   records one from its fallback source after SOURCE_GRACE, or a halted feed's last round before
                   expiry after STALL_PERIOD, so a halt delays a roll by a bounded time and never stops it; a spot
                   price that cannot be read at a roll only skips that epoch's options.
                 - Claims of settled deposits and redemptions read only the stored roll price: they never depend on
                   a roll, the oracle, a bidder, the fee recipient or the pause; nor do redemption requests.
@custom:invariants (1) asset.balanceOf(vault) + locked collateral == invested assets + pending deposits + reserved
                       redemption assets + fees owed (totalAssets() is the invested part, premium included).
                   (2) The roll price's supply is totalSupply + unclaimed_deposit_shares + pending redemption shares:
                       redemption requests burn shares at once, deposit claims mint them, and neither moves the price.
                   (3) A controller's claimable amounts are exactly its past requests converted at their roll's
                       price; claims never exceed them; the sum of claimable and pending equals what the vault holds
                       for them.
                   (4) Fees are charged once per roll (one FeesCharged event), management pro rata to the time since
                       the last roll, performance on the gain since the last roll's invested assets; they are paid
                       only to the fee recipient's claim and only once.
                   (5) The option series' locked collateral covers its maximum payout (OptionsEngine).
                   (6) Every due roll succeeds whatever a bidder, the settler, the fee recipient, the strike
                       selector, the pricer or the guardian do, and settles every pending request; options are never
                       written while paused; every option the vault writes goes to its auction, reaches a bidder only
                       at the clearing price out of cash escrowed at bid time, and is otherwise burned (before
                       expiry) or redeemed by the vault (after it): after finish_auction the vault holds no option
                       and the series' supply is what the winners bought.
                   (7) A redemption requested at any time, paused or not, is settled (claimable at that roll's price)
                       by the first roll after the open series' expiry (at once if none is open): the pause never
                       lengthens an exit, so the longest exit (and the timelock's floor) does not depend on it.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

from snekmate.auth import access_control
from snekmate.auth import ownable
from snekmate.tokens import erc20
from snekmate.utils import math

initializes: ownable
initializes: erc20[ownable := ownable]
initializes: access_control

exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
)


interface IOptionsEngine:
    def createSeries(
        underlying: address, strikeAsset: address, strike: uint256, expiry: uint64, isPut: bool
    ) -> uint256: nonpayable
    def seriesIdOf(key: bytes32) -> uint256: view
    def write(seriesId: uint256, amount: uint256, to: address) -> uint256: nonpayable
    def settle(seriesId: uint256) -> uint256: nonpayable
    def reclaim(seriesId: uint256) -> uint256: nonpayable
    def isSettled(seriesId: uint256) -> bool: view
    def collateralOf(seriesId: uint256, writer: address) -> uint256: view
    def tokenOf(seriesId: uint256) -> address: view
    def burn(seriesId: uint256, amount: uint256) -> uint256: nonpayable
    def redeem(seriesId: uint256, amount: uint256) -> uint256: nonpayable


interface IStrikeSelector:
    def select(underlying: address, strike_asset: address, is_put: bool) -> uint256: view


interface IOptionPricer:
    def premium(underlying: address, strike_asset: address, strike: uint256, is_put: bool) -> uint256: view


interface IBatchAuction:
    def MAX_BIDS() -> uint256: view
    def createAuction(
        sold: address, cash: address, supply: uint128, reserve: uint128, minBidSize: uint96, end: uint64
    ) -> uint256: nonpayable
    def settle(auctionId: uint256, clearingPrice: uint256): nonpayable
    def claimSeller(auctionId: uint256, to: address) -> (uint256, uint256): nonpayable
    def statusOf(auctionId: uint256) -> (uint256, uint256, bool, uint256): view


# @notice May roll epochs.
KEEPER_ROLE: public(constant(bytes32)) = keccak256("KEEPER_ROLE")
# @notice May pause and unpause new risk (deposit requests, writing options); never exits.
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")
# @notice Virtual share offset (snekmate erc4626's defence against the first-depositor inflation attack).
DECIMALS_OFFSET: public(constant(uint256)) = 6
# @notice Expiries: Fridays 08:00 UTC.
EXPIRY_OFFSET: constant(uint256) = 115_200
WEEK: constant(uint256) = 604_800
BPS: constant(uint256) = 10_000
_EPOCH_MASK: constant(uint256) = 2**64 - 1
_HALF_MASK: constant(uint256) = 2**128 - 1
YEAR: constant(uint256) = 31_536_000
MAX_MANAGEMENT_FEE_BPS: constant(uint256) = 500
MAX_PERFORMANCE_FEE_BPS: constant(uint256) = 3_000
# @notice Largest discount of an auction's reserve under the pricer's value (governance cap): 20%.
MAX_RESERVE_DISCOUNT_BPS: public(constant(uint256)) = 2_000
# @notice Longest bidding window: well under the shortest time to expiry (one day), so every auction ends, and can
#         be settled by anyone, before its series expires.
MAX_AUCTION_DURATION: public(constant(uint256)) = 43_200
_MAX_BID_PRICE: constant(uint256) = 2**104 - 1
_MAX_BID_SIZE: constant(uint256) = 2**112 - 1
_MAX_MIN_BID: constant(uint256) = 2**96 - 1
# @notice Gas given to each third-party call of a roll that may fail without reverting it (strike selection, pricing,
#         series creation, writing): enough for each by a wide margin (a delta selection costs ~65k, a series ~250k).
#         A call is made only with this much gas available, so its failure is its own, never the keeper's choice.
CALL_GAS: public(constant(uint256)) = 1_000_000

_ERC165_ID: constant(bytes4) = 0x01FFC9A7
_ERC7540_OPERATOR_ID: constant(bytes4) = 0xE3BC4E65
_ERC7540_DEPOSIT_ID: constant(bytes4) = 0xCE3BBE50
_ERC7540_REDEEM_ID: constant(bytes4) = 0x620EE8E4
_ERC7575_ID: constant(bytes4) = 0x2F0A18C5
_ACCESS_CONTROL_ID: constant(bytes4) = 0x7965DB0B

# @notice The vault's asset: the option collateral (underlying for calls, strike asset for puts).
asset: public(immutable(address))
# @notice The OptionsEngine.
ENGINE: public(immutable(IOptionsEngine))
# @notice The options' underlying.
UNDERLYING: public(immutable(address))
# @notice The options' strike asset.
STRIKE_ASSET: public(immutable(address))
# @notice True for a put vault.
IS_PUT: public(immutable(bool))
# @notice Largest invested + pending assets accepted (deposit cap).
CAP: public(immutable(uint256))
# @notice The batch auction every epoch's options are sold in.
AUCTION: public(immutable(IBatchAuction))
_ASSET_UNIT: immutable(uint256)
_STRIKE_UNIT: immutable(uint256)

# @notice The current epoch: requests made now are settled by its roll (their ERC-7540 requestId is always 0).
epoch: public(uint256)
# @notice The open option series (0: none).
current_series: public(uint256)
# @notice Expiry of the open series (0: none): the earliest time of the next roll.
current_expiry: public(uint256)
# @notice Invested assets at the last roll after deposits and redemptions, before the premium: the performance
#         fee's base and the cap's measure between rolls.
invested_at_roll: public(uint256)
# @notice Time of the last roll (management fee accrual).
last_roll_at: public(uint256)
# @notice Assets ever requested for deposit, and of those, assets already settled by a roll (pending = difference;
#         running totals never return to zero, so a request never pays for a fresh storage slot).
deposits_requested: public(uint256)
deposits_rolled: public(uint256)
# @notice Shares ever requested for redemption (burned at request), and of those, shares settled by a roll.
redeems_requested: public(uint256)
redeems_rolled: public(uint256)
# @notice Assets of claimable redemptions (held, not invested).
reserved_for_redemptions: public(uint256)
# @notice Shares owed to claimable deposits (minted when claimed; counted in the share price meanwhile).
unclaimed_deposit_shares: public(uint256)
# @notice Fees charged and not yet claimed by the fee recipient (held, not invested; paid by `claim_fees`, a pull,
#         so no recipient can stop a roll).
fees_owed: public(uint256)

# Roll price per epoch, packed: assets << 128 | supply.
_roll_price: HashMap[uint256, uint256]
# Per controller, packed: one pending request per kind (amount << 64 | epoch) and claimable balances from past ones
# (deposits: assets << 128 | shares; redemptions: shares << 128 | assets).
_deposit_request: HashMap[address, uint256]
_redeem_request: HashMap[address, uint256]
_claimable_deposit: HashMap[address, uint256]
_claimable_redeem: HashMap[address, uint256]

# @notice ERC-7540 operators: controller -> operator -> approved.
isOperator: public(HashMap[address, HashMap[address, bool]])
# @notice New deposit requests and option writing are paused (redemption requests, rolls' settlement and claims
#         never are).
paused: public(bool)
# @notice Fee parameters (admin only).
management_fee_bps: public(uint256)
performance_fee_bps: public(uint256)
fee_recipient: public(address)
# @notice The strike selection contract.
strike_selector: public(IStrikeSelector)
# @notice Values each option at a roll (the reserve's basis); empty: no options are written.
pricer: public(IOptionPricer)
# @notice The reserve price is the pricer's value times (1 - this), in basis points (<= MAX_RESERVE_DISCOUNT_BPS).
reserve_discount_bps: public(uint256)
# @notice Each auction's bidding window, seconds (1 .. MAX_AUCTION_DURATION).
auction_duration: public(uint256)
# @notice Each bid must be at least this share of the auction's supply, in basis points; at least
#         ceil(10,000 / AUCTION.MAX_BIDS()), so that bids filling the auction's bid cap demand its whole supply.
min_bid_bps: public(uint256)
# @notice The open series' auction (0: none open, or finished).
current_auction: public(uint256)
# @notice Unsold options of the open series the vault still holds (an auction finished after expiry: redeemed at the
#         roll instead of burned).
unsold_held: public(uint256)


event DepositRequest:
    controller: indexed(address)
    owner: indexed(address)
    requestId: indexed(uint256)
    sender: address
    assets: uint256


event RedeemRequest:
    controller: indexed(address)
    owner: indexed(address)
    requestId: indexed(uint256)
    sender: address
    shares: uint256


event Deposit:
    sender: indexed(address)
    owner: indexed(address)
    assets: uint256
    shares: uint256


event Withdraw:
    sender: indexed(address)
    receiver: indexed(address)
    owner: indexed(address)
    assets: uint256
    shares: uint256


event OperatorSet:
    controller: indexed(address)
    operator: indexed(address)
    approved: bool


event EpochRolled:
    epoch: indexed(uint256)
    assets: uint256
    supply: uint256
    deposits: uint256
    redemptions: uint256
    series: uint256
    auction: uint256


event AuctionStarted:
    epoch: indexed(uint256)
    auction: indexed(uint256)
    series: uint256
    options: uint256
    reserve: uint256
    end: uint256


event AuctionFinished:
    auction: indexed(uint256)
    series: indexed(uint256)
    clearing_price: uint256
    sold: uint256
    proceeds: uint256
    unsold: uint256


event FeesCharged:
    epoch: indexed(uint256)
    management: uint256
    performance: uint256
    recipient: address


event FeesClaimed:
    recipient: indexed(address)
    receiver: indexed(address)
    assets: uint256


event OptionsNotWritten:
    epoch: indexed(uint256)
    reason: String[32]


event Paused:
    paused: bool
    guardian: address


event ParametersSet:
    management_fee_bps: uint256
    performance_fee_bps: uint256
    fee_recipient: address
    strike_selector: address
    pricer: address
    reserve_discount_bps: uint256
    auction_duration: uint256
    min_bid_bps: uint256


@deploy
def __init__(
    asset_: address,
    engine: IOptionsEngine,
    underlying: address,
    strike_asset: address,
    is_put: bool,
    cap: uint256,
    strike_selector_: IStrikeSelector,
    auction_: IBatchAuction,
    admin: address,
    name_: String[25],
    symbol_: String[5],
):
    """
    @param asset_ The collateral asset: `underlying` for a call vault, `strike_asset` for a put vault.
    @param engine The OptionsEngine (the vault needs its SERIES_CREATOR_ROLE).
    @param underlying The options' underlying.
    @param strike_asset The options' strike asset.
    @param is_put True for a put vault.
    @param cap Largest invested plus pending assets.
    @param strike_selector_ Picks each epoch's strike.
    @param auction_ The BatchAuction each epoch's options are sold in.
    @param admin The admin of every role: a timelock.
    @param name_ Share token name.
    @param symbol_ Share token symbol.
    """
    if asset_ != (strike_asset if is_put else underlying):
        self._invalid_config("asset")
    if cap == 0 or cap > _HALF_MASK or admin == empty(address):
        self._invalid_config("cap/admin")
    if auction_.address.codesize == 0:
        self._invalid_config("auction")
    AUCTION = auction_
    asset = asset_
    ENGINE = engine
    UNDERLYING = underlying
    STRIKE_ASSET = strike_asset
    IS_PUT = is_put
    CAP = cap
    decimals_: uint8 = staticcall IERC20Detailed(asset_).decimals()
    _ASSET_UNIT = 10**convert(decimals_, uint256)
    _STRIKE_UNIT = 10**convert(staticcall IERC20Detailed(strike_asset).decimals(), uint256)
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_ + convert(DECIMALS_OFFSET, uint8), name_, "1")
    access_control.__init__()
    if admin != msg.sender:
        access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin)
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.strike_selector = strike_selector_
    self.last_roll_at = block.timestamp
    self.epoch = 1
    # A standing approval to the immutable engine: it only ever pulls the collateral of what the vault writes, and a
    # maximal allowance is not rewritten on each transferFrom (one SSTORE less per roll).
    assert extcall IERC20(asset_).approve(engine.address, max_value(uint256), default_return_value=True)


# ------------------------------------------------------------------------------------------------ ERC-165 / 7575


@external
@view
def supportsInterface(interface_id: bytes4) -> bool:
    """
    @notice ERC-165: ERC-7540 operator, async deposit and async redeem, ERC-7575 and AccessControl.
    @param interface_id The interface id.
    @return Whether it is supported.
    """
    return interface_id in [
        _ERC165_ID, _ERC7540_OPERATOR_ID, _ERC7540_DEPOSIT_ID, _ERC7540_REDEEM_ID, _ERC7575_ID, _ACCESS_CONTROL_ID
    ]


@external
@view
def share() -> address:
    """
    @notice ERC-7575: the share token is this contract.
    @return This vault.
    """
    return self


# ------------------------------------------------------------------------------------------------ operators


@external
def setOperator(operator: address, approved: bool) -> bool:
    """
    @notice Lets `operator` request and claim on the caller's behalf (ERC-7540).
    @param operator The operator.
    @param approved True to approve, false to revoke.
    @return True.
    """
    if operator == msg.sender:
        raw_revert(method_id("SelfOperator()"))
    self.isOperator[msg.sender][operator] = approved
    log OperatorSet(controller=msg.sender, operator=operator, approved=approved)
    return True


# ------------------------------------------------------------------------------------------------ requests


@external
def requestDeposit(assets: uint256, controller: address, owner: address) -> uint256:
    """
    @notice Requests a deposit of `assets` from `owner` for `controller`, settled at the next roll.
    @param assets Assets to deposit (taken now).
    @param controller Who may claim the shares.
    @param owner Whose assets: the caller or an owner that made it an operator.
    @return requestId 0: requests are aggregated per controller (ERC-7540 "Request Ids").
    """
    self._check_not_paused()
    self._check_caller(owner)
    if assets == 0:
        raw_revert(method_id("ZeroAmount()"))
    requested: uint256 = self.deposits_requested + assets
    # The cap counts invested assets as of the last roll plus everything requested since.
    if self.invested_at_roll + requested - self.deposits_rolled > CAP:
        raw_revert(concat(method_id("CapExceeded(uint256)"), abi_encode(CAP)))
    current: uint256 = self.epoch
    pending: uint256 = self._settle_deposit(controller, current)
    self._deposit_request[controller] = ((pending + assets) << 64) | current
    self.deposits_requested = requested
    assert extcall IERC20(asset).transferFrom(owner, self, assets, default_return_value=True)
    log DepositRequest(controller=controller, owner=owner, requestId=0, sender=msg.sender, assets=assets)
    return 0


@external
def requestRedeem(shares: uint256, controller: address, owner: address) -> uint256:
    """
    @notice Requests the redemption of `shares` of `owner` for `controller`, settled at the next roll. The shares
            are burned now and priced at the roll.
    @param shares Shares to redeem.
    @param controller Who may claim the assets.
    @param owner Whose shares: the caller, an owner that made it an operator, or one that approved it (ERC-20).
    @return requestId 0: requests are aggregated per controller (ERC-7540 "Request Ids").
    @dev Never paused (F4): a pause must never keep a depositor in.
    """
    if shares == 0:
        raw_revert(method_id("ZeroAmount()"))
    if owner != msg.sender and not self.isOperator[owner][msg.sender]:
        erc20._spend_allowance(owner, msg.sender, shares)
    current: uint256 = self.epoch
    pending: uint256 = self._settle_redeem(controller, current)
    self._redeem_request[controller] = ((pending + shares) << 64) | current
    self.redeems_requested += shares
    erc20._burn(owner, shares)
    log RedeemRequest(controller=controller, owner=owner, requestId=0, sender=msg.sender, shares=shares)
    return 0


@external
@view
def pendingDepositRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Assets `controller` requested for deposit in the current epoch, not yet settled by a roll.
    @param requestId 0 (every request's id); any other id has no request: 0.
    @param controller The controller.
    @return Pending assets.
    """
    request: uint256 = self._deposit_request[controller]
    if requestId == 0 and request & _EPOCH_MASK == self.epoch:
        return request >> 64
    return 0


@external
@view
def claimableDepositRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Assets of `controller`'s deposit requests settled by past rolls and not yet claimed (= maxDeposit).
    @param requestId 0 (every request's id); any other id has no request: 0.
    @param controller The controller.
    @return Claimable assets.
    """
    if requestId != 0:
        return 0
    return self._deposit_claim(controller)[0]


@external
@view
def pendingRedeemRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Shares `controller` requested for redemption in the current epoch, not yet settled by a roll.
    @param requestId 0 (every request's id); any other id has no request: 0.
    @param controller The controller.
    @return Pending shares.
    """
    request: uint256 = self._redeem_request[controller]
    if requestId == 0 and request & _EPOCH_MASK == self.epoch:
        return request >> 64
    return 0


@external
@view
def claimableRedeemRequest(requestId: uint256, controller: address) -> uint256:
    """
    @notice Shares of `controller`'s redeem requests settled by past rolls and not yet claimed (= maxRedeem).
    @param requestId 0 (every request's id); any other id has no request: 0.
    @param controller The controller.
    @return Claimable shares.
    """
    if requestId != 0:
        return 0
    return self._redeem_claim(controller)[0]


# ------------------------------------------------------------------------------------------------ claims


@external
def deposit(assets: uint256, receiver: address, controller: address = msg.sender) -> uint256:
    """
    @notice Claims the shares of `assets` of `controller`'s claimable deposits (ERC-7540), rounded down.
    @param assets Claimable assets to claim.
    @param receiver Who gets the shares.
    @param controller Whose claim: the caller or a controller that made it an operator.
    @return shares Shares minted to `receiver`.
    """
    self._check_caller(controller)
    claimable_assets: uint256 = 0
    claimable_shares: uint256 = 0
    claimable_assets, claimable_shares = self._take_deposit_claim(controller)
    if assets == 0 or assets > claimable_assets:
        raw_revert(concat(method_id("ExceedsClaimable(uint256,uint256)"), abi_encode(assets, claimable_assets)))
    shares: uint256 = math._mul_div(claimable_shares, assets, claimable_assets, False)
    self._pay_deposit_claim(controller, receiver, claimable_assets, claimable_shares, assets, shares)
    return shares


@external
def mint(shares: uint256, receiver: address, controller: address = msg.sender) -> uint256:
    """
    @notice Claims `shares` of `controller`'s claimable deposits (ERC-7540); the assets counted are rounded up.
    @param shares Claimable shares to claim.
    @param receiver Who gets the shares.
    @param controller Whose claim: the caller or a controller that made it an operator.
    @return assets Claimable assets used up.
    """
    self._check_caller(controller)
    claimable_assets: uint256 = 0
    claimable_shares: uint256 = 0
    claimable_assets, claimable_shares = self._take_deposit_claim(controller)
    if shares == 0 or shares > claimable_shares:
        raw_revert(concat(method_id("ExceedsClaimable(uint256,uint256)"), abi_encode(shares, claimable_shares)))
    assets: uint256 = min(math._mul_div(claimable_assets, shares, claimable_shares, True), claimable_assets)
    self._pay_deposit_claim(controller, receiver, claimable_assets, claimable_shares, assets, shares)
    return assets


@external
def redeem(shares: uint256, receiver: address, controller: address) -> uint256:
    """
    @notice Claims the assets of `shares` of `controller`'s claimable redemptions (ERC-7540), rounded down.
    @param shares Claimable shares to claim.
    @param receiver Who gets the assets.
    @param controller Whose claim: the caller or a controller that made it an operator.
    @return assets Assets sent.
    """
    self._check_caller(controller)
    claimable_shares: uint256 = 0
    claimable_assets: uint256 = 0
    claimable_shares, claimable_assets = self._take_redeem_claim(controller)
    if shares == 0 or shares > claimable_shares:
        raw_revert(concat(method_id("ExceedsClaimable(uint256,uint256)"), abi_encode(shares, claimable_shares)))
    assets: uint256 = math._mul_div(claimable_assets, shares, claimable_shares, False)
    self._pay_redeem_claim(controller, receiver, claimable_shares, claimable_assets, shares, assets)
    return assets


@external
def withdraw(assets: uint256, receiver: address, controller: address) -> uint256:
    """
    @notice Claims `assets` of `controller`'s claimable redemptions (ERC-7540); the shares counted are rounded up.
    @param assets Claimable assets to claim.
    @param receiver Who gets the assets.
    @param controller Whose claim: the caller or a controller that made it an operator.
    @return shares Claimable shares used up.
    """
    self._check_caller(controller)
    claimable_shares: uint256 = 0
    claimable_assets: uint256 = 0
    claimable_shares, claimable_assets = self._take_redeem_claim(controller)
    if assets == 0 or assets > claimable_assets:
        raw_revert(concat(method_id("ExceedsClaimable(uint256,uint256)"), abi_encode(assets, claimable_assets)))
    shares: uint256 = min(math._mul_div(claimable_shares, assets, claimable_assets, True), claimable_shares)
    self._pay_redeem_claim(controller, receiver, claimable_shares, claimable_assets, shares, assets)
    return shares


@external
@view
def maxDeposit(controller: address) -> uint256:
    """
    @notice Claimable deposit assets of `controller` (ERC-7540).
    @param controller The controller.
    @return Assets claimable through deposit.
    """
    return self._deposit_claim(controller)[0]


@external
@view
def maxMint(controller: address) -> uint256:
    """
    @notice Claimable deposit shares of `controller` (ERC-7540).
    @param controller The controller.
    @return Shares claimable through mint.
    """
    return self._deposit_claim(controller)[1]


@external
@view
def maxRedeem(controller: address) -> uint256:
    """
    @notice Claimable redemption shares of `controller` (ERC-7540).
    @param controller The controller.
    @return Shares claimable through redeem.
    """
    return self._redeem_claim(controller)[0]


@external
@view
def maxWithdraw(controller: address) -> uint256:
    """
    @notice Claimable redemption assets of `controller` (ERC-7540).
    @param controller The controller.
    @return Assets claimable through withdraw.
    """
    return self._redeem_claim(controller)[1]


@external
@view
def previewDeposit(assets: uint256) -> uint256:
    """
    @notice Reverts AsyncFlow() for every caller and input: deposits are asynchronous (ERC-7540 "Request Flows").
    @param assets Ignored.
    @return Nothing: it always reverts.
    """
    raw_revert(method_id("AsyncFlow()"))


@external
@view
def previewMint(shares: uint256) -> uint256:
    """
    @notice Reverts AsyncFlow() for every caller and input: deposits are asynchronous (ERC-7540 "Request Flows").
    @param shares Ignored.
    @return Nothing: it always reverts.
    """
    raw_revert(method_id("AsyncFlow()"))


@external
@view
def previewRedeem(shares: uint256) -> uint256:
    """
    @notice Reverts AsyncFlow() for every caller and input: redemptions are asynchronous (ERC-7540 "Request Flows").
    @param shares Ignored.
    @return Nothing: it always reverts.
    """
    raw_revert(method_id("AsyncFlow()"))


@external
@view
def previewWithdraw(assets: uint256) -> uint256:
    """
    @notice Reverts AsyncFlow() for every caller and input: redemptions are asynchronous (ERC-7540 "Request Flows").
    @param assets Ignored.
    @return Nothing: it always reverts.
    """
    raw_revert(method_id("AsyncFlow()"))


@external
@view
def totalAssets() -> uint256:
    """
    @notice Invested assets: idle plus locked collateral, minus pending deposits and reserved redemptions.
    @return Assets.
    """
    return self._invested()


@external
@view
def total_pending_deposits() -> uint256:
    """
    @notice Assets requested for deposit and not yet settled by a roll.
    @return Assets.
    """
    return self.deposits_requested - self.deposits_rolled


@external
@view
def total_pending_redeem_shares() -> uint256:
    """
    @notice Shares requested for redemption (already burned) and not yet settled by a roll.
    @return Shares.
    """
    return self.redeems_requested - self.redeems_rolled


@external
@view
def roll_price(epoch_: uint256) -> (uint256, uint256):
    """
    @notice The price an epoch's roll settled requests at: invested assets and share supply (before the virtual
            offset), both 0 until that roll.
    @param epoch_ The epoch.
    @return assets, supply.
    """
    packed: uint256 = self._roll_price[epoch_]
    return packed >> 128, packed & _HALF_MASK


@external
@view
def convertToShares(assets: uint256) -> uint256:
    """
    @notice Shares for `assets` at the current (indicative) price, rounded down.
    @param assets Assets.
    @return Shares.
    """
    return math._mul_div(assets, self._price_supply() + 10**DECIMALS_OFFSET, self._invested() + 1, False)


@external
@view
def convertToAssets(shares: uint256) -> uint256:
    """
    @notice Assets for `shares` at the current (indicative) price, rounded down.
    @param shares Shares.
    @return Assets.
    """
    return math._mul_div(shares, self._invested() + 1, self._price_supply() + 10**DECIMALS_OFFSET, False)


# ------------------------------------------------------------------------------------------------ roll


@external
def roll(clearing_price: uint256 = 0) -> uint256:
    """
    @notice Ends the epoch: finishes the open series' auction if nobody has (settling it at `clearing_price` if it
            is not settled yet: BatchAuction.clearingPriceOf), settles the expired series, charges fees, settles
            requests at the roll price, writes the next series and opens its auction. Keeper only; with a series
            open, not before its expiry. While paused it does all of that except writing the next series (F4: a
            pause never delays an exit; it only stops new risk).
    @param clearing_price The open auction's clearing price, used only if that auction is not settled yet.
    @return The new epoch.
    """
    access_control._check_role(KEEPER_ROLE, msg.sender)
    series: uint256 = self.current_series
    if series != 0:
        if block.timestamp < self.current_expiry:
            raw_revert(concat(method_id("EpochNotDue(uint256)"), abi_encode(self.current_expiry)))
        if self.current_auction != 0:
            self._finish_auction(self.current_auction, series, clearing_price)
        if not staticcall ENGINE.isSettled(series):
            extcall ENGINE.settle(series)
        if staticcall ENGINE.collateralOf(series, self) != 0:
            extcall ENGINE.reclaim(series)
        held: uint256 = self.unsold_held
        if held != 0:
            # Unsold options of an auction finished after expiry: the vault is their holder and redeems them.
            self.unsold_held = 0
            extcall ENGINE.redeem(series, held)
        self.current_series = 0
        self.current_expiry = 0

    closing: uint256 = self.epoch
    assets: uint256 = self._invested()
    assets -= self._charge_fees(closing, assets)
    supply: uint256 = self._price_supply()  # includes shares of pending redemptions: one price for all
    if assets > _HALF_MASK or supply > _HALF_MASK:
        raw_revert(method_id("PriceOverflow()"))
    self._roll_price[closing] = (assets << 128) | supply

    redeem_shares: uint256 = self.redeems_requested - self.redeems_rolled
    redeemed: uint256 = math._mul_div(redeem_shares, assets + 1, supply + 10**DECIMALS_OFFSET, False)
    deposits: uint256 = self.deposits_requested - self.deposits_rolled
    minted: uint256 = math._mul_div(deposits, supply + 10**DECIMALS_OFFSET, assets + 1, False)
    if redeem_shares != 0:
        self.redeems_rolled += redeem_shares
        self.reserved_for_redemptions += redeemed
    if deposits != 0:
        if self.unclaimed_deposit_shares + minted > _HALF_MASK:
            raw_revert(method_id("PriceOverflow()"))
        self.deposits_rolled += deposits
        self.unclaimed_deposit_shares += minted

    self.epoch = closing + 1
    # The performance fee's base excludes the auction's proceeds to come: proceeds minus payouts is the gain.
    self.invested_at_roll = self._invested()
    auction_id: uint256 = 0
    series, auction_id = self._open_series(closing)
    self.last_roll_at = block.timestamp
    log EpochRolled(
        epoch=closing,
        assets=assets,
        supply=supply,
        deposits=deposits,
        redemptions=redeem_shares,
        series=series,
        auction=auction_id,
    )
    return closing + 1


@external
def finish_auction(clearing_price: uint256 = 0) -> uint256:
    """
    @notice Finishes the open series' auction once its bidding has ended: settles it at `clearing_price` if nobody
            has (BatchAuction.clearingPriceOf; a wrong price reverts WrongClearingPrice there), takes the proceeds and
            the unsold options, and burns those, which returns their collateral. Anyone may call it: nothing here
            depends on who calls or when, and a roll does it itself if nobody did.
    @param clearing_price The auction's clearing price, used only if the auction is not settled yet.
    @return The proceeds, in assets.
    """
    auction_id: uint256 = self.current_auction
    if auction_id == 0:
        raw_revert(method_id("NoOpenAuction()"))
    return self._finish_auction(auction_id, self.current_series, clearing_price)


# ------------------------------------------------------------------------------------------------ governance


@external
def set_parameters(
    management_fee_bps_: uint256,
    performance_fee_bps_: uint256,
    fee_recipient_: address,
    strike_selector_: IStrikeSelector,
    pricer_: IOptionPricer,
    reserve_discount_bps_: uint256,
    auction_duration_: uint256,
    min_bid_bps_: uint256,
):
    """
    @notice Sets fees, their recipient, the strike selector and the auction's terms. Admin (a timelock) only.
    @param management_fee_bps_ Yearly management fee, charged pro rata at each roll (<= 5%).
    @param performance_fee_bps_ Share of each roll's gain (<= 30%).
    @param fee_recipient_ Receives fees.
    @param strike_selector_ Picks strikes.
    @param pricer_ Values each option for the reserve (DeltaStrikeSelector.premium); empty: no options are written.
    @param reserve_discount_bps_ Reserve = the pricer's value times (1 - this) (<= MAX_RESERVE_DISCOUNT_BPS).
    @param auction_duration_ Bidding window, seconds (1 .. MAX_AUCTION_DURATION).
    @param min_bid_bps_ Smallest bid, in basis points of the supply (ceil(10,000 / AUCTION.MAX_BIDS()) .. 10,000).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    if management_fee_bps_ > MAX_MANAGEMENT_FEE_BPS or performance_fee_bps_ > MAX_PERFORMANCE_FEE_BPS:
        self._invalid_config("fees")
    if fee_recipient_ == empty(address) and (management_fee_bps_ != 0 or performance_fee_bps_ != 0):
        self._invalid_config("fee_recipient")
    if reserve_discount_bps_ > MAX_RESERVE_DISCOUNT_BPS:
        self._invalid_config("reserve_discount_bps")
    if auction_duration_ == 0 or auction_duration_ > MAX_AUCTION_DURATION:
        self._invalid_config("auction_duration")
    # Bids filling the bid cap must demand the whole supply: a griefer who fills it buys everything at or above the
    # reserve (BatchAuction's threat model).
    if min_bid_bps_ > BPS or min_bid_bps_ * staticcall AUCTION.MAX_BIDS() < BPS:
        self._invalid_config("min_bid_bps")
    self.management_fee_bps = management_fee_bps_
    self.performance_fee_bps = performance_fee_bps_
    self.fee_recipient = fee_recipient_
    self.strike_selector = strike_selector_
    self.pricer = pricer_
    self.reserve_discount_bps = reserve_discount_bps_
    self.auction_duration = auction_duration_
    self.min_bid_bps = min_bid_bps_
    log ParametersSet(
        management_fee_bps=management_fee_bps_,
        performance_fee_bps=performance_fee_bps_,
        fee_recipient=fee_recipient_,
        strike_selector=strike_selector_.address,
        pricer=pricer_.address,
        reserve_discount_bps=reserve_discount_bps_,
        auction_duration=auction_duration_,
        min_bid_bps=min_bid_bps_,
    )


@external
def set_paused(paused_: bool):
    """
    @notice Pauses or resumes new risk: while paused, `requestDeposit` reverts Paused() and a roll writes no
            options (OptionsNotWritten "paused"). Nothing a depositor needs to leave is ever paused: `requestRedeem`,
            the roll's settlement of the expired series, its fees and its settlement of every pending request at the
            roll price, and every claim. Guardian only; no time limit is needed, since a pause never delays an exit.
    @param paused_ True to pause.
    """
    access_control._check_role(GUARDIAN_ROLE, msg.sender)
    self.paused = paused_
    log Paused(paused=paused_, guardian=msg.sender)


# ------------------------------------------------------------------------------------------------ fees


@external
def claim_fees(receiver: address = msg.sender) -> uint256:
    """
    @notice Pays every owed fee to `receiver`. The fee recipient only; never paused. Fees are pulled so that a
            recipient that reverts or that the asset blacklists cannot stop a roll; a blacklisted recipient claims
            to another receiver.
    @param receiver Who gets the assets (default: the caller).
    @return The assets paid.
    """
    if msg.sender != self.fee_recipient:
        raw_revert(concat(method_id("NotFeeRecipient(address)"), abi_encode(msg.sender)))
    owed: uint256 = self.fees_owed
    if owed == 0:
        raw_revert(method_id("ZeroAmount()"))
    self.fees_owed = 0
    assert extcall IERC20(asset).transfer(receiver, owed, default_return_value=True)
    log FeesClaimed(recipient=msg.sender, receiver=receiver, assets=owed)
    return owed


# ------------------------------------------------------------------------------------------------ internals


@internal
@view
def _invested() -> uint256:
    idle: uint256 = staticcall IERC20(asset).balanceOf(self)
    locked: uint256 = 0
    if self.current_series != 0:
        locked = staticcall ENGINE.collateralOf(self.current_series, self)
    pending: uint256 = self.deposits_requested - self.deposits_rolled
    return idle + locked - pending - self.reserved_for_redemptions - self.fees_owed


@internal
@view
def _price_supply() -> uint256:
    # Circulating shares, plus those owed to claimable deposits, plus those burned by pending redemption requests.
    return erc20.totalSupply + self.unclaimed_deposit_shares + self.redeems_requested - self.redeems_rolled


@internal
def _charge_fees(closing: uint256, assets: uint256) -> uint256:
    management: uint256 = math._mul_div(
        assets, self.management_fee_bps * (block.timestamp - self.last_roll_at), BPS * YEAR, False
    )
    performance: uint256 = 0
    if assets > self.invested_at_roll:
        performance = (assets - self.invested_at_roll) * self.performance_fee_bps // BPS
    fee: uint256 = min(management + performance, assets)
    if fee == 0:
        return 0
    self.fees_owed += fee  # pulled by the recipient (claim_fees): a reverting or blacklisted one cannot stop a roll
    log FeesCharged(epoch=closing, management=management, performance=performance, recipient=self.fee_recipient)
    return fee


@internal
def _open_series(closing: uint256) -> (uint256, uint256):
    """
    @dev Writes the next series on all invested assets and offers it in a batch auction, or writes nothing and logs
         why. Nothing here can revert the roll on a third party's account: the strike selector, the series creation
         (both read the routed spot) and the pricer are called without reverting on failure, and their outputs are
         bounded before they reach the engine or the auction. Buyers' cash is escrowed in the auction with each bid
         (M-3): nothing waits on a buyer's cooperation, and an auction without bids burns its options at its finish.
    """
    pricer_: address = self.pricer.address
    investable: uint256 = self._invested()
    if pricer_ == empty(address) or investable == 0:
        return 0, 0
    if self.paused:
        log OptionsNotWritten(epoch=closing, reason="paused")
        return 0, 0
    ok: bool = False
    response: Bytes[32] = b""
    self._check_gas()
    ok, response = raw_call(
        self.strike_selector.address,
        abi_encode(UNDERLYING, STRIKE_ASSET, IS_PUT, method_id=method_id("select(address,address,bool)")),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
        gas=CALL_GAS,
    )
    if not ok or len(response) != 32:
        log OptionsNotWritten(epoch=closing, reason="strike selection failed")
        return 0, 0
    strike: uint256 = convert(response, uint256)
    amount: uint256 = 0
    if IS_PUT:
        if strike == 0:
            log OptionsNotWritten(epoch=closing, reason="strike selection failed")
            return 0, 0
        amount = math._mul_div(investable, 10**36, strike * _STRIKE_UNIT, False)
    else:
        amount = math._mul_div(investable, 10**18, _ASSET_UNIT, False)
    if amount == 0:
        return 0, 0
    # Bounds of the auction's fields (supply: uint112 bid sizes; the smallest bid: uint96), checked before anything is
    # written: a supply the auction cannot take skips the epoch's options instead of reverting the roll.
    min_bid: uint256 = max(math._mul_div(amount, self.min_bid_bps, BPS, True), 1)
    if amount > _MAX_BID_SIZE or min_bid > _MAX_MIN_BID:
        log OptionsNotWritten(epoch=closing, reason="supply too large")
        return 0, 0
    self._check_gas()
    ok, response = raw_call(
        pricer_,
        abi_encode(
            UNDERLYING, STRIKE_ASSET, strike, IS_PUT, method_id=method_id("premium(address,address,uint256,bool)")
        ),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
        gas=CALL_GAS,
    )
    if not ok or len(response) != 32:
        log OptionsNotWritten(epoch=closing, reason="pricing failed")
        return 0, 0
    value: uint256 = convert(response, uint256)
    # Zero is no price (a deep out-of-the-money option rounds to it): selling for the 1-wei floor would give the
    # options away, so nothing is written.
    if value == 0 or value > 10**36:
        log OptionsNotWritten(epoch=closing, reason="pricing failed")
        return 0, 0
    # Asset base units per 1e18 options, rounded up: the reserve is a floor the vault keeps.
    reserve: uint256 = max(
        math._mul_div(value, _ASSET_UNIT * (BPS - self.reserve_discount_bps), 10**18 * BPS, True), 1
    )
    if reserve > _MAX_BID_PRICE:
        log OptionsNotWritten(epoch=closing, reason="reserve too large")
        return 0, 0
    now: uint256 = block.timestamp
    expiry: uint256 = now - (now - EXPIRY_OFFSET) % WEEK + WEEK
    if expiry - now < 86_400:
        expiry += WEEK
    key: bytes32 = keccak256(abi_encode(UNDERLYING, STRIKE_ASSET, strike, convert(expiry, uint64), IS_PUT))
    series: uint256 = staticcall ENGINE.seriesIdOf(key)
    if series == 0:
        self._check_gas()
        ok, response = raw_call(
            ENGINE.address,
            abi_encode(
                UNDERLYING,
                STRIKE_ASSET,
                strike,
                convert(expiry, uint64),
                IS_PUT,
                method_id=method_id("createSeries(address,address,uint256,uint64,bool)"),
            ),
            max_outsize=32,
            revert_on_failure=False,
            gas=CALL_GAS,
        )
        if not ok or len(response) != 32:
            log OptionsNotWritten(epoch=closing, reason="series creation failed")
            return 0, 0
        series = convert(response, uint256)
    # The engine pulls exactly the collateral (standing approval). A collateral token that refuses the transfer (paused,
    # blacklisting the vault for a while) only skips this epoch's options: the roll's settlement must not wait on it.
    self._check_gas()
    ok, response = raw_call(
        ENGINE.address,
        abi_encode(series, amount, self, method_id=method_id("write(uint256,uint256,address)")),
        max_outsize=32,
        revert_on_failure=False,
        gas=CALL_GAS,
    )
    if not ok:
        log OptionsNotWritten(epoch=closing, reason="writing failed")
        return 0, 0
    token: address = staticcall ENGINE.tokenOf(series)
    assert extcall IERC20(token).approve(AUCTION.address, amount, default_return_value=True)
    end: uint256 = now + self.auction_duration
    auction_id: uint256 = extcall AUCTION.createAuction(
        token,
        asset,
        convert(amount, uint128),
        convert(reserve, uint128),
        convert(min_bid, uint96),
        convert(end, uint64),
    )
    self.current_series = series
    self.current_expiry = expiry
    self.current_auction = auction_id
    log AuctionStarted(epoch=closing, auction=auction_id, series=series, options=amount, reserve=reserve, end=end)
    return series, auction_id


@internal
def _finish_auction(auction_id: uint256, series: uint256, clearing_price: uint256) -> uint256:
    """
    @dev Settles (if needed) and closes the auction: proceeds to idle assets, unsold options burned for their
         collateral before expiry, or kept and redeemed by the roll after it.
    """
    settled: bool = False
    price: uint256 = 0
    end: uint256 = 0
    supply: uint256 = 0
    end, supply, settled, price = staticcall AUCTION.statusOf(auction_id)
    if not settled:
        extcall AUCTION.settle(auction_id, clearing_price)
        price = clearing_price
    self.current_auction = 0
    proceeds: uint256 = 0
    unsold: uint256 = 0
    proceeds, unsold = extcall AUCTION.claimSeller(auction_id, self)
    if unsold != 0:
        if block.timestamp < self.current_expiry:
            extcall ENGINE.burn(series, unsold)
        else:
            self.unsold_held = unsold
    log AuctionFinished(
        auction=auction_id,
        series=series,
        clearing_price=price,
        sold=supply - unsold,
        proceeds=proceeds,
        unsold=unsold,
    )
    return proceeds


@internal
@view
def _deposit_claim(controller: address) -> (uint256, uint256):
    """
    @dev (assets, shares) claimable by `controller`, including a pending request from a past epoch.
    """
    claimable: uint256 = self._claimable_deposit[controller]
    assets: uint256 = claimable >> 128
    shares: uint256 = claimable & _HALF_MASK
    request: uint256 = self._deposit_request[controller]
    pending: uint256 = request >> 64
    request_epoch: uint256 = request & _EPOCH_MASK
    if pending != 0 and request_epoch < self.epoch:
        price: uint256 = self._roll_price[request_epoch]
        assets += pending
        shares += math._mul_div(pending, (price & _HALF_MASK) + 10**DECIMALS_OFFSET, (price >> 128) + 1, False)
    return assets, shares


@internal
@view
def _redeem_claim(controller: address) -> (uint256, uint256):
    """
    @dev (shares, assets) claimable by `controller`, including a pending request from a past epoch.
    """
    claimable: uint256 = self._claimable_redeem[controller]
    shares: uint256 = claimable >> 128
    assets: uint256 = claimable & _HALF_MASK
    request: uint256 = self._redeem_request[controller]
    pending: uint256 = request >> 64
    request_epoch: uint256 = request & _EPOCH_MASK
    if pending != 0 and request_epoch < self.epoch:
        price: uint256 = self._roll_price[request_epoch]
        shares += pending
        assets += math._mul_div(pending, (price >> 128) + 1, (price & _HALF_MASK) + 10**DECIMALS_OFFSET, False)
    return shares, assets


@internal
def _settle_deposit(controller: address, current: uint256) -> uint256:
    """
    @dev Before a new request: a pending request from a past epoch becomes claimable. Returns what is still pending
         in the current epoch.
    """
    request: uint256 = self._deposit_request[controller]
    if request >> 64 == 0 or request & _EPOCH_MASK == current:
        return request >> 64
    assets: uint256 = 0
    shares: uint256 = 0
    assets, shares = self._deposit_claim(controller)
    self._claimable_deposit[controller] = (assets << 128) | shares
    return 0


@internal
def _settle_redeem(controller: address, current: uint256) -> uint256:
    request: uint256 = self._redeem_request[controller]
    if request >> 64 == 0 or request & _EPOCH_MASK == current:
        return request >> 64
    shares: uint256 = 0
    assets: uint256 = 0
    shares, assets = self._redeem_claim(controller)
    self._claimable_redeem[controller] = (shares << 128) | assets
    return 0


@internal
def _take_deposit_claim(controller: address) -> (uint256, uint256):
    """
    @dev The claimable (assets, shares) of `controller`, with a past-epoch request folded in (its slot cleared).
    """
    assets: uint256 = 0
    shares: uint256 = 0
    assets, shares = self._deposit_claim(controller)
    request: uint256 = self._deposit_request[controller]
    if request >> 64 != 0 and request & _EPOCH_MASK < self.epoch:
        self._deposit_request[controller] = request & _EPOCH_MASK  # amount folded in; a non-zero slot stays cheap
    return assets, shares


@internal
def _take_redeem_claim(controller: address) -> (uint256, uint256):
    shares: uint256 = 0
    assets: uint256 = 0
    shares, assets = self._redeem_claim(controller)
    request: uint256 = self._redeem_request[controller]
    if request >> 64 != 0 and request & _EPOCH_MASK < self.epoch:
        self._redeem_request[controller] = request & _EPOCH_MASK  # amount folded in; a non-zero slot stays cheap
    return shares, assets


@internal
def _pay_deposit_claim(
    controller: address,
    receiver: address,
    claimable_assets: uint256,
    claimable_shares: uint256,
    assets: uint256,
    shares: uint256,
):
    self._claimable_deposit[controller] = ((claimable_assets - assets) << 128) | (claimable_shares - shares)
    self.unclaimed_deposit_shares -= shares
    erc20._mint(receiver, shares)
    log Deposit(sender=controller, owner=receiver, assets=assets, shares=shares)


@internal
def _pay_redeem_claim(
    controller: address,
    receiver: address,
    claimable_shares: uint256,
    claimable_assets: uint256,
    shares: uint256,
    assets: uint256,
):
    self._claimable_redeem[controller] = ((claimable_shares - shares) << 128) | (claimable_assets - assets)
    self.reserved_for_redemptions -= assets
    assert extcall IERC20(asset).transfer(receiver, assets, default_return_value=True)
    log Withdraw(sender=msg.sender, receiver=receiver, owner=controller, assets=assets, shares=shares)


@internal
@view
def _check_gas():
    """
    @dev Before a call made with CALL_GAS and without reverting on failure: reverts RollOutOfGas() unless the call can
         get all of CALL_GAS (EIP-150 forwards at most 63/64 of what is left) with a margin for what follows, so a
         failure is the callee's own and a keeper cannot skip an epoch's options by sending too little gas.
    """
    if msg.gas < CALL_GAS * 64 // 63 + 50_000:
        raw_revert(method_id("RollOutOfGas()"))


@internal
@view
def _check_caller(account: address):
    if account != msg.sender and not self.isOperator[account][msg.sender]:
        raw_revert(concat(method_id("NotOperator(address,address)"), abi_encode(account, msg.sender)))


@internal
@view
def _check_not_paused():
    if self.paused:
        raw_revert(method_id("Paused()"))


@internal
@pure
def _invalid_config(reason: String[32]):
    raw_revert(concat(method_id("InvalidConfig(string)"), abi_encode(reason)))
