#!/usr/bin/env node
// Strikeforge solc shim: the official solc-js build behind the command-line surface that py-solc-x, ape-solidity,
// forge and crytic-compile use from a native `solc`:
//
//   solc --version
//   solc --standard-json [INPUT_FILE] [--base-path DIR] [--include-path DIR]... [--allow-paths DIR[,DIR...]]
//
// Sources missing from the standard-JSON input are read through an import callback that searches the base path and
// the include paths (as native solc does) and refuses anything outside the allowed directories (base path, include
// paths, --allow-paths). Errors come back inside the JSON output with exit code 0, exactly as native solc reports them.
//
// The solc-js module is found through STRIKEFORGE_SOLCJS (a directory holding the `solc` npm package), else through
// Node's ordinary resolution from this file. The result is written with process.exitCode set and no process.exit():
// exiting right after a large write to a pipe cuts the output at 128 KiB.
//
// The AST is made to match native solc's: solc-js writes the ids of built-ins (msg, block, tx, require, ...) in
// `referencedDeclaration` and `overloadedDeclarations` as unsigned 32-bit numbers (4294967278) where native solc writes
// their signed values (-18); tools that read the AST (halmos, Slither, Wake) look built-ins up by the negative id.
//
// A pragma this compiler cannot satisfy ("Source file requires different compiler version") gets, in the same error,
// the versions available here (this one and any other registered in SOLCX_BINARY_PATH) and the fix: nothing else is
// downloaded, so `ape compile` would otherwise leave the user guessing which versions exist.
"use strict";

const fs = require("fs");
const path = require("path");

const SUPPORTED = "--version, --standard-json [FILE], --base-path, --include-path, --allow-paths";

function fail(message) {
  process.stderr.write(`Error: ${message}\n`);
  process.exitCode = 1;
}

function loadSolc() {
  const dir = process.env.STRIKEFORGE_SOLCJS;
  return dir ? require(path.resolve(dir)) : require("solc");
}

function parseArgs(argv) {
  const opts = { mode: null, input: null, basePath: "", includePaths: [], allowPaths: [] };
  const takesValue = new Set(["--base-path", "--include-path", "--allow-paths"]);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value = null;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (takesValue.has(arg) && value === null) {
      if (i + 1 >= argv.length) throw new Error(`the argument for option '${arg}' should follow immediately after it`);
      value = argv[++i];
    }
    switch (arg) {
      case "--version":
        opts.mode = opts.mode || "version";
        break;
      case "--standard-json":
        opts.mode = "standard-json";
        break;
      case "--base-path":
        opts.basePath = value;
        break;
      case "--include-path":
        opts.includePaths.push(value);
        break;
      case "--allow-paths":
        opts.allowPaths.push(...value.split(",").filter((p) => p.length > 0));
        break;
      case "-":
        break; // stdin, the default for --standard-json
      default:
        if (arg.startsWith("-")) throw new Error(`unrecognised option '${arg}' (this solc-js shim supports ${SUPPORTED})`);
        if (opts.input !== null) throw new Error("--standard-json takes at most one input file");
        opts.input = arg;
    }
  }
  return opts;
}

