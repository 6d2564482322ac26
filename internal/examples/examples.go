// Package examples writes ready-to-run code that calls one deployed model: curl against the
// REST route, the Python and TypeScript SDKs, grpcurl and buf curl over gRPC, and tritonclient
// over the Open Inference Protocol. Every snippet uses the model's real input names and the
// server's public URL, and one example row, or for an image model the picture file photo.png.
package examples

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// Generate returns the code examples of model m served at publicURL. row, when given, is one
// real input row (column → cell text) and wins over the features' own examples. An image
// model's examples read a picture file instead (see imageExamples).
func Generate(publicURL string, m *trainyardv1.Model, row map[string]string) *trainyardv1.CodeExamples {
	base := strings.TrimRight(publicURL, "/")
	id := m.GetId()
	if in := imageInput(m.GetFeatures()); in != "" {
		return imageExamples(base, m, in)
	}
	inst := instance(m.GetFeatures(), row)
	body, _ := json.Marshal(map[string]any{"instances": []any{inst}})
	compact, _ := json.Marshal(inst)
	return &trainyardv1.CodeExamples{
		Curl:         curl(base, id, body),
		Python:       python(base, id, inst),
		Typescript:   typescript(base, id, inst),
		Grpcurl:      grpcurl(base, id, compact),
		Tritonclient: triton(base, id, m, inst),
	}
}

// entry is one input with its example value, in the model's input order.
type entry struct {
	name  string
	value any
	text  bool
}

// orderedInstance keeps the model's input order when marshalled.
type orderedInstance []entry

// MarshalJSON writes the instance as an object in input order.
func (o orderedInstance) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(e.name)
		v, err := json.Marshal(e.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// instance builds the example row: numbers for numeric inputs, booleans for boolean ones,
// text for the others, null where no example is known.
func instance(fs []*trainyardv1.FeatureSpec, row map[string]string) orderedInstance {
	out := make(orderedInstance, 0, len(fs))
	for _, f := range fs {
		cell, ok := row[f.GetName()]
		if !ok {
			cell = f.GetExample()
		}
		e := entry{name: f.GetName(), text: true}
		switch {
		case cell == "":
			e.value = nil
		case f.GetKind() == trainyardv1.FeatureKind_FEATURE_KIND_NUMERIC:
			if v, err := strconv.ParseFloat(cell, 64); err == nil {
				e.value, e.text = v, false
			} else {
				e.value = cell
			}
		case f.GetKind() == trainyardv1.FeatureKind_FEATURE_KIND_BOOLEAN:
			if v, err := strconv.ParseBool(strings.ToLower(cell)); err == nil {
				e.value, e.text = v, false
			} else {
				e.value = cell
			}
		default:
			e.value = cell
		}
		out = append(out, e)
	}
	return out
}

// curl calls the REST route.
func curl(base, id string, body []byte) string {
	return curlCommand(base, id, "", "-d "+shellQuote(string(body)))
}

// curlCommand writes the curl command that posts to the REST route; feed, when not empty, is
// a pipeline that writes the body, and data is the body's curl option.
func curlCommand(base, id, feed, data string) string {
	return fmt.Sprintf(`%scurl -s -X POST %s/api/v1/models/%s/predict \
  -H "Authorization: Bearer $TRAINYARD_API_KEY" \
  -H "Content-Type: application/json" \
  %s`, feed, base, id, data)
}

// python uses the Python SDK.
func python(base, id string, inst orderedInstance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "import trainyard\n\n")
	fmt.Fprintf(&b, "# The key comes from TRAINYARD_API_KEY or the saved credentials.\n")
	fmt.Fprintf(&b, "client = trainyard.Client(url=%s)\n", pyString(base))
	fmt.Fprintf(&b, "model = client.models.get(%s)\n", pyString(id))
	fmt.Fprintf(&b, "predictions = model.predict([\n    {\n")
	for _, e := range inst {
		fmt.Fprintf(&b, "        %s: %s,\n", pyString(e.name), pyValue(e.value))
	}
	fmt.Fprintf(&b, "    },\n], explain=True)\nprint(predictions)\n")
	return b.String()
}

// typescript uses the TypeScript SDK in Node.
func typescript(base, id string, inst orderedInstance) string {
	var b strings.Builder
	fmt.Fprintf(&b, "import { createNodeClient } from \"@trainyard/client/node\";\n\n")
	fmt.Fprintf(&b, "// The key comes from TRAINYARD_API_KEY or the saved credentials.\n")
	fmt.Fprintf(&b, "const client = await createNodeClient({ url: %s });\n", jsString(base))
	fmt.Fprintf(&b, "const predictions = await client.predict(%s, [\n  {\n", jsString(id))
	for _, e := range inst {
		v, _ := json.Marshal(e.value)
		fmt.Fprintf(&b, "    %s: %s,\n", jsString(e.name), v)
	}
	fmt.Fprintf(&b, "  },\n], { explain: true });\nconsole.log(predictions);\n")
	return b.String()
}

