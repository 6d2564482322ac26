import { describe, expect, it } from "vitest";
import { fireEvent, render, screen } from "@testing-library/react";
import { create } from "@bufbuild/protobuf";
import { AuditEntrySchema, DecisionType, PipelineStage, ConfusionMatrixSchema, FeatureKind, FeatureSpecSchema, PredictionSchema } from "@trainyard/client";
import { DecisionLog, confidenceWords } from "./DecisionLog";
import { ConfusionMatrix } from "./results/Charts";
import { PredictionView, initialValue, thresholdNote, toInstance } from "./results/Playground";
import { stepperStages } from "./Progress";
import { rowNoun } from "./results/Results";
import { hiddenColumns } from "./DataPreview";

describe("DecisionLog", () => {
  it("shows each decision with its confidence and reveals the reasoning on expand", () => {
    const d = create(AuditEntrySchema, {
      id: "a1",
      sequence: 4n,
      stage: PipelineStage.ANALYZING,
      decisionType: DecisionType.TARGET_COLUMN,
      decision: "predict column Survived",
      reasoning: "The description names survival and Survived is a two-valued column.",
      confidence: 0.92,
      reasoner: "rules",
      alternatives: [{ option: "Pclass", score: 0.1, note: "three values" }],
      evidence: { candidates: 3, matched_word: "survived" },
    });
    render(<DecisionLog decisions={[d]} />);
    const summary = screen.getByRole("button", { name: /Target column: predict column Survived/ });
    expect(screen.getByText(/92% · clear choice/)).toBeTruthy();
    fireEvent.click(summary);
    expect(screen.getByText(/Survived is a two-valued column/)).toBeTruthy();
    expect(screen.getByText("decided by: rules")).toBeTruthy();
    expect(screen.getByText("Pclass")).toBeTruthy();
    expect(screen.getByText("matched_word")).toBeTruthy();
  });
  it("words confidence", () => {
    expect([confidenceWords(0.9), confidenceWords(0.7), confidenceWords(0.2)]).toEqual(["clear choice", "fairly clear", "close call"]);
  });
});

describe("ConfusionMatrix", () => {
  it("lays out true classes as rows and predicted classes as columns", () => {
    const cm = create(ConfusionMatrixSchema, { labels: ["no", "yes"], rows: [{ counts: [50n, 5n] }, { counts: [7n, 38n] }] });
    render(<ConfusionMatrix cm={cm} />);
    const cells = screen.getAllByRole("cell").map((c) => c.textContent);
    expect(cells).toEqual(["50", "5", "7", "38"]);
    expect(screen.getByTitle("7 rows of class yes predicted as no (16% of that class)")).toBeTruthy();
  });
});

describe("Playground helpers", () => {
  const features = [
    create(FeatureSpecSchema, { name: "Age", kind: FeatureKind.NUMERIC, min: 0.4, max: 80 }),
    create(FeatureSpecSchema, { name: "Sex", kind: FeatureKind.CATEGORICAL, categories: ["female", "male"] }),
    create(FeatureSpecSchema, { name: "Alone", kind: FeatureKind.BOOLEAN }),
    create(FeatureSpecSchema, { name: "Cabin", kind: FeatureKind.CATEGORICAL, optional: true, example: "C85" }),
  ];
  it("starts from examples or the middle of the seen range", () => {
    expect(features.map(initialValue)).toEqual(["40.2", "female", "false", "C85"]);
  });
  it("sends numbers as numbers and leaves out empty fields", () => {
    expect(toInstance(features, { Age: "22", Sex: "male", Alone: "true", Cabin: " " })).toEqual({ Age: 22, Sex: "male", Alone: true });
  });
  it("explains a prediction", () => {
    const p = create(PredictionSchema, {
      result: { case: "label", value: "1" },
      probabilities: { "1": 0.8, "0": 0.2 },
      contributions: [
        { feature: "Sex", value: "female", contribution: 1.2 },
        { feature: "Pclass", value: "3", contribution: -0.4 },
      ],
    });
    render(<PredictionView p={p} target="Survived" />);
    expect(screen.getByText("Predicted Survived")).toBeTruthy();
    expect(screen.getByText("80%")).toBeTruthy();
    expect(screen.getByRole("list", { name: "Feature contributions" }).textContent).toContain("Sex = female");
  });
  it("says when the decision threshold is not 50%", () => {
    const p = create(PredictionSchema, { result: { case: "label", value: "yes" }, probabilities: { yes: 0.38, no: 0.62 } });
    render(<PredictionView p={p} target="Churn" threshold={0.34} />);
    expect(screen.getByText(/answers “yes” from 34% on, not 50%/)).toBeTruthy();
    expect(thresholdNote({ yes: 0.5, no: 0.5 }, 0.5)).toBeUndefined();
    expect(thresholdNote({ a: 0.2, b: 0.3, c: 0.5 }, 0.3)).toBeUndefined();
  });
});

describe("stepperStages", () => {
  it("shows labeling and approval only when they apply", () => {
    expect(stepperStages([PipelineStage.ANALYZING], false)).not.toContain(PipelineStage.LABELING);
    expect(stepperStages([PipelineStage.ANALYZING, PipelineStage.LABELING], true)).toEqual([
      PipelineStage.ANALYZING,
      PipelineStage.DATA_PROCESSING,
      PipelineStage.LABELING,
      PipelineStage.MODEL_SELECTION,
      PipelineStage.AWAITING_APPROVAL,
      PipelineStage.TRAINING,
      PipelineStage.EVALUATION,
      PipelineStage.DEPLOYMENT,
      PipelineStage.COMPLETED,
    ]);
  });
});

describe("rowNoun", () => {
  it("finds what a row is", () => {
    expect([rowNoun("Predict which customers will churn"), rowNoun("whether a passenger survived"), rowNoun("the price")]).toEqual(["customers", "passengers", "rows"]);
    expect([rowNoun("classify the clothing in each picture"), rowNoun("sort these by kind", "images")]).toEqual(["pictures", "images"]);
  });
});


describe("hiddenColumns", () => {
  it("counts the columns whose right edge lies past the visible width", () => {
    const rights = [100, 200, 300, 400, 500];
    expect(hiddenColumns(rights, 0, 250)).toBe(3);
    expect(hiddenColumns(rights, 100, 250)).toBe(2);
    expect(hiddenColumns(rights, 0, 500)).toBe(0);
  });
});
