package datasets

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/trainyard/trainyard/ent"
	"github.com/trainyard/trainyard/internal/store"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// The file formats an upload may hold.
const (
	// FormatCSV is delimited text (CSV, TSV, semicolons).
	FormatCSV = "csv"
	// FormatZip is a zip archive of images, class folders naming the labels.
	FormatZip = "zip"
)

// longTextWords is the mean word count from which a text column makes a dataset TEXT.
const longTextWords = 8

// Profile is what was learned about a dataset while it streamed in; it is stored as JSON with
// the Dataset row.
type Profile struct {
	// Files has one entry per uploaded file, in upload order.
	Files []FileProfile `json:"files"`
	// Warnings are the findings worth a person's attention, in plain words.
	Warnings []string `json:"warnings"`
}

// FileProfile describes one uploaded file.
type FileProfile struct {
	// Name is the file's name as uploaded.
	Name string `json:"name"`
	// Format is FormatCSV or FormatZip.
	Format string `json:"format"`
	// Delimiter is the field separator of delimited text.
	Delimiter string `json:"delimiter,omitempty"`
	// Header holds the column names of delimited text, as read.
	Header []string `json:"header,omitempty"`
	// Rows counts data rows (CSV) or images (zip), exactly.
	Rows int64 `json:"rows"`
	// ProfiledRows is how many of the first rows the column statistics describe; row and
	// missing counts always cover every row.
	ProfiledRows int64 `json:"profiledRows,omitempty"`
	// Columns profiles each column (CSV).
	Columns []profile.Column `json:"columns,omitempty"`
	// Flags are the profiler's findings (CSV).
	Flags []profile.Flag `json:"flags,omitempty"`
	// DuplicateRows counts repeated rows among the profiled rows (CSV).
	DuplicateRows int `json:"duplicateRows,omitempty"`
	// Notes records what the reader repaired (renamed headers, ...).
	Notes []string `json:"notes,omitempty"`
	// Classes counts images per class folder (zip).
	Classes []profile.ValueCount `json:"classes,omitempty"`
	// OtherFiles counts zip entries that are not images.
	OtherFiles int `json:"otherFiles,omitempty"`
	// ObjectDetection is set for a zip holding a boxes CSV (path, label, xmin, ymin, xmax,
	// ymax): its images are object detection data and Classes counts boxes per label.
	ObjectDetection bool `json:"objectDetection,omitempty"`
	// Boxes counts the boxes of object detection data.
	Boxes int64 `json:"boxes,omitempty"`
}

// ProfileOf decodes the profile stored with a dataset (an empty one when none was stored).
func ProfileOf(d *ent.Dataset) (*Profile, error) {
	p := &Profile{}
	if len(d.Profile) == 0 || string(d.Profile) == "null" {
		return p, nil
	}
	if err := json.Unmarshal(d.Profile, p); err != nil {
		return nil, fmt.Errorf("decode profile of dataset %s: %w", d.ID, err)
	}
	return p, nil
}

// Primary returns the profile whose columns describe the dataset: the first delimited file,
// or else the first file; nil without files.
func (p *Profile) Primary() *FileProfile {
	for i := range p.Files {
		if p.Files[i].Format == FormatCSV {
			return &p.Files[i]
		}
	}
	if len(p.Files) > 0 {
		return &p.Files[0]
	}
	return nil
}

// ColumnFlags returns the flag kinds the profiler raised for a column.
func (fp *FileProfile) ColumnFlags(column string) []string {
	var out []string
	for _, f := range fp.Flags {
		if f.Column == column && !slices.Contains(out, string(f.Kind)) {
			out = append(out, string(f.Kind))
		}
	}
	return out
}

// hasLongText reports whether a file has a free-text column long enough to make the dataset
// a text dataset (reviews, messages), not a table with a name column.
func (fp *FileProfile) hasLongText() bool {
	for _, c := range fp.Columns {
		if c.Kind == frame.Text && c.Text != nil && c.Text.MeanWords >= longTextWords {
			return true
		}
	}
	return false
}

// summary is what the Dataset row records besides the profile.
type summary struct {
	dataType store.DataType
	rows     int64
	columns  int
	labeled  bool
}

// summarize derives the dataset's type, size and warnings from its files' profiles. want is
// the type the caller gave ("" to detect).
func summarize(p *Profile, want store.DataType) summary {
	var s summary
	primary := p.Primary()
	detected := store.DataTypeTabular
	for i := range p.Files {
		fp := &p.Files[i]
		switch fp.Format {
		case FormatZip:
			detected = store.DataTypeImage
			s.labeled = s.labeled || len(fp.Classes) >= 2 || (fp.ObjectDetection && fp.Boxes > 0)
		case FormatCSV:
			if fp.hasLongText() && detected == store.DataTypeTabular {
				detected = store.DataTypeText
			}
		}
	}
	s.dataType = want
	if s.dataType == "" {
		s.dataType = detected
	}
	if primary != nil {
		s.columns = len(primary.Header)
	}
	for i := range p.Files {
		fp := &p.Files[i]
		switch {
		case primary != nil && primary.Format == FormatZip:
			if fp.Format == FormatZip {
				s.rows += fp.Rows
			}
		case fp.Format == FormatCSV && slices.Equal(fp.Header, primary.Header):
			s.rows += fp.Rows
		case fp.Format == FormatCSV:
			p.Warnings = append(p.Warnings, fmt.Sprintf("file %q has other columns than %q; its %d rows are not counted in the dataset's rows", fp.Name, primary.Name, fp.Rows))
		}
	}
	for i := range p.Files {
		p.Warnings = append(p.Warnings, fileWarnings(&p.Files[i])...)
	}
	if p.Warnings == nil {
		p.Warnings = []string{}
	}
	return s
}

// fileWarnings turns a file's flags and notes into sentences.
func fileWarnings(fp *FileProfile) []string {
	var out []string
	prefix := ""
	if fp.Name != "" {
		prefix = fmt.Sprintf("%s: ", fp.Name)
	}
	for _, f := range fp.Flags {
		if f.Column != "" {
			out = append(out, fmt.Sprintf("%scolumn %q: %s", prefix, f.Column, f.Detail))
		} else {
			out = append(out, prefix+f.Detail)
		}
	}
	for _, n := range fp.Notes {
		out = append(out, prefix+n)
	}
	if fp.Format == FormatCSV && fp.ProfiledRows < fp.Rows {
		out = append(out, fmt.Sprintf("%scolumn kinds, distinct and top values and histograms describe the first %d of %d rows; row and missing counts cover all rows", prefix, fp.ProfiledRows, fp.Rows))
	}
	if fp.OtherFiles > 0 {
		out = append(out, fmt.Sprintf("%s%d entries of the archive are not images and were ignored", prefix, fp.OtherFiles))
	}
	if fp.Format == FormatZip && len(fp.Classes) < 2 && !fp.ObjectDetection {
		out = append(out, prefix+"images are not in class folders (e.g. cats/1.png, dogs/2.png), so they carry no labels")
	}
	return out
}
