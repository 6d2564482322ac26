import type { ReactNode } from "react";
import { Alert, Paper } from "@mui/material";

/** The panel of one prediction's answer, whatever the model's kind: the answer (children),
 * then the prediction's warnings. */
export function PredictionPaper({ warnings, children }: { warnings: string[]; children: ReactNode }) {
  return (
    <Paper sx={{ p: 3 }} data-testid="prediction">
      {children}
      {warnings.map((w) => (
        <Alert key={w} severity="warning" sx={{ mt: 1 }}>
          {w}
        </Alert>
      ))}
    </Paper>
  );
}
