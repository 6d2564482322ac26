package server

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// strictJSONCodec is the Connect protocol's JSON codec with the REST gateway's rules: unknown
// fields are an error (Connect's default discards them), so a typo in a field name fails loudly
// on every protocol.
type strictJSONCodec struct{ name string }

// Name implements connect.Codec.
func (c strictJSONCodec) Name() string { return c.name }

// Marshal implements connect.Codec.
func (strictJSONCodec) Marshal(msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", msg)
	}
	return protojson.MarshalOptions{}.Marshal(m)
}

// Unmarshal implements connect.Codec.
func (strictJSONCodec) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a proto.Message", msg)
	}
	if len(data) == 0 {
		return fmt.Errorf("empty JSON body: send {} for an empty message")
	}
	return protojson.UnmarshalOptions{DiscardUnknown: false}.Unmarshal(data, m)
}
