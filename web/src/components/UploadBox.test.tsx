import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { useState } from "react";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { Dataset } from "@trainyard/client";
import { AuthProvider } from "../lib/auth";
import { UploadBox } from "./UploadBox";

// A real HTTP server standing in for POST /api/v1/data/upload: it reads the whole multipart
// body and answers a Dataset in protojson, or (for "slow.csv") never answers.
let server: Server;
let base = "";
const received: { auth: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "authorization, idempotency-key");
    if (req.method === "OPTIONS") return res.end();
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ auth: String(req.headers.authorization), body });
      if (body.includes("slow.csv")) return; // held open until the client aborts
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ name: "datasets/d1", id: "d1", numRows: "2", numColumns: 2, sizeBytes: "12", files: [{ filename: "t.csv" }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function Harness() {
  const [ds, setDs] = useState<Dataset>();
  return (
    <AuthProvider initialKey="ty_test">
      <UploadBox dataType="TABULAR" dataset={ds} onUploaded={setDs} onCleared={() => setDs(undefined)} baseUrl={base} />
    </AuthProvider>
  );
}

function drop(file: File) {
  fireEvent.drop(screen.getByTestId("dropzone"), { dataTransfer: { files: [file], types: ["Files"] } });
}

describe("UploadBox", () => {
  it("uploads a dropped file as multipart with the key and shows the stored dataset", async () => {
    render(<Harness />);
    drop(new File(["a,b\n1,2\n3,4\n"], "t.csv", { type: "text/csv" }));
    expect(screen.getByText(/Uploading/)).toBeTruthy();
    await screen.findByText(/uploaded: 2 rows, 2 columns/, undefined, { timeout: 5000 });
    const last = received.at(-1)!;
    expect(last.auth).toBe("Bearer ty_test");
    expect(last.body).toContain('name="file"; filename="t.csv"');
    expect(last.body).toContain('name="dataType"');
    expect(last.body).toContain("3,4");
  });

  it("cancels a running upload and returns to the drop zone", async () => {
    render(<Harness />);
    drop(new File(["x,y\n"], "slow.csv", { type: "text/csv" }));
    const cancel = await screen.findByRole("button", { name: "Cancel upload" });
    await waitFor(() => expect(received.some((r) => r.body.includes("slow.csv"))).toBe(true), { timeout: 5000 });
    fireEvent.click(cancel);
    await screen.findByText("Drop your data here");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
