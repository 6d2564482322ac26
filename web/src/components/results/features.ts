import { create } from "@bufbuild/protobuf";
import { ColumnKind, type ColumnProfile, FeatureKind, FeatureSpecSchema, type FeatureSpec } from "@trainyard/client";

const kinds: Partial<Record<ColumnKind, FeatureKind>> = {
  [ColumnKind.NUMERIC]: FeatureKind.NUMERIC,
  [ColumnKind.CATEGORICAL]: FeatureKind.CATEGORICAL,
  [ColumnKind.BOOLEAN]: FeatureKind.BOOLEAN,
  [ColumnKind.DATETIME]: FeatureKind.DATETIME,
  [ColumnKind.TEXT]: FeatureKind.TEXT,
};

/**
 * Builds a feature schema from the training data's column profile, for a model that lists no
 * features: every column but the target, identifiers and the columns the plan left out.
 */
export function featuresFromProfile(columns: ColumnProfile[], target: string, dropped: string[]): FeatureSpec[] {
  const skip = new Set([target, ...dropped]);
  return columns
    .filter((c) => !skip.has(c.name) && c.kind !== ColumnKind.ID && kinds[c.kind] !== undefined)
    .map((c) =>
      create(FeatureSpecSchema, {
        name: c.name,
        kind: kinds[c.kind],
        // A menu only when the profile lists every category; otherwise a text field.
        categories: c.kind === ColumnKind.CATEGORICAL && c.topValues.length >= Number(c.cardinality) ? c.topValues.map((v) => v.value).filter((v) => v !== "") : [],
        min: c.min,
        max: c.max,
        example: c.examples.find((e) => e !== "") ?? "",
        optional: c.missingRatio > 0,
      }),
    );
}
