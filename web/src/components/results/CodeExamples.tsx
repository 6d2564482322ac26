import { useState } from "react";
import { Box, Button, Paper, Tab, Tabs, Typography } from "@mui/material";
import { copyText } from "../../lib/clipboard";
import type { CodeExamples as CE } from "@trainyard/client";

/** The model's code examples, one tab per language, each with a copy button. */
export function CodeExamples({ code }: { code: CE }) {
  const all = [
    { id: "curl", label: "curl", text: code.curl },
    { id: "python", label: "Python", text: code.python },
    { id: "typescript", label: "TypeScript", text: code.typescript },
    { id: "grpcurl", label: "grpcurl", text: code.grpcurl },
    { id: "tritonclient", label: "Triton client", text: code.tritonclient },
  ].filter((x) => x.text);
  const [tab, setTab] = useState(0);
  const [copied, setCopied] = useState("");
  if (!all.length) return <Typography color="text.secondary">No code examples for this model.</Typography>;
  const cur = all[Math.min(tab, all.length - 1)];
  async function copy() {
    setCopied((await copyText(cur.text)) ? cur.id : "");
    setTimeout(() => setCopied(""), 2500);
  }
  return (
    <Box>
      <Tabs value={Math.min(tab, all.length - 1)} onChange={(_, v) => setTab(v)} aria-label="Code example language" variant="scrollable" scrollButtons={false}>
        {all.map((x) => (
          <Tab key={x.id} label={x.label} id={`code-tab-${x.id}`} aria-controls="code-panel" />
        ))}
      </Tabs>
      <Paper id="code-panel" role="tabpanel" aria-labelledby={`code-tab-${cur.id}`} sx={{ position: "relative", mt: 1, bgcolor: "#1e2420" }}>
        <Button size="small" variant="contained" color={copied === cur.id ? "success" : "inherit"} onClick={copy} sx={{ position: "absolute", right: 8, top: 8, color: "#1c1f1c", bgcolor: copied === cur.id ? undefined : "#e8ece8" }} aria-label={copied === cur.id ? `Copied the ${cur.label} example` : `Copy the ${cur.label} example`}>
          {copied === cur.id ? "Copied" : "Copy"}
        </Button>
        <Box component="pre" tabIndex={0} sx={{ m: 0, p: 2, pr: 12, color: "#e8ece8", overflowX: "auto", fontSize: 13, fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace" }}>
          <code>{cur.text}</code>
        </Box>
      </Paper>
      <Typography variant="body2" color="text.secondary" sx={{ mt: 1 }}>
        Replace <code>$TRAINYARD_API_KEY</code> with a key from the API keys page (a key limited to this model is safest).
      </Typography>
    </Box>
  );
}
