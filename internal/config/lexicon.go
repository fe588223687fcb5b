package config

// Lexicon is the operator-editable vocabulary of the friction themes. It is
// read from config.yaml's `themes:` section and from lexicon files listed in
// `lexicon.files`; the scorer merges it over its built-in default lexicon.
//
// In YAML a term may be written as a bare string ("tariff*") or as a mapping
// ({term: "trade war", weight: 2, lang: en}); negatives likewise.
type Lexicon struct {
	// Source is the file the lexicon was read from (for error messages).
	Source string `yaml:"-"`
	// Version is an optional explicit version label; when empty the scorer
	// uses a hash of the merged lexicon's content.
	Version string `yaml:"version"`
	// Lang is the default language of the terms in this file ("" = any language).
	Lang   string                   `yaml:"lang"`
	Themes map[string]*ThemeLexicon `yaml:"themes"`
}

// ThemeLexicon is one theme's terms, negatives and settings.
type ThemeLexicon struct {
	// Threshold is the score at or above which the theme is flagged; nil keeps the default.
	Threshold *float64 `yaml:"threshold"`
	// TitleWeight multiplies matches found in the title; nil keeps the default.
	TitleWeight *float64   `yaml:"title_weight"`
	Terms       []Term     `yaml:"terms"`
	Negatives   []Negative `yaml:"negatives"`
	// Line is the YAML line the theme was defined on (for error messages).
	Line int `yaml:"-"`
}

// Term is a weighted word or phrase. A trailing '*' on a word makes it a
// prefix pattern ("sanction*" matches sanctions, sanctioned). Matching is
// case- and diacritic-insensitive and respects word boundaries.
type Term struct {
	Pattern string  `yaml:"term"`
	Weight  float64 `yaml:"weight"` // default 1; negative weights are invalid
	Lang    string  `yaml:"lang"`   // "" = the file's Lang, else any
	// ID names the term in explanations; default is the pattern.
	ID string `yaml:"id"`
	// Near makes the term count only when one of these patterns occurs within
	// Within words of it (or anywhere in the article when Within is 0).
	Near   []string `yaml:"near"`
	Within int      `yaml:"within"`
	// Incidental names the themes whose stories use this term in passing
	// (troops or cartels in a tariff story, a coast guard in a migrant-boat
	// story): inside a story whose main theme is one of them, the term adds
	// a fraction of its evidence and is not distinct evidence.
	Incidental []string `yaml:"incidental"`
	Line       int      `yaml:"-"`
}

// Negative is a word or phrase that cancels or dampens matches in context:
// with Scope "span" (the default) it removes the theme's matches that overlap
// it ("trade deadline" removes "trade"); with Scope "article" it multiplies
// the whole theme's score by Factor when present ("transfer window").
type Negative struct {
	Pattern string  `yaml:"term"`
	Lang    string  `yaml:"lang"`
	Scope   string  `yaml:"scope"`  // "span" (default) or "article"
	Factor  float64 `yaml:"factor"` // for scope article: multiplier in [0,1), default 0
	Line    int     `yaml:"-"`
}
