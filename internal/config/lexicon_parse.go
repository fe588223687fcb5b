package config

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Defaults and limits of the lexicon format (see docs/config.md).
const (
	// DefaultTermWeight is the weight of a term written without one.
	DefaultTermWeight = 1.0
	// MaxTermWeight is the largest weight a term may have.
	MaxTermWeight = 10.0
	// MinTitleWeight and MaxTitleWeight bound a theme's title_weight.
	MinTitleWeight = 1.0
	MaxTitleWeight = 10.0
	// ScopeSpan and ScopeArticle are the scopes of a Negative.
	ScopeSpan    = "span"
	ScopeArticle = "article"
	// minPrefixLetters is how many letters or digits a prefix pattern
	// ("sanc*", "f-35*") needs before the '*': shorter prefixes match far
	// too many unrelated words.
	minPrefixLetters = 3
	// maxPatternLen keeps patterns to something a person would write.
	maxPatternLen = 200
)

var themeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

var (
	lexiconFields  = []string{"version", "lang", "themes"}
	themeFields    = []string{"threshold", "title_weight", "terms", "negatives"}
	termFields     = []string{"term", "weight", "lang", "id", "near", "within", "incidental"}
	negativeFields = []string{"term", "lang", "scope", "factor"}
)

// ParseLexicon decodes one lexicon file with the same strictness as Load.
// filename is used in error messages and as the lexicon's Source. On any
// problem it returns nil and an Errors value listing all of them.
//
// Defaults are applied: a term's Weight is DefaultTermWeight and its ID its
// pattern when not given; a negative's Scope is "span" when not given.
// Lang fields stay empty when not given ("" = the file's Lang for terms).
func ParseLexicon(filename string, data []byte) (*Lexicon, error) {
	var errs errorList
	lex := parseLexicon(filename, data, &errs)
	if err := errs.result(); err != nil {
		return nil, err
	}
	return lex, nil
}

func parseLexicon(filename string, data []byte, errs *errorList) *Lexicon {
	d := newDecoder(filename, errs)
	root := d.parse(data)
	if root == nil {
		return nil
	}
	lex := &Lexicon{Source: filename}
	hasThemes := false
	ok := d.mapping(root, "", lexiconFields, func(key string, k, v *yaml.Node) {
		switch key {
		case "version":
			if s, ok := d.str(v, key); ok {
				if err := checkLabel(s); err != nil {
					d.errorAt(v, key, "%v", err)
				}
				lex.Version = s
			}
		case "lang":
			lex.Lang = d.lang(v, key)
		case "themes":
			hasThemes = true
			lex.Themes = d.themes(v, key)
		}
	})
	if ok && !hasThemes {
		d.errorAt(root, "themes", "missing required field \"themes\" (a lexicon file must define at least one theme)")
	}
	return lex
}

// themes decodes a `themes:` mapping, from a lexicon file or config.yaml.
func (d *decoder) themes(n *yaml.Node, path string) map[string]*ThemeLexicon {
	out := make(map[string]*ThemeLexicon)
	d.entries(n, path, func(name string, k, v *yaml.Node) {
		p := join(path, name)
		if !themeNameRE.MatchString(name) {
			d.errorAt(k, p, "invalid theme name %q: must be lowercase letters, digits and _, starting with a letter, at most 31 characters", name)
			return
		}
		out[name] = d.theme(k, v, p)
	})
	return out
}

