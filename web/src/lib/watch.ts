import { useEffect, useReducer, useRef } from "react";
import { ConnectError, Code, createClient, type Transport } from "@connectrpc/connect";
import { ProjectService, LogEntrySchema, LogLevel, PipelineStage, type AuditEntry, type LogEntry, type ProgressEvent } from "@trainyard/client";
import { create } from "@bufbuild/protobuf";
import { isTerminal, stageLabel } from "./format";

/** What the progress page shows, folded from the project's event stream. */
export interface WatchState {
  stage: PipelineStage;
  stageProgress: number;
  eta?: number;
  logs: LogEntry[];
  decisions: AuditEntry[];
  /** The sequence of the last event applied: the cursor a reconnect resumes from. */
  lastSequence: bigint;
  /** Stages seen, in order (the stepper shows optional stages only once they happen). */
  seenStages: PipelineStage[];
  /** "live" while the stream is open, "reconnecting" after it dropped, "done" after the end. */
  status: "connecting" | "live" | "reconnecting" | "done";
  /** The last message of a progress update ("fold 3 of 5"), if any. */
  message: string;
  error?: string;
}

/** The state before any event. */
export function initialWatch(stage = PipelineStage.UNSPECIFIED): WatchState {
  return { stage, stageProgress: 0, logs: [], decisions: [], lastSequence: 0n, seenStages: stage ? [stage] : [], status: "connecting", message: "" };
}

type Action = { type: "event"; ev: ProgressEvent } | { type: "status"; status: WatchState["status"]; error?: string };

/** Applies one event or status change. Events at or below the cursor are ignored (replays). */
export function reduceWatch(s: WatchState, a: Action): WatchState {
  if (a.type === "status") return { ...s, status: a.status, error: a.error };
  const ev = a.ev;
  if (ev.sequence <= s.lastSequence) return s;
  const next: WatchState = { ...s, lastSequence: ev.sequence, stage: ev.stage || s.stage, stageProgress: ev.stageProgress, eta: ev.estimatedTimeRemaining };
  if (ev.stage && !next.seenStages.includes(ev.stage)) next.seenStages = [...next.seenStages, ev.stage];
  switch (ev.detail.case) {
    case "log":
      next.logs = appendLog(s.logs, ev.detail.value);
      break;
    case "decision":
      next.decisions = [...s.decisions, ev.detail.value];
      break;
    case "progress":
      next.message = ev.detail.value.message;
      if (next.message) next.logs = appendLog(s.logs, create(LogEntrySchema, { time: ev.time, level: LogLevel.INFO, stage: ev.stage, message: next.message }));
      break;
    case "stageChange": {
      const st = ev.detail.value.newStage;
      next.stage = st;
      if (!next.seenStages.includes(st)) next.seenStages = [...next.seenStages, st];
      next.message = ev.detail.value.message;
      next.logs = appendLog(s.logs, create(LogEntrySchema, { time: ev.time, level: LogLevel.INFO, stage: st, message: `→ ${stageLabel[st]}${next.message ? `: ${next.message}` : ""}` }));
      break;
    }
  }
  return next;
}

/** The log keeps its newest lines; a long search can report thousands of trials. */
const maxLogLines = 2000;

function appendLog(logs: LogEntry[], l: LogEntry): LogEntry[] {
  const out = logs.length >= maxLogLines ? logs.slice(logs.length - maxLogLines + 1) : logs.slice();
  out.push(l);
  return out;
}

/**
 * Follows a project's WatchProject stream. When the connection drops it reconnects with
 * after_sequence set to the last event it applied, so nothing is missed or shown twice.
 * onStage runs when the stage changes (to refetch the project).
 */
export function useProjectWatch(transport: Transport, name: string, initialStage: PipelineStage | undefined, onStage: (s: PipelineStage) => void): WatchState {
  const [state, dispatch] = useReducer(reduceWatch, initialStage, (st) => initialWatch(st));
  const cursor = useRef(0n);
  cursor.current = state.lastSequence;
  const onStageRef = useRef(onStage);
  onStageRef.current = onStage;
  useEffect(() => {
    if (!name) return;
    const ctl = new AbortController();
    const client = createClient(ProjectService, transport);
    (async () => {
      let failures = 0;
      while (!ctl.signal.aborted) {
        try {
          dispatch({ type: "status", status: failures ? "reconnecting" : "connecting" });
          const stream = client.watchProject({ name, afterSequence: cursor.current }, { signal: ctl.signal });
          let lastStage: PipelineStage | undefined;
          let opened = false;
          for await (const ev of stream) {
            if (!opened) {
              opened = true;
              dispatch({ type: "status", status: "live" });
            }
            failures = 0;
            cursor.current = ev.sequence > cursor.current ? ev.sequence : cursor.current;
            dispatch({ type: "event", ev });
            const st = ev.detail.case === "stageChange" ? ev.detail.value.newStage : ev.stage;
            if (st && st !== lastStage) {
              lastStage = st;
              onStageRef.current(st);
            }
          }
          // The server ends the stream after the terminal event.
          dispatch({ type: "status", status: "done" });
          onStageRef.current(lastStage ?? PipelineStage.UNSPECIFIED);
          return;
        } catch (e) {
          if (ctl.signal.aborted) return;
          const err = ConnectError.from(e);
          if (err.code === Code.NotFound || err.code === Code.PermissionDenied || err.code === Code.Unauthenticated) {
            dispatch({ type: "status", status: "done", error: err.rawMessage });
            return;
          }
          failures++;
          dispatch({ type: "status", status: "reconnecting", error: err.rawMessage });
          await sleep(Math.min(5000, 500 * 2 ** Math.min(failures, 4)), ctl.signal);
        }
      }
    })();
    return () => ctl.abort();
  }, [name, transport]);
  return state;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

export { isTerminal };
