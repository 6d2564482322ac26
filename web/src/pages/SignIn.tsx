import { useState, type FormEvent } from "react";
import { createClient, ConnectError, Code, type Transport } from "@connectrpc/connect";
import { Alert, Box, Button, Paper, TextField, Typography } from "@mui/material";
import { ApiKeyService } from "@gen/trainyard/v1/api_key_service_pb.js";
import { useAuth } from "../lib/auth";
import { apiTransport } from "../lib/transport";

/**
 * The sign-in page: an API key in a password field. Nothing is sent to the server until the
 * person submits the form; then GetCurrentUser checks the key before it is kept.
 */
export function SignIn({ transportFor = (k: string) => apiTransport(k, () => {}) }: { transportFor?: (key: string) => Transport }) {
  const { signIn } = useAuth();
  const [key, setKey] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

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
      const client = createClient(ApiKeyService, transportFor(k));
      await client.getCurrentUser({});
      signIn(k);
    } catch (e) {
      const err = ConnectError.from(e);
      setError(err.code === Code.Unauthenticated || err.code === Code.PermissionDenied ? "That key was not accepted. Check that you copied all of it, and that it has not been revoked." : `Could not reach Trainyard: ${err.rawMessage}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box sx={{ display: "flex", justifyContent: "center", mt: { xs: 2, md: 8 } }}>
      <Paper sx={{ p: 4, width: "100%", maxWidth: 460 }}>
        <Typography variant="h4" component="h1" gutterBottom>
          Sign in
        </Typography>
        <Typography color="text.secondary" sx={{ mb: 3 }}>
          Describe what you want to predict, upload your data, and Trainyard trains, explains and deploys a model for you.
        </Typography>
        <Box component="form" onSubmit={submit} noValidate aria-label="Sign in">
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
            autoFocus
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
          <Box component="code" sx={{ display: "block", my: 1, p: 1, bgcolor: "#f1f3f1", borderRadius: 1 }}>
            trainyard admin create-key --email you@example.com
          </Box>
          The first key is also saved in <code>~/.config/trainyard/credentials.json</code> on the machine that started the server.
        </Typography>
      </Paper>
    </Box>
  );
}
