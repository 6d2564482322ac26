// Package linear fits regularized linear models: ridge regression, binary
// logistic regression and multinomial (softmax) regression.
//
// Features come in column-major order, one []float64 per feature, already
// imputed, encoded and scaled by the preprocessing layer. Class labels are
// class indices 0..K-1 stored as float64. The objective is the weighted mean
// loss plus L2 (and optionally L1) penalties on the coefficients, never on
// the intercepts:
//
//	regression:  (1/2S) Σ wᵢ (zᵢ - yᵢ)²          + (L2/2) ‖W‖² + L1 ‖W‖₁
//	binary:      (1/S)  Σ wᵢ [log(1+e^zᵢ) - yᵢzᵢ] + (L2/2) ‖W‖² + L1 ‖W‖₁
//	multiclass:  (1/S)  Σ wᵢ [logΣₖe^zᵢₖ - zᵢyᵢ]  + (L2/2) ‖W‖² + L1 ‖W‖₁
//
// where S = Σ wᵢ is the sum of the effective weights (sample weight times
// class weight). In scikit-learn's terms L2 = 1/(C·S) for LogisticRegression
// and L2 = alpha/S for Ridge.
//
// Ridge regression is solved in closed form (a Cholesky factorization of the
// p×p normal equations) when p is moderate; logistic, softmax and wide ridge
// problems use L-BFGS from gonum, and problems with an L1 penalty use OWL-QN
// (orthant-wise L-BFGS); both check the context every iteration.
package linear

import (
	"errors"
	"fmt"
)

// Task is what a model predicts.
type Task string

// The tasks a linear model can learn.
const (
	// Regression predicts a number (ridge regression).
	Regression Task = "regression"
	// Binary predicts the probability of class 1 (logistic regression).
	Binary Task = "binary"
	// Multiclass predicts a probability per class (softmax regression).
	Multiclass Task = "multiclass"
)

// Solver chooses how a regression is fitted; classification always uses
// L-BFGS.
type Solver string

// The solvers.
const (
	// SolverAuto uses the closed form for regression with at most 2000
	// features and L-BFGS otherwise.
	SolverAuto Solver = ""
	// SolverCholesky solves the normal equations directly (regression only).
	SolverCholesky Solver = "cholesky"
	// SolverLBFGS minimizes the objective iteratively.
	SolverLBFGS Solver = "lbfgs"
)

// Default values used when a Params field is zero.
const (
	DefaultTol     = 1e-6
	DefaultMaxIter = 500
)

// Params configures a fit. The zero value fits an unpenalized model with an
// intercept; set L2 to regularize.
type Params struct {
	// Task is required.
	Task Task `json:"task"`
	// NumClasses is the number of classes for Multiclass (labels 0..K-1).
	// For Multiclass, zero means one more than the largest label.
	NumClasses int `json:"numClasses,omitempty"`
	// L2 is the penalty strength on the coefficients (see the package doc).
	L2 float64 `json:"l2,omitempty"`
	// L1 adds L1·‖W‖₁ to the objective (lasso, or elastic net together
	// with L2), which drives coefficients to exactly zero. A positive L1
	// always uses OWL-QN. In scikit-learn's terms, with l1_ratio r:
	// LogisticRegression has L1 = r/(C·S) and L2 = (1-r)/(C·S); ElasticNet
	// has L1 = alpha·r and L2 = alpha·(1-r).
	L1 float64 `json:"l1,omitempty"`
	// NoIntercept fits the model through the origin.
	NoIntercept bool `json:"noIntercept,omitempty"`
	// ClassWeights multiplies each row's weight by the weight of its class;
	// len must be the number of classes. Ignored for regression.
	ClassWeights []float64 `json:"classWeights,omitempty"`
	// BalancedClassWeights sets class weights to W/(K·W_k), where W_k is
	// the total sample weight of class k (its row count without weights)
	// and W the total of all rows, as scikit-learn's class_weight="balanced"
	// does; it overrides ClassWeights.
	BalancedClassWeights bool `json:"balancedClassWeights,omitempty"`
	// Tol stops L-BFGS once the largest absolute gradient component is
	// below it. Zero means DefaultTol.
	Tol float64 `json:"tol,omitempty"`
	// MaxIter bounds the L-BFGS iterations. Zero means DefaultMaxIter.
	MaxIter int `json:"maxIter,omitempty"`
	// Solver picks the regression solver.
	Solver Solver `json:"solver,omitempty"`
	// Workers bounds the goroutines that evaluate the objective; zero means
	// GOMAXPROCS. The fitted model does not depend on it: rows are cut into
	// fixed chunks whose sums are added in order.
	Workers int `json:"workers,omitempty"`
}

// Model is a fitted linear model. It is plain data: JSON-serializable and
// enough to export as an ONNX LinearRegressor or LinearClassifier.
//
// For Regression and Binary, Coefficients has one row and Intercepts one
// value: the prediction (regression) or the log-odds of class 1 (binary) is
// Intercepts[0] + Coefficients[0]·x. For Multiclass there is one row and one
// intercept per class, and the probabilities are the softmax of the K
// scores; the intercepts are centered to sum to zero (softmax is unchanged
// by a common shift).
type Model struct {
	Task         Task        `json:"task"`
	NumFeatures  int         `json:"numFeatures"`
	NumClasses   int         `json:"numClasses,omitempty"`
	Coefficients [][]float64 `json:"coefficients"`
	Intercepts   []float64   `json:"intercepts"`
	// Iterations is the number of L-BFGS iterations (0 for the closed form).
	Iterations int `json:"iterations"`
	// Converged tells whether the stopping tolerance was reached (always
	// true for the closed form).
	Converged bool `json:"converged"`
	// Objective is the final value of the training objective.
	Objective float64 `json:"objective"`
}

// ErrBadInput marks problems with the data or parameters given to Fit.
var ErrBadInput = errors.New("bad input")

func badInput(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrBadInput)
}

// numOutputs is the number of score columns of a task.
func numOutputs(task Task, k int) int {
	if task == Multiclass {
		return k
	}
	return 1
}
