// Copies the generated TypeScript (protoc-gen-es v2) from the repository's gen/ts into
// src/gen, so the package builds on its own. Run it after `make generate`; with --check it
// exits 1 when src/gen is stale (the test script runs that).
import { readFileSync, writeFileSync, mkdirSync, readdirSync, statSync, existsSync, rmSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const from = join(here, "..", "..", "..", "gen", "ts");
const to = join(here, "..", "src", "gen");
const check = process.argv.includes("--check");

function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const want = new Map(walk(from).filter((p) => p.endsWith(".ts")).map((p) => [relative(from, p), readFileSync(p, "utf8")]));
if (want.size === 0) {
  console.error(`${from} has no generated code: run make generate`);
  process.exit(1);
}
const have = new Map(walk(to).map((p) => [relative(to, p), readFileSync(p, "utf8")]));
const stale = [...want].filter(([p, t]) => have.get(p) !== t).map(([p]) => p);
const extra = [...have.keys()].filter((p) => !want.has(p));
if (check) {
  if (stale.length || extra.length) {
    console.error("clients/typescript: src/gen is stale; run `npm run sync` in clients/typescript and commit:");
    for (const p of [...stale, ...extra]) console.error("  " + p);
    process.exit(1);
  }
  console.log("clients/typescript: generated code is current");
} else {
  for (const p of extra) rmSync(join(to, p));
  for (const p of stale) {
    mkdirSync(dirname(join(to, p)), { recursive: true });
    writeFileSync(join(to, p), want.get(p));
  }
  console.log(`clients/typescript: ${want.size} generated files in sync (${stale.length} written, ${extra.length} removed)`);
}
