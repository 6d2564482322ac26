// Package serving keeps deployed models ready to answer predictions. A Registry loads a
// model's native artifact from the blob store the first time it is asked for, compiles it into
// a predictor, and keeps it in a least-recently-used cache bounded by an estimate of the memory
// the loaded models take. Concurrent first requests for one model share one load. When a model
// is redeployed (its artifact key or update time changes), the next request loads the new
// artifact and swaps it in; requests already holding the old model finish with it.
//
// The package also turns request rows (named features as JSON-like values) into predictor
// inputs with per-row errors and warnings (Instance), and runs batch prediction jobs that
// stream a CSV from the blob store through the predictor into an output CSV (RunBatch).
package serving
