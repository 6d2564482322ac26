import { fromJson } from "@bufbuild/protobuf";
import { DatasetSchema, type Dataset } from "@trainyard/client";

/** What uploadDataset reports as bytes leave the browser. */
export interface UploadProgress {
  loaded: number;
  total: number;
}

/** A running upload: its result, and a way to stop it. */
export interface UploadHandle {
  done: Promise<Dataset>;
  cancel: () => void;
}

/** The error an upload fails with; cancelled is true when the person stopped it. */
export class UploadError extends Error {
  constructor(
    message: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = "UploadError";
  }
}

/**
 * Sends files to POST /api/v1/data/upload as multipart/form-data. It uses XMLHttpRequest,
 * because fetch reports no upload progress; cancel aborts the request (the server drops the
 * partial upload).
 */
export function uploadDataset(opts: {
  apiKey: string;
  files: File[];
  dataType?: string;
  displayName?: string;
  requestId?: string;
  onProgress?: (p: UploadProgress) => void;
  baseUrl?: string;
}): UploadHandle {
  const xhr = new XMLHttpRequest();
  const form = new FormData();
  if (opts.displayName) form.append("displayName", opts.displayName);
  if (opts.dataType) form.append("dataType", opts.dataType);
  for (const f of opts.files) form.append("file", f, f.name);
  const done = new Promise<Dataset>((resolve, reject) => {
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) opts.onProgress?.({ loaded: e.loaded, total: e.total });
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // not JSON: reported below
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(fromJson(DatasetSchema, body as never, { ignoreUnknownFields: true }));
        return;
      }
      const msg = body && typeof body === "object" && "message" in body ? String((body as { message: unknown }).message) : xhr.statusText;
      reject(new UploadError(msg || `upload failed (HTTP ${xhr.status})`));
    };
    xhr.onerror = () => reject(new UploadError("the upload was interrupted: check the connection and try again"));
    xhr.onabort = () => reject(new UploadError("upload cancelled", true));
  });
  xhr.open("POST", `${opts.baseUrl ?? ""}/api/v1/data/upload`);
  xhr.setRequestHeader("Authorization", `Bearer ${opts.apiKey}`);
  if (opts.requestId) xhr.setRequestHeader("Idempotency-Key", opts.requestId);
  xhr.send(form);
  return { done, cancel: () => xhr.abort() };
}
