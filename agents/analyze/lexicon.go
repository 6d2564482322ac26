package analyze

// The lexicon is general English: function words, the verbs people use to
// ask for a prediction, and a few groups of words that mean the same thing
// in the questions non-experts ask. None of it names a particular dataset.

// stopwords carry no meaning for matching column names.
var stopwords = set(
	"a", "an", "the", "of", "to", "for", "in", "on", "at", "by", "and", "or", "as", "into", "out", "about",
	"is", "are", "was", "were", "be", "been", "being", "will", "would", "can", "could", "should", "may", "might",
	"do", "does", "did", "going", "get", "gets", "got", "has", "have", "had", "make", "makes", "made",
	"i", "we", "you", "he", "she", "they", "me", "us", "them", "my", "our", "your", "his", "her", "their",
	"it", "its", "this", "that", "these", "those", "there", "here", "some", "any", "each", "every", "all",
	"which", "what", "who", "whom", "whose", "whether", "if", "how", "much", "many", "when", "where", "why",
	"not", "no", "yes", "than", "then", "so", "too", "very", "just", "also", "only", "more", "less", "over",
	"under", "above", "below", "least", "most", "per", "one", "ones", "new", "data", "dataset",
	"file", "csv", "table", "row", "rows", "column", "columns", "record", "records", "want", "wants", "need",
	"needs", "like", "please", "help", "let", "lets", "try", "able", "model", "build",
	"train", "learn", "use", "used", "given", "based", "from", "with", "using", "up", "down", "next",
	"other", "else", "someone", "something", "thing", "things", "people", "person", "way",
)

// targetCues introduce what the user wants predicted: the words after them
// (within the same clause) most likely name the target.
var targetCues = set(
	"predict", "predicts", "predicting", "prediction", "predictions", "forecast", "forecasting",
	"estimate", "estimating", "estimates", "classify", "classifying", "categorize", "categorise",
	"determine", "detect", "detecting", "identify", "identifying", "tell", "know", "guess", "find",
	"figure", "spot", "flag", "recognize", "recognise", "recognizing", "recognising", "read", "infer",
	"whether", "if", "which", "what", "how", "who", "will", "anticipate", "expect", "project",
	"sort", "label", "labels", "tag", "decide", "judge", "assess", "catch", "foresee",
)

// groupingVerbs take their target after "by": "classify flowers by species".
var groupingVerbs = set("classify", "classifying", "categorize", "categorise", "sort", "group", "separate",
	"split", "label", "tag", "bucket", "organize", "organise")

// featureMarkers introduce the inputs: "from tenure and contract".
var featureMarkers = set("from", "using", "based", "given", "with", "considering", "knowing", "via",
	"according", "through", "features", "inputs")

// regressionWords suggest a quantity: "how much", "estimate the price".
var regressionWords = set("much", "many", "amount", "estimate", "estimating", "worth", "price", "prices",
	"cost", "costs", "value", "quantity", "level", "forecast", "continuous", "numeric",
	"regression", "average", "total", "sum", "progress", "progression")

// classWords suggest classes: "whether", "which kind", "classify".
var classWords = set("whether", "if", "classify", "classifying", "classification", "categorize", "categorise",
	"category", "categories", "class", "classes", "kind", "kinds", "type", "types", "sort", "which",
	"detect", "identify", "recognize", "recognise", "label", "yes", "flag", "spot", "group", "variety")

// yesNoStarts begin questions answered yes or no.
var yesNoStarts = set("will", "is", "are", "does", "do", "did", "can", "could", "would", "has", "have", "should", "was", "were")

// labelNames are column names that mean "the thing to predict".
var labelNames = set("label", "labels", "target", "class", "y", "outcome", "response", "result",
	"category", "type", "answer", "goal")

// concepts group words that mean the same in a question: a description
// word and a column-name token (or a value) in one group match. Phrases are
// written with a space.
var concepts = map[string][]string{
	"price":     {"price", "cost", "value", "worth", "sell", "sold", "sale", "selling", "pay", "paid", "expensive", "cheap", "dollar", "dollars", "usd", "eur", "gbp", "amount", "fee", "charge", "spend", "spent", "bill", "billed"},
	"survival":  {"survive", "survival", "survivor", "alive", "live", "lived", "die", "died", "dead", "death", "perish", "perished", "made it", "make it", "rescued", "saved", "drown", "drowned"},
	"leaving":   {"churn", "leave", "leaving", "left", "quit", "quits", "cancel", "cancels", "unsubscribe", "attrition", "stay", "stays", "retain", "retention", "defect", "switch", "lose", "lost"},
	"kind":      {"kind", "type", "sort", "variety", "category", "class", "group", "breed", "label"},
	"junk":      {"spam", "junk", "unsolicited", "scam", "phishing", "unwanted", "legit", "legitimate", "ham"},
	"sentiment": {"good", "great", "positive", "happy", "satisfied", "like", "liked", "love", "loved", "enjoy", "bad", "negative", "poor", "unhappy", "dislike", "hate", "favorable", "rave", "praise"},
	"cancer":    {"cancer", "cancerous", "malignant", "benign", "tumor", "tumour", "tumors", "tumours"},
	"numeral":   {"number", "numeral", "digit", "figure"},
	"character": {"letter", "character", "alphabet", "glyph"},
	"earnings":  {"earn", "earns", "earning", "earnings", "salary", "wage", "wages", "income", "paycheck", "rich", "wealthy"},
	"illness":   {"disease", "illness", "sick", "sickness", "condition", "progression", "worse", "worsen", "severity"},
	"home":      {"home", "homes", "house", "houses", "housing", "property", "properties", "apartment", "dwelling", "real estate"},
}

// determiners introduce a noun: "their contract", "the ship".
var determiners = set("the", "a", "an", "their", "his", "her", "its", "our", "my", "your", "this", "that")

// eventConcepts are the concept groups of outcome verbs, whose objects
// are not targets: "leave the company", "survive the sinking".
var eventConcepts = set("leaving", "survival")

// positiveWords name the "yes" side of a binary label.
var positiveWords = set("yes", "y", "true", "t", "1", "positive", "pos")

// genericLevels are class values too common to signal a target when a
// description happens to use them.
var genericLevels = set("yes", "no", "true", "false", "y", "n", "t", "f", "other", "none", "unknown",
	"male", "female", "0", "1", "na", "missing")

func set(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
