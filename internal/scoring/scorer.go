package scoring

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tensiontracker/tracker/internal/config"
)

// FormulaVersion names the score formula; it is part of the lexicon version
// hash so that a change of formula changes every stored version.
const FormulaVersion = "lexscore/4"

// Options configures New.
type Options struct {
	// Builtin merges the given lexicons over the embedded default lexicon
	// (true in normal use).
	Builtin bool
}

// Scorer scores documents for the friction themes and finds the countries
// that are parties to the friction. It is immutable and safe for concurrent use.
type Scorer struct {
	version string
	themes  []*cTheme
	names   []string

	ft      *foldTable
	wt      *wordTrie
	pt      *phraseTrie
	entries []entry

	langs   []string       // language index -> code
	langIdx map[string]int // code -> language index

	codes   []string // country index -> ISO code
	admin   []int16  // country index -> administering country of a territory, -1 none
	places  []place
	traps   []cTrap
	nAnchor int

	pool sync.Pool
}

type entryKind uint8

const (
	kTerm entryKind = iota
	kNeg
	kAnchor
	kPlace
	kTrap
)

// entry is one thing the phrase trie can find.
type entry struct {
	kind  entryKind
	lang  int16 // language index, -1 any
	theme int16
	ref   int32 // index of the term, negative, anchor set, place or trap phrase
	ntok  int16
}

// Trap phrase lists.
const (
	trapBefore = iota
	trapAfter
	trapContext
	trapUnless
	trapAllowAfter
	nTrapLists
)

type cTheme struct {
	name        string
	threshold   float64
	titleWeight float64
	terms       []cTerm
	negs        []cNeg
}

type cTerm struct {
	id      string
	pattern string
	weight  float64
	anchor  int32 // anchor set of a near rule, -1 none
	within  int32
	// nearCountry: the near rule also accepts any country mention ("@country").
	nearCountry bool
	rule        string // "near:<id>", the rule id of a near rule
	// incidentalIn: bit i set when the term is dampened inside a story
	// whose main theme is theme i (see config.Term.Incidental).
	incidentalIn uint64
}

// NearCountry in a term's near list stands for any mention of a country in
// the gazetteer (name, demonym, capital, metonym), after the gazetteer's
// traps: {term: occupation, near: ["@country"], within: 8} counts
// "occupation" only close to a country.
const NearCountry = "@country"

// near reports whether the term has a co-occurrence condition.
func (t *cTerm) near() bool { return t.anchor >= 0 || t.nearCountry }

type cNeg struct {
	pattern string
	article bool
	factor  float64
}

type place struct {
	code, alt int16 // country indices; code -1 = blocker, alt -1 = none
	trap      int16 // -1 none
	caseRq    []uint8
	name      string
}

type cTrap struct {
	id     string
	person bool
}

