/**
 * Records what Node's own http client does with every response case of
 * `tests/http/client_robustness_test.ts`, and prints the module
 * `tests/_util/client_fuzz_table.ts` (then `deno fmt` it). Run it with Node (its http is the
 * reference), bundled first since Node runs no TypeScript:
 *
 * ```sh
 * npx esbuild tests/_util/record_client_table.ts --bundle --platform=node \
 *   --format=esm --outfile=/tmp/record.mjs && node /tmp/record.mjs > tests/_util/client_fuzz_table.ts
 * ```
 *
 * @module
 */
import http from "node:http";
import process from "node:process";
import { responseCases } from "./http_response_fuzz.ts";
import { runKeepAliveCase, runResponseCase, summarize } from "./client_fuzz.ts";
import {
  CLIENT_SEED,
  CLIENT_SEEDED,
  KEEP_ALIVE_HOLD_MS,
  keepAliveApplies,
  VARIANTS,
} from "./client_fuzz_variants.ts";

async function main(): Promise<void> {
  const cases = responseCases(CLIENT_SEED, CLIENT_SEEDED);
  const outcomes: string[] = [];
  const codes: Record<string, string> = {};
  const code = (s: string) => {
    let k = outcomes.indexOf(s);
    if (k < 0) k = outcomes.push(s) - 1;
    return k.toString(36).padStart(2, "0");
  };
  for (const [name, variant] of Object.entries(VARIANTS)) {
    let row = "";
    for (const c of cases) {
      row += code(summarize(await runResponseCase(http, { ...c, ...variant })));
    }
    codes[name] = row;
  }
  let row = "";
  for (const c of cases) {
    row += code(keepAliveApplies(c) ? await runKeepAliveCase(http, c, KEEP_ALIVE_HOLD_MS) : "-");
  }
  codes.keepAlive = row;
  const lines = [
    "/**",
    " * What Node's own http client (" + process.version + ") did with",
    " * `responseCases(CLIENT_SEED, CLIENT_SEEDED)` in each variant: per variant,",
    " * two base-36 digits per case indexing `NODE_OUTCOMES` (see `summarize()`).",
    " * Written by `record_client_table.ts`; do not edit by hand.",
    " *",
    " * @module",
    " */",
    "",
    "/** Every distinct outcome. */",
    "export const NODE_OUTCOMES: readonly string[] = [",
    ...outcomes.map((s) => `  ${JSON.stringify(s)},`),
    "];",
    "",
    "/** Per variant, the outcome index of each case. */",
    "export const NODE_CODES: Readonly<Record<string, string>> = {",
  ];
  for (const [name, row] of Object.entries(codes)) {
    lines.push(`  ${name}:`);
    const parts = row.match(/.{1,90}/g) ?? [];
    parts.forEach((p, i) =>
      lines.push(`    ${JSON.stringify(p)}${i < parts.length - 1 ? " +" : ","}`)
    );
  }
  lines.push("};");
  console.log(lines.join("\n"));
  process.exit(0);
}

main();
