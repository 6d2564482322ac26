// Package report renders a model's report as one self-contained HTML page: the problem as
// understood, the data and what was done to it, the candidates tried and why the winner won,
// held-out metrics with charts (confusion matrix, ROC and precision-recall curves, calibration,
// residuals), feature importance, warnings, success criteria and the decision log. Charts are
// inline SVG drawn here; the page has no scripts and fetches nothing.
package report
