import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { PipelineStage, ProblemType, DataType, type Metric } from "@trainyard/client";

/** Human names of the pipeline stages. */
export const stageLabel: Record<PipelineStage, string> = {
  [PipelineStage.UNSPECIFIED]: "Unknown",
  [PipelineStage.ANALYZING]: "Understanding the problem",
  [PipelineStage.DATA_PROCESSING]: "Preparing the data",
  [PipelineStage.LABELING]: "Labeling",
  [PipelineStage.MODEL_SELECTION]: "Choosing models",
  [PipelineStage.AWAITING_APPROVAL]: "Waiting for your approval",
  [PipelineStage.TRAINING]: "Training",
  [PipelineStage.EVALUATION]: "Evaluating",
  [PipelineStage.DEPLOYMENT]: "Deploying",
  [PipelineStage.COMPLETED]: "Completed",
  [PipelineStage.FAILED]: "Failed",
  [PipelineStage.CANCELLED]: "Cancelled",
};

/** Short state names for chips and tables. */
export const stateLabel: Record<PipelineStage, string> = {
  ...stageLabel,
  [PipelineStage.ANALYZING]: "Analyzing",
  [PipelineStage.DATA_PROCESSING]: "Processing data",
  [PipelineStage.MODEL_SELECTION]: "Selecting models",
  [PipelineStage.AWAITING_APPROVAL]: "Needs approval",
};

/** Whether a stage ends the pipeline. */
export function isTerminal(s: PipelineStage): boolean {
  return s === PipelineStage.COMPLETED || s === PipelineStage.FAILED || s === PipelineStage.CANCELLED;
}

/** Human names of problem types. */
export const problemLabel: Record<ProblemType, string> = {
  [ProblemType.UNSPECIFIED]: "Not decided yet",
  [ProblemType.BINARY_CLASSIFICATION]: "Yes/no classification",
  [ProblemType.MULTICLASS_CLASSIFICATION]: "Classification (several classes)",
  [ProblemType.REGRESSION]: "Predicting a number (regression)",
  [ProblemType.IMAGE_OBJECT_DETECTION]: "Object detection in images",
};

/** The data types a person can pick at upload; "" lets the server detect it. */
export const dataTypeOptions: { value: string; label: string; type: DataType }[] = [
  { value: "auto", label: "Detect automatically", type: DataType.UNSPECIFIED },
  { value: "TABULAR", label: "Table (CSV, Parquet, JSON lines)", type: DataType.TABULAR },
  { value: "TEXT", label: "Text", type: DataType.TEXT },
  { value: "IMAGE", label: "Images", type: DataType.IMAGE },
  { value: "MULTIMODAL", label: "Mixed", type: DataType.MULTIMODAL },
];

/** Formats a timestamp as a short local date and time. */
export function formatTime(t: Timestamp | undefined): string {
  if (!t) return "—";
  return timestampDate(t).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Formats seconds as "about 3 min" style durations. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !isFinite(seconds) || seconds < 0) return "";
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return m ? `${h} h ${m} min` : `${h} h`;
}

/** Formats a byte count. */
export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  if (v < 1024) return `${v} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x.toFixed(x < 10 ? 1 : 0)} ${units[i]}`;
}

const pctMetrics = new Set(["accuracy", "balanced_accuracy", "f1", "f1_macro", "f1_weighted", "precision", "recall", "roc_auc", "auc", "pr_auc", "average_precision", "r2"]);

/** Formats a metric value: ratios as percentages, errors as numbers. */
export function formatMetricValue(name: string, v: number): string {
  if (pctMetrics.has(name.toLowerCase())) return `${(v * 100).toFixed(1)}%`;
  if (Math.abs(v) >= 1000) return v.toLocaleString(undefined, { maximumFractionDigits: 0 });
  return v.toPrecision(3);
}

/** Human names of metrics. */
export function metricName(name: string): string {
  const names: Record<string, string> = {
    accuracy: "Accuracy",
    balanced_accuracy: "Balanced accuracy",
    f1: "F1 score",
    f1_macro: "F1 (macro)",
    f1_weighted: "F1 (weighted)",
    roc_auc: "ROC AUC",
    auc: "ROC AUC",
    pr_auc: "PR AUC",
    average_precision: "Average precision",
    log_loss: "Log loss",
    rmse: "RMSE",
    mae: "MAE",
    r2: "R²",
    mape: "MAPE",
    precision: "Precision",
    recall: "Recall",
  };
  return names[name.toLowerCase()] ?? name;
}

/**
 * Says what a headline metric means in plain words, e.g. "Correct on 86% of unseen rows".
 * noun names what a row is ("customers") when the description says so.
 */
export function plainMetric(m: Metric | undefined, noun = "rows"): string {
  if (!m) return "";
  const n = m.name.toLowerCase();
  const pct = `${Math.round(m.value * 1000) / 10}%`;
  switch (n) {
    case "accuracy":
      return `Correct on ${pct} of unseen ${noun}`;
    case "balanced_accuracy":
      return `Correct on ${pct} of unseen ${noun}, averaged over the classes so rare ones count as much as common ones`;
    case "roc_auc":
    case "auc":
      return `Ranks a random positive above a random negative ${pct} of the time (0.5 would be guessing)`;
    case "f1":
    case "f1_macro":
    case "f1_weighted":
      return `F1 score of ${pct} on unseen ${noun}: finds the cases that matter while keeping false alarms low`;
    case "r2":
      return `Explains ${pct} of the variation in the target on unseen ${noun}`;
    case "rmse":
      return `Off by about ${formatMetricValue(n, m.value)} on a typical unseen row (root mean squared error)`;
    case "mae":
      return `Off by ${formatMetricValue(n, m.value)} on average on unseen ${noun}`;
    case "log_loss":
      return `Log loss of ${m.value.toFixed(3)} on unseen ${noun} (lower is better)`;
    default:
      return m.description || `${metricName(m.name)}: ${formatMetricValue(n, m.value)} on unseen ${noun}`;
  }
}

/** Turns "DECISION_TYPE_MODEL_FAMILY"-like enum names into "Model family". */
export function enumWords(name: string | undefined): string {
  if (!name) return "";
  const s = name.toLowerCase().replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}
