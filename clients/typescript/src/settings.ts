// Where the server URL and the API key come from, and errors that say what to do.
import { Code, ConnectError } from "@connectrpc/connect";

/** The server a client talks to when nothing names one. */
export const DEFAULT_URL = "http://127.0.0.1:8080";

/** The server and key a client uses, and where each came from. */
export interface Settings {
  url: string;
  apiKey: string;
  urlSource: string;
  keySource: string;
}

/** The saved credentials file's content ({"url", "apiKey"}). */
export interface SavedCredentials {
  url?: string;
  apiKey?: string;
}

/**
 * Picks the URL and key: the arguments, else TRAINYARD_URL / TRAINYARD_API_KEY (env), else the
 * saved credentials (whose key is only sent to the server they name), else DEFAULT_URL.
 */
export function resolveSettings(
  args: { url?: string; apiKey?: string },
  env: Record<string, string | undefined> = {},
  saved: SavedCredentials & { path?: string } = {},
): Settings {
  let [url, urlSource] = args.url ? [args.url, "url"] : [env.TRAINYARD_URL ?? "", "TRAINYARD_URL"];
  let [apiKey, keySource] = args.apiKey ? [args.apiKey, "apiKey"] : [env.TRAINYARD_API_KEY ?? "", "TRAINYARD_API_KEY"];
  const savedFrom = saved.path ?? "the saved credentials";
  const same = !url || !saved.url || norm(url) === norm(saved.url);
  if (!url && saved.url) [url, urlSource] = [saved.url, savedFrom];
  if (!apiKey && saved.apiKey && same) [apiKey, keySource] = [saved.apiKey, savedFrom];
  if (!url) [url, urlSource] = [DEFAULT_URL, "default"];
  url = url.trim().replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]+/.test(url)) throw new Error(`server URL ${JSON.stringify(url)} (from ${urlSource}): want http://HOST:PORT or https://HOST`);
  return { url, apiKey: apiKey.trim(), urlSource, keySource: apiKey ? keySource : "" };
}

function norm(u: string): string {
  return u.trim().replace(/\/+$/, "").toLowerCase();
}

/** Throws an error that says how to get a key when s has none. */
export function requireKey(s: Settings): void {
  if (!s.apiKey) {
    throw new ConnectError(
      `no API key for ${s.url}: pass apiKey, set TRAINYARD_API_KEY or run \`trainyard login --url ${s.url}\`; ` +
        "an admin makes keys with `trainyard admin create-key --email you@example.com`",
      Code.Unauthenticated,
    );
  }
}

/**
 * Rewrites an error from a call into one that says what to do for the common mistakes: a
 * server that cannot be reached or is not Trainyard, a key the server rejects. The code stays.
 */
export function explainError(err: unknown, s: Settings): ConnectError {
  const ce = ConnectError.from(err);
  const m = ce.rawMessage;
  let msg: string | undefined;
  if (ce.code === Code.Unauthenticated && s.apiKey) {
    msg = `the server at ${s.url} rejected the API key from ${s.keySource} (expired, revoked or mistyped): ask an admin for a new one (\`trainyard admin create-key --email you@example.com\`) and run \`trainyard login\` (${m})`;
  } else if (ce.code === Code.Unavailable && /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|connect|fetch failed/i.test(m + String(ce.cause ?? ""))) {
    msg = `cannot reach a Trainyard server at ${s.url} (from ${s.urlSource}): is \`trainyard serve\` running there? (${m})`;
  } else if ((ce.code === Code.Unimplemented || ce.code === Code.Unknown) && /\b(404|405)\b/.test(m)) {
    msg = `${s.url} does not answer like a Trainyard server (wrong URL, path or port? from ${s.urlSource}) (${m})`;
  }
  if (!msg) return ce;
  return new ConnectError(msg, ce.code, ce.metadata, ce.details as never, ce);
}
