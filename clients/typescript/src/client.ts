// The transport-agnostic core of the client: the generated Connect clients of every service
// plus the flow a person needs — upload with progress, create, watch as an async iterator that
// resumes from its cursor, predict, download. node.ts and web.ts give it a transport.
import { create, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client, type Interceptor, type Transport } from "@connectrpc/connect";

import { ApiKeyService } from "./gen/trainyard/v1/api_key_service_pb.js";
import type { Dataset } from "./gen/trainyard/v1/dataset_pb.js";
import { DatasetService, UploadDatasetRequestSchema, type UploadDatasetRequest } from "./gen/trainyard/v1/dataset_service_pb.js";
import type { Model } from "./gen/trainyard/v1/model_pb.js";
import { ArtifactFormat, ModelService } from "./gen/trainyard/v1/model_service_pb.js";
import type { Prediction } from "./gen/trainyard/v1/prediction_pb.js";
import { PredictionService } from "./gen/trainyard/v1/prediction_service_pb.js";
import { PipelineStage, type ProgressEvent, type Project } from "./gen/trainyard/v1/project_pb.js";
import { ProjectService, type ProjectSubmissionSchema } from "./gen/trainyard/v1/project_service_pb.js";

/** Told how many bytes have moved so far, of total (-1 when unknown). */
export type ProgressFn = (done: number, total: number) => void;

/** The size of each message of an upload stream. */
export const UPLOAD_CHUNK = 256 * 1024;

/** Returns an interceptor that sends the API key as a bearer token on every call. */
export function authInterceptor(apiKey: string): Interceptor {
  return (next) => async (req) => {
    if (apiKey) req.header.set("Authorization", `Bearer ${apiKey}`);
    return next(req);
  };
}

/** Whether a project in this stage has finished (completed, failed or cancelled). */
export function isTerminal(stage: PipelineStage): boolean {
  return stage === PipelineStage.COMPLETED || stage === PipelineStage.FAILED || stage === PipelineStage.CANCELLED;
}

/** A stage's short name, e.g. "TRAINING". */
export function stageName(stage: PipelineStage): string {
  return PipelineStage[stage] ?? String(stage);
}

/** Options of {@link TrainyardClient.watch}. */
export interface WatchOptions {
  /** Start after this event sequence (0, the default, replays every event). */
  afterSequence?: bigint;
  /** Stop watching when this signal aborts. */
  signal?: AbortSignal;
  /** Reconnects in a row without a new event before giving up (default 20). */
  maxReconnects?: number;
  /** The first pause before a reconnect in ms, doubled up to 5 s (default 250). */
  backoffMs?: number;
  /** Called before each reconnect with the error and the cursor the watch resumes from. */
  onReconnect?: (err: ConnectError, afterSequence: bigint) => void;
}

/** What a project is created from: the submission's fields, with the budget in seconds. */
export interface CreateProjectOptions {
  /** What to predict, in plain words ("predict which customers will churn"). */
  description: string;
  /** The dataset (or its id) to train on. */
  dataset: Dataset | string;
  /** Stop in AWAITING_APPROVAL until approved. */
  requiresApproval?: boolean;
  /** The column to predict, when you want to name it. */
  targetColumn?: string;
  /** The training budget in seconds; derived from the data when not given. */
  budgetSeconds?: number;
  /** A title. */
  displayName?: string;
  /** Makes a retried create return the same project (random by default). */
  requestId?: string;
}

/** Bytes to upload: one buffer, a Blob, or a stream of chunks. */
export type UploadBody = Uint8Array | Blob | AsyncIterable<Uint8Array>;

/** Options of {@link TrainyardClient.upload}. */
export interface UploadOptions {
  /** The total size, when body is a stream (for progress). */
  size?: number;
  /** Told after every chunk. */
  onProgress?: ProgressFn;
  /** The file's media type (text/csv by default for .csv). */
  contentType?: string;
  /** Makes a retried upload return the same dataset (random by default). */
  requestId?: string;
}

/**
 * Status codes after which a watch reconnects: the stream dropped, the server restarted. Node's
 * HTTP/2 client reports a lost connection as Canceled, so that counts too unless the caller's
 * own signal aborted.
 */
