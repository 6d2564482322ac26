import { useEffect, useRef } from "react";
import { Box, LinearProgress, Paper, Step, StepLabel, Stepper, Typography, Chip } from "@mui/material";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { LogLevel, PipelineStage, type LogEntry } from "@trainyard/client";
import { formatDuration, isTerminal, stageLabel } from "../lib/format";
import type { WatchState } from "../lib/watch";

/** The stages shown in the stepper; optional ones appear once they happen. */
export function stepperStages(seen: PipelineStage[], requiresApproval: boolean): PipelineStage[] {
  const out = [PipelineStage.ANALYZING, PipelineStage.DATA_PROCESSING];
  if (seen.includes(PipelineStage.LABELING)) out.push(PipelineStage.LABELING);
  out.push(PipelineStage.MODEL_SELECTION);
  if (requiresApproval || seen.includes(PipelineStage.AWAITING_APPROVAL)) out.push(PipelineStage.AWAITING_APPROVAL);
  out.push(PipelineStage.TRAINING, PipelineStage.EVALUATION, PipelineStage.DEPLOYMENT, PipelineStage.COMPLETED);
  return out;
}

/** The stage stepper, the percent and ETA of the current stage, and the connection state. */
export function ProgressPanel({ w, requiresApproval }: { w: WatchState; requiresApproval: boolean }) {
  const stages = stepperStages(w.seenStages, requiresApproval);
  const failed = w.stage === PipelineStage.FAILED || w.stage === PipelineStage.CANCELLED;
  // On failure the stepper marks the last stage that ran.
  const lastRun = failed ? [...w.seenStages].reverse().find((s) => stages.includes(s)) : undefined;
  const active = failed ? stages.indexOf(lastRun ?? PipelineStage.ANALYZING) : stages.indexOf(w.stage);
  const done = isTerminal(w.stage);
  const pct = Math.round(Math.min(1, Math.max(0, w.stageProgress)) * 100);
  return (
    <Paper sx={{ p: 3 }}>
      <Box sx={{ display: "flex", alignItems: "center", gap: 2, mb: 2 }}>
        <Typography variant="h6" component="h2" sx={{ flex: 1 }}>
          Progress
        </Typography>
        <ConnectionChip status={w.status} done={done} />
      </Box>
      <Box sx={{ overflowX: "auto", pb: 1 }}>
        <Stepper activeStep={w.stage === PipelineStage.COMPLETED ? stages.length : active} alternativeLabel aria-label="Pipeline stages" sx={{ minWidth: 720 }}>
          {stages.map((s, i) => (
            <Step key={s} completed={w.stage === PipelineStage.COMPLETED || i < active}>
              <StepLabel error={failed && i === active} aria-current={i === active && !done ? "step" : undefined}>
                {stageLabel[s]}
              </StepLabel>
            </Step>
          ))}
        </Stepper>
      </Box>
      {w.stage === PipelineStage.AWAITING_APPROVAL && (
        // Nothing runs while the agents wait: no percent, no bar, just where the ball is.
        <Typography sx={{ mt: 3 }} aria-live="polite">
          <strong>{stageLabel[w.stage]}</strong> — nothing runs until you answer above.
        </Typography>
      )}
      {!done && w.stage !== PipelineStage.AWAITING_APPROVAL && (
        <Box sx={{ mt: 3 }} aria-live="polite">
          <Box sx={{ display: "flex", justifyContent: "space-between", mb: 1, gap: 2 }}>
            <Typography>
              <strong>{stageLabel[w.stage]}</strong>
              {w.message ? ` — ${w.message}` : ""}
            </Typography>
            <Typography color="text.secondary" sx={{ whiteSpace: "nowrap" }}>
              {pct}% of this stage{w.eta !== undefined && w.eta > 0 ? ` · about ${formatDuration(w.eta)} left` : ""}
            </Typography>
          </Box>
          <LinearProgress variant="determinate" value={pct} aria-label={`${stageLabel[w.stage]} progress`} sx={{ height: 8, borderRadius: 4 }} />
        </Box>
      )}
    </Paper>
  );
}

function ConnectionChip({ status, done }: { status: WatchState["status"]; done: boolean }) {
  if (done || status === "done") return null;
  if (status === "live") return <Chip size="small" color="success" variant="outlined" label="● Live" />;
  if (status === "reconnecting") return <Chip size="small" color="warning" label="Connection lost, reconnecting…" />;
  return <Chip size="small" variant="outlined" label="Connecting…" />;
}

const levelColor: Record<LogLevel, string> = {
  [LogLevel.UNSPECIFIED]: "#cfd8dc",
  [LogLevel.DEBUG]: "#90a4ae",
  [LogLevel.INFO]: "#e0e0e0",
  [LogLevel.WARNING]: "#ffd54f",
  [LogLevel.ERROR]: "#ff8a80",
};

/** The streaming log: follows the newest line unless the person scrolled up. */
export function LogView({ logs }: { logs: LogEntry[] }) {
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [logs.length]);
  return (
    <Paper sx={{ p: 3 }}>
      <Typography variant="h6" component="h2" gutterBottom>
        Log
      </Typography>
      <Box
        ref={box}
        role="log"
        aria-label="Pipeline log"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        sx={{ bgcolor: "#1e2420", color: "#e0e0e0", fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace", fontSize: 13, p: 2, borderRadius: 1, minHeight: 80, maxHeight: 320, overflowY: "auto" }}
      >
        {logs.length === 0 && <div style={{ color: "#b0bec5" }}>Waiting for the first log line…</div>}
        {logs.map((l, i) => (
          <div key={i} style={{ color: levelColor[l.level], whiteSpace: "pre-wrap" }}>
            <span style={{ color: "#b0bec5" }}>{l.time ? timestampDate(l.time).toLocaleTimeString() : ""}</span> {l.message}
          </div>
        ))}
      </Box>
    </Paper>
  );
}
