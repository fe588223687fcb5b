package scoring

// Doc is the input to the scorer: one article's plain text.
type Doc struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	// Lang is a BCP 47 base language ("en", "es"); empty means detect.
	Lang string `json:"lang,omitempty"`
}

// Result is the scorer's verdict on one Doc. Its JSON form is the
// `tracker score` output contract: field names are stable.
type Result struct {
	ID             string                `json:"id"`
	Lang           string                `json:"lang"`
	LexiconVersion string                `json:"lexicon_version"`
	Themes         map[string]ThemeScore `json:"themes"`
	// Countries are the ISO 3166-1 alpha-2 codes (plus EU, XK) of the parties
	// to the friction, most salient first.
	Countries []string `json:"countries"`
	// Dyads are the unordered pairs among Countries, each with A < B, the
	// pair of the two most salient parties first.
	Dyads []Dyad `json:"dyads"`
	// Mentions are all the countries the article names, parties or not,
	// most salient first.
	Mentions []string `json:"mentions,omitempty"`
}

// ThemeScore is one theme's score with its explanation.
type ThemeScore struct {
	Score   float64 `json:"score"` // in [0,1]
	Flagged bool    `json:"flagged"`
	// Matches are the lexicon terms that counted, with their counts and where they are.
	Matches []Match `json:"matches"`
	// Negatives are the negative terms that fired (cancelled or dampened matches).
	Negatives []Match `json:"negatives,omitempty"`
	// Rules are the ids of context/co-occurrence rules that applied.
	Rules []string `json:"rules,omitempty"`
}

// Match is a lexicon term found in the document.
type Match struct {
	Term   string  `json:"term"` // the lexicon pattern, e.g. "tariff*" or "trade war"
	Count  int     `json:"count"`
	Weight float64 `json:"weight,omitempty"`
	// Evidence is what the term added to the theme's evidence (see docs/scoring.md).
	Evidence float64 `json:"evidence,omitempty"`
	Spans    []Span  `json:"spans,omitempty"`
}

// Span locates a match in the original (not normalised) input: Field is
// "title" or "text"; Start and End are byte offsets into that field, End exclusive.
type Span struct {
	Field string `json:"field"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Dyad is an unordered country pair, A < B.
type Dyad struct {
	A string `json:"a"`
	B string `json:"b"`
}

// String returns the dyad as "A-B", the form used in config watch lists and metric labels.
func (d Dyad) String() string { return d.A + "-" + d.B }
