// Google sign-in: the server says whether it is configured (GET /api/v1/auth/config), Google
// Identity Services turns a click into an ID token, and POST /api/v1/auth/google exchanges that
// for a Trainyard session token, which the app then sends like an API key.

/** What GET /api/v1/auth/config answers. */
export interface AuthConfig {
  /** The OAuth client ID of Google sign-in; "" when the server does not offer it. */
  googleClientId: string;
}

/** The part of Google Identity Services (google.accounts.id) the sign-in page uses. */
export interface GoogleIdentity {
  initialize(o: { client_id: string; callback: (r: { credential: string }) => void; ux_mode?: "popup" | "redirect"; auto_select?: boolean }): void;
  renderButton(parent: HTMLElement, o: Record<string, string | number>): void;
}

/** The script that defines window.google.accounts.id. */
export const googleScriptUrl = "https://accounts.google.com/gsi/client";

/** Asks the server which sign-in methods it offers; a server too old to say offers keys only. */
export async function fetchAuthConfig(baseUrl = location.origin): Promise<AuthConfig> {
  try {
    const res = await fetch(`${baseUrl}/api/v1/auth/config`, { headers: { Accept: "application/json" } });
    if (!res.ok) return { googleClientId: "" };
    const j = (await res.json()) as Partial<AuthConfig>;
    return { googleClientId: typeof j.googleClientId === "string" ? j.googleClientId : "" };
  } catch {
    return { googleClientId: "" };
  }
}

let loading: Promise<GoogleIdentity> | null = null;

/** Loads Google Identity Services once (only called when the server offers Google sign-in). */
export function loadGoogleIdentity(): Promise<GoogleIdentity> {
  loading ??= new Promise<GoogleIdentity>((resolve, reject) => {
    const s = document.createElement("script");
    s.src = googleScriptUrl;
    s.async = true;
    s.onload = () => {
      const id = (window as unknown as { google?: { accounts?: { id?: GoogleIdentity } } }).google?.accounts?.id;
      if (id) resolve(id);
      else reject(new Error("Google sign-in did not load"));
    };
    s.onerror = () => {
      loading = null;
      reject(new Error("Google sign-in could not be reached"));
    };
    document.head.appendChild(s);
  });
  return loading;
}

/** A failed exchange, with a message for the person. */
export class SignInError extends Error {}

/** Exchanges a Google ID token for a Trainyard session token. */
export async function exchangeGoogleCredential(idToken: string, baseUrl = location.origin): Promise<string> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl}/api/v1/auth/google`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ idToken }),
    });
  } catch {
    throw new SignInError("Could not reach Trainyard to finish signing in.");
  }
  const j = (await res.json().catch(() => ({}))) as { sessionToken?: string; message?: string };
  if (res.ok && j.sessionToken) return j.sessionToken;
  if (res.status === 409) throw new SignInError(j.message || "That Google account conflicts with an existing Trainyard account.");
  if (res.status === 401) throw new SignInError("Google sign-in was not accepted by this server. Ask an admin whether your account may sign in.");
  throw new SignInError(j.message ? `Sign-in failed: ${j.message}` : `Sign-in failed (HTTP ${res.status}).`);
}