// New compiles the lexicons (the built-in default first when opts.Builtin,
// then each given one in order: term lists are unions, per-theme settings
// like threshold and title_weight are overridden by later sources) together
// with the embedded gazetteer into an immutable scorer.
func New(lexicons []*config.Lexicon, opts Options) (*Scorer, error) {
	var sources []*config.Lexicon
	if opts.Builtin {
		def, err := DefaultLexicons()
		if err != nil {
			return nil, err
		}
		sources = append(sources, def...)
	}
	sources = append(sources, lexicons...)

	s := &Scorer{ft: newFoldTable(), langIdx: make(map[string]int)}
	merged, explicit, err := mergeLexicons(s.ft, sources)
	if err != nil {
		return nil, fmt.Errorf("merge lexicons: %w", err)
	}
	if len(merged) == 0 {
		return nil, fmt.Errorf("merge lexicons: no themes defined")
	}

	gazData, err := data.ReadFile("gazetteer/countries.tsv")
	if err != nil {
		return nil, fmt.Errorf("read gazetteer: %w", err)
	}
	names, err := parseGazetteer("gazetteer/countries.tsv", gazData)
	if err != nil {
		return nil, err
	}
	trapData, err := data.ReadFile("gazetteer/traps.yaml")
	if err != nil {
		return nil, fmt.Errorf("read gazetteer traps: %w", err)
	}
	traps, err := parseTraps("gazetteer/traps.yaml", trapData)
	if err != nil {
		return nil, err
	}
	terrData, err := data.ReadFile("gazetteer/territories.tsv")
	if err != nil {
		return nil, fmt.Errorf("read territories: %w", err)
	}
	terrs, err := parseTerritories("gazetteer/territories.tsv", terrData)
	if err != nil {
		return nil, err
	}
	stopData, err := data.ReadFile("lang/stopwords.tsv")
	if err != nil {
		return nil, fmt.Errorf("read stopwords: %w", err)
	}
	stops, err := parseStopwords("lang/stopwords.tsv", stopData)
	if err != nil {
		return nil, err
	}

	c := compiler{s: s, wb: newWordTrieBuilder(), codeIdx: make(map[string]int16)}
	if err := c.compile(merged, names, traps, stops); err != nil {
		return nil, err
	}
	// Territories after the names so that only codes the gazetteer can
	// produce get an entry (sorted: the code indices must not depend on map order).
	terrCodes := make([]string, 0, len(terrs))
	for t := range terrs {
		terrCodes = append(terrCodes, t)
	}
	slices.Sort(terrCodes)
	for _, t := range terrCodes {
		if _, named := c.codeIdx[t]; !named {
			continue
		}
		ti, ai := c.country(t), c.country(terrs[t])
		for len(s.admin) < len(s.codes) {
			s.admin = append(s.admin, -1)
		}
		s.admin[ti] = ai
	}
	for len(s.admin) < len(s.codes) {
		s.admin = append(s.admin, -1)
	}

	if explicit != "" {
		s.version = explicit
	} else {
		h := sha256.New()
		writeCanonical(h, merged)
		fmt.Fprintf(h, "gazetteer\n%s\ntraps\n%s\nterritories\n%s\nstopwords\n%s\nformula %s\n", gazData, trapData, terrData, stopData, FormulaVersion)
		s.version = "sha256:" + hex.EncodeToString(h.Sum(nil))[:12]
	}
	s.pool.New = func() any { return new(scratch) }
	return s, nil
}

// Version returns the lexicon version recorded with every score: the
// explicit version of the merged lexicon if one is set, else
// "sha256:<12 hex>" of a canonical serialisation of the merged lexicon,
// the gazetteer and the formula version.
func (s *Scorer) Version() string { return s.version }

// Themes returns the theme names, sorted.
func (s *Scorer) Themes() []string { return slices.Clone(s.names) }

// writeCanonical serialises the merged lexicon in a stable order: themes by
// name, terms and negatives sorted, floats in shortest form.
func writeCanonical(h hash.Hash, themes []*mergedTheme) {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, t := range themes {
		fmt.Fprintf(h, "theme %q threshold %s title_weight %s\n", t.name, f(t.threshold), f(t.titleWeight))
		lines := make([]string, 0, len(t.terms)+len(t.negs))
		for _, tm := range t.terms {
			near := slices.Clone(tm.Near)
			slices.Sort(near)
			inc := slices.Clone(tm.Incidental)
			slices.Sort(inc)
			lines = append(lines, fmt.Sprintf("term %q weight %s lang %q id %q near %q within %d incidental %q",
				tm.Pattern, f(tm.Weight), tm.Lang, tm.ID, near, tm.Within, inc))
		}
		for _, n := range t.negs {
			lines = append(lines, fmt.Sprintf("negative %q lang %q scope %q factor %s", n.Pattern, n.Lang, n.Scope, f(n.Factor)))
		}
		slices.Sort(lines)
		for _, l := range lines {
			fmt.Fprintln(h, l)
		}
	}
}

