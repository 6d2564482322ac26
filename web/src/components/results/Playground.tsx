import { useState, type FormEvent } from "react";
import { useMutation } from "@connectrpc/connect-query";
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { Alert, Box, Button, FormControl, InputLabel, MenuItem, Paper, Select, TextField, Typography } from "@mui/material";
import { PredictionService, FeatureKind, ProblemType, type FeatureSpec, type Model, type Prediction } from "@trainyard/client";
import { DetectionView } from "./Detections";
import { PredictionPaper } from "./PredictionPaper";

/** The starting value of a feature's field: its example, else the middle of its range. */
export function initialValue(f: FeatureSpec): string {
  if (f.example) return f.example;
  if (f.kind === FeatureKind.CATEGORICAL && f.categories.length) return f.categories[0];
  if (f.kind === FeatureKind.BOOLEAN) return "false";
  if (f.kind === FeatureKind.NUMERIC && f.min !== undefined && f.max !== undefined) return String(Number(((f.min + f.max) / 2).toPrecision(4)));
  return "";
}

/** Turns the form's strings into an instance: numbers as numbers, empty optional fields left out. */
export function toInstance(features: FeatureSpec[], values: Record<string, string>): JsonObject {
  const out: JsonObject = {};
  for (const f of features) {
    const v = (values[f.name] ?? "").trim();
    if (v === "") continue;
    let j: JsonValue = v;
    if (f.kind === FeatureKind.NUMERIC && isFinite(Number(v))) j = Number(v);
    if (f.kind === FeatureKind.BOOLEAN) j = v === "true";
    out[f.name] = j;
  }
  return out;
}

/** A form built from the model's feature schema that predicts one row and explains the answer
 * (image models classify a picture, or find the objects in it, and have no explanation to give). */
export function Playground({ model }: { model: Model }) {
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(model.features.map((f) => [f.name, initialValue(f)])));
  const predict = useMutation(PredictionService.method.predict);
  const pred = predict.data?.predictions[0];
  const picture = model.features.find((f) => f.kind === FeatureKind.IMAGE);
  const detects = model.problemType === ProblemType.IMAGE_OBJECT_DETECTION;
  const explains = !picture && !detects;
  // The picture the answer is about: the one sent, which the form may have changed since.
  const sent = picture ? predict.variables?.instances?.[0]?.[picture.name] : undefined;

  function submit(e: FormEvent) {
    e.preventDefault();
    predict.mutate({ name: model.name, instances: [toInstance(model.features, values)], explain: explains });
  }

  return (
    <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "minmax(0, 3fr) minmax(0, 2fr)" }, gap: 3, alignItems: "start" }}>
      <Box component="form" onSubmit={submit} aria-label="Prediction input">
        <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", sm: "1fr 1fr" }, gap: 2 }}>
          {model.features.map((f) => (
            <FeatureField key={f.name} f={f} value={values[f.name] ?? ""} onChange={(v) => setValues({ ...values, [f.name]: v })} />
          ))}
        </Box>
        <Box sx={{ display: "flex", gap: 2, mt: 2 }}>
          <Button type="submit" variant="contained" disabled={predict.isPending}>
            {predict.isPending ? "Predicting…" : "Predict"}
          </Button>
          <Button onClick={() => setValues(Object.fromEntries(model.features.map((f) => [f.name, initialValue(f)])))}>Reset to examples</Button>
        </Box>
      </Box>
      <Box aria-live="polite">
        {predict.error && <Alert severity="error">{predict.error.rawMessage}</Alert>}
        {pred &&
          (detects ? (
            <DetectionView p={pred} picture={typeof sent === "string" ? imageSource(sent) : ""} labels={model.classes} />
          ) : (
            <PredictionView p={pred} target={model.targetColumn} threshold={model.metrics?.threshold} />
          ))}
        {!pred && !predict.error && <Paper sx={{ p: 3, color: "text.secondary" }}>{emptyHint(explains, detects)}</Paper>}
      </Box>
    </Box>
  );
}

