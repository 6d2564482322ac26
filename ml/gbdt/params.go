package gbdt

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Params are the training parameters, named and defaulted as LightGBM's.
type Params struct {
	Objective           string  // binary | multiclass | regression
	NumClass            int     // classes for multiclass
	NumIterations       int     // boosting rounds (100)
	LearningRate        float64 // shrinkage (0.1)
	NumLeaves           int     // max leaves per tree (31)
	MaxDepth            int     // max depth, <= 0 = unlimited (-1)
	MinDataInLeaf       int     // min rows per leaf (20)
	MinSumHessianInLeaf float64 // min hessian per leaf (1e-3)
	LambdaL1            float64 // L1 on leaf values (0)
	LambdaL2            float64 // L2 on leaf values (0)
	MinGainToSplit      float64 // min gain of a split (0)
	FeatureFraction     float64 // features sampled per tree (1)
	FeatureFractionNode float64 // features sampled per node (1)
	BaggingFraction     float64 // rows sampled per bagging round (1)
	BaggingFreq         int     // re-bag every k iterations, 0 = off (0)
	Seed                int64   // master seed (0)
	MaxBin              int     // max bins per feature (255)
	MinDataInBin        int     // min rows per bin (3)
	BinConstructSample  int     // rows sampled to find bins (200000)
	EarlyStoppingRound  int     // stop after this many rounds without improvement (0 = off)
	Metric              string  // metric for early stopping ("" = objective's default)
	IsUnbalance         bool    // reweight classes to balance a binary problem
	ScalePosWeight      float64 // weight of the positive class (1)
	ClassWeight         []float64
	BoostFromAverage    bool    // start from the mean / log-odds (true)
	MaxCatThreshold     int     // max categories on one side of a set split (32)
	CatL2               float64 // L2 in categorical splits (10)
	CatSmooth           float64 // smoothing of category ratios (10)
	MinDataPerGroup     int     // min rows per category group (100)
	MaxCatToOnehot      int     // one-vs-rest splits at or below this many categories (4)
	NumThreads          int     // goroutines, <= 0 = GOMAXPROCS (0)
	ExtraTrees          bool    // random thresholds (one per feature per node)
	Sigmoid             float64 // binary sigmoid parameter (1)
}

// DefaultParams returns LightGBM's defaults for the given objective.
func DefaultParams(objective string) Params {
	return Params{
		Objective: objective, NumClass: 1, NumIterations: 100, LearningRate: 0.1, NumLeaves: 31,
		MaxDepth: -1, MinDataInLeaf: 20, MinSumHessianInLeaf: 1e-3, FeatureFraction: 1,
		FeatureFractionNode: 1, BaggingFraction: 1, MaxBin: 255, MinDataInBin: 3,
		BinConstructSample: 200000, ScalePosWeight: 1, BoostFromAverage: true,
		MaxCatThreshold: 32, CatL2: 10, CatSmooth: 10, MinDataPerGroup: 100, MaxCatToOnehot: 4,
		Sigmoid: 1,
	}
}

