package scoring

import (
	"math"
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

// TestUnflaggedParties: with nothing flagged, parties are reported only
// for a bilateral story: exactly two salient states, both named in the
// title or first sentence, and some theme vocabulary. A domestic story, a
// multilateral one and a story whose second state appears only later in
// the text report none.
func TestUnflaggedParties(t *testing.T) {
	t.Parallel()
	// One supporting term, title and text: a score over 0.4 that the
	// evidence rules withhold (min-evidence), independent of the built-in lexicon.
	s, err := incidentalScorer(t, "themes:\n  trade:\n    terms: [{term: trade, weight: 1}]\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, title, text string
		want              []string
	}{
		{"bilateral agreement", "Chile and Peru sign trade agreement",
			"Chile and Peru signed an agreement on Monday to expand bilateral trade in fruit and copper, the two governments said. Officials from Brazil attended.",
			[]string{"CL", "PE"}},
		{"one country", "Chile raises trade fees",
			"Chile will raise trade fees next year, the economy ministry said.", nil},
		{"multilateral", "Chile, Peru, Colombia and Ecuador sign trade agreement",
			"Chile, Peru, Colombia and Ecuador signed an agreement on Monday to expand trade in fruit and copper.", nil},
		{"second state only in the body", "Chile signs trade agreement",
			"Chile signed an agreement on Monday to expand trade in fruit and copper. Officials said the accord covers Peru. Peru exports fruit.", nil},
	} {
		r := s.Score(Doc{Lang: "en", Title: tc.title, Text: tc.text})
		for _, ts := range r.Themes {
			if ts.Flagged {
				t.Fatalf("%s: flagged: %+v", tc.name, r.Themes)
			}
		}
		if r.Themes["trade"].Score < unflaggedPartyScore {
			t.Fatalf("%s: trade score %v below %v: the case does not test the party rule", tc.name, r.Themes["trade"].Score, unflaggedPartyScore)
		}
		got := slices.Sorted(slices.Values(r.Countries))
		if !slices.Equal(got, tc.want) || len(r.Dyads) != len(tc.want)*(len(tc.want)-1)/2 {
			t.Errorf("%s: countries %v dyads %v, want %v (mentions %v)", tc.name, r.Countries, r.Dyads, tc.want, r.Mentions)
		}
	}
}

// TestTwoSides: a flagged friction whose salience rule leaves one party
// takes the next country named as the other side; with no other country
// named it keeps one party and no dyad.
func TestTwoSides(t *testing.T) {
	t.Parallel()
	s, err := incidentalScorer(t, "themes:\n  trade:\n    terms: [{term: tariffs, weight: 2}, {term: trade war, weight: 3}]\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, title, text string
		want              []string
	}{
		{"target named once", "China imposes tariffs in trade war",
			"China imposed tariffs on Monday in an escalating trade war, officials in Beijing said. China said the tariffs would stay. Chinese officials gave no date. The measures target wine from Australia.",
			[]string{"AU", "CN"}},
		{"no other country", "China imposes tariffs in trade war",
			"China imposed tariffs on Monday in an escalating trade war, officials in Beijing said.",
			[]string{"CN"}},
	} {
		r := s.Score(Doc{Lang: "en", Title: tc.title, Text: tc.text})
		if !r.Themes["trade"].Flagged {
			t.Fatalf("%s: trade not flagged: %+v", tc.name, r.Themes)
		}
		got := slices.Sorted(slices.Values(r.Countries))
		if !slices.Equal(got, tc.want) || len(r.Dyads) != len(tc.want)*(len(tc.want)-1)/2 {
			t.Errorf("%s: countries %v dyads %v, want %v (mentions %v)", tc.name, r.Countries, r.Dyads, tc.want, r.Mentions)
		}
	}
}

// TestArticleNegativeOnIncidental: an article negative (a cooperation
// context) scales a theme whose evidence is all incidental terms too; it
// used to apply only when the theme had core evidence, so "organised
// crime" in a signed cooperation agreement kept its full score.
func TestArticleNegativeOnIncidental(t *testing.T) {
	t.Parallel()
	s, err := incidentalScorer(t, "themes:\n  security:\n    terms: [{term: organised crime, weight: 3, incidental: [migration]}]\n    negatives: [{term: cooperation agreement, scope: article, factor: 0.5}]\n  migration:\n    terms: [{term: asylum, weight: 1}]\n")
	if err != nil {
		t.Fatal(err)
	}
	doc := Doc{Lang: "en", Title: "Chile and Peru against organised crime", Text: "Chile and Peru will fight organised crime together."}
	plain := s.Score(doc).Themes["security"].Score
	doc.Text += " They signed a cooperation agreement."
	r := s.Score(doc).Themes["security"]
	if want := math.Round(plain*0.5*1e4) / 1e4; math.Abs(r.Score-want) > 2e-4 || len(r.Negatives) != 1 {
		t.Errorf("security score %v with negatives %+v, want %v (half of %v) and the negative listed", r.Score, r.Negatives, want, plain)
	}
}
