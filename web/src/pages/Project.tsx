import { lazy, Suspense, useCallback, useState } from "react";
import { useMutation, useQuery, useTransport } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, AlertTitle, Box, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Link, Skeleton, Typography } from "@mui/material";
import { LabelingTaskState, ProjectService, PipelineStage, type Project } from "@trainyard/client";
import { formatTime, isTerminal, stageLabel } from "../lib/format";
import { useProjectWatch } from "../lib/watch";
import { useLinkClick } from "../lib/router";
import { StageChip } from "../components/StageChip";
import { LogView, ProgressPanel } from "../components/Progress";
import { DecisionLog, useDecisions } from "../components/DecisionLog";
import { ApprovalPanel } from "../components/Approval";
import { LabelingPanel } from "../components/Labeling";

// The results (charts, playground, batch, report) are only for completed projects: their own chunk.
const Results = lazy(() => import("../components/results/Results").then((m) => ({ default: m.Results })));

/** One project: live progress, approval, results, and the decision log. */
export function ProjectPage({ id }: { id: string }) {
  const name = `projects/${id}`;
  const q = useQuery(ProjectService.method.getProject, { name }, { refetchInterval: (s) => (s.state.data && isTerminal(s.state.data.currentStage) ? false : 15_000) });
  const back = useLinkClick("/");
  if (q.error)
    return (
      <Alert severity="error">
        {q.error.rawMessage}{" "}
        <Link href="/" onClick={back}>
          Back to your projects
        </Link>
      </Alert>
    );
  if (!q.data) return <Skeleton variant="rounded" height={300} />;
  return <ProjectView project={q.data} />;
}

function ProjectView({ project }: { project: Project }) {
  const transport = useTransport();
  const qc = useQueryClient();
  const refetch = useCallback(() => {
    void qc.invalidateQueries();
  }, [qc]);
  const w = useProjectWatch(transport, project.name, project.currentStage, refetch);
  const decisions = useDecisions(project.name, w.decisions);
  // The stream is fresher than the last fetch of the project, except for fields only GetProject has.
  const stage = w.lastSequence > 0n ? w.stage : project.currentStage;
  const [confirmCancel, setConfirmCancel] = useState(false);
  const cancel = useMutation(ProjectService.method.cancelProject, { onSuccess: refetch });
  const terminal = isTerminal(stage);
  const completed = stage === PipelineStage.COMPLETED && project.currentStage === PipelineStage.COMPLETED && project.modelId;

  return (
    <Box sx={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 3 }}>
      <Box sx={{ display: "flex", gap: 2, alignItems: "flex-start", flexWrap: "wrap" }}>
        <Box sx={{ flex: "1 1 480px", minWidth: 0 }}>
          <Typography variant="h4" component="h1" sx={{ mb: 1 }}>
            {project.displayName || project.problemDescription}
          </Typography>
          <Box sx={{ display: "flex", gap: 2, alignItems: "center", flexWrap: "wrap" }}>
            <StageChip stage={stage} size="medium" />
            <Typography variant="body2" color="text.secondary">
              Started {formatTime(project.createTime)}
              {project.analysis?.targetColumn ? ` · predicts “${project.analysis.targetColumn}”` : ""}
              {project.iteration > 1 ? ` · iteration ${project.iteration}` : ""}
            </Typography>
          </Box>
        </Box>
        {!terminal && (
          <Button color="error" variant="outlined" onClick={() => setConfirmCancel(true)} disabled={cancel.isPending}>
            Cancel project
          </Button>
        )}
      </Box>
      {cancel.error && <Alert severity="error">{cancel.error.rawMessage}</Alert>}
      {stage === PipelineStage.FAILED && project.error && (
        <Alert severity="error">
          <AlertTitle>The project failed{project.error.stage ? ` while ${stageLabel[project.error.stage].toLowerCase()}` : ""}</AlertTitle>
          {project.error.message}
          {project.error.suggestions.length > 0 && (
            <Box component="ul" sx={{ m: 0, mt: 1, pl: 2.5 }}>
              {project.error.suggestions.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </Box>
          )}
        </Alert>
      )}
      {stage === PipelineStage.CANCELLED && <Alert severity="info">This project was cancelled.</Alert>}
      {stage === PipelineStage.AWAITING_APPROVAL &&
        project.currentStage === PipelineStage.AWAITING_APPROVAL &&
        (project.labelingTask?.state === LabelingTaskState.OPEN ? (
          <LabelingPanel project={project} task={project.labelingTask} onDone={refetch} />
        ) : (
          <ApprovalPanel project={project} onDone={refetch} />
        ))}
      {completed && (
        <Suspense fallback={<Skeleton variant="rounded" height={360} aria-label="Loading the results" />}>
          <Results project={project} />
        </Suspense>
      )}
      <ProgressPanel w={{ ...w, stage }} requiresApproval={project.requiresApproval} />
      {/* While it runs the log is the liveliest part, so it comes first; afterwards the decisions. */}
      {!terminal && <LogView logs={w.logs} />}
      <DecisionLog decisions={decisions} />
      {terminal && <LogView logs={w.logs} />}
      <Dialog open={confirmCancel} onClose={() => setConfirmCancel(false)} aria-labelledby="cancel-h">
        <DialogTitle id="cancel-h">Cancel this project?</DialogTitle>
        <DialogContent>
          <DialogContentText>The agents stop where they are; nothing is trained or deployed after this.</DialogContentText>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setConfirmCancel(false)}>Keep going</Button>
          <Button
            color="error"
            onClick={() => {
              setConfirmCancel(false);
              cancel.mutate({ name: project.name });
            }}
          >
            Cancel project
          </Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
