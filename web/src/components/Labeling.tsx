import { Fragment, useState } from "react";
import { useMutation } from "@connectrpc/connect-query";
import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Paper,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from "@mui/material";
import { ProjectService, type LabelingCluster, type LabelingRow, type LabelingTask, type Project } from "@trainyard/client";

/** A count with thousands separators. */
function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** The labels typed so far, by cluster id; empty names are left out. */
export function clusterLabels(names: Record<number, string>): Record<number, string> {
  const out: Record<number, string> = {};
  for (const [id, name] of Object.entries(names)) if (name.trim()) out[Number(id)] = name.trim();
  return out;
}

/** The labels typed so far, by row index (the key of ApproveProjectRequest.row_labels); empty ones are left out. */
export function rowLabels(labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [row, label] of Object.entries(labels)) if (label.trim()) out[row] = label.trim();
  return out;
}

/**
 * Why the labels cannot be sent yet, or "" when they can: the server needs two classes, counted
 * over the group names and the row labels together.
 */
export function labelsProblem(labels: Record<number, string>, rows: Record<string, string> = {}): string {
  const classes = new Set([...Object.values(labels), ...Object.values(rows)]);
  if (classes.size === 0) return "Name at least two groups or example rows to continue.";
  if (classes.size === 1) return "Use at least two different labels: a model needs two classes to tell apart.";
  return "";
}

/**
 * The labeling task of a project waiting for labels: a table of the clusters the agents found
 * (size, what sets each apart, example rows) with a name field per cluster. Approving sends the
 * names (ApproveProject cluster_labels) and the pipeline trains on them; groups left unnamed
 * are not trained on.
 */
export function LabelingPanel({ project, task, onDone }: { project: Project; task: LabelingTask; onDone: () => void }) {
  const [names, setNames] = useState<Record<number, string>>({});
  const [rowNames, setRowNames] = useState<Record<string, string>>({});
  const [tried, setTried] = useState(false);
  const [confirmReject, setConfirmReject] = useState(false);
  const approve = useMutation(ProjectService.method.approveProject, { onSuccess: onDone });
  const reject = useMutation(ProjectService.method.rejectProject, { onSuccess: onDone });
  const labels = clusterLabels(names);
  const rows = rowLabels(rowNames);
  const problem = labelsProblem(labels, rows);
  const rowsLabeled = Object.keys(rows).length;
  const named = Object.keys(labels).length;
  const namedRows = task.clusters.filter((c) => labels[c.id]).reduce((n, c) => n + Number(c.size), 0);
  const err = approve.error ?? reject.error;
  const known = task.knownClasses;
  // Suggestions for every label field: the values already in the data, then the names typed so far.
  const suggestions = [...new Set([...known, ...Object.values(labels), ...Object.values(rows)])];

  return (
    <Paper sx={{ p: 3, borderColor: "warning.main", borderWidth: 2 }} component="section" aria-labelledby="labeling-h">
      <Typography id="labeling-h" variant="h6" component="h2" gutterBottom>
        Your help is needed: name these groups of rows
      </Typography>
      <Typography sx={{ mb: 1 }}>
        Only {formatCount(Number(task.labeledRows))} of {formatCount(Number(task.totalRows))} rows have a value in <strong>{task.targetColumn}</strong>, too few to learn from. The agents grouped the
        rows that look alike: give each group the {task.targetColumn} value its rows should have. A group that mixes values can stay empty; Trainyard never makes labels up.
      </Typography>
      {known.length > 0 && (
        <Typography color="text.secondary" sx={{ mb: 1 }}>
          Values already in the data: {known.map((k, i) => (
            <Fragment key={k}>
              {i > 0 && ", "}
              <strong>{k}</strong>
            </Fragment>
          ))}
        </Typography>
      )}
      {task.method && (
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mb: 2 }}>
          Groups found by {task.method}.
        </Typography>
      )}
      {task.instructions && (
        <Alert severity="info" role="note" sx={{ mb: 2 }}>
          {task.instructions}
        </Alert>
      )}
      {suggestions.length > 0 && (
        <datalist id="labeling-known">
          {suggestions.map((k) => (
            <option key={k} value={k} />
          ))}
        </datalist>
      )}
      <TableContainer sx={{ border: 1, borderColor: "divider", borderRadius: 1 }}>
        <Table size="small" aria-label="Groups of rows to name">
          <TableHead>
            <TableRow>
              <TableCell scope="col">Group</TableCell>
              <TableCell scope="col" align="right">
                Rows
              </TableCell>
              <TableCell scope="col">What sets it apart</TableCell>
              <TableCell scope="col" sx={{ minWidth: 200 }}>
                Label
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {task.clusters.map((c, i) => (
              <ClusterRow
                key={c.id}
                cluster={c}
                n={i + 1}
                columns={task.columns}
                target={task.targetColumn}
                value={names[c.id] ?? ""}
                hasKnown={suggestions.length > 0}
                showError={tried && !!problem}
                onChange={(v) => setNames({ ...names, [c.id]: v })}
              />
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {task.sampleRows.length > 0 && (
        <SampleRows
          rows={task.sampleRows}
          columns={task.columns}
          target={task.targetColumn}
          groupNumber={(id) => task.clusters.findIndex((c) => c.id === id) + 1}
          values={rowNames}
          hasSuggestions={suggestions.length > 0}
          showError={tried && !!problem}
          onChange={(row, v) => setRowNames({ ...rowNames, [row]: v })}
        />
      )}
      <Typography variant="body2" color={tried && problem ? "error" : "text.secondary"} sx={{ mt: 1.5 }} role={tried && problem ? "alert" : undefined}>
        {problem ||
          `${named} of ${task.clusters.length} groups named (${formatCount(namedRows)} rows)${task.sampleRows.length > 0 ? `, ${rowsLabeled} of ${task.sampleRows.length} example rows labeled` : ""}. ${named < task.clusters.length ? "Groups left empty are not trained on." : ""}`}
      </Typography>
      {err && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {err.rawMessage}
        </Alert>
      )}
      <Box sx={{ display: "flex", gap: 2, mt: 2, flexWrap: "wrap" }}>
        <Button
          variant="contained"
          disabled={approve.isPending}
          onClick={() => {
            setTried(true);
            if (!problem) approve.mutate({ name: project.name, clusterLabels: labels, rowLabels: rows });
          }}
        >
          Label and continue
        </Button>
        <Button color="error" variant="outlined" onClick={() => setConfirmReject(true)} disabled={reject.isPending}>
          Stop the project
        </Button>
      </Box>
      <Dialog open={confirmReject} onClose={() => setConfirmReject(false)} aria-labelledby="labeling-reject-h">
        <DialogTitle id="labeling-reject-h">Stop without labels?</DialogTitle>
        <DialogContent>
          <DialogContentText>The project stops without training. You can upload data with more labels in a new project.</DialogContentText>
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
            Stop the project
          </Button>
        </DialogActions>
      </Dialog>
    </Paper>
  );
}