/** What the answer panel says before the first prediction. */
function emptyHint(explains: boolean, detects: boolean): string {
  if (explains) return "Change the values and press Predict to see what the model answers, and which inputs pushed it there.";
  if (detects) return "Choose a picture and press Predict to see the objects the model finds in it, boxed on the picture.";
  return "Choose a picture and press Predict to see what the model answers.";
}

function FeatureField({ f, value, onChange }: { f: FeatureSpec; value: string; onChange: (v: string) => void }) {
  const id = `feat-${f.name.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  if (f.kind === FeatureKind.IMAGE) return <ImageField id={id} name={f.name} value={value} onChange={onChange} />;
  const hint =
    f.kind === FeatureKind.NUMERIC && f.min !== undefined && f.max !== undefined
      ? `seen from ${fmt(f.min)} to ${fmt(f.max)}`
      : f.optional
        ? `optional${f.example ? `, e.g. ${f.example}` : ""}`
        : f.example
          ? `e.g. ${f.example}`
          : "";
  if ((f.kind === FeatureKind.CATEGORICAL && f.categories.length) || f.kind === FeatureKind.BOOLEAN) {
    const options = f.kind === FeatureKind.BOOLEAN ? ["true", "false"] : f.categories;
    return (
      <FormControl size="small" fullWidth>
        <InputLabel id={`${id}-l`}>{f.name}</InputLabel>
        <Select labelId={`${id}-l`} id={id} label={f.name} value={options.includes(value) ? value : ""} onChange={(e) => onChange(String(e.target.value))}>
          {f.optional && (
            <MenuItem value="">
              <em>missing</em>
            </MenuItem>
          )}
          {options.map((c) => (
            <MenuItem key={c} value={c}>
              {c}
            </MenuItem>
          ))}
        </Select>
      </FormControl>
    );
  }
  return (
    <TextField
      id={id}
      size="small"
      fullWidth
      label={f.name}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      type={f.kind === FeatureKind.NUMERIC ? "number" : "text"}
      multiline={f.kind === FeatureKind.TEXT}
      helperText={hint}
      slotProps={{ htmlInput: f.kind === FeatureKind.NUMERIC ? { step: "any" } : {} }}
    />
  );
}

/** An image input: the picture (the model's example at first) and a button to choose another,
 * sent as a data: URL, which the API takes as it takes base64. */
function ImageField({ id, name, value, onChange }: { id: string; name: string; value: string; onChange: (v: string) => void }) {
  const [fileName, setFileName] = useState("");
  function choose(file: File | undefined) {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      setFileName(file.name);
      onChange(String(reader.result));
    };
    reader.readAsDataURL(file);
  }
  return (
    <Box sx={{ gridColumn: "1 / -1", display: "flex", gap: 2, alignItems: "center" }}>
      <Box
        sx={{ width: 112, height: 112, flex: "none", border: 1, borderColor: "divider", borderRadius: 1, display: "grid", placeItems: "center", overflow: "hidden", bgcolor: "#fafafa" }}
      >
        {value ? (
          <Box component="img" src={imageSource(value)} alt={fileName ? `the chosen picture, ${fileName}` : "the example picture"} sx={{ width: "100%", height: "100%", objectFit: "contain", imageRendering: "pixelated" }} />
        ) : (
          <Typography variant="caption" color="text.secondary">
            no picture
          </Typography>
        )}
      </Box>
      <Box>
        <Button component="label" variant="outlined" htmlFor={id}>
          Choose a picture
          <input id={id} hidden type="file" accept="image/png,image/jpeg,image/gif,image/webp" aria-label={`${name}: choose a picture`} onChange={(e) => choose(e.target.files?.[0])} />
        </Button>
        <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 0.5 }}>
          {fileName || "PNG, JPEG, GIF or WebP"}
        </Typography>
      </Box>
    </Box>
  );
}

/** imageSource makes an image value (a data: URL, or base64 as in the model's example) showable. */
export function imageSource(value: string): string {
  return value.startsWith("data:") ? value : `data:image/png;base64,${value}`;
}

/** The caption of a binary classifier whose decision threshold is not 50%: its answer can be a
 * class shown as less likely than the other, which needs saying. The positive class is the second
 * in sorted order, as everywhere in the API. */
export function thresholdNote(probabilities: Record<string, number>, threshold: number | undefined): string | undefined {
  const classes = Object.keys(probabilities).sort();
  if (threshold === undefined || classes.length !== 2 || Math.abs(threshold - 0.5) < 0.005) return undefined;
  return `The model answers “${classes[1]}” from ${(threshold * 100).toFixed(0)}% on, not 50%: the decision threshold chosen on validation data.`;
}

/** One prediction: the answer, class probabilities, and the features that moved it most. */
export function PredictionView({ p, target, threshold }: { p: Prediction; target: string; threshold?: number }) {
  if (p.error) return <Alert severity="error">{p.error}</Alert>;
  const probs = Object.entries(p.probabilities).sort((a, b) => b[1] - a[1]);
  const note = thresholdNote(p.probabilities, threshold);
  const answer = p.result.case === "label" ? p.result.value : p.result.case === "value" ? Number(p.result.value.toPrecision(5)).toLocaleString() : "—";
  const maxC = Math.max(1e-12, ...p.contributions.map((c) => Math.abs(c.contribution)));
  return (
    <PredictionPaper warnings={p.warnings}>
      <Typography variant="overline" color="text.secondary">
        Predicted {target || "value"}
      </Typography>
      <Typography variant="h4" component="p" sx={{ mb: 2 }}>
        {answer}
      </Typography>
      {probs.length > 0 && (
        <Box sx={{ mb: 2 }}>
          <Typography variant="subtitle2">How sure</Typography>
          {probs.slice(0, 5).map(([k, v]) => (
            <Box key={k} sx={{ display: "grid", gridTemplateColumns: "110px 1fr 48px", gap: 1, alignItems: "center" }}>
              <Typography variant="body2" noWrap title={k}>
                {k}
              </Typography>
              <Box sx={{ bgcolor: "#e8ece8", height: 10, borderRadius: 1 }}>
                <Box sx={{ width: `${v * 100}%`, height: "100%", bgcolor: "secondary.main", borderRadius: 1 }} />
              </Box>
              <Typography variant="caption" sx={{ textAlign: "right" }}>
                {(v * 100).toFixed(0)}%
              </Typography>
            </Box>
          ))}
          {note && (
            <Typography variant="caption" color="text.secondary" component="p" sx={{ mt: 0.5 }}>
              {note}
            </Typography>
          )}
        </Box>
      )}
      {p.contributions.length > 0 && (
        <Box>
          <Typography variant="subtitle2">Why: the inputs that moved this prediction most</Typography>
          <Box component="ul" sx={{ listStyle: "none", p: 0, m: 0 }} aria-label="Feature contributions">
            {p.contributions.map((c) => (
              <Box component="li" key={c.feature} sx={{ display: "grid", gridTemplateColumns: "minmax(0,1fr) 120px", gap: 1, alignItems: "center", py: 0.25 }}>
                <Typography variant="body2" noWrap title={`${c.feature} = ${c.value}`}>
                  {c.feature} = <strong>{c.value}</strong>
                </Typography>
                <Box sx={{ position: "relative", height: 10 }} title={`${c.contribution > 0 ? "+" : ""}${c.contribution.toPrecision(3)}`}>
                  <Box sx={{ position: "absolute", left: "50%", top: 0, bottom: 0, width: "1px", bgcolor: "#9e9e9e" }} />
                  <Box
                    sx={{
                      position: "absolute",
                      top: 1,
                      height: 8,
                      borderRadius: 1,
                      bgcolor: c.contribution >= 0 ? "primary.main" : "error.main",
                      left: c.contribution >= 0 ? "50%" : `${50 - (50 * Math.abs(c.contribution)) / maxC}%`,
                      width: `${(50 * Math.abs(c.contribution)) / maxC}%`,
                    }}
                  />
                </Box>
              </Box>
            ))}
          </Box>
          <Typography variant="caption" color="text.secondary">
            Green pushed the answer up (toward the predicted class), red pushed it down.
          </Typography>
        </Box>
      )}
    </PredictionPaper>
  );
}

function fmt(v: number): string {
  return Math.abs(v) >= 1000 ? v.toLocaleString(undefined, { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(3)));
}
