package examples

import (
	"fmt"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// pictureFile is the picture every image example reads, from the folder it runs in.
const pictureFile = "photo.png"

// imageInput returns the name of the model's image input, or "" when it takes no image.
func imageInput(fs []*trainyardv1.FeatureSpec) string {
	for _, f := range fs {
		if f.GetKind() == trainyardv1.FeatureKind_FEATURE_KIND_IMAGE {
			return f.GetName()
		}
	}
	return ""
}

// imageExamples writes the examples of an image model, whose one input, in, is a picture:
// each reads pictureFile rather than embedding a picture, and sends it as base64 text in the
// instance (REST and the SDKs), as bytes in PredictRequest.images (gRPC), or as a BYTES
// tensor (the Open Inference Protocol).
func imageExamples(base string, m *trainyardv1.Model, in string) *trainyardv1.CodeExamples {
	id := m.GetId()
	field := fmt.Sprintf(`{"instances": [{%s: "`, pyString(in))
	return &trainyardv1.CodeExamples{
		Curl: fmt.Sprintf("# The picture goes as base64 text in the instance's %q field.\n", in) +
			curlCommand(base, id, pictureFeed(field, `"}]}`), "--data-binary @-"),
		Python:     imagePython(base, id, in),
		Typescript: imageTypescript(base, id, in),
		Grpcurl: "# The picture goes as bytes in images[0], beside an empty instance.\n" +
			grpcCommands(base, pictureFeed(fmt.Sprintf(`{"name": "models/%s", "instances": [{}], "images": ["`, id), `"]}`), "@", "@-"),
		Tritonclient: imageTriton(base, m, in),
	}
}

// pictureFeed is a shell pipeline that writes prefix, pictureFile as base64 on one line, and
// suffix, for a command that reads its request from stdin. A pipe has no size limit, unlike
// an argument such as -d "$(base64 ...)" (128 kB on Linux), and base64 | tr works alike with
// GNU and BSD tools, unlike base64 -w0.
func pictureFeed(prefix, suffix string) string {
	return fmt.Sprintf("{ printf %%s %s; base64 < %s | tr -d '\\n'; printf %%s %s; } |\n", shellQuote(prefix), pictureFile, shellQuote(suffix))
}

// imagePython uses the Python SDK, the picture as base64 text.
func imagePython(base, id, in string) string {
	var b strings.Builder
	b.WriteString("import base64\n\nimport trainyard\n\n")
	b.WriteString("# The key comes from TRAINYARD_API_KEY or the saved credentials.\n")
	fmt.Fprintf(&b, "client = trainyard.Client(url=%s)\n", pyString(base))
	fmt.Fprintf(&b, "model = client.models.get(%s)\n", pyString(id))
	fmt.Fprintf(&b, "with open(%s, \"rb\") as f:\n", pyString(pictureFile))
	b.WriteString("    picture = base64.b64encode(f.read()).decode()\n")
	fmt.Fprintf(&b, "predictions = model.predict([{%s: picture}])\nprint(predictions)\n", pyString(in))
	return b.String()
}

// imageTypescript uses the TypeScript SDK in Node, the picture as base64 text.
func imageTypescript(base, id, in string) string {
	var b strings.Builder
	b.WriteString("import { readFileSync } from \"node:fs\";\n\n")
	b.WriteString("import { createNodeClient } from \"@trainyard/client/node\";\n\n")
	b.WriteString("// The key comes from TRAINYARD_API_KEY or the saved credentials.\n")
	fmt.Fprintf(&b, "const client = await createNodeClient({ url: %s });\n", jsString(base))
	fmt.Fprintf(&b, "const picture = readFileSync(%s).toString(\"base64\");\n", jsString(pictureFile))
	fmt.Fprintf(&b, "const predictions = await client.predict(%s, [{ %s: picture }]);\n", jsString(id), jsString(in))
	b.WriteString("console.log(predictions);\n")
	return b.String()
}

// imageTriton sends the picture file's bytes as a BYTES tensor named after the input. Object
// detection models answer PredictionService.Predict only, so theirs says so instead.
func imageTriton(base string, m *trainyardv1.Model, in string) string {
	if m.GetProblemType() == trainyardv1.ProblemType_PROBLEM_TYPE_IMAGE_OBJECT_DETECTION {
		return "# Object detection models are not served over the Open Inference Protocol:\n" +
			"# call PredictionService.Predict (the curl, Python, TypeScript and grpcurl examples).\n"
	}
	var b strings.Builder
	tritonClient(&b, base)
	b.WriteString("# The picture file's bytes, one element of a [1, 1] BYTES tensor.\n")
	fmt.Fprintf(&b, "with open(%s, \"rb\") as f:\n", pyString(pictureFile))
	b.WriteString("    data = np.array([[f.read()]], dtype=object)\n")
	fmt.Fprintf(&b, "tensor = httpclient.InferInput(%s, [1, 1], \"BYTES\")\n", pyString(in))
	b.WriteString("tensor.set_data_from_numpy(data)\n")
	tritonInfer(&b, m.GetId(), m, "[tensor]")
	return b.String()
}
