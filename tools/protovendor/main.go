// Command protovendor writes the third-party .proto files that the Trainyard
// API imports (google.api HTTP and field annotations, buf.validate rules) into
// third_party/proto, rebuilt from the descriptors compiled into the Go modules
// that the server already depends on. It keeps the vendored sources in step
// with go.mod and needs no network beyond the Go module proxy.
//
// Usage (from the repository root):
//
//	go run ./tools/protovendor third_party/proto
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/jhump/protoreflect/desc"
	"github.com/jhump/protoreflect/desc/protoprint"
	"google.golang.org/protobuf/reflect/protoreflect"

	validate "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: protovendor OUTPUT_DIR")
		os.Exit(2)
	}
	files := []protoreflect.FileDescriptor{
		annotations.File_google_api_annotations_proto,
		annotations.File_google_api_http_proto,
		annotations.File_google_api_field_behavior_proto,
		annotations.File_google_api_resource_proto,
		httpbody.File_google_api_httpbody_proto,
		validate.File_buf_validate_validate_proto,
	}
	if err := write(os.Args[1], files); err != nil {
		fmt.Fprintln(os.Stderr, "protovendor:", err)
		os.Exit(1)
	}
}

func write(dir string, files []protoreflect.FileDescriptor) error {
	printer := protoprint.Printer{Compact: false, SortElements: false}
	for _, fd := range files {
		d, err := desc.WrapFile(fd)
		if err != nil {
			return fmt.Errorf("wrap %s: %w", fd.Path(), err)
		}
		out := filepath.Join(dir, fd.Path())
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if err := printer.PrintProtoFile(d, f); err != nil {
			f.Close()
			return fmt.Errorf("print %s: %w", fd.Path(), err)
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