const RESUMABLE = new Set([Code.Unavailable, Code.Unknown, Code.Internal, Code.Aborted, Code.ResourceExhausted, Code.Canceled]);

/**
 * A client of one Trainyard server. The generated clients of every service are its fields
 * (`projects`, `datasets`, `models`, `predictions`, `keys`) for anything the helpers leave out.
 */
export class TrainyardClient {
  /** ProjectService: create, list, watch, approve, cancel. */
  readonly projects: Client<typeof ProjectService>;
  /** DatasetService: upload, get, list, preview. */
  readonly datasets: Client<typeof DatasetService>;
  /** ModelService: get, list, download. */
  readonly models: Client<typeof ModelService>;
  /** PredictionService: predict, batch predict. */
  readonly predictions: Client<typeof PredictionService>;
  /** ApiKeyService: the current user and API keys. */
  readonly keys: Client<typeof ApiKeyService>;

  /** Builds a client on a transport that already sends the API key (see node.ts, web.ts). */
  constructor(readonly transport: Transport) {
    this.projects = createClient(ProjectService, transport);
    this.datasets = createClient(DatasetService, transport);
    this.models = createClient(ModelService, transport);
    this.predictions = createClient(PredictionService, transport);
    this.keys = createClient(ApiKeyService, transport);
  }

  /**
   * Uploads one file over the UploadDataset client stream (HTTP/2 transports: Node's, or a
   * browser with a REST upload instead — see web.ts) and returns the dataset with its profile.
   */
  async upload(filename: string, body: UploadBody, opts: UploadOptions = {}): Promise<Dataset> {
    const total = body instanceof Uint8Array ? body.byteLength : isBlob(body) ? body.size : (opts.size ?? -1);
    const header = {
      filename,
      contentType: opts.contentType ?? (filename.toLowerCase().endsWith(".csv") ? "text/csv" : ""),
      requestId: opts.requestId ?? randomId(),
    };
    async function* messages(): AsyncIterable<UploadDatasetRequest> {
      yield create(UploadDatasetRequestSchema, { part: { case: "header", value: header } });
      let sent = 0;
      opts.onProgress?.(0, total);
      for await (const chunk of chunks(body)) {
        sent += chunk.byteLength;
        yield create(UploadDatasetRequestSchema, { part: { case: "chunk", value: chunk } });
        opts.onProgress?.(sent, total < 0 ? sent : total);
      }
    }
    return this.datasets.uploadDataset(messages());
  }

