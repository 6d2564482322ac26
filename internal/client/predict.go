package client

import (
	"context"
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
)

// Inputs are the rows a Predict scores and the picture files that go with them.
type Inputs struct {
	// Instances are the rows to score, in order.
	Instances []*structpb.Struct
	// Pictures[i], when its Path is set, is the picture of Instances[i], read when its call is
	// sent and carried as bytes in PredictRequest.images.
	Pictures []Picture
}

// maxCallBytes bounds the instances and pictures of one Predict call: the server takes
// messages of up to 32 MB, and the rest is room for the message's own framing.
const maxCallBytes = 30 << 20

// maxCallRows is the most instances a PredictRequest may hold.
const maxCallRows = 10000

// rowOverhead is an upper bound of the framing protobuf adds around an instance and a picture
// (field tags and length prefixes).
const rowOverhead = 16

// span is the rows [lo, hi) of one Predict call.
type span struct{ lo, hi int }

// Predict scores in with the model name, in as many Predict calls as the server's message and
// instance limits need, and returns every prediction in the inputs' order.
func (c *Client) Predict(ctx context.Context, name string, in Inputs, explain bool) (*trainyardv1.PredictResponse, error) {
	calls, err := in.split(maxCallBytes, maxCallRows)
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.PredictResponse{Predictions: make([]*trainyardv1.Prediction, 0, len(in.Instances))}
	for _, s := range calls {
		req, err := in.request(name, s, explain)
		if err != nil {
			return nil, err
		}
		res, err := c.Predictions.Predict(ctx, req)
		if err != nil {
			return nil, err
		}
		out.ModelId = res.GetModelId()
		out.Predictions = append(out.Predictions, res.GetPredictions()...)
	}
	return out, nil
}

// split cuts the rows into calls of at most maxBytes and maxRows each. images[i] goes with
// instances[i], so a call's pictures must be its first rows: a picture after a row without
// one starts a new call.
func (in Inputs) split(maxBytes, maxRows int) ([]span, error) {
	var out []span
	cur, size := span{}, 0
	for i, inst := range in.Instances {
		n := proto.Size(inst) + int(in.Pictures[i].Size) + rowOverhead
		if n > maxBytes {
			return nil, fmt.Errorf("row %d%s is %d MB, more than one Predict call takes (%d MB)", i+1, in.pictureNote(i), n>>20, maxBytes>>20)
		}
		full := size+n > maxBytes || cur.hi-cur.lo == maxRows
		afterPlain := i > cur.lo && in.Pictures[i].Path != "" && in.Pictures[i-1].Path == ""
		if full || afterPlain {
			out = append(out, cur)
			cur, size = span{lo: i, hi: i}, 0
		}
		cur.hi, size = i+1, size+n
	}
	if cur.hi > cur.lo {
		out = append(out, cur)
	}
	return out, nil
}

// pictureNote names row i's picture file, if it has one, for messages.
func (in Inputs) pictureNote(i int) string {
	if p := in.Pictures[i].Path; p != "" {
		return " (" + p + ")"
	}
	return ""
}

// request builds the PredictRequest of the rows in s, reading their picture files.
func (in Inputs) request(name string, s span, explain bool) (*trainyardv1.PredictRequest, error) {
	req := &trainyardv1.PredictRequest{Name: name, Instances: in.Instances[s.lo:s.hi], Explain: explain}
	for _, p := range in.Pictures[s.lo:s.hi] {
		if p.Path == "" {
			break
		}
		b, err := os.ReadFile(p.Path)
		if err != nil {
			return nil, err
		}
		req.Images = append(req.Images, b)
	}
	return req, nil
}