function isWithin(child, parent) {
  const rel = path.relative(parent, child);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

function realOrResolved(p) {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

// Native solc: a source unit name is looked up under the base path (the working directory when there is none) and
// then under each include path; only files inside an allowed directory are read.
function makeImportCallback(opts) {
  const base = path.resolve(opts.basePath || ".");
  const roots = [base, ...opts.includePaths.map((p) => path.resolve(p))];
  const allowed = [...roots, ...opts.allowPaths.map((p) => path.resolve(p))].map(realOrResolved);
  return function findImport(sourceUnitName) {
    const candidates = path.isAbsolute(sourceUnitName)
      ? [sourceUnitName]
      : roots.map((root) => path.join(root, sourceUnitName));
    const searched = [];
    for (const candidate of candidates) {
      searched.push(`"${candidate}"`);
      if (!fs.existsSync(candidate) || !fs.statSync(candidate).isFile()) continue;
      const real = fs.realpathSync(candidate);
      if (!allowed.some((dir) => isWithin(real, dir))) {
        return {
          error: `File outside of allowed directories. The following are allowed: ${allowed
            .map((d) => `"${d}"`)
            .join(", ")}.`,
        };
      }
      return { contents: fs.readFileSync(candidate, "utf8") };
    }
    return { error: `File not found. Searched the following locations: ${searched.join(", ")}.` };
  };
}

// Built-in declarations have negative ids; solc-js prints them as their unsigned 32-bit two's complement.
const UINT32 = 2 ** 32;
const INT32_MIN_AS_UINT = 2 ** 31;

function signedId(text) {
  const id = Number(text);
  return id >= INT32_MIN_AS_UINT && id < UINT32 ? String(id - UINT32) : text;
}

// Rewrites the ids in the JSON text itself (no parse and re-serialisation: key order and everything else stay as
// solc-js wrote them). Escaped occurrences inside strings (\"referencedDeclaration\") never match.
function nativeBuiltinIds(output) {
  if (!output.includes("42949")) return output;
  return output
    .replace(/"referencedDeclaration":(\s*)(\d+)/g, (_, space, id) => `"referencedDeclaration":${space}${signedId(id)}`)
    .replace(
      /"overloadedDeclarations":(\s*)\[([\d,\s]*)\]/g,
      (_, space, ids) => `"overloadedDeclarations":${space}[${ids.replace(/\d+/g, signedId)}]`,
    );
}

const VERSION_MISMATCH = /Source file requires different compiler version \(current compiler is [^)"]*\)[^"\\]*/g;

function compareVersions(a, b) {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

// This compiler's version and every solc registered for py-solc-x (<SOLCX_BINARY_PATH>/solc-vX.Y.Z), sorted.
function availableVersions(solc) {
  const versions = new Set();
  const own = /^\d+\.\d+\.\d+/.exec(solc.version());
  if (own) versions.add(own[0]);
  try {
    for (const name of fs.readdirSync(process.env.SOLCX_BINARY_PATH || "")) {
      const match = /^solc-v(\d+\.\d+\.\d+)$/.exec(name);
      if (match) versions.add(match[1]);
    }
  } catch {
    // no registry folder: this compiler only
  }
  return [...versions].sort(compareVersions);
}

// Rewrites the error text in the JSON itself, like nativeBuiltinIds (the note has no quotes or backslashes).
function explainVersionMismatch(output, solc) {
  if (!output.includes("Source file requires different compiler version")) return output;
  const versions = availableVersions(solc);
  const listed = versions.length === 1 ? `${versions[0]} only` : versions.join(", ");
  const note =
    `. Versions available here: ${listed} (nothing else is downloaded; ape-config.yaml solidity.version and` +
    ` package.json's solc pin it): change the pragma to accept ${versions.length === 1 ? "it" : "one of them"}` +
    ", or move both pins to a version the pragma accepts and run make install";
  return output.replace(VERSION_MISMATCH, (found) => found + note);
}

function readInput(file) {
  return file === null ? fs.readFileSync(0, "utf8") : fs.readFileSync(file, "utf8");
}

function main(argv) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    return fail(err.message);
  }
  if (opts.mode === "version") {
    const solc = loadSolc();
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (opts.mode !== "standard-json") {
    return fail(`no mode given: this solc-js shim supports ${SUPPORTED}`);
  }
  let input;
  try {
    input = readInput(opts.input);
  } catch (err) {
    return fail(`cannot read the standard JSON input: ${err.message}`);
  }
  const solc = loadSolc();
  const compiled = solc.compile(input, { import: makeImportCallback(opts) });
  const output = explainVersionMismatch(nativeBuiltinIds(compiled), solc);
  process.stdout.write(output.endsWith("\n") ? output : output + "\n");
}

process.stdout.on("error", (err) => {
  if (err.code !== "EPIPE") throw err;
});
main(process.argv.slice(2));
