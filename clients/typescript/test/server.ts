// Builds the trainyard binary (or takes TRAINYARD_BIN), makes a member key, and starts a real
// server on a free port with its own data dir for the tests; stops it afterwards.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    url: string;
    apiKey: string;
    tmp: string;
  }
}

const repo = resolve(import.meta.dirname, "..", "..", "..");

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => (typeof a === "object" && a ? ok(a.port) : fail(new Error("no port"))));
    });
  });
}

let proc: ChildProcess | undefined;
let tmp = "";

export async function setup(project: TestProject): Promise<void> {
  tmp = mkdtempSync(join(tmpdir(), "trainyard-ts-"));
  let bin = process.env.TRAINYARD_BIN ?? "";
  if (!bin) {
    bin = join(tmp, "trainyard");
    execFileSync("go", ["build", "-o", bin, "./cmd/trainyard"], { cwd: repo, stdio: "inherit" });
  }
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TRAINYARD_") && v !== undefined) env[k] = v;
  env.XDG_CONFIG_HOME = join(tmp, "config");
  const dataDir = join(tmp, "data");
  const apiKey = execFileSync(bin, ["admin", "create-key", "--email", "ts@example.com", "--role", "member", "--data-dir", dataDir], { env, encoding: "utf8" }).trim();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = join(tmp, "server.log");
  const out = openSync(log, "w");
  proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], { env, stdio: ["ignore", out, out] });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`server did not start:\n${readFileSync(log, "utf8")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  project.provide("url", url);
  project.provide("apiKey", apiKey);
  project.provide("tmp", tmp);
}

export async function teardown(): Promise<void> {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGTERM");
    await new Promise((r) => proc!.once("exit", r));
  }
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}