// compiler builds a Scorer's matching structures.
type compiler struct {
	s       *Scorer
	wb      *wordTrieBuilder
	codeIdx map[string]int16
	// pending phrase-trie entries: label sequences are known only once
	// every word is in the word trie, so words are added first.
	pending []pendingEntry
}

type pendingEntry struct {
	words []patWord
	e     entry
}

func (c *compiler) lang(code string) int16 {
	if code == "" {
		return -1
	}
	i, ok := c.s.langIdx[code]
	if !ok {
		i = len(c.s.langs)
		c.s.langs = append(c.s.langs, code)
		c.s.langIdx[code] = i
	}
	return int16(i)
}

func (c *compiler) country(code string) int16 {
	if code == "" {
		return -1
	}
	i, ok := c.codeIdx[code]
	if !ok {
		i = int16(len(c.s.codes))
		c.s.codes = append(c.s.codes, code)
		c.codeIdx[code] = i
	}
	return i
}

// add queues a pattern for the phrase trie.
func (c *compiler) add(pattern string, e entry) ([]patWord, error) {
	words, err := splitPattern(c.s.ft, pattern)
	if err != nil {
		return nil, err
	}
	if len(words) > math.MaxInt16 {
		return nil, fmt.Errorf("pattern %q: too many words", pattern)
	}
	e.ntok = int16(len(words))
	c.pending = append(c.pending, pendingEntry{words: words, e: e})
	return words, nil
}

