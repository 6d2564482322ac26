// Test helpers: the shared datasets, a small CSV reader, and a TCP proxy that drops its first
// connection after a number of bytes from the server.
import { existsSync, readFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join, resolve } from "node:path";

/** The path of a shared dataset: TRAINYARD_DATASETS, else ../shared/datasets beside the repository. */
export function dataset(name: string): string {
  const dir = process.env.TRAINYARD_DATASETS ?? resolve(import.meta.dirname, "..", "..", "..", "..", "shared", "datasets");
  const p = join(dir, name);
  if (!existsSync(p)) throw new Error(`dataset ${p} not found (set TRAINYARD_DATASETS)`);
  return p;
}

/** Reads a CSV file with a header into objects; numbers become numbers, NA and empty cells null. */
export function readCsv(path: string): Record<string, string | number | null>[] {
  const lines = readFileSync(path, "utf8").trim().split(/\r?\n/);
  const split = (line: string): string[] => {
    const out: string[] = [];
    let cur = "";
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (q) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (c === '"') q = false;
        else cur += c;
      } else if (c === '"') q = true;
      else if (c === ",") out.push(cur), (cur = "");
      else cur += c;
    }
    out.push(cur);
    return out;
  };
  const header = split(lines[0]!);
  return lines.slice(1).map((l) => {
    const cells = split(l);
    const row: Record<string, string | number | null> = {};
    header.forEach((h, i) => {
      const v = cells[i] ?? "";
      row[h] = v === "" || v === "NA" ? null : /^-?\d+(\.\d+)?(e-?\d+)?$/i.test(v) ? Number(v) : v;
    });
    return row;
  });
}

/** A TCP proxy that cuts its first connection after `limit` bytes of the server's answer. */
export class CutProxy {
  cuts = 0;
  conns = 0;
  private server: Server;
  private sockets = new Set<Socket>();
  url = "";

  constructor(private upstreamPort: number, private limit: number) {
    this.server = createServer((down) => this.serve(down));
  }

  async start(): Promise<this> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    const a = this.server.address();
    if (typeof a === "object" && a) this.url = `http://127.0.0.1:${a.port}`;
    return this;
  }

  private serve(down: Socket): void {
    const cut = ++this.conns === 1;
    const up = connect(this.upstreamPort, "127.0.0.1");
    this.sockets.add(down).add(up);
    let sent = 0;
    down.on("data", (b) => up.write(b));
    up.on("data", (b: Buffer) => {
      if (cut && sent + b.length >= this.limit) {
        down.write(b.subarray(0, this.limit - sent));
        this.cuts++;
        down.destroy();
        up.destroy();
        return;
      }
      sent += b.length;
      down.write(b);
    });
    const end = () => {
      down.destroy();
      up.destroy();
    };
    down.on("error", end).on("close", end);
    up.on("error", end).on("close", end);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((ok) => this.server.close(ok));
  }
}
