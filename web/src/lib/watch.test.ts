import { describe, expect, it } from "vitest";
import { act, renderHook, waitFor } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport } from "@connectrpc/connect";
import { ProjectService, AuditEntrySchema, LogEntrySchema, PipelineStage, ProgressEventSchema, StageChangeSchema, type ProgressEvent } from "@trainyard/client";
import { initialWatch, reduceWatch, useProjectWatch } from "./watch";

function logEvent(seq: number, msg: string, stage = PipelineStage.ANALYZING): ProgressEvent {
  return create(ProgressEventSchema, { sequence: BigInt(seq), stage, stageProgress: seq / 10, detail: { case: "log", value: create(LogEntrySchema, { message: msg, stage }) } });
}

function stageEvent(seq: number, from: PipelineStage, to: PipelineStage): ProgressEvent {
  return create(ProgressEventSchema, { sequence: BigInt(seq), stage: to, detail: { case: "stageChange", value: create(StageChangeSchema, { previousStage: from, newStage: to }) } });
}

describe("reduceWatch", () => {
  it("folds logs, decisions and stage changes and ignores replayed events", () => {
    let s = initialWatch(PipelineStage.ANALYZING);
    const decision = create(ProgressEventSchema, {
      sequence: 2n,
      stage: PipelineStage.ANALYZING,
      detail: { case: "decision", value: create(AuditEntrySchema, { decision: "predict column churn", confidence: 0.9 }) },
    });
    for (const ev of [logEvent(1, "reading"), decision, logEvent(1, "reading"), stageEvent(3, PipelineStage.ANALYZING, PipelineStage.LABELING), decision]) {
      s = reduceWatch(s, { type: "event", ev });
    }
    expect(s.logs.map((l) => l.message)).toEqual(["reading", "→ Labeling"]);
    expect(s.decisions.map((d) => d.decision)).toEqual(["predict column churn"]);
    expect(s.stage).toBe(PipelineStage.LABELING);
    expect(s.seenStages).toEqual([PipelineStage.ANALYZING, PipelineStage.LABELING]);
    expect(s.lastSequence).toBe(3n);
  });
});

describe("useProjectWatch", () => {
  it("resumes after a dropped stream from the last sequence it applied", async () => {
    const cursors: bigint[] = [];
    const transport = createRouterTransport(({ service }) => {
      service(ProjectService, {
        async *watchProject(req) {
          cursors.push(req.afterSequence);
          if (cursors.length === 1) {
            yield logEvent(1, "one");
            yield logEvent(2, "two");
            throw new ConnectError("connection reset", Code.Unavailable);
          }
          // The server replays from the cursor; a replayed event must not show twice.
          for (const ev of [logEvent(2, "two"), logEvent(3, "three"), stageEvent(4, PipelineStage.DEPLOYMENT, PipelineStage.COMPLETED)]) {
            if (ev.sequence > req.afterSequence) yield ev;
          }
        },
      });
    });
    const stages: PipelineStage[] = [];
    const { result } = renderHook(() => useProjectWatch(transport, "projects/p1", PipelineStage.ANALYZING, (s) => stages.push(s)));
    await waitFor(() => expect(result.current.status).toBe("done"), { timeout: 5000 });
    await act(async () => {});
    expect(cursors).toEqual([0n, 2n]);
    expect(result.current.logs.map((l) => l.message)).toEqual(["one", "two", "three", "→ Completed"]);
    expect(result.current.stage).toBe(PipelineStage.COMPLETED);
    expect(stages).toContain(PipelineStage.COMPLETED);
  });

  it("stops on NotFound instead of retrying forever", async () => {
    let calls = 0;
    const transport = createRouterTransport(({ service }) => {
      service(ProjectService, {
        // eslint-disable-next-line require-yield
        async *watchProject() {
          calls++;
          throw new ConnectError("project not found", Code.NotFound);
        },
      });
    });
    const { result } = renderHook(() => useProjectWatch(transport, "projects/gone", undefined, () => {}));
    await waitFor(() => expect(result.current.status).toBe("done"));
    expect(result.current.error).toBe("project not found");
    expect(calls).toBe(1);
  });
});
