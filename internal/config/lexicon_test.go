package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func ptr(f float64) *float64 { return &f }

func TestParseLexiconValid(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "lexicon_valid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lex, err := ParseLexicon("lexicon_valid.yaml", data)
	if err != nil {
		t.Fatalf("ParseLexicon: %v", err)
	}
	if lex.Source != "lexicon_valid.yaml" || lex.Version != "2025-06-test" || lex.Lang != "en" {
		t.Errorf("header = %q %q %q", lex.Source, lex.Version, lex.Lang)
	}
	if len(lex.Themes) != 2 {
		t.Fatalf("themes = %d, want 2", len(lex.Themes))
	}
	trade := lex.Themes["trade"]
	if trade.Line != 5 {
		t.Errorf("trade.Line = %d, want 5", trade.Line)
	}
	if trade.Threshold == nil || *trade.Threshold != 0.4 || trade.TitleWeight == nil || *trade.TitleWeight != 1.5 {
		t.Errorf("trade settings = %v %v", trade.Threshold, trade.TitleWeight)
	}
	wantTerms := []Term{
		{Pattern: "tariff*", ID: "tariff*", Weight: 1, Line: 9},
		{Pattern: "trade war", ID: "trade war", Weight: 2, Line: 10},
		{Pattern: "export controls", ID: "export-controls", Weight: 1.5, Line: 11},
		{Pattern: "aranceles", ID: "aranceles", Weight: 1, Lang: "es", Line: 14},
		{Pattern: "retaliat*", ID: "retaliat*", Weight: 1, Near: []string{"tariff*", "duties"}, Within: 8, Line: 16},
	}
	if len(trade.Terms) != len(wantTerms) {
		t.Fatalf("terms = %+v", trade.Terms)
	}
	for i, w := range wantTerms {
		g := trade.Terms[i]
		if g.Pattern != w.Pattern || g.ID != w.ID || g.Weight != w.Weight || g.Lang != w.Lang ||
			g.Within != w.Within || g.Line != w.Line || strings.Join(g.Near, "|") != strings.Join(w.Near, "|") {
			t.Errorf("terms[%d] = %+v, want %+v", i, g, w)
		}
	}
	wantNeg := []Negative{
		{Pattern: "trade deadline", Scope: "span", Line: 20},
		{Pattern: "transfer window", Scope: "article", Factor: 0.2, Line: 21},
	}
	if len(trade.Negatives) != 2 || trade.Negatives[0] != wantNeg[0] || trade.Negatives[1] != wantNeg[1] {
		t.Errorf("negatives = %+v, want %+v", trade.Negatives, wantNeg)
	}
	water := lex.Themes["water_rights"]
	if water == nil || len(water.Terms) != 2 || water.Terms[1].Pattern != "river diversion" || water.Threshold != nil {
		t.Errorf("water_rights = %+v", water)
	}
}

func TestParseLexiconErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		want       []string // each must appear, in order, one per error
	}{
		{"empty", "", []string{"lex.yaml: file is empty"}},
		{"comments only", "# nothing\n", []string{"lex.yaml: file is empty (only comments or document markers)"}},
		{"syntax", "themes:\n  trade: [a, b\n", []string{"lex.yaml:2: YAML syntax error: did not find expected ',' or ']'"}},
		{"syntax block", "themes:\n  trade: {}\n- b\n", []string{"lex.yaml:3: YAML syntax error: did not find expected key"}},
		{"syntax scanner", "themes:\n  trade: {}\n  x: y: z\n", []string{"lex.yaml:3: YAML syntax error: mapping values are not allowed in this context"}},
		{"not a mapping", "- a\n- b\n", []string{"lex.yaml:1: expected a mapping, got a list"}},
		{"no themes", "version: x\n", []string{`lex.yaml:1: themes: missing required field "themes"`}},
		{"unknown top key", "theme:\n  trade: {}\n", []string{
			`lex.yaml:1: theme: unknown field "theme" (did you mean "themes"?)`,
			`lex.yaml:1: themes: missing required field`}},
		{"unknown theme key", "themes:\n  trade:\n    term: [a]\n", []string{
			`lex.yaml:3: themes.trade.term: unknown field "term" (did you mean "terms"?)`}},
		{"unknown term key far", "themes:\n  trade:\n    terms:\n      - {term: tariff, colour: red}\n", []string{
			`lex.yaml:4: themes.trade.terms[0].colour: unknown field "colour" (allowed: term, weight, lang, id, near, within, incidental)`}},
		{"bad theme name", "themes:\n  Trade:\n    terms: [tariff]\n", []string{
			`lex.yaml:2: themes.Trade: invalid theme name "Trade"`}},
		{"duplicate theme", "themes:\n  trade: {terms: [a1]}\n  trade: {terms: [b1]}\n", []string{
			`lex.yaml:3: themes.trade: duplicate key "trade" (first defined at line 2)`}},
		{"weights", "themes:\n  trade:\n    terms:\n      - {term: a1, weight: 0}\n      - {term: a2, weight: 10.5}\n      - {term: a3, weight: -1}\n      - {term: a4, weight: \"2\"}\n      - {term: a5, weight: 10}\n", []string{
			`lex.yaml:4: themes.trade.terms[0].weight: weight 0 out of range`,
			`lex.yaml:5: themes.trade.terms[1].weight: weight 10.5 out of range`,
			`lex.yaml:6: themes.trade.terms[2].weight: weight -1 out of range`,
			`lex.yaml:7: themes.trade.terms[3].weight: expected a number, got string "2"`}},
		{"threshold and title weight", "themes:\n  trade:\n    threshold: 0\n    title_weight: 0.5\n  security:\n    threshold: 1.5\n    title_weight: 11\n", []string{
			`lex.yaml:3: themes.trade.threshold: threshold 0 out of range`,
			`lex.yaml:4: themes.trade.title_weight: title_weight 0.5 out of range`,
			`lex.yaml:6: themes.security.threshold: threshold 1.5 out of range`,
			`lex.yaml:7: themes.security.title_weight: title_weight 11 out of range`}},
		{"patterns", "themes:\n  trade:\n    terms:\n      - \"\"\n      - \"  \"\n      - \"*\"\n      - ta*\n      - \"*tariff\"\n      - tar*iff\n      - tariff**\n      - \"--\"\n      - \"trade *\"\n      - trade war*\n", []string{
			`lex.yaml:4: themes.trade.terms[0]: empty term pattern`,
			`lex.yaml:5: themes.trade.terms[1]: empty term pattern`,
			`lex.yaml:6: themes.trade.terms[2]: term pattern "*" has no letters or digits`,
			`lex.yaml:7: themes.trade.terms[3]: term pattern "ta*": a prefix before '*' needs at least 3 letters or digits`,
			`lex.yaml:8: themes.trade.terms[4]: term pattern "*tariff": '*' is only allowed once, at the end`,
			`lex.yaml:9: themes.trade.terms[5]: term pattern "tar*iff": '*' is only allowed`,
			`lex.yaml:10: themes.trade.terms[6]: term pattern "tariff**": '*' is only allowed`,
			`lex.yaml:11: themes.trade.terms[7]: term pattern "--" has no letters or digits`,
			`lex.yaml:12: themes.trade.terms[8]: term pattern "trade *": a prefix before '*' needs at least 3 letters or digits`}},
		{"term shapes", "themes:\n  trade:\n    terms:\n      - [a, b]\n      - {weight: 2}\n      - true\n      - null\n", []string{
			`lex.yaml:4: themes.trade.terms[0]: expected a term (a string, or a mapping with "term"), got a list`,
			`lex.yaml:5: themes.trade.terms[1]: missing required field "term"`,
			`lex.yaml:6: themes.trade.terms[2]: expected a string, got boolean true`,
			`lex.yaml:7: themes.trade.terms[3]: expected a string, got null`}},
		{"near within", "themes:\n  trade:\n    terms:\n      - {term: retaliation, within: 5}\n      - {term: levy, near: [ab*], within: -1}\n      - {term: quota, near: tariff}\n      - {term: duty, near: [tariff], within: 2.5}\n", []string{
			`lex.yaml:4: themes.trade.terms[0].within: within has no effect without near`,
			`lex.yaml:5: themes.trade.terms[1].near[0]: term pattern "ab*"`,
			`lex.yaml:5: themes.trade.terms[1].within: within must be 0`,
			`lex.yaml:6: themes.trade.terms[2].near: expected a list, got string "tariff"`,
			`lex.yaml:7: themes.trade.terms[3].within: expected an integer, got number 2.5`}},
		{"negatives", "themes:\n  trade:\n    negatives:\n      - {term: trade deadline, scope: paragraph}\n      - {term: transfer window, scope: article, factor: 1}\n      - {term: free trade, factor: 0.5}\n      - {scope: article}\n      - {term: derby, scope: article, factor: -0.1}\n", []string{
			`lex.yaml:4: themes.trade.negatives[0].scope: scope must be "span" or "article", got "paragraph"`,
			`lex.yaml:5: themes.trade.negatives[1].factor: factor 1 out of range: must be at least 0 and less than 1`,
			`lex.yaml:6: themes.trade.negatives[2].factor: factor applies only to scope "article"`,
			`lex.yaml:7: themes.trade.negatives[3]: missing required field "term"`,
			`lex.yaml:8: themes.trade.negatives[4].factor: factor -0.1 out of range`}},
		{"languages", "lang: EN\nthemes:\n  trade:\n    terms:\n      - {term: arancel, lang: spanish}\n      - {term: zoll, lang: 7}\n", []string{
			`lex.yaml:1: lang: language code "EN" must be lowercase (did you mean "en"?)`,
			`lex.yaml:5: themes.trade.terms[0].lang: unknown language code "spanish"`,
			`lex.yaml:6: themes.trade.terms[1].lang: unknown language code "7"`}},
		{"duplicates", "themes:\n  trade:\n    terms:\n      - tariff\n      - {term: Tariff, weight: 2}\n      - {term: tariff, lang: es}\n    negatives: [trade deadline, trade deadline]\n    threshold: 0.5\n    threshold: 0.6\n", []string{
			`lex.yaml:5: themes.trade.terms[1]: duplicate term "Tariff" (first at line 4)`,
			`lex.yaml:7: themes.trade.negatives[1]: duplicate negative "trade deadline" (first at line 7)`,
			`lex.yaml:9: themes.trade.threshold: duplicate key "threshold" (first defined at line 8)`}},
		{"two documents", "themes: {trade: {terms: [a1]}}\n---\nthemes: {}\n", []string{
			`lex.yaml:2: more than one YAML document`}},
		{"merge key", "base: &b {terms: [tariff]}\nthemes:\n  trade:\n    <<: *b\n", []string{
			`lex.yaml:1: base: unknown field "base"`,
			`lex.yaml:4: themes.trade: merge keys (<<) are not supported`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lex, err := ParseLexicon("lex.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; lexicon %+v", lex)
			}
			if lex != nil {
				t.Errorf("lexicon returned along with errors")
			}
			es := AsErrors(err)
			if len(es) != len(tc.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(es), len(tc.want), err)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(es[i].Error(), w) {
					t.Errorf("error %d = %q\nwant prefix %q", i, es[i].Error(), w)
				}
			}
		})
	}
}

