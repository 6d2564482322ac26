import { useRef, useState, type DragEvent } from "react";
import { Alert, Box, Button, LinearProgress, Paper, Typography } from "@mui/material";
import type { Dataset } from "@trainyard/client";
import { useAuth } from "../lib/auth";
import { formatBytes } from "../lib/format";
import { uploadDataset, UploadError, type UploadHandle } from "../lib/upload";

/**
 * A drop zone (and a file button, for the keyboard) that uploads the chosen files at once, with
 * a real progress bar and a cancel button. onUploaded receives the stored dataset.
 */
export function UploadBox({
  dataType,
  onUploaded,
  onCleared,
  dataset,
  baseUrl,
}: {
  dataType: string;
  onUploaded: (d: Dataset) => void;
  onCleared: () => void;
  dataset?: Dataset;
  /** The server's origin; default the page's. */
  baseUrl?: string;
}) {
  const { apiKey } = useAuth();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<{ loaded: number; total: number; name: string } | null>(null);
  const [handle, setHandle] = useState<UploadHandle | null>(null);
  const [error, setError] = useState("");

  function start(files: File[]) {
    if (!files.length) return;
    setError("");
    onCleared();
    const total = files.reduce((n, f) => n + f.size, 0);
    const name = files.length === 1 ? files[0].name : `${files.length} files`;
    setProgress({ loaded: 0, total, name });
    const h = uploadDataset({ apiKey, files, dataType, baseUrl, requestId: crypto.randomUUID(), onProgress: (p) => setProgress({ ...p, name }) });
    setHandle(h);
    h.done
      .then((d) => onUploaded(d))
      .catch((e: unknown) => {
        if (!(e instanceof UploadError && e.cancelled)) setError(e instanceof Error ? e.message : String(e));
      })
      .finally(() => {
        setHandle(null);
        setProgress(null);
      });
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    if (handle) return;
    start(Array.from(e.dataTransfer.files));
  }

  const pct = progress && progress.total ? Math.round((100 * progress.loaded) / progress.total) : 0;
  return (
    <Box>
      <Paper
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        sx={{
          p: 4,
          textAlign: "center",
          borderStyle: "dashed",
          borderWidth: 2,
          borderColor: over ? "primary.main" : "divider",
          bgcolor: over ? "rgba(27,94,32,0.06)" : "background.paper",
          transition: "background-color .15s, border-color .15s",
        }}
        data-testid="dropzone"
      >
        <input
          ref={input}
          type="file"
          hidden
          multiple
          accept=".csv,.tsv,.parquet,.json,.jsonl,.ndjson,.txt,.zip,.png,.jpg,.jpeg"
          aria-label="Data file"
          onChange={(e) => {
            start(Array.from(e.target.files ?? []));
            e.target.value = "";
          }}
        />
        {progress ? (
          <Box aria-live="polite">
            <Typography sx={{ mb: 1 }}>
              Uploading <strong>{progress.name}</strong>: {formatBytes(progress.loaded)} of {formatBytes(progress.total)}
            </Typography>
            <LinearProgress variant="determinate" value={pct} aria-label="Upload progress" sx={{ height: 10, borderRadius: 5, mb: 2 }} />
            <Button onClick={() => handle?.cancel()} color="inherit" variant="outlined">
              Cancel upload
            </Button>
          </Box>
        ) : dataset ? (
          <Box>
            <Typography sx={{ mb: 1 }}>
              <strong>{dataset.displayName || dataset.files[0]?.filename}</strong> uploaded: {Number(dataset.numRows).toLocaleString()} rows, {dataset.numColumns} columns,{" "}
              {formatBytes(dataset.sizeBytes)}
            </Typography>
            <Button onClick={() => input.current?.click()} variant="outlined">
              Use a different file
            </Button>
          </Box>
        ) : (
          <Box>
            <Typography variant="h6" component="p" sx={{ mb: 1 }}>
              Drop your data here
            </Typography>
            <Typography color="text.secondary" sx={{ mb: 2 }}>
              A CSV or Parquet table with one row per example (up to 10 GB), text files, or a zip of images.
            </Typography>
            <Button onClick={() => input.current?.click()} variant="outlined">
              Choose a file
            </Button>
          </Box>
        )}
      </Paper>
      {error && (
        <Alert severity="error" sx={{ mt: 2 }}>
          {error}
        </Alert>
      )}
    </Box>
  );
}
