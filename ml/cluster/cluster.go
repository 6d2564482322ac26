// Package cluster groups rows without labels and learns from partly labeled
// data.
//
// KMeans runs seeded k-means++ (Lloyd iterations, best of several
// restarts) over sparse rows (TF-IDF from ml/text, or dense features through
// text.FromDense), and describes each cluster: TopTerms for text, Ranges for
// numeric features, so a person can name the clusters. Assign joins rows to the
// nearest centroids, so a clustering fitted on a sample covers every row.
//
// For partly labeled data (label -1 marks a missing label), SelfTrain fits a
// logistic model on the labeled rows and adds the unlabeled rows it is
// confident about as pseudo-labels, round after round; Propagate spreads
// labels over a k-nearest-neighbour graph. Both report how many labels are
// pseudo-labels and how confident they are: they never pass a guess off as
// a given label.
package cluster
