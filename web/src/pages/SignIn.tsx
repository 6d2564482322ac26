import { useEffect, useRef, useState, type FormEvent } from "react";
import type { Transport } from "@connectrpc/connect";
import { Alert, Box, Button, Divider, Paper, TextField, Typography } from "@mui/material";
import { useAuth } from "../lib/auth";
import { exchangeGoogleCredential, fetchAuthConfig, loadGoogleIdentity, type AuthConfig, type GoogleIdentity } from "../lib/google";

/** What the sign-in page talks to; the defaults are the server that served the page and Google. */
export interface SignInProps {
  /** The server's base URL (the page's origin by default). */
  baseUrl?: string;
  /** The Connect transport that checks a key (tests pass an in-memory server). */
  transportFor?: (key: string) => Transport;
  /** Loads Google Identity Services; called only when the server offers Google sign-in. */
  loadGoogle?: () => Promise<GoogleIdentity>;
}

/**
 * The sign-in page: an API key in a password field, and "Sign in with Google" when the server
 * offers it. Nothing that needs a credential is sent until the person submits the form; then
 * GetCurrentUser checks the key before it is kept. A Google sign-in is exchanged for a session
 * token, which the app keeps and sends like a key.
 */
export function SignIn({ baseUrl = location.origin, transportFor, loadGoogle = loadGoogleIdentity }: SignInProps) {
  const { signIn, notice } = useAuth();
  const [key, setKey] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const [config, setConfig] = useState<AuthConfig | null>(null);

  useEffect(() => {
    let live = true;
    void fetchAuthConfig(baseUrl).then((c) => live && setConfig(c));
    return () => {
      live = false;
    };
  }, [baseUrl]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const k = key.trim();
    if (!k) {
      setError("Paste your API key to sign in.");
      return;
    }
    setBusy(true);
    setError("");
    try {
      const { checkKey } = await import("../lib/checkKey");
      await checkKey(k, transportFor);
      signIn(k);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  async function google(credential: string) {
    setBusy(true);
    setError("");
    try {
      signIn(await exchangeGoogleCredential(credential, baseUrl));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box sx={{ display: "flex", justifyContent: "center", mt: { xs: 2, md: 6 } }}>
      <Paper sx={{ p: { xs: 3, sm: 4 }, width: "100%", maxWidth: 460 }}>
        <Typography variant="h4" component="h1" gutterBottom>
          Sign in
        </Typography>
        <Typography color="text.secondary" sx={{ mb: 3 }}>
          Describe what you want to predict, upload your data, and Trainyard trains, explains and deploys a model for you.
        </Typography>
        {notice && !error && (
          <Alert severity="info" sx={{ mb: 3 }} role="status">
            {notice}
          </Alert>
        )}
        {config?.googleClientId && (
          <>
            <GoogleButton clientId={config.googleClientId} load={loadGoogle} onCredential={google} onError={setError} />
            <Divider sx={{ my: 3, color: "text.secondary", fontSize: 14 }}>or use an API key</Divider>
          </>
        )}
        <Box component="form" onSubmit={submit} noValidate aria-label="Sign in with an API key">
          {/* A hidden user name lets password managers file the key under this site. */}
          <input type="text" name="username" autoComplete="username" value="api-key" readOnly hidden />
          <TextField
            label="API key"
            type="password"
            name="apiKey"
            autoComplete="current-password"
            value={key}
            onChange={(e) => setKey(e.target.value)}
            fullWidth
            autoFocus={!config?.googleClientId}
            required
            error={!!error}
            helperText="The key printed when the server first started, or one an admin created for you."
          />
          {error && (
            <Alert severity="error" sx={{ mt: 2 }} role="alert">
              {error}
            </Alert>
          )}
          <Button type="submit" variant="contained" size="large" fullWidth sx={{ mt: 3 }} disabled={busy}>
            {busy ? "Checking…" : "Sign in"}
          </Button>
        </Box>
        <Typography variant="body2" color="text.secondary" sx={{ mt: 3 }}>
          No key? On the server, run
          <Box component="code" sx={{ display: "block", my: 1, p: 1, bgcolor: "#f1f3f1", borderRadius: 1, overflowX: "auto" }}>
            trainyard admin create-key --email you@example.com
          </Box>
          The first key is also saved in <code>~/.config/trainyard/credentials.json</code> on the machine that started the server.
        </Typography>
      </Paper>
    </Box>
  );
}

/** Google's own "Sign in with Google" button, drawn by Google Identity Services into a box. */
function GoogleButton({ clientId, load, onCredential, onError }: { clientId: string; load: () => Promise<GoogleIdentity>; onCredential: (idToken: string) => void; onError: (msg: string) => void }) {
  const box = useRef<HTMLDivElement>(null);
  const [ready, setReady] = useState(false);
  // The callbacks change on every render; Google keeps the first one it was given.
  const cb = useRef(onCredential);
  cb.current = onCredential;

  useEffect(() => {
    let live = true;
    load().then(
      (id) => {
        if (!live || !box.current) return;
        id.initialize({ client_id: clientId, callback: (r) => cb.current(r.credential), ux_mode: "popup" });
        id.renderButton(box.current, { type: "standard", theme: "outline", size: "large", text: "signin_with", shape: "rectangular", logo_alignment: "left", width: Math.min(box.current.clientWidth || 392, 400) });
        setReady(true);
      },
      (e: unknown) => live && onError(`Google sign-in is unavailable: ${e instanceof Error ? e.message : String(e)}. Use an API key instead.`),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clientId, load]);

  return (
    <Box role="group" aria-label="Sign in with Google" aria-busy={!ready} sx={{ minHeight: 44, display: "flex", justifyContent: "center" }}>
      <div ref={box} style={{ width: "100%", display: "flex", justifyContent: "center" }} />
    </Box>
  );
}