func (c *compiler) compile(merged []*mergedTheme, names []gazName, traps []gazTrap, stops map[string][]string) error {
	s := c.s
	// Stopword languages first so that language bits are small indices.
	stopLangs := make([]string, 0, len(stops))
	for l := range stops {
		stopLangs = append(stopLangs, l)
	}
	slices.Sort(stopLangs)
	if len(stopLangs) > 32 {
		return fmt.Errorf("stopwords: at most 32 languages")
	}
	for _, l := range stopLangs {
		li := c.lang(l)
		for _, w := range stops[l] {
			cls, ok := s.ft.foldWord(w, nil)
			if !ok {
				return fmt.Errorf("stopwords %s: bad word %q", l, w)
			}
			c.wb.addStop(cls, 1<<uint(li))
		}
	}

	for ti, mt := range merged {
		ct := &cTheme{name: mt.name, threshold: mt.threshold, titleWeight: mt.titleWeight}
		s.names = append(s.names, mt.name)
		for _, tm := range mt.terms {
			term := cTerm{id: tm.ID, pattern: tm.Pattern, weight: tm.Weight, anchor: -1, within: int32(tm.Within)}
			for _, name := range tm.Incidental {
				i := slices.IndexFunc(merged, func(m *mergedTheme) bool { return m.name == name })
				switch {
				case i < 0:
					return fmt.Errorf("%s:%d: themes.%s.terms %q: incidental: unknown theme %q", tm.source, tm.Line, mt.name, tm.Pattern, name)
				case i == ti:
					return fmt.Errorf("%s:%d: themes.%s.terms %q: incidental: a term cannot be incidental in its own theme", tm.source, tm.Line, mt.name, tm.Pattern)
				case i >= 64:
					return fmt.Errorf("%s:%d: themes.%s.terms %q: incidental: at most 64 themes can be named", tm.source, tm.Line, mt.name, tm.Pattern)
				}
				term.incidentalIn |= 1 << uint(i)
			}
			lang := c.lang(tm.Lang)
			for _, np := range tm.Near {
				if np == NearCountry {
					term.nearCountry = true
					continue
				}
				if term.anchor < 0 {
					term.anchor = int32(s.nAnchor)
					s.nAnchor++
				}
				if _, err := c.add(np, entry{kind: kAnchor, lang: lang, theme: int16(ti), ref: term.anchor}); err != nil {
					return fmt.Errorf("%s:%d: themes.%s.terms %q: near: %w", tm.source, tm.Line, mt.name, tm.Pattern, err)
				}
			}
			if _, err := c.add(tm.Pattern, entry{kind: kTerm, lang: lang, theme: int16(ti), ref: int32(len(ct.terms))}); err != nil {
				return fmt.Errorf("%s:%d: themes.%s.terms: %w", tm.source, tm.Line, mt.name, err)
			}
			if term.near() {
				term.rule = "near:" + term.id
			}
			ct.terms = append(ct.terms, term)
		}
		for _, n := range mt.negs {
			neg := cNeg{pattern: n.Pattern, article: n.Scope == config.ScopeArticle, factor: n.Factor}
			if _, err := c.add(n.Pattern, entry{kind: kNeg, lang: c.lang(n.Lang), theme: int16(ti), ref: int32(len(ct.negs))}); err != nil {
				return fmt.Errorf("%s:%d: themes.%s.negatives: %w", n.source, n.Line, mt.name, err)
			}
			ct.negs = append(ct.negs, neg)
		}
		s.themes = append(s.themes, ct)
	}
	if len(s.themes) > math.MaxInt16 {
		return fmt.Errorf("too many themes")
	}

	// Gazetteer names; traps refer to them by their written form.
	trapOf := make(map[string]int16)
	for ti, t := range traps {
		for _, n := range t.Names {
			if _, dup := trapOf[n]; dup {
				return fmt.Errorf("gazetteer traps: name %q in two traps", n)
			}
			trapOf[n] = int16(ti)
		}
	}
	used := make(map[string]bool)
	for _, g := range names {
		p := place{code: c.country(g.code), alt: c.country(g.alt), trap: -1, name: g.name}
		pattern := g.name
		cs := strings.HasPrefix(pattern, "^")
		pattern = strings.TrimPrefix(pattern, "^")
		if t, ok := trapOf[g.name]; ok {
			p.trap = t
			used[g.name] = true
		}
		words, err := c.add(pattern, entry{kind: kPlace, lang: c.lang(g.lang), ref: int32(len(s.places))})
		if err != nil {
			return fmt.Errorf("gazetteer/countries.tsv:%d: %w", g.line, err)
		}
		if cs {
			p.caseRq = make([]uint8, len(words))
			for i, w := range words {
				p.caseRq[i] = w.caseRq
			}
		}
		s.places = append(s.places, p)
	}
	for _, t := range traps {
		for _, n := range t.Names {
			if !used[n] {
				return fmt.Errorf("gazetteer traps: %s: name %q is not in countries.tsv", t.ID, n)
			}
		}
	}
	if len(s.places) > math.MaxInt32 || len(s.codes) > math.MaxInt16 {
		return fmt.Errorf("gazetteer too large")
	}
	for ti, t := range traps {
		ct := cTrap{id: t.ID, person: t.Person}
		lists := [nTrapLists][]string{t.Before, t.After, t.Context, t.Unless, t.AllowAfter}
		for li, list := range lists {
			for _, p := range list {
				if _, err := c.add(p, entry{kind: kTrap, lang: -1, ref: int32(ti*nTrapLists + li)}); err != nil {
					return fmt.Errorf("gazetteer traps: %s: %w", t.ID, err)
				}
			}
		}
		s.traps = append(s.traps, ct)
	}

	// Words into the word trie, then phrases into the phrase trie.
	labelSeqs := make([][]int32, len(c.pending))
	for i, pe := range c.pending {
		seq := make([]int32, len(pe.words))
		for j, w := range pe.words {
			seq[j] = c.wb.add(w.cls, w.prefix)
		}
		labelSeqs[i] = seq
	}
	s.wt = c.wb.build()
	pb := newPhraseTrieBuilder(s.wt.nLabels)
	for i, pe := range c.pending {
		s.entries = append(s.entries, pe.e)
		pb.add(labelSeqs[i], int32(i), pe.e.lang)
	}
	s.pt = pb.t
	return nil
}
