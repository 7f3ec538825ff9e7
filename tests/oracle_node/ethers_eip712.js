// Reads {typedData, key} as JSON on stdin; prints ethers' EIP-712 digest and signature for it (test reference).
// ethers 5.4.0: the version @safe-global/safe-contracts pins as its peer dependency.
const { Wallet, utils } = require("ethers");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { typedData, key } = JSON.parse(input);
  const types = { ...typedData.types };
  delete types.EIP712Domain; // ethers derives the domain type from the domain object
  const digest = utils._TypedDataEncoder.hash(typedData.domain, types, typedData.message);
  const signature = await new Wallet(key)._signTypedData(typedData.domain, types, typedData.message);
  process.stdout.write(JSON.stringify({ digest, signature }));
  process.exitCode = 0;
});
