import { Box, Typography } from "@mui/material";
import type { ConfusionMatrix as CM, CurvePoint, FeatureImportance as FI } from "@trainyard/client";

/** A confusion matrix as a table heat map: rows are the true classes, columns the predicted. */
export function ConfusionMatrix({ cm }: { cm: CM }) {
  const rows = cm.rows.map((r) => r.counts.map(Number));
  const max = Math.max(1, ...rows.flat());
  return (
    <Box sx={{ overflowX: "auto" }}>
      <table style={{ borderCollapse: "collapse", fontSize: 14 }} aria-label="Confusion matrix: rows are true classes, columns are predicted classes">
        <thead>
          <tr>
            <th scope="col" style={{ padding: 6, textAlign: "left", fontWeight: 400, color: "#4a514a" }}>
              true ↓ / predicted →
            </th>
            {cm.labels.map((l) => (
              <th key={l} scope="col" style={{ padding: 6, maxWidth: 120, overflow: "hidden", textOverflow: "ellipsis" }}>
                {l}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const total = r.reduce((a, b) => a + b, 0) || 1;
            return (
              <tr key={i}>
                <th scope="row" style={{ padding: 6, textAlign: "right" }}>
                  {cm.labels[i]}
                </th>
                {r.map((n, j) => {
                  const a = n / max;
                  const diag = i === j;
                  return (
                    <td
                      key={j}
                      title={`${n} rows of class ${cm.labels[i]} predicted as ${cm.labels[j]} (${Math.round((100 * n) / total)}% of that class)`}
                      style={{
                        padding: "10px 14px",
                        textAlign: "center",
                        minWidth: 64,
                        border: "1px solid #fff",
                        background: diag ? `rgba(27,94,32,${0.1 + 0.8 * a})` : `rgba(183,28,28,${n ? 0.08 + 0.6 * a : 0.03})`,
                        color: a > 0.55 ? "#fff" : "#1c1f1c",
                        fontWeight: diag ? 700 : 400,
                      }}
                    >
                      {n.toLocaleString()}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </Box>
  );
}

/** A line chart of curve points in the unit square (ROC, PR) or scaled to the data (residuals as points). */
export function CurveChart({
  points,
  xLabel,
  yLabel,
  title,
  diagonal,
  scatter,
  unit,
}: {
  points: CurvePoint[];
  xLabel: string;
  yLabel: string;
  title: string;
  diagonal?: boolean;
  scatter?: boolean;
  unit?: boolean;
}) {
  const W = 320;
  const H = 240;
  const pad = { l: 44, r: 10, t: 10, b: 36 };
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  let [x0, x1, y0, y1] = unit ? [0, 1, 0, 1] : [Math.min(...xs), Math.max(...xs), Math.min(...ys, 0), Math.max(...ys, 0)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) y1 = y0 + 1;
  const sx = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const sy = (y: number) => H - pad.b - ((y - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const path = points.map((p, i) => `${i ? "L" : "M"}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join("");
  const ticks = [0, 0.5, 1].map((t) => ({ x: x0 + t * (x1 - x0), y: y0 + t * (y1 - y0) }));
  const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Number(v.toPrecision(2)).toString());
  return (
    <Box>
      <Typography variant="subtitle2" component="h4">
        {title}
      </Typography>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" style={{ maxWidth: W }} role="img" aria-label={`${title}: ${yLabel} against ${xLabel}, ${points.length} points`}>
        <rect x={pad.l} y={pad.t} width={W - pad.l - pad.r} height={H - pad.t - pad.b} fill="#fafbfa" stroke="#c8cec8" />
        {ticks.map((t, i) => (
          <g key={i} fontSize="10" fill="#4a514a">
            <text x={sx(t.x)} y={H - pad.b + 14} textAnchor="middle">
              {fmt(t.x)}
            </text>
            <text x={pad.l - 4} y={sy(t.y) + 3} textAnchor="end">
              {fmt(t.y)}
            </text>
          </g>
        ))}
        {diagonal && <line x1={sx(0)} y1={sy(0)} x2={sx(1)} y2={sy(1)} stroke="#9e9e9e" strokeDasharray="4 4" />}
        {scatter && !unit && y0 < 0 && y1 > 0 && <line x1={pad.l} x2={W - pad.r} y1={sy(0)} y2={sy(0)} stroke="#9e9e9e" strokeDasharray="4 4" />}
        {scatter ? points.map((p, i) => <circle key={i} cx={sx(p.x)} cy={sy(p.y)} r={2} fill="#4527a0" fillOpacity={0.55} />) : <path d={path} fill="none" stroke="#1b5e20" strokeWidth={2} />}
        <text x={(W + pad.l) / 2} y={H - 4} textAnchor="middle" fontSize="11" fill="#1c1f1c">
          {xLabel}
        </text>
        <text x={12} y={(H - pad.b) / 2} textAnchor="middle" fontSize="11" fill="#1c1f1c" transform={`rotate(-90 12 ${(H - pad.b) / 2})`}>
          {yLabel}
        </text>
      </svg>
    </Box>
  );
}

/** Horizontal bars of the most important features. */
export function FeatureImportance({ items, top = 12 }: { items: FI[]; top?: number }) {
  const sorted = [...items].sort((a, b) => Math.abs(b.importance) - Math.abs(a.importance)).slice(0, top);
  const max = Math.max(1e-12, ...sorted.map((f) => Math.abs(f.importance)));
  return (
    <Box component="ol" sx={{ listStyle: "none", p: 0, m: 0, display: "grid", gap: 0.75 }} aria-label="Feature importance, most important first">
      {sorted.map((f) => (
        <Box component="li" key={f.feature} sx={{ display: "grid", gridTemplateColumns: "minmax(100px, 180px) 1fr 56px", alignItems: "center", gap: 1 }}>
          <Typography variant="body2" sx={{ overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }} title={f.feature}>
            {f.feature}
          </Typography>
          <Box sx={{ bgcolor: "#e8ece8", borderRadius: 1, height: 14 }}>
            <Box sx={{ width: `${(100 * Math.abs(f.importance)) / max}%`, bgcolor: "primary.main", height: "100%", borderRadius: 1 }} />
          </Box>
          <Typography variant="caption" color="text.secondary" sx={{ textAlign: "right" }}>
            {(Math.abs(f.importance) / sorted.reduce((a, b) => a + Math.abs(b.importance), 0) * 100).toFixed(0)}%
          </Typography>
        </Box>
      ))}
      {sorted[0]?.method && (
        <Typography variant="caption" color="text.secondary">
          Measured by {sorted[0].method.replace(/_/g, " ")}; share of the importance of the features shown.
        </Typography>
      )}
    </Box>
  );
}
