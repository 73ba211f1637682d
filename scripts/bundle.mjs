#!/usr/bin/env node
// Bundles a Node program, its node_modules included, into one file whose
// `http` and `net` are this library's, to run on Deno or Bun:
//
//   node scripts/bundle.mjs app.js                 # writes app.node-http.cjs beside app.js
//   node scripts/bundle.mjs app.mjs                # writes app.node-http.mjs (ESM output)
//   node scripts/bundle.mjs main.js -o out.mjs     # ESM output for any entry (top-level await)
//   deno run -A app.node-http.cjs                  # or: bun app.node-http.cjs
//
// Frameworks such as Express require('http') themselves and extend its
// IncomingMessage and ServerResponse prototypes, so an import map or a
// changed import in the app alone cannot swap the module for them; bundling
// can. Every `http`, `node:http`, `net` and `node:net` import or require in
// the program and in its packages gets this library's module object (the
// same object Node's require('http') returns: a plain, patchable object).
// Every other built-in (fs, https, crypto, ...) stays the runtime's own.
// Options: -o/--outfile FILE (.mjs/.mts for ESM), --sourcemap.
import { createRequire } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(import.meta.url);

/** The modules swapped for this library's, by the name a program asks for. */
const kSwapped = /^(?:node:)?(http|net)$/;
const kShimNamespace = "node-http-shim";

function usage(message) {
  if (message) process.stderr.write(`bundle: ${message}\n`);
  process.stderr.write("usage: node scripts/bundle.mjs ENTRY [-o OUTFILE] [--sourcemap]\n");
  process.exit(2);
}

function parseArgs(argv) {
  let entry = null;
  let outfile = null;
  let sourcemap = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-o" || arg === "--outfile") {
      if (i + 1 >= argv.length) usage(`${arg} needs a file`);
      outfile = argv[++i];
    } else if (arg.startsWith("--outfile=")) {
      outfile = arg.slice("--outfile=".length);
    } else if (arg === "--sourcemap") {
      sourcemap = true;
    } else if (arg === "-h" || arg === "--help") {
      usage();
    } else if (arg.startsWith("-")) {
      usage(`unknown option ${arg}`);
    } else if (entry === null) {
      entry = arg;
    } else {
      usage(`one entry only (got ${entry} and ${arg})`);
    }
  }
  if (entry === null) usage("no entry file");
  entry = resolve(entry);
  // An ES module entry may use top-level await, which only ESM output keeps.
  const ext = /^\.m[jt]s$/.test(extname(entry)) ? "mjs" : "cjs";
  outfile = resolve(
    outfile ?? join(dirname(entry), `${basename(entry, extname(entry))}.node-http.${ext}`),
  );
  return { entry, outfile, sourcemap };
}

/** Resolves the swapped names to small CommonJS modules that export this library's module. */
const swapPlugin = {
  name: "node-http",
  setup(build) {
    // The library itself imports neither (scripts/check_imports.mjs).
    build.onResolve({ filter: kSwapped }, (args) => ({
      path: kSwapped.exec(args.path)[1],
      namespace: kShimNamespace,
    }));
    build.onLoad({ filter: /.*/, namespace: kShimNamespace }, (args) => {
      const module = JSON.stringify(join(root, `${args.path}.ts`));
      return {
        contents: `module.exports = require(${module}).default;`,
        loader: "js",
        resolveDir: root,
      };
    });
  },
};

// In ESM output, bundled CommonJS still needs `require` for the built-ins
// left external, and `__dirname`/`__filename` for paths beside the bundle.
const kEsmBanner = 'import { createRequire as __nodeHttpRequire } from "node:module";\n' +
  "const require = __nodeHttpRequire(import.meta.url);";

async function main() {
  const { entry, outfile, sourcemap } = parseArgs(process.argv.slice(2));
  const esm = /\.m[jt]s$/.test(outfile);
  const esbuild = require("esbuild");
  const result = await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: esm ? "esm" : "cjs",
    target: "esnext",
    // Classes and functions keep their names (code reads constructor.name).
    keepNames: true,
    sourcemap: sourcemap ? "inline" : false,
    logLevel: "warning",
    plugins: [swapPlugin],
    ...(esm
      ? {
        banner: { js: kEsmBanner },
        define: { __dirname: "import.meta.dirname", __filename: "import.meta.filename" },
      }
      : {}),
  });
  if (result.errors.length > 0) process.exit(1);
  process.stdout.write(`${outfile}\n`);
}

main().catch((err) => {
  process.stderr.write(`bundle: ${err.message}\n`);
  process.exit(1);
});
