// Package text turns free text into sparse features and learns from them.
//
// Tokenize cleans a document (HTML tags dropped, entities such as &lt; and
// &amp; decoded, lower-cased) and splits it into Unicode word tokens of at
// least two runes (letters, digits, marks and underscore), the same tokens
// scikit-learn's default pattern (?u)\b\w\w+\b finds. A Vectorizer builds word
// n-grams and, optionally, character n-grams inside word boundaries, weighs
// them by TF-IDF (smooth idf, optional sublinear tf, L2-normalized rows) and
// stores the result as a CSR matrix. Its vocabulary is either capped and kept
// by name (min_df, max_features) or hashed into a fixed number of buckets.
//
// Two learners work on that matrix: naive Bayes (multinomial or complement)
// and an L2-regularized logistic / softmax regression fit by L-BFGS over the
// sparse rows on all cores. Classifier bundles a vectorizer and a learner so
// that a trained model predicts from raw strings and serializes as JSON.
package text
