// Builds @openzeppelin/merkle-tree StandardMerkleTrees for the Python tests: reads [{values}] as JSON on stdin, writes
// [{root, proofs}] (one proof per leaf, in leaf order). Leaf encoding: the ledger's plain leaf.
const { StandardMerkleTree } = require("@openzeppelin/merkle-tree");

const ENCODING = ["uint256", "uint256", "address", "int256", "int256[4]", "bytes32"];
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(({ values }) => {
    const tree = StandardMerkleTree.of(values, ENCODING, { sortLeaves: false });
    return { root: tree.root, proofs: values.map((_, i) => tree.getProof(i)) };
  });
  process.stdout.write(JSON.stringify(out));
  process.exitCode = 0;
});
