import { Accordion, AccordionDetails, AccordionSummary, Box, Chip, LinearProgress, Paper, Table, TableBody, TableCell, TableHead, TableRow, Typography } from "@mui/material";
import { DecisionType, type AuditEntry } from "@gen/trainyard/v1/project_pb.js";
import { enumWords, stageLabel } from "../lib/format";

/** Plain words for a confidence between 0 and 1. */
export function confidenceWords(c: number): string {
  if (c >= 0.85) return "high confidence";
  if (c >= 0.6) return "fair confidence";
  return "low confidence";
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
        Every choice the agents made, why, and how sure they were. Open one to see the alternatives and the evidence.
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
        <Typography sx={{ mb: 1, overflowWrap: "anywhere" }}>{d.reasoning}</Typography>
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
                  <Typography component="dd" variant="body2" sx={{ m: 0, fontFamily: typeof v === "object" ? "monospace" : undefined, wordBreak: "break-word" }}>
                    {typeof v === "object" ? JSON.stringify(v) : String(v)}
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
