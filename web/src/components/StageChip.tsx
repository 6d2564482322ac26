import { Chip } from "@mui/material";
import { PipelineStage } from "@trainyard/client";
import { stateLabel } from "../lib/format";

/** A colored chip naming a project's state. */
export function StageChip({ stage, size = "small" }: { stage: PipelineStage; size?: "small" | "medium" }) {
  const color =
    stage === PipelineStage.COMPLETED ? "success" : stage === PipelineStage.FAILED ? "error" : stage === PipelineStage.AWAITING_APPROVAL ? "warning" : stage === PipelineStage.CANCELLED ? "default" : "info";
  return <Chip label={stateLabel[stage]} color={color} size={size} variant={stage === PipelineStage.CANCELLED ? "outlined" : "filled"} />;
}
