import { useEffect, useState } from "react";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { Alert, Box, Button, LinearProgress, Typography } from "@mui/material";
import { PredictionService, BatchPredictionState, FeatureKind, type Model } from "@trainyard/client";
import { useAuth } from "../../lib/auth";
import { uploadDataset, UploadError, type UploadHandle } from "../../lib/upload";
import { fetchFile, saveBlob } from "../../lib/files";

/** Batch prediction: upload a file of rows, follow the job, download the predictions as CSV. A
 * model that classifies pictures takes them through Predict instead, which the tab says. */
export function BatchPredict({ model }: { model: Model }) {
  if (model.features.some((f) => f.kind === FeatureKind.IMAGE)) {
    return (
      <Alert severity="info">
        Batch prediction scores the rows of a CSV file, and this model classifies pictures. Try one in <strong>Try it</strong>, or send them to Predict, up to 10,000 a
        request (see <strong>Use it from code</strong>).
      </Alert>
    );
  }
  return <BatchRows model={model} />;
}

function BatchRows({ model }: { model: Model }) {
  const { apiKey } = useAuth();
  const [upload, setUpload] = useState<{ pct: number; h: UploadHandle } | null>(null);
  const [error, setError] = useState("");
  const [job, setJob] = useState("");
  const start = useMutation(PredictionService.method.batchPredict, { onSuccess: (b) => setJob(b.name) });
  const status = useQuery(PredictionService.method.getBatchPrediction, { name: job }, { enabled: !!job, refetchInterval: (q) => (q.state.data && q.state.data.state >= BatchPredictionState.SUCCEEDED ? false : 1000) });
  const b = status.data;

  function choose(files: FileList | null) {
    const f = files?.[0];
    if (!f) return;
    setError("");
    setJob("");
    const h = uploadDataset({ apiKey, files: [f], dataType: "TABULAR", onProgress: (p) => setUpload({ pct: (100 * p.loaded) / p.total, h }) });
    setUpload({ pct: 0, h });
    h.done
      .then((d) => start.mutate({ name: model.name, datasetId: d.id }))
      .catch((e) => {
        if (!(e instanceof UploadError && e.cancelled)) setError(e.message);
      })
      .finally(() => setUpload(null));
  }

  const [saving, setSaving] = useState(false);
  async function download() {
    if (!b) return;
    setSaving(true);
    try {
      const url = b.outputUrl ? new URL(b.outputUrl, location.origin) : null;
      const path = url && url.origin === location.origin ? url.pathname + url.search : `/api/v1/${b.name}/output`;
      const { blob, filename } = await fetchFile(apiKey, path);
      saveBlob(blob, filename || `predictions-${b.id}.csv`);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  }
  useEffect(() => {
    if (b?.state === BatchPredictionState.FAILED) setError(b.error || "The batch prediction failed.");
  }, [b?.state, b?.error]);

  const pct = b && b.rowsTotal > 0n ? (100 * Number(b.rowsProcessed)) / Number(b.rowsTotal) : 0;
  return (
    <Box>
      <Typography sx={{ mb: 2 }}>
        Score many rows at once: upload a CSV with the same columns as the training data (the target column may be left out). The answer is a CSV with a prediction for each row.
      </Typography>
      <Button variant="outlined" component="label" disabled={!!upload || start.isPending}>
        Choose a CSV to score
        <input type="file" hidden accept=".csv,.tsv,.parquet,.jsonl" aria-label="File to score" onChange={(e) => { choose(e.target.files); e.target.value = ""; }} />
      </Button>
      {upload && (
        <Box sx={{ mt: 2 }}>
          <Typography variant="body2">Uploading… {upload.pct.toFixed(0)}%</Typography>
          <LinearProgress variant="determinate" value={upload.pct} aria-label="Upload progress" sx={{ my: 1 }} />
          <Button size="small" onClick={() => upload.h.cancel()}>
            Cancel
          </Button>
        </Box>
      )}
      {b && (
        <Box sx={{ mt: 2 }} aria-live="polite">
          <Typography variant="body2">
            {b.state === BatchPredictionState.SUCCEEDED
              ? `Done: ${Number(b.rowsProcessed).toLocaleString()} rows scored.`
              : `Scoring… ${Number(b.rowsProcessed).toLocaleString()} of ${b.rowsTotal ? Number(b.rowsTotal).toLocaleString() : "?"} rows`}
          </Typography>
          {b.state !== BatchPredictionState.SUCCEEDED && <LinearProgress variant={b.rowsTotal ? "determinate" : "indeterminate"} value={pct} aria-label="Scoring progress" sx={{ my: 1 }} />}
          {b.state === BatchPredictionState.SUCCEEDED && (
            <Button variant="contained" onClick={download} disabled={saving} sx={{ mt: 1 }}>
              Download predictions (CSV)
            </Button>
          )}
        </Box>
      )}
      {(error || start.error) && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {error || start.error?.rawMessage}
        </Alert>
      )}
    </Box>
  );
}
