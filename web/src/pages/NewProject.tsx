import { useState, type FormEvent } from "react";
import { useMutation } from "@connectrpc/connect-query";
import { ConnectError } from "@connectrpc/connect";
import { Alert, Box, Button, Chip, FormControl, FormControlLabel, FormHelperText, InputLabel, MenuItem, Paper, Select, Switch, TextField, Typography } from "@mui/material";
import { ProjectService, DataType, type Dataset } from "@trainyard/client";
import { dataTypeOptions } from "../lib/format";
import { useRouter } from "../lib/router";
import { UploadBox } from "../components/UploadBox";
import { DataPreview } from "../components/DataPreview";

/** Phrasings that give the agents what they need: what to predict, for whom, what matters. */
export const examplePhrasings = [
  "Predict which customers will churn next month; missing a churner costs more than a false alarm.",
  "Estimate the sale price of a house from its size, location and age.",
  "Classify iris flowers into their species from petal and sepal measurements.",
  "Predict whether a passenger survived, and tell me which factors mattered most.",
];

/** The new-project page: description, upload with preview and profile, options, submit. */
export function NewProjectPage() {
  const { navigate } = useRouter();
  const [description, setDescription] = useState("");
  const [dataType, setDataType] = useState("auto");
  const [approval, setApproval] = useState(false);
  const [budgetMin, setBudgetMin] = useState("");
  const [dataset, setDataset] = useState<Dataset>();
  const [requestId] = useState(() => crypto.randomUUID());
  const create = useMutation(ProjectService.method.createProject);
  const [touched, setTouched] = useState(false);

  const descError = touched && description.trim().length < 3 ? "Say in a sentence what you want to predict." : "";
  const budgetSeconds = budgetMin ? Math.round(Number(budgetMin) * 60) : 0;
  const budgetError = budgetMin && (!(budgetSeconds >= 1) || budgetSeconds > 86400) ? "Between a few seconds and 24 hours (1440 minutes)." : "";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTouched(true);
    if (!dataset || description.trim().length < 3 || budgetError) return;
    const p = await create.mutateAsync({
      requestId,
      submission: {
        problemDescription: description.trim(),
        datasetId: dataset.id,
        dataType: dataTypeOptions.find((o) => o.value === dataType)?.type ?? DataType.UNSPECIFIED,
        requiresApproval: approval,
        budget: budgetSeconds ? { seconds: BigInt(budgetSeconds) } : undefined,
      },
    });
    navigate(`/projects/${p.id}`);
  }

  return (
    <Box component="form" onSubmit={submit} noValidate aria-labelledby="new-h" sx={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 3 }}>
      <Typography id="new-h" variant="h4" component="h1">
        New project
      </Typography>
      <Paper sx={{ p: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          1. What do you want to predict?
        </Typography>
        <TextField
          label="Describe the problem"
          multiline
          minRows={3}
          fullWidth
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          onBlur={() => setTouched(true)}
          error={!!descError}
          helperText={descError || "Name the thing to predict and what a mistake costs. Plain words are best."}
          required
        />
        <Typography variant="body2" color="text.secondary" sx={{ mt: 2, mb: 1 }} id="examples-h">
          Examples of good descriptions (click one to use it):
        </Typography>
        <Box sx={{ display: "flex", flexWrap: "wrap", gap: 1 }} role="list" aria-labelledby="examples-h">
          {examplePhrasings.map((p) => (
            <Chip key={p} role="listitem" label={p} onClick={() => setDescription(p)} variant="outlined" sx={{ height: "auto", py: 0.75, "& .MuiChip-label": { whiteSpace: "normal" } }} />
          ))}
        </Box>
      </Paper>
      <Paper sx={{ p: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          2. Your data
        </Typography>
        <FormControl sx={{ mb: 2, minWidth: 280 }} size="small">
          <InputLabel id="dtype-label">Data type</InputLabel>
          <Select labelId="dtype-label" label="Data type" value={dataType} onChange={(e) => setDataType(e.target.value)}>
            {dataTypeOptions.map((o) => (
              <MenuItem key={o.value} value={o.value}>
                {o.label}
              </MenuItem>
            ))}
          </Select>
          <FormHelperText>Trainyard can tell from the file.</FormHelperText>
        </FormControl>
        <UploadBox dataType={dataType === "auto" ? "" : dataType} dataset={dataset} onUploaded={setDataset} onCleared={() => setDataset(undefined)} />
        {touched && !dataset && (
          <Typography color="error" variant="body2" sx={{ mt: 1 }}>
            Upload the data to train on.
          </Typography>
        )}
        {dataset && (
          <Box sx={{ mt: 3 }}>
            <DataPreview dataset={dataset} />
          </Box>
        )}
      </Paper>
      <Paper sx={{ p: 3 }}>
        <Typography variant="h6" component="h2" gutterBottom>
          3. Options
        </Typography>
        <FormControlLabel
          control={<Switch checked={approval} onChange={(e) => setApproval(e.target.checked)} />}
          label="Ask me before training: show me the plan (target, metric, models, budget) to approve first"
        />
        <Box sx={{ mt: 2 }}>
          <TextField
            label="Time budget (minutes)"
            type="number"
            size="small"
            value={budgetMin}
            onChange={(e) => setBudgetMin(e.target.value)}
            error={!!budgetError}
            helperText={budgetError || "Leave empty to let Trainyard choose from the size of the data."}
            slotProps={{ htmlInput: { min: 0.1, max: 1440, step: "any" } }}
          />
        </Box>
      </Paper>
      {create.error && <Alert severity="error">{ConnectError.from(create.error).rawMessage}</Alert>}
      <Box sx={{ display: "flex", gap: 2, alignItems: "center" }}>
        <Button type="submit" variant="contained" size="large" disabled={create.isPending}>
          {create.isPending ? "Starting…" : "Start training"}
        </Button>
        {!dataset && (
          <Typography variant="body2" color="text.secondary">
            Upload data to continue.
          </Typography>
        )}
      </Box>
    </Box>
  );
}
