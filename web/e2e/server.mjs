// Builds and starts a real Trainyard server for the browser tests: a fresh data folder, its own
// config folder (where the first start saves the admin key), a free port, no rate limit.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, createWriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";

/** Returns a free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Compiles the trainyard binary (with the freshly built web app embedded) into dir. */
export function buildServer(repo, dir) {
  const bin = join(dir, "trainyard");
  execFileSync("go", ["build", "-o", bin, "./cmd/trainyard"], { cwd: repo, stdio: "inherit" });
  return bin;
}

/**
 * Starts `trainyard serve` and waits until /readyz answers. Returns the base URL, the admin
 * key and a stop function. The server's output goes to logFile; env adds to its environment.
 */
export async function startServer(bin, logFile, env = {}) {
  const home = mkdtempSync(join(tmpdir(), "trainyard-e2e-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = createWriteStream(logFile);
  const proc = spawn(bin, ["serve", "--addr", `127.0.0.1:${port}`, "--data-dir", join(home, "data"), "--rate-limit", "0", "--log-level", "info"], {
    env: { ...process.env, XDG_CONFIG_HOME: join(home, "config"), HOME: home, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  proc.stdout.pipe(log);
  proc.stderr.pipe(log);
  let exited = null;
  proc.on("exit", (code) => (exited = code ?? -1));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) throw new Error(`the server exited (${exited}) before it was ready; see ${logFile}`);
    if (Date.now() > deadline) throw new Error(`the server was not ready within 60 s; see ${logFile}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const credFile = join(home, "config", "trainyard", "credentials.json");
  if (!existsSync(credFile)) throw new Error(`the server saved no credentials at ${credFile}`);
  const creds = JSON.parse(readFileSync(credFile, "utf8"));
  const apiKey = creds.apiKey;
  if (!apiKey) throw new Error(`no apiKey in ${credFile}`);
  return {
    url,
    apiKey,
    stop: () =>
      new Promise((resolve) => {
        if (exited !== null) return resolve();
        proc.on("exit", () => resolve());
        proc.kill("SIGTERM");
        setTimeout(() => proc.kill("SIGKILL"), 10_000).unref();
      }),
  };
}
