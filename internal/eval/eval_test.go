package eval

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/scoring"
)

func TestLoad(t *testing.T) {
	t.Parallel()
	good := `{"id":"a","lang":"en","region":"europe","title":"T","text":"x","themes":["trade"],"parties":["FR","DE"],"hard_negative":false}

{"id":"b","lang":"es","title":"T2","text":"y","themes":[],"parties":[],"hard_negative":true}
`
	ex, err := Load(strings.NewReader(good), "good.jsonl")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(ex) != 2 || ex[0].ID != "a" || ex[0].Parties[1] != "DE" || !ex[1].HardNegative || ex[1].Lang != "es" {
		t.Errorf("Load = %+v", ex)
	}
	bad := []struct {
		name, in, want string
	}{
		{"syntax", `{"id":"a"}` + "\n" + `{"id": "b",` + "\n", "bad.jsonl:2:"},
		{"unknown field", `{"id":"a","theme":["trade"]}`, "bad.jsonl:1:"},
		{"missing id", `{"title":"x"}`, "bad.jsonl:1: missing id"},
		{"duplicate id", `{"id":"a"}` + "\n\n" + `{"id":"a"}`, "bad.jsonl:3: duplicate id \"a\" (first on line 1)"},
		{"two values", `{"id":"a"} {"id":"b"}`, "bad.jsonl:1: more than one"},
	}
	for _, tc := range bad {
		_, err := Load(strings.NewReader(tc.in), "bad.jsonl")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
	if _, err := LoadFile("testdata/does-not-exist.jsonl"); err == nil {
		t.Error("LoadFile of a missing file succeeded")
	}
}

func testScorer(t *testing.T) *scoring.Scorer {
	t.Helper()
	lex, err := config.ParseLexicon("t.yaml", []byte(`
themes:
  trade:
    terms: [{term: tariff*, weight: 3}]
    negatives: [electricity tariff*]
  security:
    terms: [{term: missile*, weight: 3}]
`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := scoring.New([]*config.Lexicon{lex}, scoring.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	s := testScorer(t)
	ex := []Example{
		// trade TP, parties both right.
		{ID: "1", Lang: "en", Text: "Mexico and the United States exchange tariff threats.", Themes: []string{"trade"}, Parties: []string{"MX", "US"}},
		// security FN (no term), trade TN.
		{ID: "2", Lang: "en", Text: "Troops massed on the border of France and Spain.", Themes: []string{"security"}, Parties: []string{"FR", "ES"}},
		// hard negative, not flagged thanks to the negative.
		{ID: "3", Lang: "en", Text: "Electricity tariffs in Germany rise.", HardNegative: true},
		// hard negative flagged: trade FP, two party FPs.
		{ID: "4", Lang: "es", Text: "Tariff tariff in Chile and Peru.", HardNegative: true},
		// security TP and trade FP; one of two parties found plus a wrong one.
		{ID: "5", Lang: "es", Text: "A missile tariff between India and China.", Themes: []string{"security"}, Parties: []string{"IN", "PK"}},
	}
	r := Evaluate(s, ex)
	want := map[string]Counts{
		"security": {TP: 1, FP: 0, FN: 1},
		"trade":    {TP: 1, FP: 2, FN: 0},
	}
	if len(r.Themes) != 2 {
		t.Fatalf("themes %+v", r.Themes)
	}
	for _, ts := range r.Themes {
		w := want[ts.Theme]
		if ts.TP != w.TP || ts.FP != w.FP || ts.FN != w.FN {
			t.Errorf("%s: %+v, want TP %d FP %d FN %d", ts.Theme, ts.Counts, w.TP, w.FP, w.FN)
		}
	}
	// security: P 1, R 0.5, F1 2/3; trade: P 1/3, R 1, F1 0.5.
	if math.Abs(r.MacroF1-(2.0/3+0.5)/2) > 1e-9 {
		t.Errorf("macro-F1 %v", r.MacroF1)
	}
	if r.HardNegatives != 2 || r.HardNegativeFP != 1 || r.HardNegativeFPRate != 0.5 {
		t.Errorf("hard negatives %d/%d rate %v", r.HardNegativeFP, r.HardNegatives, r.HardNegativeFPRate)
	}
	if r.Negatives != 2 || r.NegativeFP != 1 {
		t.Errorf("negatives %d/%d", r.NegativeFP, r.Negatives)
	}
	// Parties: ex1 MX,US TP; ex2 FN FR,ES; ex4 CL,PE FP; ex5 IN TP, CN FP, PK FN.
	if c := r.Countries; c.TP != 3 || c.FP != 3 || c.FN != 3 {
		t.Errorf("countries %+v, want TP 3 FP 3 FN 3", c)
	}
	// Dyads: labelled MX-US, ES-FR, IN-PK; predicted MX-US, CL-PE, CN-IN.
	if d := r.Dyads; d.Labelled != 3 || d.Found != 1 || d.Predicted != 3 || d.Correct != 1 {
		t.Errorf("dyads %+v", d)
	}
	if len(r.Languages) != 2 || r.Languages[0].Lang != "en" || r.Languages[0].Examples != 3 || r.Languages[1].HardNegatives != 1 {
		t.Errorf("languages %+v", r.Languages)
	}
	if len(r.Mistakes) != 3 {
		t.Errorf("%d mistakes, want 3 (examples 2, 4, 5): %+v", len(r.Mistakes), r.Mistakes)
	}

	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"macro-F1", "hard negatives flagged   1/2 = 50.0%", "security", "countries (parties)", "dyads", "lang"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, buf.String())
		}
	}
	buf.Reset()
	if err := r.WriteMistakes(&buf); err != nil || !strings.Contains(buf.String(), "want [security] got []") {
		t.Errorf("mistakes (%v):\n%s", err, buf.String())
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil || back.MacroF1 != r.MacroF1 || back.Countries.TP != 3 {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
}

// Floors are the minimum figures the default scorer must reach on the
// held-out part; raise them as quality rises.
type Floors struct {
	MacroF1 float64 `json:"macro_f1"`
	// MaxHardNegativeFPRate is the highest tolerated share of hard negatives
	// with any theme flagged.
	MaxHardNegativeFPRate float64 `json:"max_hard_negative_fp_rate"`
	CountryF1             float64 `json:"country_f1"`
}

// TestFloors is the regression guard: the default scorer on the held-out
// part must not fall below the floors recorded in testdata/floors.json.
// The floors sit about 0.03-0.04 below the measured figures (docs/scoring.md),
// more than one flipped example moves them (one of ~15 positives of a theme
// moves macro-F1 by about 0.01, one of 35 hard negatives moves the rate by
// 0.029): a lexicon change fails the build only when it loses ground.
func TestFloors(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/floors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f Floors
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		t.Fatalf("floors.json: %v", err)
	}
	ex, err := LoadFile("testdata/heldout.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) == 0 {
		t.Fatal("held-out set is empty")
	}
	s, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	r := Evaluate(s, ex)
	if r.MacroF1 < f.MacroF1 {
		t.Errorf("held-out macro-F1 %.3f below floor %.3f", r.MacroF1, f.MacroF1)
	}
	if r.HardNegativeFPRate > f.MaxHardNegativeFPRate {
		t.Errorf("held-out hard-negative FP rate %.3f above ceiling %.3f", r.HardNegativeFPRate, f.MaxHardNegativeFPRate)
	}
	if r.Countries.F1 < f.CountryF1 {
		t.Errorf("held-out country F1 %.3f below floor %.3f", r.Countries.F1, f.CountryF1)
	}
	if t.Failed() {
		var buf bytes.Buffer
		r.Write(&buf)
		t.Log("\n" + buf.String())
	}
}

// TestRealNewsFloors guards the real-news tuning half. Its texts are
// published articles that are not committed (only the index is), so the test
// can run only where they were rebuilt (docs/scoring.md); elsewhere it says
// why it does not run. The synthetic floors above always run.
func TestRealNewsFloors(t *testing.T) {
	t.Parallel()
	rn, err := LoadRealNews("testdata/realnews", "testdata/realnews/texts", SplitTune)
	if err != nil {
		t.Fatal(err)
	}
	if rn.Indexed == 0 {
		t.Fatal("real-news index has no tune items")
	}
	if len(rn.Examples) == 0 {
		t.Skipf("real-news texts absent: 0 of %d tune items have a text in testdata/realnews/texts (git-ignored; rebuild them as docs/scoring.md says)", rn.Indexed)
	}
	if rn.MissingTotal() > 0 {
		t.Logf("%d of %d tune items have no text and are not evaluated", rn.MissingTotal(), rn.Indexed)
	}
	s, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	// Floors about 0.04 below the figures of docs/scoring.md (2026-12-05:
	// macro-F1 0.922, non-friction 2/82, dyads R 0.788 / P 0.903): one
	// flipped item moves macro-F1 by about 0.01, the non-friction rate by
	// 0.012 and the dyad figures by at most 6 pairs of ~200 (a four-party
	// story), 0.03.
	const (
		floorMacroF1    = 0.88
		ceilNonFriction = 0.07
		floorDyadRecall = 0.75
		floorDyadPrec   = 0.86
	)
	r := Evaluate(s, rn.Examples)
	if r.MacroF1 < floorMacroF1 {
		t.Errorf("real-news tune macro-F1 %.3f below floor %.2f", r.MacroF1, floorMacroF1)
	}
	if r.NegativeFPRate > ceilNonFriction {
		t.Errorf("real-news tune non-friction flagged %.3f above ceiling %.2f", r.NegativeFPRate, ceilNonFriction)
	}
	if r.Dyads.Recall < floorDyadRecall || r.Dyads.Precision < floorDyadPrec {
		t.Errorf("real-news tune dyads R %.3f / P %.3f below floors %.2f / %.2f", r.Dyads.Recall, r.Dyads.Precision, floorDyadRecall, floorDyadPrec)
	}
	if t.Failed() {
		var buf bytes.Buffer
		r.Write(&buf)
		t.Log("\n" + buf.String())
	}
}
