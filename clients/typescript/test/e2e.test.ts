// The whole flow against a real server: upload with progress, create, watch to COMPLETED
// through a connection that drops (the watch resumes from its cursor), predict, download —
// over Connect and gRPC from Node, and the browser client's REST upload and Connect calls.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";

import { Code, ConnectError, PipelineStage, isTerminal, type ProgressEvent } from "../src/index.js";
import { createNodeClient, NodeTrainyardClient, resolveSettings } from "../src/node.js";
import { createWebClient } from "../src/web.js";
import { CutProxy, dataset, readCsv } from "./helpers.js";

const url = inject("url");
const apiKey = inject("apiKey");
const tmp = inject("tmp");

describe("the end-to-end flow", () => {
  it("uploads, trains, watches through a drop, predicts and downloads", async () => {
    const client = await createNodeClient({ url, apiKey, env: {} });
    const path = dataset("penguins.csv");
    const progress: [number, number][] = [];
    const ds = await client.uploadFile(path, { onProgress: (d, t) => progress.push([d, t]) });
    expect(ds.numRows).toBe(344n);
    const size = readFileSync(path).byteLength;
    expect(progress.at(-1)).toEqual([size, size]);

    const project = await client.createProject({ description: "predict the species of each penguin", dataset: ds, budgetSeconds: 3 });
    expect(project.datasetId).toBe(ds.id);

    // Watch the running project through a proxy that drops the first connection.
    const proxy = await new CutProxy(Number(new URL(url).port), 4000).start();
    const events: ProgressEvent[] = [];
    const resumedAt: bigint[] = [];
    try {
      const watcher = await createNodeClient({ url: proxy.url, apiKey, env: {} });
      for await (const ev of watcher.watch(project.id, { onReconnect: (_e, after) => resumedAt.push(after) })) events.push(ev);
    } finally {
      await proxy.close();
    }
    expect(proxy.cuts).toBeGreaterThanOrEqual(1);
    expect(resumedAt.length).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => BigInt(i + 1)));
    const last = events.at(-1)!;
    expect(isTerminal(last.stage)).toBe(true);
    expect(last.stage).toBe(PipelineStage.COMPLETED);
    expect(events.some((e) => e.detail.case === "decision")).toBe(true);

    const done = await client.wait(project.id);
    expect(done.currentStage).toBe(PipelineStage.COMPLETED);
    expect(done.modelId).not.toBe("");

    const model = await client.getModel(done.modelId);
    expect(model.metrics?.values.accuracy ?? 0).toBeGreaterThan(0.9);

    const rows = readCsv(path).slice(0, 20);
    const inputs = rows.map(({ species: _drop, ...rest }) => rest);
    const preds = await client.predict(done.modelId, inputs);
    expect(preds).toHaveLength(20);
    const right = preds.filter((p, i) => p.result.case === "label" && p.result.value === rows[i]!.species).length;
    expect(right).toBeGreaterThanOrEqual(18);

    // Download over gRPC into a file and over Connect into memory; both equal the bytes the
    // model's signed REST link serves.
    const grpc = await createNodeClient({ url, apiKey, protocol: "grpc", env: {} });
    const file = join(tmp, "penguins.onnx");
    const n = await grpc.downloadToFile(done.modelId, file, "onnx");
    const viaGrpc = readFileSync(file);
    const viaConnect = await client.download(done.modelId, "onnx");
    const viaRest = new Uint8Array(await (await fetch(model.onnxDownloadUrl)).arrayBuffer());
    expect(n).toBe(viaRest.byteLength);
    expect(n).toBeGreaterThan(100);
    expect(Buffer.compare(viaGrpc, viaRest)).toBe(0);
    expect(Buffer.compare(Buffer.from(viaConnect), Buffer.from(viaRest))).toBe(0);

    // The gRPC transport predicts the same.
    const again = await grpc.predict(done.modelId, inputs.slice(0, 3));
    expect(again.map((p) => p.result.value)).toEqual(preds.slice(0, 3).map((p) => p.result.value));
  });

  it("uploads and reads through the browser client (REST upload, Connect over fetch)", async () => {
    const web = createWebClient({ url, apiKey });
    const bytes = readFileSync(dataset("iris.csv"));
    const seen: number[] = [];
    const ds = await web.upload("iris.csv", new Blob([bytes]), { onProgress: (d) => seen.push(d) });
    expect(ds.numRows).toBe(150n);
    expect(seen.at(-1)).toBe(bytes.byteLength);
    const again = await web.datasets.getDataset({ name: `datasets/${ds.id}` });
    expect(again.id).toBe(ds.id);
  });
});

describe("errors and settings", () => {
  it("says what to do for a rejected key and an unreachable server", async () => {
    const bad = new NodeTrainyardClient(resolveSettings({ url, apiKey: "ty_" + "x".repeat(43) }));
    await expect(bad.projects.listProjects({})).rejects.toMatchObject({ code: Code.Unauthenticated, rawMessage: expect.stringContaining("rejected the API key") });

    const down = new NodeTrainyardClient(resolveSettings({ url: "http://127.0.0.1:1", apiKey }));
    await expect(down.projects.listProjects({})).rejects.toMatchObject({ code: Code.Unavailable, rawMessage: expect.stringContaining("cannot reach a Trainyard server") });

    const client = new NodeTrainyardClient(resolveSettings({ url, apiKey }));
    const err = await client.getModel("01a00000-0000-7000-8000-000000000000").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.NotFound);
  });

  it("reads settings from the environment and the credentials file", async () => {
    await expect(createNodeClient({ env: { XDG_CONFIG_HOME: join(tmp, "nowhere") } })).rejects.toThrow(/trainyard login/);
    const fromEnv = await createNodeClient({ env: { TRAINYARD_URL: url, TRAINYARD_API_KEY: apiKey } });
    expect((await fromEnv.keys.getCurrentUser({})).email).toBe("ts@example.com");
    const s = resolveSettings({}, {}, { url, apiKey, path: "creds.json" });
    expect(s).toMatchObject({ url, apiKey, urlSource: "creds.json", keySource: "creds.json" });
    expect(resolveSettings({ url: "http://elsewhere:1" }, {}, { url, apiKey }).apiKey).toBe("");
  });
});
