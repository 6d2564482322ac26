package text

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
)

// Config says how a Vectorizer turns documents into features.
type Config struct {
	// WordMin and WordMax bound the word n-gram lengths (1 and 1 by default;
	// WordMax < 0 turns word grams off).
	WordMin int `json:"wordMin,omitempty"`
	WordMax int `json:"wordMax,omitempty"`
	// CharMin and CharMax bound character n-grams inside word boundaries;
	// zero turns them off.
	CharMin int `json:"charMin,omitempty"`
	CharMax int `json:"charMax,omitempty"`
	// MinTokenRunes is the shortest word token kept (2 by default).
	MinTokenRunes int `json:"minTokenRunes,omitempty"`
	// Sublinear replaces a term count tf by 1 + ln(tf).
	Sublinear bool `json:"sublinear,omitempty"`
	// MinDF drops terms found in fewer documents (1 by default).
	MinDF int `json:"minDF,omitempty"`
	// MaxFeatures keeps only the most frequent terms (0: all).
	MaxFeatures int `json:"maxFeatures,omitempty"`
	// HashBits, when positive, hashes terms into 2^HashBits columns instead of
	// keeping a vocabulary (MinDF and MaxFeatures then do not apply).
	HashBits int `json:"hashBits,omitempty"`
	// NoIDF leaves out the idf weight (plain normalized tf).
	NoIDF bool `json:"noIDF,omitempty"`
}

func (c Config) withDefaults() Config {
	if c.WordMin == 0 {
		c.WordMin = 1
	}
	if c.WordMax == 0 {
		c.WordMax = c.WordMin
	}
	if c.MinTokenRunes <= 0 {
		c.MinTokenRunes = 2
	}
	if c.MinDF <= 0 {
		c.MinDF = 1
	}
	return c
}

// Vectorizer maps documents to L2-normalized TF-IDF rows. Its exported fields
// are its whole state, so it round-trips through encoding/json.
type Vectorizer struct {
	Config Config `json:"config"`
	// Terms lists the vocabulary in column order (empty when hashing).
	Terms []string `json:"terms,omitempty"`
	// IDF is the weight of each column: ln((1+n)/(1+df)) + 1.
	IDF []float64 `json:"idf"`

	index map[string]int32
}

// ErrNoTerms is returned by Fit when no term survives the filters.
var ErrNoTerms = errors.New("no terms left after tokenization and min_df")

// Terms returns the features of one document before counting: word and
// character n-grams (character grams carry a leading \x01).
func (c Config) Terms(doc string) []string {
	c = c.withDefaults()
	toks := Tokenize(doc, c.MinTokenRunes)
	var out []string
	if c.WordMax > 0 {
		out = wordNgrams(out, toks, c.WordMin, c.WordMax)
	}
	if c.CharMax > 0 {
		out = charNgrams(out, toks, c.CharMin, c.CharMax)
	}
	return out
}

// Fit learns the vocabulary and idf weights from docs.
func Fit(cfg Config, docs []string) (*Vectorizer, error) {
	cfg = cfg.withDefaults()
	v := &Vectorizer{Config: cfg}
	n := len(docs)
	if cfg.HashBits > 0 {
		if cfg.HashBits > 30 {
			return nil, fmt.Errorf("hash bits %d above 30", cfg.HashBits)
		}
		df := make([]int, 1<<cfg.HashBits)
		seen := map[int32]bool{}
		for _, d := range docs {
			clear(seen)
			for _, t := range cfg.Terms(d) {
				seen[v.hash(t)] = true
			}
			for c := range seen {
				df[c]++
			}
		}
		v.IDF = idf(df, n, cfg.NoIDF)
		return v, nil
	}
	df := map[string]int{}
	total := map[string]int{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		for _, t := range cfg.Terms(d) {
			total[t]++
			seen[t] = true
		}
		for t := range seen {
			df[t]++
		}
	}
	terms := make([]string, 0, len(df))
	for t, c := range df {
		if c >= cfg.MinDF {
			terms = append(terms, t)
		}
	}
	if cfg.MaxFeatures > 0 && len(terms) > cfg.MaxFeatures {
		slices.SortFunc(terms, func(a, b string) int {
			if total[a] != total[b] {
				return total[b] - total[a]
			}
			return strings.Compare(a, b)
		})
		terms = terms[:cfg.MaxFeatures]
	}
	if len(terms) == 0 {
		return nil, ErrNoTerms
	}
	slices.Sort(terms)
	counts := make([]int, len(terms))
	for i, t := range terms {
		counts[i] = df[t]
	}
	v.Terms = terms
	v.IDF = idf(counts, n, cfg.NoIDF)
	v.buildIndex()
	return v, nil
}

func idf(df []int, n int, off bool) []float64 {
	w := make([]float64, len(df))
	for i, d := range df {
		if off {
			w[i] = 1
			continue
		}
		w[i] = math.Log(float64(1+n)/float64(1+d)) + 1
	}
	return w
}

func (v *Vectorizer) hash(t string) int32 {
	h := fnv.New32a()
	h.Write([]byte(t))
	return int32(h.Sum32() & (1<<v.Config.HashBits - 1))
}

func (v *Vectorizer) buildIndex() {
	v.index = make(map[string]int32, len(v.Terms))
	for i, t := range v.Terms {
		v.index[t] = int32(i)
	}
}

// NumFeatures is the number of columns Transform produces.
func (v *Vectorizer) NumFeatures() int { return len(v.IDF) }

// Column returns the column of term t, or -1 when t is not a feature.
func (v *Vectorizer) Column(t string) int {
	if v.Config.HashBits > 0 {
		return int(v.hash(t))
	}
	if v.index == nil {
		v.buildIndex()
	}
	c, ok := v.index[t]
	if !ok {
		return -1
	}
	return int(c)
}

// Transform returns the TF-IDF rows of docs. Unknown terms are ignored; a
// document with no known term is an empty row.
func (v *Vectorizer) Transform(docs []string) *CSR {
	if v.Config.HashBits == 0 && v.index == nil {
		v.buildIndex()
	}
	m := &CSR{Rows: len(docs), Cols: len(v.IDF), Indptr: make([]int, 1, len(docs)+1)}
	counts := map[int32]float64{}
	var cols []int32
	for _, d := range docs {
		clear(counts)
		for _, t := range v.Config.Terms(d) {
			var c int32
			if v.Config.HashBits > 0 {
				c = v.hash(t)
			} else {
				var ok bool
				if c, ok = v.index[t]; !ok {
					continue
				}
			}
			counts[c]++
		}
		cols = cols[:0]
		for c := range counts {
			cols = append(cols, c)
		}
		slices.Sort(cols)
		var norm float64
		start := len(m.Values)
		for _, c := range cols {
			tf := counts[c]
			if v.Config.Sublinear {
				tf = 1 + math.Log(tf)
			}
			w := tf * v.IDF[c]
			norm += w * w
			m.Indices = append(m.Indices, c)
			m.Values = append(m.Values, float32(w))
		}
		if norm > 0 {
			inv := 1 / math.Sqrt(norm)
			vals := m.Values[start:]
			for i := range vals {
				vals[i] = float32(float64(vals[i]) * inv)
			}
		}
		m.Indptr = append(m.Indptr, len(m.Indices))
	}
	return m
}