// aliases maps LightGBM's parameter aliases to their main names.
var aliases = map[string]string{
	"objective_type": "objective", "app": "objective", "application": "objective", "loss": "objective",
	"num_classes":   "num_class",
	"num_iteration": "num_iterations", "n_iter": "num_iterations", "num_tree": "num_iterations",
	"num_trees": "num_iterations", "num_round": "num_iterations", "num_rounds": "num_iterations",
	"nrounds": "num_iterations", "num_boost_round": "num_iterations", "n_estimators": "num_iterations",
	"max_iter":       "num_iterations",
	"shrinkage_rate": "learning_rate", "eta": "learning_rate",
	"num_leaf": "num_leaves", "max_leaves": "num_leaves", "max_leaf": "num_leaves", "max_leaf_nodes": "num_leaves",
	"min_data_per_leaf": "min_data_in_leaf", "min_data": "min_data_in_leaf", "min_child_samples": "min_data_in_leaf",
	"min_samples_leaf":         "min_data_in_leaf",
	"min_sum_hessian_per_leaf": "min_sum_hessian_in_leaf", "min_sum_hessian": "min_sum_hessian_in_leaf",
	"min_hessian": "min_sum_hessian_in_leaf", "min_child_weight": "min_sum_hessian_in_leaf",
	"reg_alpha": "lambda_l1", "l1_regularization": "lambda_l1",
	"reg_lambda": "lambda_l2", "lambda": "lambda_l2", "l2_regularization": "lambda_l2",
	"min_split_gain": "min_gain_to_split",
	"sub_feature":    "feature_fraction", "colsample_bytree": "feature_fraction",
	"sub_feature_bynode": "feature_fraction_bynode", "colsample_bynode": "feature_fraction_bynode",
	"sub_row": "bagging_fraction", "subsample": "bagging_fraction", "bagging": "bagging_fraction",
	"subsample_freq": "bagging_freq",
	"random_seed":    "seed", "random_state": "seed",
	"max_bins": "max_bin", "subsample_for_bin": "bin_construct_sample_cnt",
	"early_stopping_rounds": "early_stopping_round", "early_stopping": "early_stopping_round",
	"n_iter_no_change": "early_stopping_round",
	"metric_types":     "metric", "metrics": "metric",
	"unbalance": "is_unbalance", "unbalanced_sets": "is_unbalance",
	"num_thread": "num_threads", "nthread": "num_threads", "nthreads": "num_threads", "n_jobs": "num_threads",
	"verbose": "verbosity", "extra_tree": "extra_trees",
}

// ignored are LightGBM parameters accepted and ignored (they do not change
// the model this trainer builds).
var ignored = map[string]bool{
	"verbosity": true, "deterministic": true, "force_col_wise": true, "force_row_wise": true,
	"bagging_seed": true, "feature_fraction_seed": true,
	"data_random_seed": true, "extra_seed": true,
}

// ParseParams parses "k=v,k=v" (LightGBM names and aliases) on top of the
// defaults for objective (which the string may override).
func ParseParams(objective, s string) (Params, error) {
	m := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, fmt.Errorf("parameter %q: want key=value", kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return ParamsFromMap(objective, m)
}

// ParamsFromMap sets parameters from LightGBM names (or aliases) on top of the
// defaults for objective. An unknown name or a bad value is an error.
func ParamsFromMap(objective string, m map[string]string) (Params, error) {
	p := DefaultParams(objective)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := p.Set(k, m[k]); err != nil {
			return Params{}, err
		}
	}
	return p, nil
}

