package frame

import (
	"context"
	"testing"

	"github.com/trainyard/trainyard/ml/datasets"
)

func readDataset(t testing.TB, name string) *Frame {
	f, err := ReadFile(context.Background(), datasets.MustPath(t.(*testing.T), name), ReadOptions{})
	if err != nil {
		t.Fatalf("ReadFile(%s) error: %v", name, err)
	}
	return f
}

func TestReadDatasets(t *testing.T) {
	tests := []struct {
		file       string
		rows, cols int
		missing    int // total missing cells
	}{
		{"iris.csv", 150, 5, 0},
		{"wine.csv", 178, 14, 0},
		{"breast_cancer.csv", 569, 31, 0},
		{"diabetes.csv", 442, 11, 0},
		{"digits.csv", 1797, 65, 0},
		{"penguins.csv", 344, 8, 19},
		{"telco_churn.csv", 7043, 20, 11},
		{"ames_housing.csv", 2930, 74, 0},
		{"spambase.csv", 4601, 58, 0},
		{"letter_recognition.csv", 20000, 17, 0},
		{"fine_foods_reviews.csv", 5000, 4, 0},
		{"titanic.csv", 891, 12, 177 + 687 + 2},
		{"california_housing.csv", 20640, 10, 207},
		{"adult.csv", 32561, 15, 1836 + 1843 + 583}, // "?" marks missing
		{"adult_test.csv", 16281, 15, 963 + 966 + 274},
		{"sms_spam.csv", 5574, 2, 0},
		{"fashion_mnist/labels.csv", 4000, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f := readDataset(t, tt.file)
			if f.NRows() != tt.rows || f.NCols() != tt.cols {
				t.Errorf("shape = %dx%d, want %dx%d", f.NRows(), f.NCols(), tt.rows, tt.cols)
			}
			missing := 0
			for _, c := range f.Columns {
				missing += c.NumMissing()
			}
			if missing != tt.missing {
				t.Errorf("missing cells = %d, want %d", missing, tt.missing)
			}
			if len(f.Notes) != 0 {
				t.Errorf("notes = %q, want none", f.Notes)
			}
		})
	}
}

func TestDatasetKinds(t *testing.T) {
	tests := []struct {
		file, col string
		want      Kind
		missing   int
	}{
		{"telco_churn.csv", "total_charges", Numeric, 11},
		{"telco_churn.csv", "churn", Boolean, 0},
		{"telco_churn.csv", "payment_method", Categorical, 0},
		{"titanic.csv", "Name", Text, 0},
		{"titanic.csv", "PassengerId", Numeric, 0},
		{"titanic.csv", "Age", Numeric, 177},
		{"titanic.csv", "Cabin", Categorical, 687},
		{"titanic.csv", "Ticket", Categorical, 0},
		{"penguins.csv", "sex", Categorical, 11},
		{"penguins.csv", "bill_length_mm", Numeric, 2},
		{"penguins.csv", "year", Numeric, 0},
		{"ames_housing.csv", "Pool_QC", Categorical, 0},
		{"ames_housing.csv", "Mas_Vnr_Type", Categorical, 0},
		{"ames_housing.csv", "Central_Air", Boolean, 0},
		{"sms_spam.csv", "text", Text, 0},
		{"sms_spam.csv", "label", Categorical, 0},
		{"fine_foods_reviews.csv", "text", Text, 0},
		{"fine_foods_reviews.csv", "product", ID, 0},
		{"letter_recognition.csv", "lettr", Categorical, 0},
		{"adult.csv", "workclass", Categorical, 1836},
		{"california_housing.csv", "total_bedrooms", Numeric, 207},
	}
	cache := map[string]*Frame{}
	for _, tt := range tests {
		f := cache[tt.file]
		if f == nil {
			f = readDataset(t, tt.file)
			cache[tt.file] = f
		}
		c := f.Col(tt.col)
		if c == nil {
			t.Errorf("%s: no column %q", tt.file, tt.col)
			continue
		}
		if c.Kind != tt.want || c.NumMissing() != tt.missing {
			t.Errorf("%s %s: kind %v with %d missing, want %v with %d", tt.file, tt.col, c.Kind, c.NumMissing(), tt.want, tt.missing)
		}
	}
	// Ames keeps "No_Pool" as a level, not a missing value.
	levels, _ := cache["ames_housing.csv"].Col("Pool_QC").Levels()
	found := false
	for _, l := range levels {
		found = found || l == "No_Pool"
	}
	if !found {
		t.Errorf("ames Pool_QC levels = %q, want No_Pool among them", levels)
	}
}
