import { useMemo, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { Alert, Box, Button, Chip, Paper, Skeleton, Tab, Tabs, Typography } from "@mui/material";
import { ModelService, DatasetService, DataType, ModelState, type Model, ProblemType, type Metric, type Project } from "@trainyard/client";
import { featuresFromProfile } from "./features";
import { formatMetricValue, metricName, plainMetric, problemLabel } from "../../lib/format";
import { useAuth } from "../../lib/auth";
import { fetchFile, saveBlob } from "../../lib/files";
import { ConfusionMatrix, CurveChart, FeatureImportance } from "./Charts";
import { CodeExamples } from "./CodeExamples";
import { Playground } from "./Playground";
import { BatchPredict } from "./Batch";
import { Report } from "./Report";

/** Guesses what one row is from the description ("customers will churn" → "customers"). */
export function rowNoun(description: string, fallback = "rows"): string {
  const m = /\b(customers|passengers|patients|users|houses|homes|flowers|transactions|loans|employees|orders|students|emails|messages|reviews|cars|accounts|clients|visitors|pictures|images|photos)\b/i.exec(description);
  if (m) return m[1].toLowerCase();
  const s = /\b(customer|passenger|patient|user|house|home|flower|transaction|loan|employee|order|student|email|message|review|car|account|client|visitor|picture|image|photo)\b/i.exec(description);
  return s ? `${s[1].toLowerCase()}s` : fallback;
}

/** The results of a completed project: headline, charts, playground, batch, code, report, downloads. */
export function Results({ project }: { project: Project }) {
  const q = useQuery(ModelService.method.getModel, { name: `models/${project.modelId}` }, { enabled: !!project.modelId });
  const needProfile = !!q.data && q.data.features.length === 0;
  const ds = useQuery(DatasetService.method.getDataset, { name: `datasets/${project.datasetId}` }, { enabled: needProfile });
  const [tab, setTab] = useState(0);
  const m = useMemo(() => {
    if (!q.data) return undefined;
    const target = q.data.targetColumn || project.plan?.targetColumn || project.analysis?.targetColumn || "";
    const problemType = q.data.problemType || project.plan?.problemType || project.analysis?.problemType || ProblemType.UNSPECIFIED;
    const features = q.data.features.length
      ? q.data.features
      : featuresFromProfile(ds.data?.columns ?? [], target, project.plan?.droppedColumns.map((d) => d.column) ?? []);
    return { ...q.data, targetColumn: target, problemType, features };
  }, [q.data, ds.data, project]);
  if (q.error) return <Alert severity="error">Could not load the model: {q.error.rawMessage}</Alert>;
  if (!m || (needProfile && !ds.data && !ds.error)) return <Skeleton variant="rounded" height={200} />;
  const tabs = ["Performance", "Try it", "Batch predictions", "Use it from code", "Report"];
  return (
    <Box sx={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 3 }} data-testid="results">
      <Headline model={m} project={project} />
      <Paper sx={{ p: 0 }}>
        <Tabs value={tab} onChange={(_, v) => setTab(v)} aria-label="Results" variant="scrollable" scrollButtons={false} sx={{ borderBottom: 1, borderColor: "divider", px: 2 }}>
          {tabs.map((t, i) => (
            <Tab key={t} label={t} id={`res-tab-${i}`} aria-controls={`res-panel-${i}`} />
          ))}
        </Tabs>
        <Box role="tabpanel" id={`res-panel-${tab}`} aria-labelledby={`res-tab-${tab}`} sx={{ p: 3 }}>
          {tab === 0 && <Performance model={m} />}
          {tab === 1 && <Playground model={m} />}
          {tab === 2 && <BatchPredict model={m} />}
          {tab === 3 && (m.codeExamples ? <CodeExamples code={m.codeExamples} /> : <Typography color="text.secondary">No code examples.</Typography>)}
          {tab === 4 && <Report modelId={m.id} />}
        </Box>
      </Paper>
    </Box>
  );
}

function Headline({ model, project }: { model: Model; project: Project }) {
  const primary = model.metrics?.primary ?? project.headlineMetric;
  const values = model.metrics?.values ?? {};
  const noun = rowNoun(project.problemDescription, project.dataType === DataType.IMAGE ? "images" : "rows");
  const problemType = model.problemType;
  // Accuracy is the easiest number to grasp; when the model was optimized for something else,
  // that metric follows in the second line.
  const acc = values["accuracy"];
  const lead = acc !== undefined && primary?.name !== "accuracy" ? plainMetric({ name: "accuracy", value: acc } as Metric, noun) : plainMetric(primary, noun);
  const second = acc !== undefined && primary && primary.name !== "accuracy" ? `${metricName(primary.name)}, the metric it was optimized for: ${plainMetric(primary, noun).replace(/^./, (c) => c.toLowerCase())}.` : "";
  const others = Object.entries(values).filter(([k]) => k !== primary?.name && k !== "accuracy");
  return (
    <Paper sx={{ p: 3, bgcolor: "#eef5ee", borderColor: "#b7d3b8" }}>
      <Box sx={{ display: "flex", gap: 3, flexWrap: "wrap", alignItems: "flex-start" }}>
        <Box sx={{ flex: "1 1 360px" }}>
          <Typography variant="overline" color="text.secondary">
            Your model is ready{model.state === ModelState.DEPLOYED ? " and deployed" : ""}
          </Typography>
          <Typography variant="h5" component="h2" sx={{ mb: 1 }} data-testid="headline">
            {lead}
          </Typography>
          {second && <Typography sx={{ mb: 1 }}>{second}</Typography>}
          <Typography color="text.secondary">
            {problemLabel[problemType]} of <strong>{model.targetColumn}</strong> · model: {model.architecture}
            {model.metrics?.testRows ? ` · tested on ${Number(model.metrics.testRows).toLocaleString()} ${noun} it never saw during training` : ""}
          </Typography>
          {others.length > 0 && (
            <Box sx={{ display: "flex", gap: 1, flexWrap: "wrap", mt: 2 }} aria-label="Other metrics">
              {others.slice(0, 6).map(([k, v]) => (
                <Chip key={k} size="small" variant="outlined" label={`${metricName(k)}: ${formatMetricValue(k, v)}`} />
              ))}
            </Box>
          )}
        </Box>
        <Downloads model={model} />
      </Box>
      {model.report?.warnings.map((w) => (
        <Alert key={w} severity="warning" sx={{ mt: 2 }}>
          {w}
        </Alert>
      ))}
    </Paper>
  );
}

