package automl

import (
	"testing"

	"github.com/trainyard/trainyard/ml/metrics"
)

func mustMetric(t *testing.T, name string) metrics.Metric {
	t.Helper()
	m, err := metrics.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
