import { authHeaders } from "./transport";

/** The error of a failed request to a hand-written route, with its HTTP status. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "HttpError";
  }
}

/** Fetches a file from a hand-written route with the API key and returns it with its file name. */
export async function fetchFile(apiKey: string, url: string): Promise<{ blob: Blob; filename: string }> {
  const res = await fetch(url, { headers: authHeaders(apiKey) });
  if (!res.ok) {
    let msg = res.statusText;
    try {
      const body = await res.json();
      if (body?.message) msg = body.message;
    } catch {
      // not JSON
    }
    throw new HttpError(msg || `HTTP ${res.status}`, res.status);
  }
  const cd = res.headers.get("Content-Disposition") ?? "";
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd);
  return { blob: await res.blob(), filename: m ? decodeURIComponent(m[1]) : url.split("/").pop()!.split("?")[0] };
}

/** Saves a blob as a download with the given file name. */
export function saveBlob(blob: Blob, filename: string) {
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}
