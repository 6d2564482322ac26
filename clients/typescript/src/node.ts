// The Node client: Connect or gRPC over HTTP/2 (h2c for http:// URLs) with connect-node,
// settings from arguments, TRAINYARD_URL / TRAINYARD_API_KEY or the saved credentials file,
// and file helpers for uploads and downloads.
import { createReadStream, createWriteStream } from "node:fs";
import { readFile, rename, stat, unlink, chmod } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { once } from "node:events";

import type { Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";

import { authInterceptor, TrainyardClient, type ProgressFn, type UploadOptions } from "./client.js";
import type { Dataset } from "./gen/trainyard/v1/dataset_pb.js";
import { explainError, requireKey, resolveSettings, type SavedCredentials, type Settings } from "./settings.js";

export * from "./index.js";

/** Options of {@link createNodeClient}. */
export interface NodeClientOptions {
  /** The server, e.g. http://127.0.0.1:8080 (else TRAINYARD_URL, else the saved credentials). */
  url?: string;
  /** The API key (else TRAINYARD_API_KEY, else the saved credentials). */
  apiKey?: string;
  /** "connect" (default) or "grpc". */
  protocol?: "connect" | "grpc";
  /** Extra interceptors, after the one that sends the key. */
  interceptors?: Interceptor[];
  /** The environment to read (process.env by default). */
  env?: Record<string, string | undefined>;
}

/** The credentials file: $XDG_CONFIG_HOME/trainyard/credentials.json or ~/.config/trainyard/credentials.json. */
export function credentialsPath(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "trainyard", "credentials.json");
}

/** Reads the saved credentials; a missing file gives {}. */
export async function readCredentials(path: string): Promise<SavedCredentials> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as SavedCredentials;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new Error(`read ${path}: ${(e as Error).message}`);
  }
}

/** A TrainyardClient for Node with file helpers and errors that say what to do. */
export class NodeTrainyardClient extends TrainyardClient {
  constructor(readonly settings: Settings, protocol: "connect" | "grpc" = "connect", interceptors: Interceptor[] = []) {
    const explain: Interceptor = (next) => async (req) => {
      try {
        const res = await next(req);
        if (res.stream) {
          const msgs = res.message;
          const s = settings;
          return {
            ...res,
            message: (async function* () {
              try {
                yield* msgs;
              } catch (e) {
                throw explainError(e, s);
              }
            })(),
          };
        }
        return res;
      } catch (e) {
        throw explainError(e, settings);
      }
    };
    const opts = { baseUrl: settings.url, httpVersion: "2" as const, interceptors: [explain, authInterceptor(settings.apiKey), ...interceptors] };
    super(protocol === "grpc" ? createGrpcTransport(opts) : createConnectTransport(opts));
  }

  /** Uploads a file from disk over the UploadDataset client stream. */
  async uploadFile(path: string, opts: UploadOptions = {}): Promise<Dataset> {
    const { size } = await stat(path);
    return this.upload(basename(path), createReadStream(path, { highWaterMark: 256 * 1024 }), { ...opts, size });
  }

  /**
   * Downloads a model's artifact to path through a temporary file (nothing half-written is
   * left on failure) and returns the number of bytes.
   */
  async downloadToFile(modelId: string, path: string, format: "onnx" | "native" = "onnx", onProgress?: ProgressFn): Promise<number> {
    const tmp = join(dirname(path), `.trainyard-download-${process.pid}-${Date.now()}`);
    const out = createWriteStream(tmp);
    let n = 0;
    try {
      for await (const chunk of this.downloadChunks(modelId, format, onProgress)) {
        n += chunk.byteLength;
        if (!out.write(chunk)) await once(out, "drain");
      }
      out.end();
      await once(out, "finish");
      await chmod(tmp, 0o644);
      await rename(tmp, path);
      return n;
    } catch (e) {
      out.destroy();
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
  }
}

/**
 * Creates a Node client. The URL and key come from the options, else TRAINYARD_URL /
 * TRAINYARD_API_KEY, else the credentials file `trainyard login` and the server's first start
 * write.
 */
export async function createNodeClient(o: NodeClientOptions = {}): Promise<NodeTrainyardClient> {
  const env = o.env ?? process.env;
  let saved: SavedCredentials & { path?: string } = {};
  if (!(o.url || env.TRAINYARD_URL) || !(o.apiKey || env.TRAINYARD_API_KEY)) {
    const path = credentialsPath(env);
    saved = { ...(await readCredentials(path)), path };
  }
  const s = resolveSettings({ url: o.url, apiKey: o.apiKey }, env, saved);
  requireKey(s);
  return new NodeTrainyardClient(s, o.protocol ?? "connect", o.interceptors ?? []);
}
