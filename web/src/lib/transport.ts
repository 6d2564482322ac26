import { Code, ConnectError, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { authInterceptor } from "@trainyard/client";

/**
 * Returns a Connect transport to the server that served the page, sending the API key (or a
 * Google sign-in session token) as a bearer token with the SDK's interceptor. onUnauthenticated
 * runs when the server refuses the key (revoked, expired).
 */
export function apiTransport(apiKey: string, onUnauthenticated: () => void, baseUrl = location.origin): Transport {
  const refused: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (e) {
      if (e instanceof ConnectError && e.code === Code.Unauthenticated) onUnauthenticated();
      throw e;
    }
  };
  return createConnectTransport({ baseUrl, interceptors: [authInterceptor(apiKey), refused], useBinaryFormat: true });
}

/** Headers for the hand-written HTTP routes (uploads, downloads, the report). */
export function authHeaders(apiKey: string): Record<string, string> {
  return { Authorization: `Bearer ${apiKey}` };
}
