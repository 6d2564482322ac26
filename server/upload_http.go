package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"

	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/internal/store"
)

// Limits of the upload form's text fields, as the UploadHeader's validation rules have them.
const (
	maxFormValue    = 1 << 10
	maxDisplayName  = 200
	maxUploadReqID  = 100
	maxFilenameSize = 500
	// formOverhead is what a multipart body may carry besides the files' bytes.
	formOverhead = 1 << 20
)

// upload serves POST /api/v1/data/upload: a multipart/form-data body with one or more "file"
// parts (stored as one dataset) and the optional fields displayName (display_name), dataType
// (data_type: TABULAR, TEXT, IMAGE, MULTIMODAL, with or without the DATA_TYPE_ prefix) and
// requestId (request_id; the Idempotency-Key header works too). The body is read part by part
// with a multipart.Reader and streamed to the blob store; it is never buffered whole. The
// answer is the Dataset in protojson, 201 Created (200 when the request id was seen before).
func (d *data) upload(w http.ResponseWriter, r *http.Request) {
	start := time.Now().UTC().Truncate(time.Microsecond)
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		d.s.WriteError(w, r, connect.NewError(connect.CodeInvalidArgument,
			errors.New(`send the data as multipart/form-data with the file in a field named "file" (curl -F file=@data.csv)`)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, d.ds.MaxBytes()+formOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		d.s.WriteError(w, r, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("read multipart body: %w", err)))
		return
	}
	up := &datasets.Upload{RequestID: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
	if len(up.RequestID) > maxUploadReqID {
		d.s.WriteError(w, r, invalidField("Idempotency-Key", fmt.Sprintf("at most %d characters", maxUploadReqID)))
		return
	}
	next := func() (datasets.File, error) {
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return datasets.File{}, io.EOF
			}
			if err != nil {
				return datasets.File{}, bodyError(err)
			}
			name := part.FormName()
			if name == "file" {
				fn := part.FileName()
				if fn == "" {
					fn = "data"
				}
				if len(fn) > maxFilenameSize {
					return datasets.File{}, invalidField("file", fmt.Sprintf("the file name has more than %d characters", maxFilenameSize))
				}
				return datasets.File{Name: fn, ContentType: part.Header.Get("Content-Type"), Body: readerFunc(func(p []byte) (int, error) {
					n, err := part.Read(p)
					if err != nil && err != io.EOF {
						err = bodyError(err)
					}
					return n, err
				})}, nil
			}
			value, err := io.ReadAll(io.LimitReader(part, maxFormValue+1))
			if err != nil {
				return datasets.File{}, bodyError(err)
			}
			if len(value) > maxFormValue {
				return datasets.File{}, invalidField(name, fmt.Sprintf("longer than %d bytes", maxFormValue))
			}
			if err := setFormField(up, name, strings.TrimSpace(string(value))); err != nil {
				return datasets.File{}, err
			}
		}
	}
	ds, err := d.ds.Upload(r.Context(), up, next)
	if err != nil {
		d.writeUploadError(w, r, err)
		return
	}
	// Drain what follows the last file (trailing fields), so a keep-alive client is not cut off.
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, formOverhead))
	pd, err := datasetToProto(ds)
	if err != nil {
		d.s.WriteError(w, r, err)
		return
	}
	code := http.StatusCreated
	if ds.CreatedAt.Before(start) { // made by an earlier request with the same request id
		code = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/data/"+ds.ID.String())
	d.s.WriteProto(w, r, code, pd)
}

// setFormField applies one text field of the upload form.
func setFormField(up *datasets.Upload, name, value string) error {
	switch name {
	case "displayName", "display_name":
		if len([]rune(value)) > maxDisplayName {
			return invalidField(name, fmt.Sprintf("at most %d characters", maxDisplayName))
		}
		up.DisplayName = value
	case "dataType", "data_type":
		v := strings.ToUpper(value)
		if !strings.HasPrefix(v, "DATA_TYPE_") {
			v = "DATA_TYPE_" + v
		}
		dt, ok := trainyardv1.DataType_value[v]
		if !ok {
			return invalidField(name, fmt.Sprintf("unknown data type %q: use TABULAR, TEXT, IMAGE or MULTIMODAL", value))
		}
		up.DataType = dataTypeFromProto(trainyardv1.DataType(dt))
	case "requestId", "request_id":
		if len(value) > maxUploadReqID {
			return invalidField(name, fmt.Sprintf("at most %d characters", maxUploadReqID))
		}
		up.RequestID = value
	default:
		return invalidField(name, `unknown form field; send "file" (one or more), "displayName", "dataType" and "requestId"`)
	}
	return nil
}

// invalidField is an InvalidArgument error about one form field.
func invalidField(field, problem string) error {
	return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("form field %q: %s", field, problem))
}

// bodyError classifies an error reading the request body: too large, malformed, or a client
// that went away.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &datasets.Error{Kind: store.ErrInvalidArgument, Reason: datasets.ReasonTooLarge,
			Msg: fmt.Sprintf("the request body is larger than the limit of %d bytes per dataset: split the data or sample it", mbe.Limit-formOverhead)}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return connect.NewError(connect.CodeInvalidArgument, errors.New("the multipart body ended early: the upload was cut off"))
	}
	if strings.Contains(err.Error(), "multipart") {
		return connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("malformed multipart body: %w", err))
	}
	return err
}

// writeUploadError writes an upload error like WriteError, but with 413 for a body over the
// size limit.
func (d *data) writeUploadError(w http.ResponseWriter, r *http.Request, err error) {
	if datasets.ReasonOf(err) != datasets.ReasonTooLarge {
		d.s.WriteError(w, r, err)
		return
	}
	body, _ := protojson.Marshal(&status.Status{Code: int32(connect.CodeInvalidArgument), Message: err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Connection", "close") // the rest of the body is not read
	w.WriteHeader(http.StatusRequestEntityTooLarge)
	_, _ = w.Write(body)
}

// readerFunc is a function that is an io.Reader.
type readerFunc func([]byte) (int, error)

// Read implements io.Reader.
func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
