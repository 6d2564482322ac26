package server

import (
	"testing"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/trainyard/trainyard/gen/go/trainyard/v1" // registers the services
)

func TestEveryProcedureHasAnAccessRule(t *testing.T) {
	n := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("trainyard.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				proc := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(j).Name())
				n++
				if _, ok := procedureAccess[proc]; !ok {
					t.Errorf("procedureAccess[%q] is missing; every procedure needs a rule", proc)
				}
			}
		}
		return true
	})
	if n != len(procedureAccess) {
		t.Errorf("the services have %d procedures, procedureAccess lists %d", n, len(procedureAccess))
	}
}

func TestRateLimiterRefills(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	l := newRateLimiter(60)
	l.now = func() time.Time { return now }
	for i := range 60 {
		if ok, _ := l.allow("u"); !ok {
			t.Fatalf("allow #%d = false, want true within the burst", i+1)
		}
	}
	ok, wait := l.allow("u")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("allow #61 = %v, %v; want false with a wait of at most 1 s", ok, wait)
	}
	now = now.Add(time.Second)
	if ok, _ := l.allow("u"); !ok {
		t.Errorf("allow after 1 s = false, want one token refilled")
	}
	if ok, _ := l.allow("v"); !ok {
		t.Errorf("allow(other key) = false, want its own bucket")
	}
	if got := retryAfterSeconds(1500 * time.Millisecond); got != 2 {
		t.Errorf("retryAfterSeconds(1.5s) = %d, want 2", got)
	}
}

func TestParseName(t *testing.T) {
	const id = "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"
	for _, in := range []string{"projects/" + id, id} {
		got, err := parseName(in, "projects")
		if err != nil || got.String() != id {
			t.Errorf("parseName(%q) = %v, %v; want %s", in, got, err, id)
		}
	}
	for _, in := range []string{"", "projects/", "models/" + id, "projects/" + id + "/x", "projects/nope"} {
		if _, err := parseName(in, "projects"); err == nil {
			t.Errorf("parseName(%q) = nil error, want InvalidArgument", in)
		}
	}
}