// Set sets one parameter by LightGBM name or alias.
func (p *Params) Set(key, val string) error {
	name := strings.ToLower(strings.TrimSpace(key))
	if a, ok := aliases[name]; ok {
		name = a
	}
	if ignored[name] {
		return nil
	}
	var err error
	i := func(dst *int) { *dst, err = strconv.Atoi(val) }
	f := func(dst *float64) {
		*dst, err = strconv.ParseFloat(val, 64)
		if err == nil && (math.IsNaN(*dst) || math.IsInf(*dst, 0)) {
			err = fmt.Errorf("not finite")
		}
	}
	b := func(dst *bool) { *dst, err = strconv.ParseBool(val) }
	switch name {
	case "objective":
		o, ok := objectiveNames[strings.ToLower(val)]
		if !ok {
			return fmt.Errorf("parameter objective=%q: want binary, multiclass or regression", val)
		}
		p.Objective = o
	case "num_class":
		i(&p.NumClass)
	case "num_iterations":
		i(&p.NumIterations)
	case "learning_rate":
		f(&p.LearningRate)
	case "num_leaves":
		i(&p.NumLeaves)
	case "max_depth":
		i(&p.MaxDepth)
	case "min_data_in_leaf":
		i(&p.MinDataInLeaf)
	case "min_sum_hessian_in_leaf":
		f(&p.MinSumHessianInLeaf)
	case "lambda_l1":
		f(&p.LambdaL1)
	case "lambda_l2":
		f(&p.LambdaL2)
	case "min_gain_to_split":
		f(&p.MinGainToSplit)
	case "feature_fraction":
		f(&p.FeatureFraction)
	case "feature_fraction_bynode":
		f(&p.FeatureFractionNode)
	case "bagging_fraction":
		f(&p.BaggingFraction)
	case "bagging_freq":
		i(&p.BaggingFreq)
	case "seed":
		p.Seed, err = strconv.ParseInt(val, 10, 64)
	case "max_bin":
		i(&p.MaxBin)
	case "min_data_in_bin":
		i(&p.MinDataInBin)
	case "bin_construct_sample_cnt":
		i(&p.BinConstructSample)
	case "early_stopping_round":
		i(&p.EarlyStoppingRound)
	case "metric":
		p.Metric = strings.ToLower(val)
		if _, ok := metricNames[p.Metric]; !ok {
			return fmt.Errorf("parameter metric=%q: want one of auc, binary_logloss, binary_error, multi_logloss, multi_error, l2, rmse, l1", val)
		}
		p.Metric = metricNames[p.Metric]
	case "is_unbalance":
		b(&p.IsUnbalance)
	case "scale_pos_weight":
		f(&p.ScalePosWeight)
	case "class_weight":
		if val == "balanced" || val == "" {
			p.ClassWeight = nil
			p.IsUnbalance = val == "balanced"
			break
		}
		p.ClassWeight = nil
		for _, s := range strings.Split(val, ":") {
			w, e := strconv.ParseFloat(s, 64)
			if e != nil || !(w >= 0) || math.IsInf(w, 0) {
				return fmt.Errorf("parameter class_weight=%q: want balanced or w0:w1:... with non-negative weights", val)
			}
			p.ClassWeight = append(p.ClassWeight, w)
		}
	case "boost_from_average":
		b(&p.BoostFromAverage)
	case "max_cat_threshold":
		i(&p.MaxCatThreshold)
	case "cat_l2":
		f(&p.CatL2)
	case "cat_smooth":
		f(&p.CatSmooth)
	case "min_data_per_group":
		i(&p.MinDataPerGroup)
	case "max_cat_to_onehot":
		i(&p.MaxCatToOnehot)
	case "num_threads":
		i(&p.NumThreads)
	case "extra_trees":
		b(&p.ExtraTrees)
	case "sigmoid":
		f(&p.Sigmoid)
	case "boosting", "boosting_type", "boost":
		if v := strings.ToLower(val); v != "gbdt" && v != "gbrt" {
			return fmt.Errorf("parameter boosting=%q: only gbdt is supported here (use ml/forest for random forests)", val)
		}
	case "use_missing":
		var u bool
		b(&u)
		if err == nil && !u {
			return fmt.Errorf("parameter use_missing=false is not supported (NaN always gets its own bin)")
		}
	default:
		return fmt.Errorf("unknown parameter %q", key)
	}
	if err != nil {
		return fmt.Errorf("parameter %s=%q: %w", key, val, err)
	}
	return nil
}

var objectiveNames = map[string]string{
	"binary": "binary", "multiclass": "multiclass", "softmax": "multiclass",
	"regression": "regression", "regression_l2": "regression", "l2": "regression",
	"mean_squared_error": "regression", "mse": "regression", "l2_root": "regression", "rmse": "regression",
}

var metricNames = map[string]string{
	"auc": "auc", "binary_logloss": "binary_logloss", "binary": "binary_logloss",
	"binary_error": "binary_error", "multi_logloss": "multi_logloss", "multiclass": "multi_logloss",
	"softmax": "multi_logloss", "multi_error": "multi_error", "l2": "l2", "mse": "l2",
	"mean_squared_error": "l2", "regression": "l2", "rmse": "rmse", "l2_root": "rmse",
	"root_mean_squared_error": "rmse", "l1": "l1", "mae": "l1", "mean_absolute_error": "l1",
}