func (d *decoder) theme(k, n *yaml.Node, path string) *ThemeLexicon {
	t := &ThemeLexicon{Line: k.Line}
	d.mapping(n, path, themeFields, func(key string, _, v *yaml.Node) {
		p := join(path, key)
		switch key {
		case "threshold":
			if f, ok := d.float(v, p); ok {
				if f <= 0 || f > 1 {
					d.errorAt(v, p, "threshold %v out of range: must be greater than 0 and at most 1", f)
				} else {
					t.Threshold = &f
				}
			}
		case "title_weight":
			if f, ok := d.float(v, p); ok {
				if f < MinTitleWeight || f > MaxTitleWeight {
					d.errorAt(v, p, "title_weight %v out of range: must be between %v and %v", f, MinTitleWeight, MaxTitleWeight)
				} else {
					t.TitleWeight = &f
				}
			}
		case "terms":
			seen := make(map[string]int)
			d.sequence(v, p, func(i int, item *yaml.Node) {
				if term, ok := d.term(item, index(p, i)); ok {
					key := strings.ToLower(term.Pattern) + "\x00" + term.Lang
					if first, dup := seen[key]; dup {
						d.errorAt(item, index(p, i), "duplicate term %q (first at line %d)", term.Pattern, first)
						return
					}
					seen[key] = term.Line
					t.Terms = append(t.Terms, term)
				}
			})
		case "negatives":
			seen := make(map[string]int)
			d.sequence(v, p, func(i int, item *yaml.Node) {
				if neg, ok := d.negative(item, index(p, i)); ok {
					key := strings.ToLower(neg.Pattern) + "\x00" + neg.Lang
					if first, dup := seen[key]; dup {
						d.errorAt(item, index(p, i), "duplicate negative %q (first at line %d)", neg.Pattern, first)
						return
					}
					seen[key] = neg.Line
					t.Negatives = append(t.Negatives, neg)
				}
			})
		}
	})
	return t
}

// pattern decodes a term or negative pattern, recording why it is unusable.
func (d *decoder) pattern(n *yaml.Node, path string) (string, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return "", false
	}
	p, err := cleanPattern(s)
	if err != nil {
		d.errorAt(n, path, "%v", err)
		return "", false
	}
	return p, true
}

// term decodes a term written as a bare string or as a mapping. It reports
// false when the term is unusable; problems have been recorded.
func (d *decoder) term(n *yaml.Node, path string) (Term, bool) {
	t := Term{Weight: DefaultTermWeight, Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		p, ok := d.pattern(n, path)
		t.Pattern, t.ID = p, p
		return t, ok
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a term (a string, or a mapping with \"term\"), got %s", describe(n))
		return t, false
	}
	good, hasPattern, hasWithin := true, false, false
	var withinNode *yaml.Node
	d.mapping(n, path, termFields, func(key string, _, v *yaml.Node) {
		p := join(path, key)
		switch key {
		case "term":
			hasPattern = true
			pat, ok := d.pattern(v, p)
			good = good && ok
			t.Pattern = pat
		case "weight":
			f, ok := d.float(v, p)
			switch {
			case !ok:
				good = false
			case f <= 0 || f > MaxTermWeight:
				d.errorAt(v, p, "weight %v out of range: must be greater than 0 and at most %v", f, MaxTermWeight)
				good = false
			default:
				t.Weight = f
			}
		case "lang":
			t.Lang = d.lang(v, p)
		case "id":
			s, ok := d.str(v, p)
			if !ok {
				good = false
				return
			}
			if err := checkLabel(s); err != nil {
				d.errorAt(v, p, "%v", err)
				good = false
				return
			}
			t.ID = s
		case "near":
			for _, it := range d.stringList(v, p) {
				pat, err := cleanPattern(it.val)
				if err != nil {
					d.errorAt(it.node, it.path, "%v", err)
					good = false
					continue
				}
				t.Near = append(t.Near, pat)
			}
		case "incidental":
			for _, it := range d.stringList(v, p) {
				t.Incidental = append(t.Incidental, it.val)
			}
		case "within":
			hasWithin, withinNode = true, v
			w, ok := d.integer(v, p)
			switch {
			case !ok:
				good = false
			case w < 0:
				d.errorAt(v, p, "within must be 0 (anywhere in the article) or a positive number of words, got %d", w)
				good = false
			default:
				t.Within = w
			}
		}
	})
	if !hasPattern {
		d.errorAt(n, path, "missing required field \"term\"")
		return t, false
	}
	if hasWithin && len(t.Near) == 0 && good {
		d.errorAt(withinNode, join(path, "within"), "within has no effect without near")
		good = false
	}
	if t.ID == "" {
		t.ID = t.Pattern
	}
	return t, good && t.Pattern != ""
}

