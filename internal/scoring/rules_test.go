package scoring

import (
	"slices"
	"strings"
	"testing"
)

// TestEvidenceRules checks when a score over the threshold is flagged: two
// distinct terms, or one strong term in an article naming two countries;
// never without a country; and the rule id that explains a withheld flag.
func TestEvidenceRules(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  trade:
    terms:
      - {term: tariff*, weight: 2}
      - {term: levy, weight: 1}
      - {term: duties, weight: 1}
      - {term: imports, weight: 0.5}
`)
	tests := []struct {
		name    string
		doc     Doc
		flagged bool
		rule    string
	}{
		{"strong term, two countries", Doc{Title: "Tariffs", Text: "Tariffs on goods from Mexico, says the US."}, true, ""},
		{"strong term, one country", Doc{Title: "Tariffs", Text: "Tariffs on goods in Mexico."}, false, ruleOneCountry},
		{"strong term, no country", Doc{Title: "Tariffs", Text: "Tariffs on goods, says the minister."}, false, ruleNoCountry},
		{"two distinct terms, one country", Doc{Title: "Levy and duties", Text: "A levy and duties in Mexico."}, true, ""},
		{"two distinct terms, no country", Doc{Title: "Levy and duties", Text: "A levy and duties at home."}, false, ruleNoCountry},
		{"one supporting term repeated", Doc{Title: "Levy, levy", Text: "A levy on Mexico from the US, a levy."}, false, ruleMinEvidence},
		// A context word (weight below 1) adds evidence but is not distinct evidence.
		{"supporting term and context word", Doc{Title: "Levy on imports", Text: "A levy on imports: Mexico and the US."}, false, ruleMinEvidence},
	}
	for _, tc := range tests {
		ts := s.Score(tc.doc).Themes["trade"]
		if ts.Score < DefaultThreshold {
			t.Errorf("%s: score %v below the threshold, the case tests nothing", tc.name, ts.Score)
			continue
		}
		if ts.Flagged != tc.flagged {
			t.Errorf("%s: flagged %v, want %v (%+v)", tc.name, ts.Flagged, tc.flagged, ts)
		}
		hasRule := tc.rule != "" && slices.Contains(ts.Rules, tc.rule)
		if tc.rule != "" && !hasRule {
			t.Errorf("%s: rules %v, want %q", tc.name, ts.Rules, tc.rule)
		}
		if tc.rule == "" && len(ts.Rules) > 0 {
			t.Errorf("%s: rules %v, want none", tc.name, ts.Rules)
		}
	}
}

func TestEnough(t *testing.T) {
	t.Parallel()
	tests := []struct {
		distinct   int
		maxW       float64
		nCountries int
		want       string
	}{
		{2, 1, 2, ""},
		{2, 1, 1, ""},
		{5, 3, 0, ruleNoCountry},
		{1, strongWeight, 2, ""},
		{1, strongWeight, 1, ruleOneCountry},
		{0, strongWeight, 3, ""}, // a strong term is always distinct evidence
		{1, strongWeight - 0.5, 4, ruleMinEvidence},
		{0, 0.5, 2, ruleMinEvidence},
	}
	for _, tc := range tests {
		if got := enough(tc.distinct, tc.maxW, tc.nCountries); got != tc.want {
			t.Errorf("enough(%d, %v, %d) = %q, want %q", tc.distinct, tc.maxW, tc.nCountries, got, tc.want)
		}
	}
}

// TestNearCountry checks the "@country" anchor: any country mention that
// survives the gazetteer's traps, within the given distance.
func TestNearCountry(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  sovereignty:
    terms:
      - {term: territory, weight: 2, near: ["@country"], within: 2}
      - {term: soil, weight: 2, near: [troops, "@country"], within: 3}
      - {term: waters, near: ["@country"]}
`)
	tests := []struct {
		text string
		want map[string]int
	}{
		{"Troops entered Mexican territory.", map[string]int{"territory": 1}},
		{"The territory of Ukraine.", map[string]int{"territory": 1}},
		{"The territory was quiet for many weeks, people in Mexico said.", map[string]int{}},
		{"No troops on our soil.", map[string]int{"soil": 1}},
		{"Soil tests in Chile.", map[string]int{"soil": 1}},
		{"Soil tests are in the lab now.", map[string]int{}},
		// Georgia the US state is vetoed by its trap: not a country anchor.
		{"Georgia territory, the Atlanta governor said.", map[string]int{}},
		// Georgia the country is.
		{"Georgia territory, Tbilisi said.", map[string]int{"territory": 1}},
		// within 0: anywhere in the article.
		{"Fishing waters were calm. Much later and far away, officials in Peru spoke.", map[string]int{"waters": 1}},
		{"Fishing waters were calm.", map[string]int{}},
	}
	for _, tc := range tests {
		r := s.Score(Doc{Text: tc.text})
		if got := matched(r, "sovereignty"); !mapsEqual(got, tc.want) {
			t.Errorf("%q: matches %v, want %v (mentions %v)", tc.text, got, tc.want, r.Mentions)
		}
		for term := range tc.want {
			if !slices.Contains(r.Themes["sovereignty"].Rules, "near:"+term) {
				t.Errorf("%q: rules %v lack near:%s", tc.text, r.Themes["sovereignty"].Rules, term)
			}
		}
	}
}

