// Package explain says which features a model relies on, overall and for
// one prediction.
//
//   - Gain importance: the total split gain of each feature in a tree
//     ensemble, normalized to sum to 1 (LightGBM's importance_type "gain").
//   - Permutation importance: how much a validation score worsens when one
//     feature (or a group of features derived from one column) is shuffled,
//     averaged over seeded repeats.
//   - TreeSHAP: exact Shapley values of one prediction of a tree ensemble in
//     polynomial time (Lundberg, Erion and Lee, "Consistent individualized
//     feature attribution for tree ensembles", 2018, Algorithm 2), using each
//     node's cover (the hessian sum of its training rows) as the
//     distribution of the features left out. The contributions of a row and
//     the expected value add up to the raw score (log-odds for binary,
//     the softmax input per class for multiclass, the value for regression).
package explain
