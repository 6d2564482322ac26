import { Accordion, AccordionDetails, AccordionSummary, Box, Chip, LinearProgress, Paper, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { useEffect, useMemo } from "react";
import { useQuery } from "@connectrpc/connect-query";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { DecisionType, type AuditEntry, ProjectService } from "@trainyard/client";
import { enumWords, stageLabel } from "../lib/format";

/** Plain words for a confidence between 0 and 1. A decision's confidence is the chance that its
 * choice is the better of it and the runner-up: 0.5 at a tie a rule broke, 0.6 for suitabilities
 * of 0.55 over 0.45, near 1 for a clear choice. A low one is thus a close call between options
 * that may all be fine, not a doubt about the choice. */
export function confidenceWords(c: number): string {
  if (c >= 0.85) return "clear choice";
  if (c >= 0.6) return "fairly clear";
  return "close call";
}

/**
 * Merges the full audit entries (ListAuditEntries) with the summaries the progress stream
 * carries: a decision the list does not have yet shows as its summary until the next fetch.
 */
export function mergeDecisions(full: AuditEntry[], streamed: AuditEntry[]): AuditEntry[] {
  const ids = new Set(full.map((d) => d.id));
  const out = [...full, ...streamed.filter((d) => !ids.has(d.id))];
  return out.sort((a, b) => (a.sequence < b.sequence ? -1 : a.sequence > b.sequence ? 1 : 0));
}

/**
 * Follows a project's decisions: the stream's summaries at once, and the full entries (with
 * reasoning, alternatives and evidence) fetched again whenever a new decision arrives.
 */
export function useDecisions(project: string, streamed: AuditEntry[]): AuditEntry[] {
  const q = useQuery(ProjectService.method.listAuditEntries, { parent: project, pageSize: 1000 });
  const { refetch } = q;
  const count = streamed.length;
  useEffect(() => {
    if (count === 0) return;
    const t = setTimeout(() => void refetch(), 400);
    return () => clearTimeout(t);
  }, [count, refetch]);
  return useMemo(() => mergeDecisions(q.data?.auditEntries ?? [], streamed), [q.data, streamed]);
}

/** The decision log: each decision with its reasoning and confidence, expandable for detail. */
export function DecisionLog({ decisions }: { decisions: AuditEntry[] }) {
  return (
    <Paper sx={{ p: 3 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        Decisions{" "}
        <Typography component="span" color="text.secondary">
          ({decisions.length})
        </Typography>
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
        Every choice the agents made, why, and how clearly it beat the alternatives. Open one to see them and the evidence.
      </Typography>
      {decisions.length === 0 && <Typography color="text.secondary">No decisions yet.</Typography>}
      <Box data-testid="decision-log">
        {decisions.map((d) => (
          <Decision key={d.sequence.toString() + d.id} d={d} />
        ))}
      </Box>
    </Paper>
  );
}

function Decision({ d }: { d: AuditEntry }) {
  const pct = Math.round(d.confidence * 100);
  const ev = Object.entries(d.evidence ?? {});
  return (
    <Accordion disableGutters variant="outlined" sx={{ "&:before": { display: "none" }, mb: 1 }}>
      <AccordionSummary expandIcon={<span aria-hidden="true">▾</span>} aria-label={`${enumWords(DecisionType[d.decisionType])}: ${d.decision}`}>
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "minmax(0, 1fr)", md: "160px minmax(0, 1fr) 150px" }, gap: 1, alignItems: "center", width: "100%", pr: 1 }}>
          <Typography variant="body2" color="text.secondary">
            {enumWords(DecisionType[d.decisionType])}
          </Typography>
          <Typography sx={{ fontWeight: 600, overflowWrap: "anywhere" }}>{d.decision}</Typography>
          <Box>
            <Typography variant="caption" color="text.secondary">
              {pct}% · {confidenceWords(d.confidence)}
            </Typography>
            <LinearProgress variant="determinate" value={pct} color={d.confidence >= 0.85 ? "success" : d.confidence >= 0.6 ? "primary" : "warning"} aria-label={`Confidence ${pct}%`} sx={{ height: 4, borderRadius: 2 }} />
          </Box>
        </Box>
      </AccordionSummary>
      <AccordionDetails>
        <Typography sx={{ mb: 1, overflowWrap: "anywhere" }}>{d.reasoning || "Loading the reasoning…"}</Typography>
        <Box sx={{ display: "flex", gap: 1, flexWrap: "wrap", mb: 1 }}>
          <Chip size="small" label={stageLabel[d.stage]} />
          {d.reasoner && <Chip size="small" variant="outlined" label={`decided by: ${d.reasoner}`} />}
        </Box>
        {d.alternatives.length > 0 && (
          <>
            <Typography variant="subtitle2" sx={{ mt: 2 }}>
              Alternatives considered
            </Typography>
            <Table size="small" aria-label="Alternatives">
              <TableHead>
                <TableRow>
                  <TableCell>Option</TableCell>
                  <TableCell align="right">Score</TableCell>
                  <TableCell>Note</TableCell>
                </TableRow>
              </TableHead>
              <TableBody>
                {d.alternatives.map((a, i) => (
                  <TableRow key={i}>
                    <TableCell>{a.option}</TableCell>
                    <TableCell align="right">{a.score === undefined ? "—" : Number(a.score.toPrecision(3))}</TableCell>
                    <TableCell>{a.note}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </>
        )}
        {ev.length > 0 && (
          <>
            <Typography variant="subtitle2" sx={{ mt: 2 }}>
              Evidence
            </Typography>
            <Box component="dl" sx={{ display: "grid", gridTemplateColumns: "max-content 1fr", columnGap: 2, rowGap: 0.5, m: 0 }}>
              {ev.map(([k, v]) => (
                <Box key={k} sx={{ display: "contents" }}>
                  <Typography component="dt" variant="body2" color="text.secondary">
                    {k}
                  </Typography>
                  <Typography component="dd" variant="body2" sx={{ m: 0, wordBreak: "break-word", minWidth: 0 }}>
                    <EvidenceValue v={v} />
                  </Typography>
                </Box>
              ))}
            </Box>
          </>
        )}
      </AccordionDetails>
    </Accordion>
  );
}

/** Shows one evidence value: a list of records as a small table, a list as text, JSON otherwise. */
function EvidenceValue({ v }: { v: JsonValue }) {
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x !== null && typeof x === "object" && !Array.isArray(x))) {
    const rows = v as JsonObject[];
    // Name-like keys first, so each row reads from what it is about.
    const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort((a, b) => rank(a) - rank(b));
    return (
      <Box sx={{ overflowX: "auto" }}>
        <Table size="small" aria-label="Evidence">
          <TableHead>
            <TableRow>
              {keys.map((k) => (
                <TableCell key={k}>{k.replace(/_/g, " ")}</TableCell>
              ))}
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.slice(0, 50).map((r, i) => (
              <TableRow key={i}>
                {keys.map((k) => (
                  <TableCell key={k}>{r[k] === undefined ? "" : typeof r[k] === "object" ? JSON.stringify(r[k]) : String(r[k])}</TableCell>
                ))}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
    );
  }
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return <>{v.map(String).join(", ")}</>;
  if (v !== null && typeof v === "object") return <Box component="code" sx={{ fontSize: 12 }}>{JSON.stringify(v)}</Box>;
  return <>{String(v)}</>;
}

function rank(key: string): number {
  return ["column", "name", "feature", "option", "learner"].includes(key) ? 0 : 1;
}
