package server

import (
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/trainyard/trainyard/ent"
	trainyardv1 "github.com/trainyard/trainyard/gen/go/trainyard/v1"
	"github.com/trainyard/trainyard/internal/datasets"
	"github.com/trainyard/trainyard/ml/frame"
	"github.com/trainyard/trainyard/ml/profile"
)

// datasetToProto converts a stored dataset with its profile.
func datasetToProto(d *ent.Dataset) (*trainyardv1.Dataset, error) {
	prof, err := datasets.ProfileOf(d)
	if err != nil {
		return nil, err
	}
	out := &trainyardv1.Dataset{
		Name:        resourceName("datasets", d.ID),
		Id:          d.ID.String(),
		DisplayName: d.DisplayName,
		DataType:    dataTypeToProto(d.DataType),
		SizeBytes:   d.SizeBytes,
		NumRows:     d.NumRows,
		NumColumns:  int32(d.NumColumns),
		IsLabeled:   d.Labeled,
		Columns:     columnsToProto(prof.Primary()),
		Warnings:    prof.Warnings,
		Owner:       resourceName("users", d.OwnerID),
		CreateTime:  timestamppb.New(d.CreatedAt),
		ExpireTime:  timestamp(d.ExpiresAt),
	}
	for _, f := range d.Files {
		out.Files = append(out.Files, &trainyardv1.DataFile{
			Filename: f.Name, SizeBytes: f.SizeBytes, Sha256: f.SHA256, ContentType: f.ContentType,
		})
	}
	return out, nil
}

// previewToProto converts a preview.
func previewToProto(p *datasets.Preview) *trainyardv1.DataPreview {
	out := &trainyardv1.DataPreview{
		DatasetId:   p.Dataset.ID.String(),
		ColumnNames: p.Columns,
		Columns:     columnsToProto(p.Profile.Primary()),
		TotalRows:   p.Dataset.NumRows,
	}
	for _, r := range p.Rows {
		out.Rows = append(out.Rows, &trainyardv1.PreviewRow{Values: r})
	}
	return out
}

// columnKinds maps the profiler's kinds to the API's.
var columnKinds = map[frame.Kind]trainyardv1.ColumnKind{
	frame.Numeric:     trainyardv1.ColumnKind_COLUMN_KIND_NUMERIC,
	frame.Categorical: trainyardv1.ColumnKind_COLUMN_KIND_CATEGORICAL,
	frame.Boolean:     trainyardv1.ColumnKind_COLUMN_KIND_BOOLEAN,
	frame.Datetime:    trainyardv1.ColumnKind_COLUMN_KIND_DATETIME,
	frame.Text:        trainyardv1.ColumnKind_COLUMN_KIND_TEXT,
	frame.ID:          trainyardv1.ColumnKind_COLUMN_KIND_ID,
}

// flagNames maps the profiler's flag kinds to the API's names where they differ.
var flagNames = map[string]string{string(profile.FlagLeak): "possible_leak"}

// columnsToProto converts the column profiles of a file; an image archive gets a path column
// and, when its images sit in class folders, a label column.
func columnsToProto(fp *datasets.FileProfile) []*trainyardv1.ColumnProfile {
	if fp == nil {
		return nil
	}
	if fp.Format == datasets.FormatZip {
		cols := []*trainyardv1.ColumnProfile{{Name: "path", Kind: trainyardv1.ColumnKind_COLUMN_KIND_IMAGE, Cardinality: fp.Rows}}
		if len(fp.Classes) >= 2 {
			label := &trainyardv1.ColumnProfile{Name: "label", Kind: trainyardv1.ColumnKind_COLUMN_KIND_CATEGORICAL, Cardinality: int64(len(fp.Classes))}
			for _, c := range fp.Classes {
				label.TopValues = append(label.TopValues, &trainyardv1.ValueCount{Value: c.Value, Count: int64(c.Count)})
			}
			cols = append(cols, label)
		}
		return cols
	}
	out := make([]*trainyardv1.ColumnProfile, 0, len(fp.Columns))
	for _, c := range fp.Columns {
		pc := &trainyardv1.ColumnProfile{
			Name:         c.Name,
			Kind:         columnKinds[c.Kind],
			MissingRatio: c.MissingRatio,
			Cardinality:  int64(c.Distinct),
			Examples:     c.Examples,
		}
		if c.Numeric != nil && c.Kind == frame.Numeric {
			pc.Min, pc.Max, pc.Mean, pc.Std = proto.Float64(c.Numeric.Min), proto.Float64(c.Numeric.Max),
				proto.Float64(c.Numeric.Mean), proto.Float64(c.Numeric.Std)
		}
		for _, v := range c.Top {
			pc.TopValues = append(pc.TopValues, &trainyardv1.ValueCount{Value: v.Value, Count: int64(v.Count)})
		}
		if len(c.Histogram) > 0 {
			h := &trainyardv1.Histogram{Edges: []float64{c.Histogram[0].Lo}}
			for _, b := range c.Histogram {
				h.Edges = append(h.Edges, b.Hi)
				h.Counts = append(h.Counts, int64(b.Count))
			}
			pc.Histogram = h
		}
		for _, f := range fp.ColumnFlags(c.Name) {
			if n, ok := flagNames[f]; ok {
				f = n
			}
			pc.Flags = append(pc.Flags, f)
		}
		out = append(out, pc)
	}
	return out
}
