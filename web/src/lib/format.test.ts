import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { MetricSchema } from "@trainyard/client";
import { enumWords, formatBytes, formatDuration, formatMetricValue, plainMetric } from "./format";

describe("plainMetric", () => {
  const cases: [string, number, string, string][] = [
    ["accuracy", 0.8634, "customers", "Correct on 86.3% of unseen customers"],
    ["roc_auc", 0.9, "rows", "Ranks a random positive above a random negative 90% of the time (0.5 would be guessing)"],
    ["r2", 0.71, "houses", "Explains 71% of the variation in the target on unseen houses"],
    ["mae", 1234.5, "houses", "Off by 1,235 on average on unseen houses"],
  ];
  for (const [name, value, noun, want] of cases) {
    it(`${name}=${value}`, () => {
      expect(plainMetric(create(MetricSchema, { name, value }), noun)).toBe(want);
    });
  }
  it("uses the server's description for unknown metrics", () => {
    expect(plainMetric(create(MetricSchema, { name: "pinball", value: 0.2, description: "Pinball loss 0.2" }))).toBe("Pinball loss 0.2");
  });
  it("is empty without a metric", () => {
    expect(plainMetric(undefined)).toBe("");
  });
});

describe("formatting", () => {
  it("durations", () => {
    expect([formatDuration(0.2), formatDuration(42), formatDuration(150), formatDuration(3600 * 2 + 60 * 5), formatDuration(undefined), formatDuration(-1)]).toEqual(["1 s", "42 s", "3 min", "2 h 5 min", "", ""]);
  });
  it("bytes", () => {
    expect([formatBytes(512), formatBytes(61904), formatBytes(5n * 1024n * 1024n * 1024n)]).toEqual(["512 B", "60 KB", "5.0 GB"]);
  });
  it("metric values", () => {
    expect([formatMetricValue("accuracy", 0.8234), formatMetricValue("rmse", 0.12345), formatMetricValue("rmse", 48213.7)]).toEqual(["82.3%", "0.123", "48,214"]);
  });
  it("enum words", () => {
    expect(enumWords("DROP_COLUMN")).toBe("Drop column");
  });
});
