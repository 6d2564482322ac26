import { useState } from "react";
import { useMutation } from "@connectrpc/connect-query";
import { Alert, Box, Button, Chip, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Paper, TextField, Typography } from "@mui/material";
import { ProjectService, type Project } from "@trainyard/client";
import { formatDuration, metricName, problemLabel } from "../lib/format";

/** The training plan awaiting approval: approve (optionally with another budget or fewer families) or reject. */
export function ApprovalPanel({ project, onDone }: { project: Project; onDone: () => void }) {
  const plan = project.plan;
  const planBudget = Number(plan?.budget?.seconds ?? project.budget?.seconds ?? 0n);
  const [budgetMin, setBudgetMin] = useState(planBudget ? String(Math.round((planBudget / 60) * 10) / 10) : "");
  const [families, setFamilies] = useState<string[]>(plan?.modelFamilies ?? []);
  const [confirmReject, setConfirmReject] = useState(false);
  const approve = useMutation(ProjectService.method.approveProject, { onSuccess: onDone });
  const reject = useMutation(ProjectService.method.rejectProject, { onSuccess: onDone });
  if (!plan) return null;
  const seconds = Math.round(Number(budgetMin) * 60);
  const budgetError = !(seconds >= 1 && seconds <= 86400) ? "Between 1 second and 24 hours (1440 minutes)." : "";
  const changedBudget = seconds !== planBudget;
  const changedFamilies = families.length !== plan.modelFamilies.length;
  const err = approve.error ?? reject.error;

  return (
    <Paper sx={{ p: 3, borderColor: "warning.main", borderWidth: 2 }} component="section" aria-labelledby="plan-h">
      <Typography id="plan-h" variant="h6" component="h2" gutterBottom>
        Your approval is needed: the training plan
      </Typography>
      <Box component="dl" sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "200px 1fr" }, rowGap: 1.5, columnGap: 2, m: 0 }}>
        <Term>Target (what to predict)</Term>
        <Def>
          <strong>{plan.targetColumn}</strong>
        </Def>
        <Term>Problem type</Term>
        <Def>{problemLabel[plan.problemType]}</Def>
        <Term>Metric</Term>
        <Def>{metricName(plan.metric)}</Def>
        <Term>Model families</Term>
        <Def>
          <Box sx={{ display: "flex", gap: 1, flexWrap: "wrap" }} role="group" aria-label="Model families to train">
            {plan.modelFamilies.map((f) => {
              const on = families.includes(f);
              return (
                <Chip
                  key={f}
                  label={f}
                  color={on ? "primary" : "default"}
                  variant={on ? "filled" : "outlined"}
                  aria-pressed={on}
                  onClick={() => setFamilies(on ? families.filter((x) => x !== f) : [...families, f])}
                />
              );
            })}
          </Box>
          <Typography variant="caption" color="text.secondary">
            Click a family to leave it out.
          </Typography>
        </Def>
        <Term>Budget</Term>
        <Def>
          <TextField
            size="small"
            type="number"
            label="Minutes"
            value={budgetMin}
            onChange={(e) => setBudgetMin(e.target.value)}
            error={!!budgetError}
            helperText={budgetError || (planBudget ? `The plan proposes ${formatDuration(planBudget)}.` : "")}
            slotProps={{ htmlInput: { min: 0.1, max: 1440, step: "any" } }}
          />
        </Def>
        {plan.droppedColumns.length > 0 && (
          <>
            <Term>Columns left out</Term>
            <Def>
              {plan.droppedColumns.map((d) => (
                <div key={d.column}>
                  <strong>{d.column}</strong>: {d.reason}
                </div>
              ))}
            </Def>
          </>
        )}
        {plan.reasoning && (
          <>
            <Term>Why</Term>
            <Def>{plan.reasoning}</Def>
          </>
        )}
      </Box>
      {err && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {err.rawMessage}
        </Alert>
      )}
      <Box sx={{ display: "flex", gap: 2, mt: 3, flexWrap: "wrap" }}>
        <Button
          variant="contained"
          disabled={!!budgetError || families.length === 0 || approve.isPending}
          onClick={() =>
            approve.mutate({
              name: project.name,
              budget: changedBudget ? { seconds: BigInt(seconds) } : undefined,
              modelFamilies: changedFamilies ? families : [],
            })
          }
        >
          {changedBudget || changedFamilies ? "Approve with changes" : "Approve and train"}
        </Button>
        <Button color="error" variant="outlined" onClick={() => setConfirmReject(true)} disabled={reject.isPending}>
          Reject plan
        </Button>
      </Box>
      <Dialog open={confirmReject} onClose={() => setConfirmReject(false)} aria-labelledby="reject-h">
        <DialogTitle id="reject-h">Reject this plan?</DialogTitle>
        <DialogContent>
          <DialogContentText>The project stops without training. You can start a new project with a clearer description.</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirmReject(false)}>Keep it</Button>
          <Button
            color="error"
            onClick={() => {
              setConfirmReject(false);
              reject.mutate({ name: project.name });
            }}
          >
            Reject
          </Button>
        </DialogActions>
      </Dialog>
    </Paper>
  );
}

function Term({ children }: { children: React.ReactNode }) {
  return (
    <Typography component="dt" color="text.secondary">
      {children}
    </Typography>
  );
}

function Def({ children }: { children: React.ReactNode }) {
  return (
    <Typography component="dd" sx={{ m: 0 }}>
      {children}
    </Typography>
  );
}
