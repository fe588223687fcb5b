package scoring

import (
	"slices"
	"strings"
	"testing"

	"github.com/tensiontracker/tracker/internal/config"
)

func incidentalScorer(t *testing.T, yaml string) (*Scorer, error) {
	t.Helper()
	lex, err := config.ParseLexicon("inc.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return New([]*config.Lexicon{lex}, Options{})
}

// TestIncidental: troops and cartels in a tariff story are dampened (rule
// incidental:trade); the same words in a story with no main theme of the
// listed kind count in full.
func TestIncidental(t *testing.T) {
	t.Parallel()
	s, err := incidentalScorer(t, `
themes:
  trade:
    terms: [{term: tariff*, weight: 3}, {term: trade war, weight: 3}]
  security:
    terms:
      - {term: troops, weight: 1.5, incidental: [trade]}
      - {term: cartels, weight: 1.5, incidental: [trade]}
      - {term: airstrike*, weight: 3}
`)
	if err != nil {
		t.Fatal(err)
	}
	tariffStory := Doc{Lang: "en", Title: "Tariffs on Mexico", Text: "The United States imposes tariffs on Mexico in a trade war over cartels. Troops at the border. Cartels and troops again."}
	r := s.Score(tariffStory)
	sec := r.Themes["security"]
	if !r.Themes["trade"].Flagged || sec.Flagged || !slices.Contains(sec.Rules, "incidental:trade") {
		t.Errorf("tariff story: trade %+v, security %+v; want trade flagged, security dampened with rule incidental:trade", r.Themes["trade"], sec)
	}
	for _, m := range sec.Matches {
		if m.Evidence >= m.Weight {
			t.Errorf("dampened match %s has evidence %v, want a quarter of its weight's", m.Term, m.Evidence)
		}
	}
	warStory := Doc{Lang: "en", Title: "Troops and cartels", Text: "Mexico sent troops after cartels attacked; the United States warned of an airstrike. Troops and cartels clash again."}
	r = s.Score(warStory)
	if sec := r.Themes["security"]; !sec.Flagged || slices.Contains(sec.Rules, "incidental:trade") {
		t.Errorf("security story: %+v, want flagged without dampening", sec)
	}

	for _, tc := range []struct{ yaml, want string }{
		{"themes:\n  trade:\n    terms: [{term: x, incidental: [nope]}]\n", `unknown theme "nope"`},
		{"themes:\n  trade:\n    terms: [{term: x, incidental: [trade]}]\n", "its own theme"},
	} {
		if _, err := incidentalScorer(t, tc.yaml); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("lexicon %q: error %v, want %q", tc.yaml, err, tc.want)
		}
	}
}

// TestUnflaggedParties: two states that are the subjects of a story with
// some theme vocabulary are parties even when nothing is flagged; a story
// naming one country has none.
func TestUnflaggedParties(t *testing.T) {
	t.Parallel()
	// One supporting term, title and text: a score over 0.4 that the
	// evidence rules withhold (min-evidence), independent of the built-in lexicon.
	s, err := incidentalScorer(t, "themes:\n  trade:\n    terms: [{term: trade, weight: 1}]\n")
	if err != nil {
		t.Fatal(err)
	}
	r := s.Score(Doc{Lang: "en", Title: "Chile and Peru sign trade agreement", Text: "Chile and Peru signed an agreement on Monday to expand bilateral trade in fruit and copper, the two governments said."})
	for _, ts := range r.Themes {
		if ts.Flagged {
			t.Fatalf("cooperation story flagged: %+v", r.Themes)
		}
	}
	if got := slices.Sorted(slices.Values(r.Countries)); !slices.Equal(got, []string{"CL", "PE"}) || len(r.Dyads) != 1 {
		t.Errorf("countries %v dyads %v, want CL, PE and their dyad (scores %+v)", r.Countries, r.Dyads, r.Themes["trade"].Score)
	}
	r = s.Score(Doc{Lang: "en", Title: "Chile raises university fees", Text: "Universities in Chile will raise fees next year, the education ministry said."})
	if len(r.Countries) != 0 || len(r.Dyads) != 0 {
		t.Errorf("one-country story: countries %v dyads %v, want none", r.Countries, r.Dyads)
	}
}
