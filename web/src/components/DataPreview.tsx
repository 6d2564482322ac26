import { useCallback, useEffect, useRef, useState } from "react";
import { useQuery } from "@connectrpc/connect-query";
import { Alert, AlertTitle, Box, Chip, Paper, Skeleton, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Tooltip, Typography } from "@mui/material";
import { DatasetService, ColumnKind, type ColumnProfile, type Dataset } from "@trainyard/client";

const kindLabel: Record<ColumnKind, string> = {
  [ColumnKind.UNSPECIFIED]: "unknown",
  [ColumnKind.NUMERIC]: "number",
  [ColumnKind.CATEGORICAL]: "category",
  [ColumnKind.BOOLEAN]: "yes/no",
  [ColumnKind.DATETIME]: "date/time",
  [ColumnKind.TEXT]: "text",
  [ColumnKind.ID]: "identifier",
  [ColumnKind.IMAGE]: "image",
};

/** The first rows of an uploaded dataset and the profile of each column. */
export function DataPreview({ dataset }: { dataset: Dataset }) {
  const q = useQuery(DatasetService.method.getDataPreview, { name: dataset.name, rows: 8 });
  if (q.error) return <Alert severity="warning">Could not load a preview: {q.error.rawMessage}</Alert>;
  if (!q.data) return <Skeleton variant="rounded" height={240} />;
  const pv = q.data;
  const profiles = pv.columns.length ? pv.columns : dataset.columns;
  return (
    <Box sx={{ display: "grid", gridTemplateColumns: "minmax(0, 1fr)", gap: 3 }}>
      <section aria-labelledby="preview-h">
        <Typography id="preview-h" variant="h6" component="h3" gutterBottom>
          First rows <Typography component="span" color="text.secondary">of {Number(pv.totalRows || dataset.numRows).toLocaleString()}</Typography>
        </Typography>
        <PreviewTable columnNames={pv.columnNames} rows={pv.rows.map((r) => r.values)} />
      </section>
      {dataset.warnings.length > 0 && (
        <Alert severity="info" aria-label="What Trainyard noticed in the data">
          <AlertTitle>Trainyard noticed</AlertTitle>
          <Box component="ul" sx={{ m: 0, pl: 2.5 }}>
            {dataset.warnings.map((w) => (
              // With one file the file name in front of each note says nothing new.
              <li key={w}>{dataset.files.length <= 1 ? w.replace(/^[^:"]+\.[A-Za-z0-9]+: /, "") : w}</li>
            ))}
          </Box>
          <Typography variant="body2" sx={{ mt: 1 }}>
            The agents take these into account when they prepare the data; the plan and the decision log say what they did.
          </Typography>
        </Alert>
      )}
      <section aria-labelledby="profile-h">
        <Typography id="profile-h" variant="h6" component="h3" gutterBottom>
          Columns
        </Typography>
        <TableContainer component={Paper}>
          <Table size="small" aria-label="Column profile">
            <TableHead>
              <TableRow>
                <TableCell>Column</TableCell>
                <TableCell>Type</TableCell>
                <TableCell align="right">Missing</TableCell>
                <TableCell align="right">Distinct</TableCell>
                <TableCell>Distribution</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {profiles.map((c) => (
                <TableRow key={c.name}>
                  <TableCell sx={{ fontWeight: 600 }}>
                    {c.name}
                    {c.flags.map((f) => (
                      <Chip key={f} label={f.replace(/_/g, " ")} size="small" color="warning" variant="outlined" sx={{ ml: 1 }} />
                    ))}
                  </TableCell>
                  <TableCell>{kindLabel[c.kind]}</TableCell>
                  <TableCell align="right" sx={{ color: c.missingRatio > 0.2 ? "warning.dark" : undefined }}>
                    {c.missingRatio > 0 ? `${(c.missingRatio * 100).toFixed(1)}%` : "none"}
                  </TableCell>
                  <TableCell align="right">{Number(c.cardinality).toLocaleString()}</TableCell>
                  <TableCell>
                    <Distribution c={c} />
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
      </section>
    </Box>
  );
}

/** Columns whose right edge lies beyond the visible part of a scroll container. */
export function hiddenColumns(rights: number[], scrollLeft: number, clientWidth: number): number {
  return rights.filter((r) => r > scrollLeft + clientWidth + 1).length;
}

/**
 * The preview rows in a container that scrolls sideways when the columns do not fit: the first
 * column stays in place, a fade marks the cut edge, a hint says how many columns are out of
 * view, and the container takes keyboard focus so arrow keys scroll it.
 */
function PreviewTable({ columnNames, rows }: { columnNames: string[]; rows: string[][] }) {
  const ref = useRef<HTMLDivElement>(null);
  const [more, setMore] = useState(0);
  const measure = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    const left = el.getBoundingClientRect().left;
    const rights = Array.from(el.querySelectorAll("thead th")).map((th) => th.getBoundingClientRect().right - left + el.scrollLeft);
    setMore(hiddenColumns(rights, el.scrollLeft, el.clientWidth));
  }, []);
  useEffect(() => {
    measure();
    const el = ref.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [measure, columnNames.length]);
  const sticky = { position: "sticky", left: 0, bgcolor: "background.paper", borderRight: 1, borderRightColor: "divider" } as const;
  return (
    <>
      <Box sx={{ position: "relative" }}>
        <TableContainer
          ref={ref}
          component={Paper}
          tabIndex={0}
          role="region"
          aria-label="Data preview rows, scrolls sideways"
          onScroll={measure}
          sx={{
            maxHeight: 320,
            overflow: "auto",
            "&:focus-visible": { outline: 2, outlineColor: "primary.main", outlineOffset: 2 },
            // An always-visible scrollbar, also where the system hides scrollbars until used.
            scrollbarWidth: "thin",
            "&::-webkit-scrollbar": { height: 10, width: 10 },
            "&::-webkit-scrollbar-thumb": { bgcolor: "grey.400", borderRadius: 5 },
          }}
        >
          <Table size="small" stickyHeader aria-label="Data preview">
            <TableHead>
              <TableRow>
                {columnNames.map((c, j) => (
                  <TableCell key={c} sx={{ fontWeight: 700, whiteSpace: "nowrap", ...(j === 0 ? { ...sticky, zIndex: 3 } : {}) }}>
                    {c}
                  </TableCell>
                ))}
              </TableRow>
            </TableHead>
            <TableBody>
              {rows.map((r, i) => (
                <TableRow key={i}>
                  {r.map((v, j) => (
                    <TableCell key={j} sx={{ whiteSpace: "nowrap", maxWidth: 220, overflow: "hidden", textOverflow: "ellipsis", ...(j === 0 ? { ...sticky, zIndex: 1 } : {}) }}>
                      {v === "" ? <Typography component="span" variant="body2" color="text.secondary">empty</Typography> : v}
                    </TableCell>
                  ))}
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </TableContainer>
        {more > 0 && (
          <Box
            aria-hidden
            sx={{ position: "absolute", top: 0, right: 0, bottom: 10, width: 48, pointerEvents: "none", borderRadius: 1, background: (t) => `linear-gradient(to right, transparent, ${t.palette.background.paper})` }}
          />
        )}
      </Box>
      {more > 0 && (
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }} aria-live="polite">
          Scroll sideways for {more} more {more === 1 ? "column" : "columns"} →
        </Typography>
      )}
    </>
  );
}

/** A small histogram for numbers, or the top values for categories. */
export function Distribution({ c }: { c: ColumnProfile }) {
  const counts = c.histogram?.counts.map(Number) ?? [];
  if (counts.length > 1) {
    const max = Math.max(...counts, 1);
    const w = 120;
    const bw = w / counts.length;
    const label = `from ${fmt(c.min)} to ${fmt(c.max)}${c.mean !== undefined ? `, mean ${fmt(c.mean)}` : ""}`;
    return (
      <Tooltip title={label}>
        <Box component="span" sx={{ display: "inline-flex", alignItems: "center", gap: 1 }}>
          <svg width={w} height={24} role="img" aria-label={`Histogram ${label}`}>
            {counts.map((n, i) => (
              <rect key={i} x={i * bw + 0.5} y={24 - (22 * n) / max} width={Math.max(1, bw - 1)} height={(22 * n) / max} fill="#2e7d32" />
            ))}
          </svg>
          <Typography variant="caption" color="text.secondary">
            {fmt(c.min)} – {fmt(c.max)}
          </Typography>
        </Box>
      </Tooltip>
    );
  }
  if (c.topValues.length) {
    return (
      <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 320, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
        {c.topValues
          .slice(0, 4)
          .map((v) => `${v.value || "(empty)"} (${Number(v.count).toLocaleString()})`)
          .join(", ")}
      </Typography>
    );
  }
  return (
    <Typography variant="body2" color="text.secondary">
      {c.examples.slice(0, 3).join(", ")}
    </Typography>
  );
}

function fmt(v: number | undefined): string {
  if (v === undefined) return "?";
  return Math.abs(v) >= 1000 ? v.toLocaleString(undefined, { maximumFractionDigits: 0 }) : String(Number(v.toPrecision(3)));
}
