import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  AlertTitle,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControl,
  InputLabel,
  MenuItem,
  Paper,
  Select,
  Skeleton,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ApiKeyService, Role, type ApiKey } from "@trainyard/client";
import { useAuth } from "../lib/auth";
import { formatTime } from "../lib/format";
import { copyText } from "../lib/clipboard";

/** Whether a key has stopped working (revoked keys are listed with their revoke time as expiry). */
export function stopped(k: ApiKey, now = Date.now()): boolean {
  return !!k.expireTime && timestampDate(k.expireTime).getTime() <= now;
}

const roleLabel: Record<Role, string> = {
  [Role.UNSPECIFIED]: "—",
  [Role.ADMIN]: "Admin",
  [Role.MEMBER]: "Member",
  [Role.VIEWER]: "Viewer (read only)",
};

/** API keys: create (the secret is shown once), list, revoke. */
export function ApiKeysPage() {
  const qc = useQueryClient();
  const { apiKey } = useAuth();
  const list = useQuery(ApiKeyService.method.listApiKeys, { pageSize: 100 });
  // The keys list shows only a prefix of each key: the signed-in key is the one it starts.
  const signedInWith = (k: ApiKey) => !!k.prefix && apiKey.startsWith(k.prefix);
  // Working keys first; revoked and expired ones stay listed, greyed, as a record.
  const keys = [...(list.data?.apiKeys ?? [])].sort((a, b) => Number(stopped(a)) - Number(stopped(b)));
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>(Role.MEMBER);
  const [modelId, setModelId] = useState("");
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [revoke, setRevoke] = useState<ApiKey | null>(null);
  const [copied, setCopied] = useState(false);
  const create = useMutation(ApiKeyService.method.createApiKey, {
    onSuccess: (k) => {
      setCreated(k);
      setName("");
      setModelId("");
      void qc.invalidateQueries();
    },
  });
  const del = useMutation(ApiKeyService.method.deleteApiKey, { onSuccess: () => void qc.invalidateQueries() });

  function submit(e: FormEvent) {
    e.preventDefault();
    setCopied(false);
    create.mutate({ apiKey: { displayName: name.trim(), role, modelId: modelId.trim() } });
  }

  return (
    <Box sx={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 3 }}>
      <Typography variant="h4" component="h1">
        API keys
      </Typography>
      <Typography color="text.secondary">Keys let programs call Trainyard: the SDKs, the CLI, or your own code. Give each program its own key, so you can revoke one without breaking the others.</Typography>
      <Paper sx={{ p: 3 }} component="form" onSubmit={submit} aria-labelledby="create-h">
        <Typography id="create-h" variant="h6" component="h2" gutterBottom>
          Create a key
        </Typography>
        <Box sx={{ display: "flex", gap: 2, flexWrap: "wrap", alignItems: "flex-start" }}>
          <TextField size="small" label="Name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. nightly scoring job" sx={{ minWidth: 260 }} required />
          <FormControl size="small" sx={{ minWidth: 200 }}>
            <InputLabel id="role-l">Role</InputLabel>
            <Select labelId="role-l" label="Role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {[Role.MEMBER, Role.VIEWER, Role.ADMIN].map((r) => (
                <MenuItem key={r} value={r}>
                  {roleLabel[r]}
                </MenuItem>
              ))}
            </Select>
          </FormControl>
          <TextField size="small" label="Only for model (optional)" value={modelId} onChange={(e) => setModelId(e.target.value)} helperText="A model id limits the key to that model's predictions." sx={{ minWidth: 280 }} />
          <Button type="submit" variant="contained" disabled={!name.trim() || create.isPending}>
            Create key
          </Button>
        </Box>
        {create.error && (
          <Alert severity="error" sx={{ mt: 2 }}>
            {create.error.rawMessage}
          </Alert>
        )}
        {created && (
          <Alert severity="success" sx={{ mt: 2 }} onClose={() => setCreated(null)}>
            <AlertTitle>Key “{created.displayName}” created. Copy it now: it is shown only once.</AlertTitle>
            <Box sx={{ display: "flex", gap: 1, alignItems: "center", flexWrap: "wrap" }}>
              <Box component="code" data-testid="new-secret" sx={{ p: 1, bgcolor: "#fff", border: "1px solid #c8e6c9", borderRadius: 1, wordBreak: "break-all" }}>
                {created.secret}
              </Box>
              <Button
                size="small"
                variant="outlined"
                onClick={async () => {
                  setCopied(await copyText(created.secret));
                }}
              >
                {copied ? "Copied" : "Copy"}
              </Button>
            </Box>
          </Alert>
        )}
      </Paper>
      <TableContainer component={Paper}>
        <Table aria-label="Your API keys">
          <TableHead>
            <TableRow>
              <TableCell>Name</TableCell>
              <TableCell sx={{ whiteSpace: "nowrap" }}>Key starts with</TableCell>
              <TableCell>Role</TableCell>
              <TableCell>Created</TableCell>
              <TableCell>Last used</TableCell>
              <TableCell>
                <span className="visually-hidden">Actions</span>
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {list.isPending && (
              <TableRow>
                <TableCell colSpan={6}>
                  <Skeleton />
                </TableCell>
              </TableRow>
            )}
            {keys.map((k) => {
              const off = stopped(k);
              const mine = signedInWith(k);
              return (
                <TableRow key={k.id} sx={off ? { "& > td": { color: "text.secondary" } } : undefined}>
                  <TableCell sx={{ fontWeight: 600 }}>
                    {k.displayName || "(no name)"}
                    {mine && <Chip label="signed in with this key" size="small" variant="outlined" sx={{ display: "flex", width: "fit-content", mt: 0.5, fontWeight: 400 }} />}
                    {k.modelId && (
                      <Typography variant="body2" color="text.secondary">
                        model {k.modelId}
                      </Typography>
                    )}
                    {!off && k.expireTime && (
                      <Typography variant="body2" color="text.secondary">
                        expires {formatTime(k.expireTime)}
                      </Typography>
                    )}
                  </TableCell>
                  <TableCell>
                    <code>{k.prefix}…</code>
                  </TableCell>
                  <TableCell>{roleLabel[k.role]}</TableCell>
                  <TableCell>{formatTime(k.createTime)}</TableCell>
                  <TableCell>{k.lastUseTime ? formatTime(k.lastUseTime) : "never"}</TableCell>
                  <TableCell align="right">
                    {off ? (
                      <Typography variant="body2" color="text.secondary">
                        Stopped
                        <br />
                        <Typography component="span" variant="caption">
                          {formatTime(k.expireTime)}
                        </Typography>
                      </Typography>
                    ) : (
                      <Button color="error" size="small" onClick={() => setRevoke(k)} aria-label={`Revoke ${k.displayName || k.prefix}`}>
                        Revoke
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
      {list.error && <Alert severity="error">{list.error.rawMessage}</Alert>}
      <Dialog open={!!revoke} onClose={() => setRevoke(null)} aria-labelledby="revoke-h">
        <DialogTitle id="revoke-h">Revoke “{revoke?.displayName}”?</DialogTitle>
        <DialogContent>
          <DialogContentText>
            Programs using this key stop working at once.
            {revoke && signedInWith(revoke) ? " You are signed in with this key: revoking it signs you out." : ""}
          </DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setRevoke(null)}>Keep it</Button>
          <Button
            color="error"
            onClick={() => {
              if (revoke) del.mutate({ name: revoke.name });
              setRevoke(null);
            }}
          >
            Revoke
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