// negative decodes a negative written as a bare string or as a mapping.
func (d *decoder) negative(n *yaml.Node, path string) (Negative, bool) {
	neg := Negative{Scope: ScopeSpan, Line: n.Line}
	if n.Kind == yaml.ScalarNode {
		p, ok := d.pattern(n, path)
		neg.Pattern = p
		return neg, ok
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a negative (a string, or a mapping with \"term\"), got %s", describe(n))
		return neg, false
	}
	good, hasPattern := true, false
	var factorNode *yaml.Node
	d.mapping(n, path, negativeFields, func(key string, _, v *yaml.Node) {
		p := join(path, key)
		switch key {
		case "term":
			hasPattern = true
			pat, ok := d.pattern(v, p)
			good = good && ok
			neg.Pattern = pat
		case "lang":
			neg.Lang = d.lang(v, p)
		case "scope":
			s, ok := d.str(v, p)
			if !ok {
				good = false
				return
			}
			if s != ScopeSpan && s != ScopeArticle {
				d.errorAt(v, p, "scope must be %q or %q, got %q", ScopeSpan, ScopeArticle, s)
				good = false
				return
			}
			neg.Scope = s
		case "factor":
			factorNode = v
			f, ok := d.float(v, p)
			switch {
			case !ok:
				good = false
			case f < 0 || f >= 1:
				d.errorAt(v, p, "factor %v out of range: must be at least 0 and less than 1", f)
				good = false
			default:
				neg.Factor = f
			}
		}
	})
	if !hasPattern {
		d.errorAt(n, path, "missing required field \"term\"")
		return neg, false
	}
	if factorNode != nil && neg.Scope != ScopeArticle {
		d.errorAt(factorNode, join(path, "factor"), "factor applies only to scope %q (span negatives remove the matches they overlap)", ScopeArticle)
		good = false
	}
	return neg, good && neg.Pattern != ""
}

// lang decodes an optional language code; problems are recorded and "" is
// returned.
func (d *decoder) lang(n *yaml.Node, path string) string {
	if isNull(d.resolve(n)) {
		return ""
	}
	s, ok := d.str(n, path)
	if !ok {
		return ""
	}
	if err := checkLanguage(s); err != nil {
		d.errorAt(n, path, "%v", err)
		return ""
	}
	return s
}

func checkLanguage(s string) error {
	if IsLanguageCode(s) {
		return nil
	}
	if lower := strings.ToLower(s); IsLanguageCode(lower) {
		return fmt.Errorf("language code %q must be lowercase (did you mean %q?)", s, lower)
	}
	return fmt.Errorf("unknown language code %q: want a two-letter ISO 639-1 code such as \"en\" or \"es\"", s)
}

// CheckPattern reports whether p is a valid term pattern: non-empty, at most
// 200 characters, free of control characters, with at least one letter or
// digit, and with '*' only as the very last character, directly after a word
// of at least 3 letters or digits ("sanction*", "f-35*").
func CheckPattern(p string) error {
	_, err := cleanPattern(p)
	return err
}

// cleanPattern validates a pattern and returns it with surrounding
// whitespace removed.
func cleanPattern(p string) (string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return "", errors.New("empty term pattern")
	}
	if len(p) > maxPatternLen {
		return "", fmt.Errorf("term pattern too long (%d bytes, at most %d)", len(p), maxPatternLen)
	}
	hasAlnum := false
	for _, r := range p {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return "", fmt.Errorf("term pattern %q contains control or invalid characters", truncate(p, 40))
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			hasAlnum = true
		}
	}
	if !hasAlnum {
		return "", fmt.Errorf("term pattern %q has no letters or digits", p)
	}
	if i := strings.IndexByte(p, '*'); i >= 0 {
		if i != len(p)-1 {
			return "", fmt.Errorf("term pattern %q: '*' is only allowed once, at the end, as a prefix marker (\"sanction*\")", p)
		}
		words := strings.Fields(p[:i])
		last := ""
		if len(words) > 0 && !unicode.IsSpace(rune(p[i-1])) {
			last = words[len(words)-1]
		}
		letters := 0
		for _, r := range last {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				letters++
			}
		}
		if letters < minPrefixLetters {
			return "", fmt.Errorf("term pattern %q: a prefix before '*' needs at least %d letters or digits", p, minPrefixLetters)
		}
	}
	return p, nil
}

// checkLabel validates free text used as an identifier (version, term id).
func checkLabel(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("must not be empty")
	}
	if len(s) > maxPatternLen {
		return fmt.Errorf("too long (%d bytes, at most %d)", len(s), maxPatternLen)
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q contains control characters", truncate(s, 40))
		}
	}
	return nil
}
