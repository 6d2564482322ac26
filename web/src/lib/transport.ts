import type { Interceptor, Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

/**
 * Returns a Connect transport to the server that served the page, sending the API key as a
 * bearer token. onUnauthenticated runs when the server refuses the key (revoked, expired).
 */
export function apiTransport(apiKey: string, onUnauthenticated: () => void, baseUrl = location.origin): Transport {
  const auth: Interceptor = (next) => async (req) => {
    req.header.set("Authorization", `Bearer ${apiKey}`);
    try {
      return await next(req);
    } catch (e) {
      if (e && typeof e === "object" && "code" in e && (e as { code: number }).code === 16) onUnauthenticated();
      throw e;
    }
  };
  return createConnectTransport({ baseUrl, interceptors: [auth], useBinaryFormat: true });
}

/** Headers for the hand-written HTTP routes (uploads, downloads, the report). */
export function authHeaders(apiKey: string): Record<string, string> {
  return { Authorization: `Bearer ${apiKey}` };
}