// Validate checks the parameters for consistency.
func (p *Params) Validate() error {
	switch p.Objective {
	case "binary", "regression":
	case "multiclass":
		if p.NumClass < 2 {
			return fmt.Errorf("multiclass needs num_class >= 2, got %d", p.NumClass)
		}
	default:
		return fmt.Errorf("objective %q: want binary, multiclass or regression", p.Objective)
	}
	switch {
	case p.NumIterations < 0:
		return fmt.Errorf("num_iterations must be >= 0, got %d", p.NumIterations)
	case !(p.LearningRate > 0):
		return fmt.Errorf("learning_rate must be > 0, got %g", p.LearningRate)
	case p.NumLeaves < 2 || p.NumLeaves > 131072:
		return fmt.Errorf("num_leaves must be in [2, 131072], got %d", p.NumLeaves)
	case p.MinDataInLeaf < 0:
		return fmt.Errorf("min_data_in_leaf must be >= 0, got %d", p.MinDataInLeaf)
	case p.MinSumHessianInLeaf < 0, p.LambdaL1 < 0, p.LambdaL2 < 0, p.MinGainToSplit < 0, p.CatL2 < 0, p.CatSmooth < 0:
		return fmt.Errorf("min_sum_hessian_in_leaf, lambda_l1, lambda_l2, min_gain_to_split, cat_l2, cat_smooth must be >= 0")
	case !(p.FeatureFraction > 0 && p.FeatureFraction <= 1), !(p.FeatureFractionNode > 0 && p.FeatureFractionNode <= 1):
		return fmt.Errorf("feature_fraction must be in (0, 1], got %g", p.FeatureFraction)
	case !(p.BaggingFraction > 0 && p.BaggingFraction <= 1):
		return fmt.Errorf("bagging_fraction must be in (0, 1], got %g", p.BaggingFraction)
	case p.MaxBin < 2 || p.MaxBin > 65535:
		return fmt.Errorf("max_bin must be in [2, 65535], got %d", p.MaxBin)
	case p.MinDataInBin < 1:
		return fmt.Errorf("min_data_in_bin must be >= 1, got %d", p.MinDataInBin)
	case p.ScalePosWeight <= 0:
		return fmt.Errorf("scale_pos_weight must be > 0, got %g", p.ScalePosWeight)
	}
	return nil
}

// Map returns the parameters under LightGBM's names, for the model record
// and for repeating a run in LightGBM.
func (p *Params) Map() map[string]string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	m := map[string]string{
		"objective": p.Objective, "num_iterations": strconv.Itoa(p.NumIterations),
		"learning_rate": g(p.LearningRate), "num_leaves": strconv.Itoa(p.NumLeaves),
		"max_depth": strconv.Itoa(p.MaxDepth), "min_data_in_leaf": strconv.Itoa(p.MinDataInLeaf),
		"min_sum_hessian_in_leaf": g(p.MinSumHessianInLeaf), "lambda_l1": g(p.LambdaL1),
		"lambda_l2": g(p.LambdaL2), "min_gain_to_split": g(p.MinGainToSplit),
		"feature_fraction": g(p.FeatureFraction), "bagging_fraction": g(p.BaggingFraction),
		"bagging_freq": strconv.Itoa(p.BaggingFreq), "seed": strconv.FormatInt(p.Seed, 10),
		"max_bin": strconv.Itoa(p.MaxBin), "min_data_in_bin": strconv.Itoa(p.MinDataInBin),
		"early_stopping_round": strconv.Itoa(p.EarlyStoppingRound),
		"is_unbalance":         strconv.FormatBool(p.IsUnbalance), "scale_pos_weight": g(p.ScalePosWeight),
		"boost_from_average": strconv.FormatBool(p.BoostFromAverage),
		"max_cat_threshold":  strconv.Itoa(p.MaxCatThreshold), "cat_l2": g(p.CatL2),
		"cat_smooth": g(p.CatSmooth), "min_data_per_group": strconv.Itoa(p.MinDataPerGroup),
		"max_cat_to_onehot": strconv.Itoa(p.MaxCatToOnehot),
	}
	if p.Objective == "multiclass" {
		m["num_class"] = strconv.Itoa(p.NumClass)
	}
	if p.Metric != "" {
		m["metric"] = p.Metric
	}
	if p.FeatureFractionNode != 1 {
		m["feature_fraction_bynode"] = g(p.FeatureFractionNode)
	}
	if p.ExtraTrees {
		m["extra_trees"] = "true"
	}
	if len(p.ClassWeight) > 0 {
		s := make([]string, len(p.ClassWeight))
		for i, w := range p.ClassWeight {
			s[i] = g(w)
		}
		m["class_weight"] = strings.Join(s, ":")
	}
	return m
}
