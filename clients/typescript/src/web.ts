// The browser client: Connect (or gRPC-Web) over fetch with connect-web. Browsers cannot
// stream a request body, so uploads go to the REST route POST /api/v1/data/upload (multipart,
// with progress through XMLHttpRequest where it exists).
import { fromJson, type JsonValue } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

import { authInterceptor, TrainyardClient, type UploadBody, type UploadOptions } from "./client.js";
import { DatasetSchema, type Dataset } from "./gen/trainyard/v1/dataset_pb.js";

export * from "./index.js";

/** Options of {@link createWebClient}. */
export interface WebClientOptions {
  /** The server's base URL; the page's origin when not given. */
  url?: string;
  /** The API key; omit it when the page's session cookie authenticates. */
  apiKey?: string;
  /** "connect" (default) or "grpc-web". */
  protocol?: "connect" | "grpc-web";
  /** Extra interceptors, after the one that sends the key. */
  interceptors?: Interceptor[];
}

/** A TrainyardClient for browsers. */
export class WebTrainyardClient extends TrainyardClient {
  constructor(readonly baseUrl: string, readonly apiKey = "", protocol: "connect" | "grpc-web" = "connect", interceptors: Interceptor[] = []) {
    const opts = { baseUrl, interceptors: [authInterceptor(apiKey), ...interceptors] };
    super(protocol === "grpc-web" ? createGrpcWebTransport(opts) : createConnectTransport(opts));
  }

  /** Uploads a file through POST /api/v1/data/upload (multipart) and returns the dataset. */
  override async upload(filename: string, body: UploadBody, opts: UploadOptions = {}): Promise<Dataset> {
    let blob: Blob;
    if (body instanceof Blob) blob = body;
    else if (body instanceof Uint8Array) blob = new Blob([body as BlobPart]);
    else {
      const parts: BlobPart[] = [];
      for await (const c of body) parts.push(c as BlobPart);
      blob = new Blob(parts);
    }
    const form = new FormData();
    form.append("file", blob, filename);
    const url = `${this.baseUrl.replace(/\/+$/, "")}/api/v1/data/upload`;
    const headers: Record<string, string> = {};
    if (this.apiKey) headers.Authorization = `Bearer ${this.apiKey}`;
    if (opts.requestId) headers["Idempotency-Key"] = opts.requestId;
    const [status, text] = typeof XMLHttpRequest !== "undefined"
      ? await xhrPost(url, form, headers, blob.size, opts.onProgress)
      : await fetchPost(url, form, headers, blob.size, opts.onProgress);
    let json: JsonValue;
    try {
      json = JSON.parse(text) as JsonValue;
    } catch {
      throw new ConnectError(`upload answered HTTP ${status}: ${text.slice(0, 200)}`, Code.Unknown);
    }
    if (status < 200 || status >= 300) {
      const j = json as { code?: string; message?: string };
      throw new ConnectError(j.message ?? `upload answered HTTP ${status}`, codeOf(j.code));
    }
    return fromJson(DatasetSchema, json, { ignoreUnknownFields: true });
  }
}

function codeOf(name?: string): Code {
  if (!name) return Code.Unknown;
  const key = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()).replace(/^./, (c) => c.toUpperCase());
  return (Code as unknown as Record<string, Code>)[key] ?? Code.Unknown;
}

function xhrPost(url: string, form: FormData, headers: Record<string, string>, size: number, onProgress?: (d: number, t: number) => void): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress?.(Math.min(e.loaded, size), size);
    xhr.onload = () => resolve([xhr.status, xhr.responseText]);
    xhr.onerror = () => reject(new ConnectError(`upload to ${url} failed`, Code.Unavailable));
    xhr.send(form);
  });
}

async function fetchPost(url: string, form: FormData, headers: Record<string, string>, size: number, onProgress?: (d: number, t: number) => void): Promise<[number, string]> {
  onProgress?.(0, size);
  const res = await fetch(url, { method: "POST", body: form, headers }).catch((e: unknown) => {
    throw new ConnectError(`upload to ${url} failed: ${String(e)}`, Code.Unavailable);
  });
  const text = await res.text();
  if (res.ok) onProgress?.(size, size);
  return [res.status, text];
}

/** Creates a browser client; the URL defaults to the page's origin. */
export function createWebClient(o: WebClientOptions = {}): WebTrainyardClient {
  const url = o.url ?? globalThis.location?.origin ?? "";
  return new WebTrainyardClient(url, o.apiKey ?? "", o.protocol ?? "connect", o.interceptors ?? []);
}