function Downloads({ model }: { model: Model }) {
  const { apiKey } = useAuth();
  const [busy, setBusy] = useState("");
  const [error, setError] = useState("");
  async function get(kind: string, url: string) {
    setBusy(kind);
    setError("");
    try {
      const { blob, filename } = await fetchFile(apiKey, url);
      saveBlob(blob, filename);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy("");
    }
  }
  const base = `/api/v1/models/${model.id}`;
  return (
    <Box sx={{ display: "grid", gap: 1, minWidth: 220 }} role="group" aria-label="Downloads">
      <Typography variant="subtitle2">Download</Typography>
      <Button variant="contained" onClick={() => get("native", `${base}/download?format=native`)} disabled={!!busy}>
        {busy === "native" ? "Downloading…" : "Model (Trainyard format)"}
      </Button>
      <Button variant="outlined" onClick={() => get("onnx", `${base}/download?format=onnx`)} disabled={!!busy}>
        {busy === "onnx" ? "Downloading…" : "Model (ONNX)"}
      </Button>
      <Button variant="outlined" onClick={() => get("report", `${base}/report?download=1`)} disabled={!!busy}>
        {busy === "report" ? "Downloading…" : "Report (HTML)"}
      </Button>
      {error && <Alert severity="error">{error}</Alert>}
    </Box>
  );
}

function Performance({ model }: { model: Model }) {
  const mt = model.metrics;
  if (!mt) return <Typography color="text.secondary">No metrics recorded.</Typography>;
  const cls = (mt.confusionMatrix?.labels.length ?? 0) > 0;
  return (
    <Box sx={{ display: "grid", gridTemplateColumns: { xs: "1fr", md: "1fr 1fr" }, gap: 4 }}>
      {cls && mt.confusionMatrix && mt.confusionMatrix.labels.length > 0 && (
        <Box>
          <Typography variant="h6" component="h3" gutterBottom>
            Where it is right and wrong
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
            Held-out rows by true class (rows) and predicted class (columns). The green diagonal is correct.
          </Typography>
          <ConfusionMatrix cm={mt.confusionMatrix} />
        </Box>
      )}
      {mt.featureImportance.length > 0 && (
        <Box>
          <Typography variant="h6" component="h3" gutterBottom>
            What matters most
          </Typography>
          <FeatureImportance items={mt.featureImportance} />
        </Box>
      )}
      {(mt.rocCurve.length > 0 || mt.prCurve.length > 0) && (
        <Box>
          <Typography variant="h6" component="h3" gutterBottom>
            Trade-offs between catching cases and false alarms
          </Typography>
          <Box sx={{ display: "grid", gridTemplateColumns: "1fr 1fr", gap: 2 }}>
            {mt.rocCurve.length > 0 && <CurveChart title="ROC curve" points={mt.rocCurve} xLabel="False positive rate" yLabel="True positive rate" diagonal unit />}
            {mt.prCurve.length > 0 && <CurveChart title="Precision–recall" points={mt.prCurve} xLabel="Recall" yLabel="Precision" unit />}
          </Box>
        </Box>
      )}
      {mt.residuals.length > 0 && (
        <Box>
          <Typography variant="h6" component="h3" gutterBottom>
            How far off the predictions are
          </Typography>
          <CurveChart title="Residuals" points={mt.residuals} xLabel="Predicted value" yLabel="Actual − predicted" scatter />
        </Box>
      )}
      {mt.perClass.length > 0 && (
        <Box>
          <Typography variant="h6" component="h3" gutterBottom>
            By class
          </Typography>
          <table style={{ borderCollapse: "collapse", fontSize: 14, width: "100%" }}>
            <thead>
              <tr style={{ textAlign: "left" }}>
                <th style={{ padding: 4 }}>Class</th>
                <th style={{ padding: 4 }}>Precision</th>
                <th style={{ padding: 4 }}>Recall</th>
                <th style={{ padding: 4 }}>F1</th>
                <th style={{ padding: 4 }}>Rows</th>
              </tr>
            </thead>
            <tbody>
              {mt.perClass.map((c) => (
                <tr key={c.label} style={{ borderTop: "1px solid #e0e0e0" }}>
                  <td style={{ padding: 4 }}>{c.label}</td>
                  <td style={{ padding: 4 }}>{(c.precision * 100).toFixed(1)}%</td>
                  <td style={{ padding: 4 }}>{(c.recall * 100).toFixed(1)}%</td>
                  <td style={{ padding: 4 }}>{(c.f1 * 100).toFixed(1)}%</td>
                  <td style={{ padding: 4 }}>{Number(c.support).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Box>
      )}
    </Box>
  );
}