  /** Creates a project and starts its pipeline. */
  async createProject(o: CreateProjectOptions): Promise<Project> {
    const submission: MessageInitShape<typeof ProjectSubmissionSchema> = {
      problemDescription: o.description,
      datasetId: typeof o.dataset === "string" ? o.dataset.replace(/^datasets\//, "") : o.dataset.id,
      requiresApproval: o.requiresApproval ?? false,
      targetColumn: o.targetColumn ?? "",
      displayName: o.displayName ?? "",
    };
    if (o.budgetSeconds !== undefined) submission.budget = durationFromMs(o.budgetSeconds * 1000);
    return this.projects.createProject({ submission, requestId: o.requestId ?? randomId() });
  }

  /** Returns one project. */
  getProject(id: string): Promise<Project> {
    return this.projects.getProject({ name: projectName(id) });
  }

  /**
   * Yields the project's progress events in order until it finishes. A stream that drops is
   * reopened after the last sequence seen, so every event arrives exactly once.
   */
  async *watch(projectId: string, opts: WatchOptions = {}): AsyncGenerator<ProgressEvent, void, undefined> {
    let after = opts.afterSequence ?? 0n;
    const max = opts.maxReconnects ?? 20;
    const first = opts.backoffMs ?? 250;
    let pause = first;
    let failures = 0;
    for (;;) {
      let terminal = false;
      let err: ConnectError | undefined;
      try {
        for await (const ev of this.projects.watchProject({ name: projectName(projectId), afterSequence: after }, { signal: opts.signal })) {
          if (ev.sequence <= after) continue;
          after = ev.sequence;
          failures = 0;
          pause = first;
          terminal = isTerminal(ev.stage);
          yield ev;
        }
        if (terminal) return;
        err = new ConnectError("the stream ended before the project finished", Code.Unavailable);
      } catch (e) {
        const ce = ConnectError.from(e);
        if (opts.signal?.aborted || !RESUMABLE.has(ce.code)) throw ce;
        err = ce;
      }
      if (++failures > max) throw new ConnectError(`watch of project ${projectId}: gave up after ${max} reconnects: ${err.message}`, err.code);
      opts.onReconnect?.(err, after);
      await sleep(pause, opts.signal);
      pause = Math.min(pause * 2, 5000);
    }
  }

  /** Follows the project to its end (calling onEvent for each event) and returns it. */
  async wait(projectId: string, onEvent?: (ev: ProgressEvent) => void, opts: WatchOptions = {}): Promise<Project> {
    for await (const ev of this.watch(projectId, opts)) onEvent?.(ev);
    return this.getProject(projectId);
  }

  /** Returns one model with its metrics, report and code examples. */
  getModel(id: string): Promise<Model> {
    return this.models.getModel({ name: modelName(id) });
  }

  /** Scores rows (objects of feature name to value) with a deployed model. */
  async predict(modelId: string, rows: JsonObject[], opts: { explain?: boolean } = {}): Promise<Prediction[]> {
    const res = await this.predictions.predict({ name: modelName(modelId), instances: rows, explain: opts.explain ?? false });
    return res.predictions;
  }

  /**
   * Streams a model's artifact ("onnx" or "native") over the DownloadModel stream, yielding
   * its chunks; the first call of onProgress carries the size.
   */
  async *downloadChunks(modelId: string, format: "onnx" | "native" = "onnx", onProgress?: ProgressFn): AsyncGenerator<Uint8Array, void, undefined> {
    let done = 0;
    let total = -1;
    for await (const m of this.models.downloadModel({ name: modelName(modelId), format: format === "onnx" ? ArtifactFormat.ONNX : ArtifactFormat.NATIVE })) {
      if (m.sizeBytes > 0n) total = Number(m.sizeBytes);
      done += m.chunk.byteLength;
      onProgress?.(done, total);
      yield m.chunk;
    }
    if (total >= 0 && done !== total) throw new ConnectError(`download of model ${modelId} ended after ${done} of ${total} bytes`, Code.DataLoss);
  }

  /** Downloads a model's artifact into memory. */
  async download(modelId: string, format: "onnx" | "native" = "onnx", onProgress?: ProgressFn): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    for await (const c of this.downloadChunks(modelId, format, onProgress)) parts.push(c);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}

/** "projects/{id}" for an id or a name. */
export function projectName(id: string): string {
  return id.startsWith("projects/") ? id : `projects/${id}`;
}

/** "models/{id}" for an id or a name. */
export function modelName(id: string): string {
  return id.startsWith("models/") ? id : `models/${id}`;
}

function isBlob(b: unknown): b is Blob {
  return typeof Blob !== "undefined" && b instanceof Blob;
}

async function* chunks(body: UploadBody): AsyncIterable<Uint8Array> {
  if (body instanceof Uint8Array) {
    for (let i = 0; i < body.byteLength; i += UPLOAD_CHUNK) yield body.subarray(i, i + UPLOAD_CHUNK);
    return;
  }
  if (isBlob(body)) {
    for (let i = 0; i < body.size; i += UPLOAD_CHUNK) yield new Uint8Array(await body.slice(i, i + UPLOAD_CHUNK).arrayBuffer());
    return;
  }
  let buf: Uint8Array[] = [];
  let n = 0;
  for await (const c of body) {
    buf.push(c);
    n += c.byteLength;
    if (n >= UPLOAD_CHUNK) {
      yield concat(buf, n);
      buf = [];
      n = 0;
    }
  }
  if (n > 0) yield concat(buf, n);
}

function concat(parts: Uint8Array[], n: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function randomId(): string {
  return globalThis.crypto.randomUUID();
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new ConnectError("watch aborted", Code.Canceled));
    }, { once: true });
  });
}
