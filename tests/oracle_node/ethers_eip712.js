// Reads {typedData, key} as JSON on stdin; prints ethers' EIP-712 digest and signature for it (test reference).
const { TypedDataEncoder, Wallet } = require("ethers");

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { typedData, key } = JSON.parse(input);
  const types = { ...typedData.types };
  delete types.EIP712Domain; // ethers derives the domain type from the domain object
  const digest = TypedDataEncoder.hash(typedData.domain, types, typedData.message);
  const signature = await new Wallet(key).signTypedData(typedData.domain, types, typedData.message);
  process.stdout.write(JSON.stringify({ digest, signature }));
  process.exitCode = 0;
});