function ClusterRow(props: {
  cluster: LabelingCluster;
  n: number;
  columns: string[];
  target: string;
  value: string;
  hasKnown: boolean;
  showError: boolean;
  onChange: (v: string) => void;
}) {
  const { cluster: c, n, columns, target, value, hasKnown, showError, onChange } = props;
  const [open, setOpen] = useState(false);
  const examplesId = `cluster-${c.id}-examples`;
  return (
    <>
      <TableRow sx={{ "& > *": { verticalAlign: "top", borderBottom: open ? "none" : undefined } }}>
        <TableCell component="th" scope="row">
          Group {n}
        </TableCell>
        <TableCell align="right">{formatCount(Number(c.size))}</TableCell>
        <TableCell>
          {c.topTerms.length > 0 && (
            <Box sx={{ display: "flex", gap: 0.5, flexWrap: "wrap", mb: 0.5 }} aria-label="Top terms">
              {c.topTerms.slice(0, 8).map((t) => (
                <Chip key={t} label={t} size="small" variant="outlined" />
              ))}
            </Box>
          )}
          {c.featureRanges.slice(0, 3).map((f) => (
            <Typography key={f.feature} variant="body2">
              {f.description || f.feature}
            </Typography>
          ))}
          {c.examples.length > 0 && (
            <Button size="small" onClick={() => setOpen(!open)} aria-expanded={open} aria-controls={examplesId} sx={{ mt: 0.5, ml: -0.5 }}>
              {open ? "Hide" : "Show"} {c.examples.length} example {c.examples.length === 1 ? "row" : "rows"}
            </Button>
          )}
        </TableCell>
        <TableCell>
          <TextField
            size="small"
            fullWidth
            label={`${target} for group ${n}`}
            value={value}
            onChange={(e) => onChange(e.target.value)}
            error={showError}
            helperText={c.suggestedLabel ? `Its labeled rows say “${c.suggestedLabel}”` : " "}
            slotProps={{ htmlInput: { maxLength: 200, list: hasKnown ? "labeling-known" : undefined } }}
          />
        </TableCell>
      </TableRow>
      {open && (
        <TableRow>
          <TableCell colSpan={4} sx={{ pt: 0 }}>
            <Box id={examplesId} sx={{ overflowX: "auto", maxWidth: "100%" }}>
              <Table size="small" aria-label={`Example rows of group ${n}`}>
                <TableHead>
                  <TableRow>
                    <TableCell scope="col">Row</TableCell>
                    {columns.map((col) => (
                      <TableCell key={col} scope="col" sx={{ whiteSpace: "nowrap" }}>
                        {col}
                      </TableCell>
                    ))}
                  </TableRow>
                </TableHead>
                <TableBody>
                  {c.examples.map((r) => (
                    <TableRow key={String(r.row)}>
                      <TableCell>{String(r.row + 1n)}</TableCell>
                      {columns.map((col) => (
                        <TableCell key={col} sx={{ whiteSpace: "nowrap", maxWidth: 240, overflow: "hidden", textOverflow: "ellipsis" }} title={r.values[col]}>
                          {r.values[col] ?? <Box component="span" sx={{ color: "text.disabled" }}>—</Box>}
                        </TableCell>
                      ))}
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </Box>
          </TableCell>
        </TableRow>
      )}
    </>
  );
}

/** The task's sample rows in a compact table with a label field per row. */
function SampleRows(props: {
  rows: LabelingRow[];
  columns: string[];
  target: string;
  groupNumber: (clusterId: number) => number;
  values: Record<string, string>;
  hasSuggestions: boolean;
  showError: boolean;
  onChange: (row: string, v: string) => void;
}) {
  const { rows, columns, target, groupNumber, values, hasSuggestions, showError, onChange } = props;
  return (
    <Box component="section" aria-labelledby="labeling-rows-h" sx={{ mt: 3 }}>
      <Typography id="labeling-rows-h" variant="subtitle1" component="h3" sx={{ fontWeight: 600 }}>
        Label example rows
      </Typography>
      <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
        Instead of (or besides) naming groups, give single rows their {target} value. A row label wins over its group&apos;s name; rows left empty are skipped.
      </Typography>
      <TableContainer
        tabIndex={0}
        role="region"
        aria-label="Example rows to label, scrolls"
        sx={{ border: 1, borderColor: "divider", borderRadius: 1, overflow: "auto", maxWidth: "100%", maxHeight: 480 }}
      >
        <Table size="small" stickyHeader aria-label="Example rows to label">
          <TableHead>
            <TableRow>
              <TableCell scope="col">Row</TableCell>
              <TableCell scope="col">Group</TableCell>
              {columns.map((col) => (
                <TableCell key={col} scope="col" sx={{ whiteSpace: "nowrap" }}>
                  {col}
                </TableCell>
              ))}
              <TableCell scope="col" sx={{ minWidth: 160 }}>
                Label
              </TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {rows.map((r) => {
              const key = String(r.row);
              const g = groupNumber(r.clusterId);
              return (
                <TableRow key={key}>
                  <TableCell component="th" scope="row">
                    {String(r.row + 1n)}
                  </TableCell>
                  <TableCell>{g > 0 ? g : "—"}</TableCell>
                  {columns.map((col) => (
                    <TableCell key={col} sx={{ whiteSpace: "nowrap", maxWidth: 200, overflow: "hidden", textOverflow: "ellipsis" }} title={r.values[col]}>
                      {r.values[col] ?? <Box component="span" sx={{ color: "text.disabled" }}>—</Box>}
                    </TableCell>
                  ))}
                  <TableCell sx={{ py: 0.5 }}>
                    <TextField
                      size="small"
                      fullWidth
                      label={`${target} for row ${String(r.row + 1n)}`}
                      value={values[key] ?? ""}
                      onChange={(e) => onChange(key, e.target.value)}
                      error={showError}
                      slotProps={{ htmlInput: { maxLength: 200, list: hasSuggestions ? "labeling-known" : undefined } }}
                    />
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      </TableContainer>
    </Box>
  );
}