// TestNearBeforeLongest checks that a term whose near rule fails does not
// hide a shorter term starting at or inside it.
func TestNearBeforeLongest(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
lang: es
themes:
  sovereignty:
    terms:
      - {term: forma parte de, weight: 1, near: ["@country"], within: 2}
      - {term: parte de su territorio, weight: 3}
`)
	tests := []struct {
		text string
		want map[string]int
	}{
		{"Lima dice que la isla forma parte de su territorio desde siempre.", map[string]int{"parte de su territorio": 1}},
		{"La isla forma parte de Perú.", map[string]int{"forma parte de": 1}},
	}
	for _, tc := range tests {
		r := s.Score(Doc{Text: tc.text, Lang: "es"})
		if got := matched(r, "sovereignty"); !mapsEqual(got, tc.want) {
			t.Errorf("%q: matches %v, want %v", tc.text, got, tc.want)
		}
	}
}

// TestTerritoryParties checks that a territory is not a party beside the
// country that administers it, and stays one when that country is absent.
func TestTerritoryParties(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	tests := []struct {
		title, text string
		parties     []string
		mentioned   string
	}{
		{"Argentina renews sovereignty claim over the Falklands",
			"Argentina told the UN decolonisation committee that the Falkland Islands were occupied by Britain in 1833 and demanded negotiations on sovereignty. Britain said the islanders' right to self-determination was not negotiable.",
			[]string{"AR", "GB"}, "FK"},
		{"Greenland rejects US annexation talk",
			"Greenland's government said the island was not for sale and rejected any annexation after the US president repeated his wish to take control of the territory. Nuuk said Greenlanders alone would decide their future.",
			[]string{"GL", "US"}, ""},
	}
	for _, tc := range tests {
		r := s.Score(Doc{Title: tc.title, Text: tc.text, Lang: "en"})
		if !r.Themes["sovereignty"].Flagged {
			t.Errorf("%q: sovereignty not flagged (%+v)", tc.title, r.Themes["sovereignty"])
			continue
		}
		if got := sortedCopy(r.Countries); !slices.Equal(got, sortedCopy(tc.parties)) {
			t.Errorf("%q: parties %v, want %v (mentions %v)", tc.title, r.Countries, tc.parties, r.Mentions)
		}
		if tc.mentioned != "" && !slices.Contains(r.Mentions, tc.mentioned) {
			t.Errorf("%q: mentions %v lack %s", tc.title, r.Mentions, tc.mentioned)
		}
		if n := len(r.Countries); len(r.Dyads) != n*(n-1)/2 {
			t.Errorf("%q: %d parties but dyads %v", tc.title, n, r.Dyads)
		}
	}
}

func TestParseTerritories(t *testing.T) {
	t.Parallel()
	good := "# comment\nGL\tDK\n\nFK\tGB\n"
	m, err := parseTerritories("t.tsv", []byte(good))
	if err != nil || m["GL"] != "DK" || m["FK"] != "GB" || len(m) != 2 {
		t.Errorf("parseTerritories = %v, %v", m, err)
	}
	for _, bad := range []string{"GL DK\n", "GL\tXX\n", "GL\tGL\n", "GL\tDK\nGL\tUS\n", "gl\tdk\n"} {
		if _, err := parseTerritories("t.tsv", []byte(bad)); err == nil || !strings.Contains(err.Error(), "t.tsv:") {
			t.Errorf("parseTerritories(%q) error %v, want one naming the file and line", bad, err)
		}
	}
}
