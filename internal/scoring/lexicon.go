package scoring

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/tensiontracker/tracker/internal/config"
)

// data holds the built-in lexicon, the gazetteer and the stopword lists.
// They are data files so that a new language is a data change.
//
//go:embed lexicon/*.yaml gazetteer/countries.tsv gazetteer/traps.yaml gazetteer/territories.tsv lang/stopwords.tsv
var data embed.FS

// Defaults of a theme's settings when no lexicon sets them.
const (
	DefaultThreshold   = 0.5
	DefaultTitleWeight = 2.0
)

// DefaultLexicons returns the embedded default lexicon files, decoded, in
// file-name order.
func DefaultLexicons() ([]*config.Lexicon, error) {
	names, err := fs.Glob(data, "lexicon/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list built-in lexicons: %w", err)
	}
	slices.Sort(names)
	out := make([]*config.Lexicon, 0, len(names))
	for _, n := range names {
		b, err := data.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("read built-in lexicon %s: %w", n, err)
		}
		lex, err := config.ParseLexicon("builtin:"+path.Base(n), b)
		if err != nil {
			return nil, fmt.Errorf("parse built-in lexicon: %w", err)
		}
		out = append(out, lex)
	}
	return out, nil
}

// mergedTheme is one theme after merging every lexicon source.
type mergedTheme struct {
	name        string
	threshold   float64
	titleWeight float64
	terms       []mergedTerm
	negs        []mergedNeg
}

type mergedTerm struct {
	config.Term
	source string
}

type mergedNeg struct {
	config.Negative
	source string
}

// mergeLexicons merges the sources in order. Term and negative lists are
// unions keyed by (folded pattern, language): a later source redefines an
// earlier entry with the same key (that is how an operator re-weights a
// built-in term). Thresholds and title weights of later sources win.
// version is the last explicit Version set by a source.
func mergeLexicons(ft *foldTable, lexicons []*config.Lexicon) (themes []*mergedTheme, version string, err error) {
	byName := make(map[string]*mergedTheme)
	termIdx := make(map[string]map[string]int)
	negIdx := make(map[string]map[string]int)
	for _, lex := range lexicons {
		if lex == nil {
			continue
		}
		if lex.Version != "" {
			version = lex.Version
		}
		names := make([]string, 0, len(lex.Themes))
		for n := range lex.Themes {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, name := range names {
			tl := lex.Themes[name]
			if tl == nil {
				continue
			}
			mt := byName[name]
			if mt == nil {
				mt = &mergedTheme{name: name, threshold: DefaultThreshold, titleWeight: DefaultTitleWeight}
				byName[name] = mt
				termIdx[name] = make(map[string]int)
				negIdx[name] = make(map[string]int)
			}
			if tl.Threshold != nil {
				if *tl.Threshold <= 0 || *tl.Threshold > 1 {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.threshold %v out of range (0,1]", lex.Source, tl.Line, name, *tl.Threshold)
				}
				mt.threshold = *tl.Threshold
			}
			if tl.TitleWeight != nil {
				if *tl.TitleWeight < 1 || *tl.TitleWeight > 10 {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.title_weight %v out of range [1,10]", lex.Source, tl.Line, name, *tl.TitleWeight)
				}
				mt.titleWeight = *tl.TitleWeight
			}
			for _, t := range tl.Terms {
				if t.Lang == "" {
					t.Lang = lex.Lang
				}
				if t.Weight == 0 {
					t.Weight = 1
				}
				if t.ID == "" {
					t.ID = t.Pattern
				}
				if t.Weight < 0 || t.Within < 0 {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.terms %q: negative weight or within", lex.Source, t.Line, name, t.Pattern)
				}
				key, err := patternKey(ft, t.Pattern, t.Lang)
				if err != nil {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.terms: %w", lex.Source, t.Line, name, err)
				}
				mtm := mergedTerm{Term: t, source: lex.Source}
				if i, ok := termIdx[name][key]; ok {
					mt.terms[i] = mtm
					continue
				}
				termIdx[name][key] = len(mt.terms)
				mt.terms = append(mt.terms, mtm)
			}
			for _, n := range tl.Negatives {
				if n.Lang == "" {
					n.Lang = lex.Lang
				}
				if n.Scope == "" {
					n.Scope = config.ScopeSpan
				}
				if n.Scope != config.ScopeSpan && n.Scope != config.ScopeArticle {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.negatives %q: unknown scope %q", lex.Source, n.Line, name, n.Pattern, n.Scope)
				}
				if n.Factor < 0 || n.Factor >= 1 {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.negatives %q: factor %v out of range [0,1)", lex.Source, n.Line, name, n.Pattern, n.Factor)
				}
				key, err := patternKey(ft, n.Pattern, n.Lang)
				if err != nil {
					return nil, "", fmt.Errorf("%s:%d: themes.%s.negatives: %w", lex.Source, n.Line, name, err)
				}
				mn := mergedNeg{Negative: n, source: lex.Source}
				if i, ok := negIdx[name][key]; ok {
					mt.negs[i] = mn
					continue
				}
				negIdx[name][key] = len(mt.negs)
				mt.negs = append(mt.negs, mn)
			}
		}
	}
	for _, mt := range byName {
		themes = append(themes, mt)
	}
	slices.SortFunc(themes, func(a, b *mergedTheme) int { return strings.Compare(a.name, b.name) })
	return themes, version, nil
}

// patternKey identifies a pattern up to case and diacritics.
func patternKey(ft *foldTable, pattern, lang string) (string, error) {
	words, err := splitPattern(ft, pattern)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(foldedString(w.cls))
		if w.prefix {
			b.WriteByte('*')
		}
	}
	b.WriteByte('|')
	b.WriteString(lang)
	return b.String(), nil
}
