import { useId, useState } from "react";
import { Alert, Box, Slider, Typography } from "@mui/material";
import type { DetectedObject, Prediction } from "@trainyard/client";
import { PredictionPaper } from "./PredictionPaper";

/** Box colors, told apart by people with the common color vision deficiencies (Okabe–Ito). */
const colors = ["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];

/** labelColor gives each label a color of its own: by its place among the model's labels, so a
 * label keeps its color from picture to picture, else by its first appearance among the objects. */
export function labelColor(label: string, labels: string[], objects: DetectedObject[]): string {
  let i = labels.indexOf(label);
  if (i < 0) i = labels.length + [...new Set(objects.map((o) => o.label))].indexOf(label);
  return colors[i % colors.length];
}

/** percent writes a box edge (a fraction of the picture) as an SVG length that follows the
 * picture's displayed size. */
function percent(fraction: number): string {
  return `${(Math.min(1, Math.max(0, fraction)) * 100).toFixed(3)}%`;
}

/** score writes a confidence as a whole percentage. */
function score(confidence: number): string {
  return `${Math.round(confidence * 100)}%`;
}

/** The objects an object detector found in a picture: the picture with each object's box drawn
 * over it, labeled with its label and confidence, and the list of the objects. The endpoint
 * answers up to a hundred objects, however unlikely; those under the minimum confidence, which
 * the slider sets, are left out. */
export function DetectionView({ p, picture, labels }: { p: Prediction; picture: string; labels: string[] }) {
  const [minimum, setMinimum] = useState(0.5);
  const id = useId();
  if (p.error) return <Alert severity="error">{p.error}</Alert>;
  const shown = p.objects.filter((o) => o.confidence >= minimum);
  return (
    <PredictionPaper warnings={p.warnings}>
      <Typography variant="overline" color="text.secondary">
        Objects found
      </Typography>
      <Box sx={{ position: "relative", lineHeight: 0, mb: 2 }}>
        <Box component="img" src={picture} alt="the picture the model looked at" sx={{ display: "block", width: "100%", height: "auto", outline: "1px solid rgba(0, 0, 0, 0.12)" }} />
        {/* Without a viewBox, percentages are of the displayed picture, and labels keep their size. */}
        <svg role="img" aria-label="Boxes of the objects found" width="100%" height="100%" style={{ position: "absolute", inset: 0, overflow: "visible" }}>
          {shown.map((o, i) => (
            <ObjectBox key={i} o={o} color={labelColor(o.label, labels, p.objects)} />
          ))}
        </svg>
      </Box>
      <Typography variant="subtitle2" id={`${id}-objects`}>
        {shown.length === p.objects.length
          ? `${p.objects.length} ${p.objects.length === 1 ? "object" : "objects"}`
          : `${shown.length} of ${p.objects.length} objects, from ${score(minimum)} sure`}
      </Typography>
      <Box component="ul" aria-labelledby={`${id}-objects`} sx={{ listStyle: "none", p: 0, m: 0, mb: 1 }}>
        {shown.map((o, i) => (
          <Box component="li" key={i} sx={{ display: "flex", gap: 1, alignItems: "center", py: 0.25 }}>
            <Box aria-hidden sx={{ width: 12, height: 12, borderRadius: 0.5, flex: "none", border: 2, borderColor: labelColor(o.label, labels, p.objects) }} />
            <Typography variant="body2">
              {o.label} <Typography component="span" variant="body2" color="text.secondary">{score(o.confidence)}</Typography>
            </Typography>
          </Box>
        ))}
      </Box>
      {p.objects.length > 0 && (
        <Box sx={{ maxWidth: 320 }}>
          <Typography variant="caption" color="text.secondary" id={`${id}-minimum`}>
            Show objects the model is at least {score(minimum)} sure of
          </Typography>
          <Slider size="small" min={0} max={1} step={0.05} value={minimum} onChange={(_, v) => setMinimum(v as number)} aria-labelledby={`${id}-minimum`} valueLabelDisplay="auto" valueLabelFormat={score} />
        </Box>
      )}
    </PredictionPaper>
  );
}

/** One object's box and, above its top left corner (inside the box when at the picture's top
 * edge), its label and confidence. */
function ObjectBox({ o, color }: { o: DetectedObject; color: string }) {
  const text = `${o.label} ${score(o.confidence)}`;
  const atTop = o.ymin < 0.08;
  return (
    <g>
      <title>{text}</title>
      <rect x={percent(o.xmin)} y={percent(o.ymin)} width={percent(o.xmax - o.xmin)} height={percent(o.ymax - o.ymin)} fill="none" stroke={color} strokeWidth={2} />
      <text x={percent(o.xmin)} y={percent(o.ymin)} dx={3} dy={atTop ? 14 : -4} fontSize={12} fontWeight={600} fill={color} stroke="#fff" strokeWidth={3} paintOrder="stroke">
        {text}
      </text>
    </g>
  );
}