func TestParseLexiconAliasesResolve(t *testing.T) {
	t.Parallel()
	src := "themes:\n  trade:\n    terms: &shared [tariff*, embargo]\n  security:\n    terms: *shared\n"
	lex, err := ParseLexicon("lex.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(lex.Themes["security"].Terms); got != 2 {
		t.Errorf("security terms = %d, want 2 (alias followed)", got)
	}
}

func TestParseLexiconAliasBomb(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("a0: &a0 [x1, x2, x3, x4, x5, x6, x7, x8, x9, x10]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("themes:\n  trade:\n    negatives: *a9\n")
	_, err := ParseLexicon("bomb.yaml", []byte(b.String()))
	if err == nil {
		t.Fatal("alias bomb accepted")
	}
	if len(AsErrors(err)) > maxErrors+1 {
		t.Errorf("error report not bounded: %d errors", len(AsErrors(err)))
	}
}

func TestCheckPattern(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"tariff", "f-35*", "sanction*", "trade war", "Zölle", "U.S.-Mexico", "soberanía*", "G7", "37th parallel"} {
		if err := CheckPattern(ok); err != nil {
			t.Errorf("CheckPattern(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "*", "ab*", "g7*", "a-b*", "a b*", "*abc", "ab*c", "abc**", "...", "tab\there", strings.Repeat("a", 201), "bad\xffutf8"} {
		if err := CheckPattern(bad); err == nil {
			t.Errorf("CheckPattern(%q) = nil, want error", bad)
		}
	}
}
