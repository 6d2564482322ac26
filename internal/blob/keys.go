package blob

// Keys of the objects other packages share. Datasets choose their own keys at upload and
// record them in their rows; a model's objects live under ModelPrefix so deleting a model can
// remove them all.

// ModelPrefix is the folder of a model's objects (artifact, ONNX export, report).
func ModelPrefix(modelID string) string { return "models/" + modelID + "/" }

// ModelReportKey is where the HTML report of a model is stored; the report route serves it.
func ModelReportKey(modelID string) string { return ModelPrefix(modelID) + "report.html" }