// grpcurl calls PredictionService.Predict over gRPC, with grpcurl and with buf curl.
func grpcurl(base, id string, compact []byte) string {
	req := shellQuote(fmt.Sprintf(`{"name": "models/%s", "instances": [%s]}`, id, compact))
	return grpcCommands(base, "", req, req)
}

// grpcCommands writes the grpcurl and buf curl commands that call Predict on the server at
// base. feed, when not empty, is a pipeline that writes the request into both commands;
// grpcData and bufData are their -d arguments.
func grpcCommands(base, feed, grpcData, bufData string) string {
	u, err := url.Parse(base)
	host, plaintext := base, "-plaintext "
	if err == nil && u.Host != "" {
		host = u.Host
		if u.Scheme == "https" {
			plaintext = ""
		} else if u.Port() == "" {
			host += ":80"
		}
	} else if err == nil && u.Scheme == "https" {
		plaintext = ""
	}
	httpFlag := ""
	if plaintext != "" {
		httpFlag = "--http2-prior-knowledge "
	}
	return fmt.Sprintf(`# grpcurl (the server answers gRPC reflection)
%sgrpcurl %s-H "Authorization: Bearer $TRAINYARD_API_KEY" \
  -d %s \
  %s trainyard.v1.PredictionService/Predict

# buf curl
%sbuf curl --protocol grpc %s-H "Authorization: Bearer $TRAINYARD_API_KEY" \
  -d %s \
  %s/trainyard.v1.PredictionService/Predict`, feed, plaintext, grpcData, host, feed, httpFlag, bufData, base)
}

// triton calls the Open Inference Protocol with tritonclient over HTTP.
func triton(base, id string, m *trainyardv1.Model, inst orderedInstance) string {
	var b strings.Builder
	tritonClient(&b, base)
	b.WriteString("# One [N, 1] tensor per input column, named after it.\nrow = {\n")
	for _, e := range inst {
		fmt.Fprintf(&b, "    %s: %s,\n", pyString(e.name), pyValue(e.value))
	}
	b.WriteString("}\ninputs = []\n")
	b.WriteString("for name, value in row.items():\n")
	b.WriteString("    if isinstance(value, str):\n")
	b.WriteString("        data = np.array([[value.encode()]], dtype=object)\n")
	b.WriteString("        tensor = httpclient.InferInput(name, [1, 1], \"BYTES\")\n")
	b.WriteString("    else:\n")
	b.WriteString("        data = np.array([[np.nan if value is None else float(value)]], dtype=np.float32)\n")
	b.WriteString("        tensor = httpclient.InferInput(name, [1, 1], \"FP32\")\n")
	b.WriteString("    tensor.set_data_from_numpy(data)\n")
	b.WriteString("    inputs.append(tensor)\n")
	tritonInfer(&b, id, m, "inputs")
	return b.String()
}

// tritonClient writes the imports and the tritonclient HTTP client of the server at base,
// with the key in headers.
func tritonClient(b *strings.Builder, base string) {
	u, _ := url.Parse(base)
	host := base
	ssl := false
	if u != nil && u.Host != "" {
		host, ssl = u.Host, u.Scheme == "https"
		if u.Port() == "" {
			host += map[bool]string{true: ":443", false: ":80"}[ssl]
		}
	}
	fmt.Fprintf(b, "import os\n\nimport numpy as np\nimport tritonclient.http as httpclient\n\n")
	fmt.Fprintf(b, "client = httpclient.InferenceServerClient(url=%s", pyString(host))
	if ssl {
		b.WriteString(", ssl=True")
	}
	b.WriteString(")\n")
	b.WriteString("headers = {\"Authorization\": \"Bearer \" + os.environ[\"TRAINYARD_API_KEY\"]}\n")
}

// tritonInfer writes the call of model id with the Python list named inputs and the printing
// of its outputs: label and probabilities for a classifier, value for a regression.
func tritonInfer(b *strings.Builder, id string, m *trainyardv1.Model, inputs string) {
	fmt.Fprintf(b, "result = client.infer(%s, %s, headers=dict(headers))\n", pyString(id), inputs)
	if len(m.GetClasses()) > 0 {
		classes := append([]string{}, m.GetClasses()...)
		sort.Strings(classes)
		fmt.Fprintf(b, "classes = %s  # the columns of probabilities, sorted\n", pyList(classes))
		b.WriteString("print(result.as_numpy(\"label\"), result.as_numpy(\"probabilities\"))\n")
	} else {
		b.WriteString("print(result.as_numpy(\"value\"))\n")
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// pyString writes a Python string literal.
func pyString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// pyValue writes a Python literal for a JSON-like value.
func pyValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return pyString(x)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return pyString(fmt.Sprint(v))
}

// pyList writes a Python list of strings.
func pyList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = pyString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// jsString writes a JavaScript string literal.
func jsString(s string) string { return pyString(s) }
