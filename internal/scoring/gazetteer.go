package scoring

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/tensiontracker/tracker/internal/config"
)

// gazName is one name of the gazetteer as written in countries.tsv.
type gazName struct {
	code string // ISO code, "" for a blocker
	alt  string // alternative code of an ambiguous name ("CD/CG"), "" none
	lang string // "" = any language
	name string // as written, with its '^' marker
	line int
}

// gazTrap is a rule that keeps an ambiguous name from being read as a
// country in the wrong context (see docs/scoring.md, "Gazetteer traps").
type gazTrap struct {
	ID string `yaml:"id"`
	// Names are gazetteer names exactly as written in countries.tsv.
	Names []string `yaml:"names"`
	// Before and After veto an occurrence directly preceded or followed by
	// one of these words or phrases ("Michael" Jordan, Guinea "pig").
	Before []string `yaml:"before"`
	After  []string `yaml:"after"`
	// Context vetoes every occurrence in an article that contains one of
	// these anywhere ("Thanksgiving" for Turkey), unless the article also
	// contains one of Unless ("Ankara").
	Context []string `yaml:"context"`
	Unless  []string `yaml:"unless"`
	// Person vetoes every occurrence in an article where one occurrence is
	// part of a person's full name: a capitalised word right before it, or
	// right after it unless that word is in AllowAfter ("Jordan Valley").
	Person     bool     `yaml:"person"`
	AllowAfter []string `yaml:"allow_after"`
	Line       int      `yaml:"-"`
}

type trapFile struct {
	Traps []gazTrap `yaml:"traps"`
}

// parseGazetteer reads countries.tsv: one line per country and language,
//
//	CODE <TAB> LANG <TAB> name|name|...
//
// LANG "*" means any language. A name starting with '^' is case-sensitive;
// a trailing '*' makes its last word a prefix. CODE "-" is a blocker that
// names no country but keeps its words from matching shorter names ("New
// Mexico", "Gulf of Guinea"); "CD/CG" is an ambiguous name read as the first
// code unless the article names the second and not the first.
func parseGazetteer(file string, data []byte) ([]gazName, error) {
	var out []gazName
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		raw := strings.TrimRight(sc.Text(), " \t\r")
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		cols := strings.Split(raw, "\t")
		if len(cols) != 3 {
			return nil, fmt.Errorf("%s:%d: want 3 tab-separated columns (code, lang, names), got %d", file, line, len(cols))
		}
		code, alt := cols[0], ""
		if c, a, ok := strings.Cut(code, "/"); ok {
			code, alt = c, a
		}
		switch {
		case code == "-":
			code = ""
		case !config.IsCountryCode(code):
			return nil, fmt.Errorf("%s:%d: unknown country code %q", file, line, code)
		}
		if alt != "" && !config.IsCountryCode(alt) {
			return nil, fmt.Errorf("%s:%d: unknown country code %q", file, line, alt)
		}
		lang := cols[1]
		if lang == "*" {
			lang = ""
		} else if !config.IsLanguageCode(lang) {
			return nil, fmt.Errorf("%s:%d: unknown language %q (want a code such as en, or *)", file, line, lang)
		}
		for _, n := range strings.Split(cols[2], "|") {
			n = strings.TrimSpace(n)
			if n == "" || n == "^" {
				return nil, fmt.Errorf("%s:%d: empty name", file, line)
			}
			out = append(out, gazName{code: code, alt: alt, lang: lang, name: n, line: line})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return out, nil
}

// parseTraps reads traps.yaml.
func parseTraps(file string, data []byte) ([]gazTrap, error) {
	var tf trapFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&tf); err != nil {
		return nil, fmt.Errorf("decode %s: %w", file, err)
	}
	seen := make(map[string]bool)
	for i, t := range tf.Traps {
		if t.ID == "" || seen[t.ID] {
			return nil, fmt.Errorf("%s: traps[%d]: missing or duplicate id %q", file, i, t.ID)
		}
		seen[t.ID] = true
		if len(t.Names) == 0 {
			return nil, fmt.Errorf("%s: trap %s: no names", file, t.ID)
		}
	}
	return tf.Traps, nil
}

// parseTerritories reads territories.tsv: TERRITORY <TAB> ADMINISTERING
// COUNTRY, both ISO codes. It returns territory -> administering country.
func parseTerritories(file string, data []byte) (map[string]string, error) {
	out := make(map[string]string)
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		t, a, ok := strings.Cut(raw, "\t")
		if !ok || !config.IsCountryCode(t) || !config.IsCountryCode(a) || t == a {
			return nil, fmt.Errorf("%s:%d: want TERRITORY<TAB>COUNTRY, two different ISO codes", file, i+1)
		}
		if _, dup := out[t]; dup {
			return nil, fmt.Errorf("%s:%d: territory %s listed twice", file, i+1, t)
		}
		out[t] = a
	}
	return out, nil
}

// parseStopwords reads stopwords.tsv: LANG <TAB> space-separated words.
// Language detection counts these words; adding a language is adding a line.
func parseStopwords(file string, data []byte) (map[string][]string, error) {
	out := make(map[string][]string)
	for i, raw := range strings.Split(string(data), "\n") {
		raw = strings.TrimSpace(raw)
		if raw == "" || strings.HasPrefix(raw, "#") {
			continue
		}
		lang, words, ok := strings.Cut(raw, "\t")
		if !ok || !config.IsLanguageCode(lang) {
			return nil, fmt.Errorf("%s:%d: want LANG<TAB>words with an ISO 639-1 LANG", file, i+1)
		}
		out[lang] = append(out[lang], strings.Fields(words)...)
	}
	return out, nil
}
