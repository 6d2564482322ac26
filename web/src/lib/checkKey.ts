// Checks an API key with GetCurrentUser. The sign-in page imports this only when the form is
// submitted, so the Protobuf and Connect runtimes are not part of the first page load.
import { createClient, ConnectError, Code, type Transport } from "@connectrpc/connect";
import { ApiKeyService } from "@trainyard/client";
import { apiTransport } from "./transport";

/** Resolves when the server accepts key; otherwise rejects with a message for the person. */
export async function checkKey(key: string, transportFor: (key: string) => Transport = (k) => apiTransport(k, () => {})): Promise<void> {
  try {
    await createClient(ApiKeyService, transportFor(key)).getCurrentUser({});
  } catch (e) {
    const err = ConnectError.from(e);
    throw new Error(
      err.code === Code.Unauthenticated || err.code === Code.PermissionDenied
        ? "That key was not accepted. Check that you copied all of it, and that it has not been revoked."
        : `Could not reach Trainyard: ${err.rawMessage}`,
    );
  }
}
