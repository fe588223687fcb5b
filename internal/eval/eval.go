// Package eval measures the scorer against a labelled set of articles:
// per-theme precision, recall and F1, macro-F1, the false-positive rate on
// hard negatives, and how well the parties and dyads are found.
package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// Example is one labelled article (a line of a JSON Lines dataset).
type Example struct {
	ID     string `json:"id"`
	Lang   string `json:"lang"`
	Region string `json:"region"`
	Title  string `json:"title"`
	Text   string `json:"text"`
	// Themes are the friction themes the article is about; empty for none.
	Themes []string `json:"themes"`
	// Parties are the ISO codes of the countries party to the friction.
	Parties []string `json:"parties"`
	// HardNegative marks an article that uses the themes' words in other senses.
	HardNegative bool `json:"hard_negative"`
}

// maxLine bounds one dataset line.
const maxLine = 4 << 20

// LoadFile reads a JSON Lines dataset. A bad line is an error naming the
// file and line number.
func LoadFile(path string) ([]Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	defer f.Close()
	return Load(f, path)
}

// Load reads a JSON Lines dataset from r; name is used in error messages.
// Blank lines are skipped; unknown fields, a missing id and duplicate ids
// are errors.
func Load(r io.Reader, name string) ([]Example, error) {
	var out []Example
	seen := make(map[string]int)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		var ex Example
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&ex); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("%s:%d: more than one JSON value on the line", name, line)
		}
		if ex.ID == "" {
			return nil, fmt.Errorf("%s:%d: missing id", name, line)
		}
		if first, dup := seen[ex.ID]; dup {
			return nil, fmt.Errorf("%s:%d: duplicate id %q (first on line %d)", name, line, ex.ID, first)
		}
		seen[ex.ID] = line
		out = append(out, ex)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxLine)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// Counts are the confusion counts of a binary decision with derived rates.
type Counts struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (c *Counts) finish() {
	c.Precision = ratio(c.TP, c.TP+c.FP)
	c.Recall = ratio(c.TP, c.TP+c.FN)
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	}
}

// ratio is a/b, and 1 when there is nothing to measure (0/0): no positives
// predicted and none expected is perfect precision and recall.
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// ThemeStats is one theme's counts.
type ThemeStats struct {
	Theme string `json:"theme"`
	Counts
}

// DyadStats says how many labelled dyads were found and how many predicted
// dyads are right.
type DyadStats struct {
	Labelled  int     `json:"labelled"`
	Found     int     `json:"found"`
	Predicted int     `json:"predicted"`
	Correct   int     `json:"correct"`
	Recall    float64 `json:"recall"`    // Found / Labelled
	Precision float64 `json:"precision"` // Correct / Predicted
}

// LangStats are the figures of one language's examples.
type LangStats struct {
	Lang          string  `json:"lang"`
	Examples      int     `json:"examples"`
	HardNegatives int     `json:"hard_negatives"`
	MacroF1       float64 `json:"macro_f1"`
}

// Mistake is an example whose themes or parties were not all right.
type Mistake struct {
	ID          string             `json:"id"`
	Lang        string             `json:"lang"`
	Title       string             `json:"title"`
	WantThemes  []string           `json:"want_themes"`
	GotThemes   []string           `json:"got_themes"`
	WantParties []string           `json:"want_parties"`
	GotParties  []string           `json:"got_parties"`
	Scores      map[string]float64 `json:"scores"`
}

// Report is the result of an evaluation.
type Report struct {
	Examples       int          `json:"examples"`
	LexiconVersion string       `json:"lexicon_version"`
	Themes         []ThemeStats `json:"themes"`
	MacroF1        float64      `json:"macro_f1"`
	// HardNegatives counts the hard negatives; HardNegativeFP those with any
	// theme flagged; HardNegativeFPRate is their share.
	HardNegatives      int     `json:"hard_negatives"`
	HardNegativeFP     int     `json:"hard_negative_fp"`
	HardNegativeFPRate float64 `json:"hard_negative_fp_rate"`
	// Negatives counts every example labelled with no theme (hard or not);
	// NegativeFPRate is the share with any theme flagged.
	Negatives      int     `json:"negatives"`
	NegativeFP     int     `json:"negative_fp"`
	NegativeFPRate float64 `json:"negative_fp_rate"`
	// Countries compares predicted parties with labelled parties (micro-averaged).
	Countries Counts      `json:"countries"`
	Dyads     DyadStats   `json:"dyads"`
	Languages []LangStats `json:"languages"`
	Mistakes  []Mistake   `json:"mistakes,omitempty"`
}

// Evaluate scores every example and compares with its labels.
func Evaluate(s *scoring.Scorer, ex []Example) Report {
	rep := Report{Examples: len(ex), LexiconVersion: s.Version()}
	themes := s.Themes()
	for _, e := range ex {
		for _, t := range e.Themes {
			if !slices.Contains(themes, t) {
				themes = append(themes, t)
			}
		}
	}
	slices.Sort(themes)
	all := make(map[string]*Counts, len(themes))
	type langAcc struct {
		LangStats
		themes map[string]*Counts
	}
	langs := make(map[string]*langAcc)
	for _, t := range themes {
		all[t] = &Counts{}
	}
	for _, e := range ex {
		res := s.Score(scoring.Doc{ID: e.ID, Title: e.Title, Text: e.Text, Lang: e.Lang})
		got := flaggedThemes(res)
		want := dedupe(e.Themes)
		la := langs[e.Lang]
		if la == nil {
			la = &langAcc{LangStats: LangStats{Lang: e.Lang}, themes: make(map[string]*Counts)}
			for _, t := range themes {
				la.themes[t] = &Counts{}
			}
			langs[e.Lang] = la
		}
		la.Examples++
		for _, t := range themes {
			g, w := slices.Contains(got, t), slices.Contains(want, t)
			for _, c := range []*Counts{all[t], la.themes[t]} {
				switch {
				case g && w:
					c.TP++
				case g:
					c.FP++
				case w:
					c.FN++
				}
			}
		}
		if e.HardNegative {
			rep.HardNegatives++
			la.HardNegatives++
			if len(got) > 0 {
				rep.HardNegativeFP++
			}
		}
		if len(want) == 0 {
			rep.Negatives++
			if len(got) > 0 {
				rep.NegativeFP++
			}
		}

		wantP, gotP := dedupe(e.Parties), res.Countries
		for _, p := range gotP {
			if slices.Contains(wantP, p) {
				rep.Countries.TP++
			} else {
				rep.Countries.FP++
			}
		}
		for _, p := range wantP {
			if !slices.Contains(gotP, p) {
				rep.Countries.FN++
			}
		}
		wantD := dyads(wantP)
		gotD := make([]string, 0, len(res.Dyads))
		for _, d := range res.Dyads {
			gotD = append(gotD, d.String())
		}
		rep.Dyads.Labelled += len(wantD)
		rep.Dyads.Predicted += len(gotD)
		for _, d := range wantD {
			if slices.Contains(gotD, d) {
				rep.Dyads.Found++
			}
		}
		for _, d := range gotD {
			if slices.Contains(wantD, d) {
				rep.Dyads.Correct++
			}
		}

		if !sameSet(got, want) || !sameSet(gotP, wantP) {
			scores := make(map[string]float64, len(res.Themes))
			for t, ts := range res.Themes {
				scores[t] = ts.Score
			}
			rep.Mistakes = append(rep.Mistakes, Mistake{
				ID: e.ID, Lang: e.Lang, Title: e.Title,
				WantThemes: want, GotThemes: got, WantParties: wantP, GotParties: slices.Clone(gotP),
				Scores: scores,
			})
		}
	}
	for _, t := range themes {
		c := all[t]
		c.finish()
		rep.Themes = append(rep.Themes, ThemeStats{Theme: t, Counts: *c})
		rep.MacroF1 += c.F1
	}
	if len(themes) > 0 {
		rep.MacroF1 /= float64(len(themes))
	}
	rep.HardNegativeFPRate = rate(rep.HardNegativeFP, rep.HardNegatives)
	rep.NegativeFPRate = rate(rep.NegativeFP, rep.Negatives)
	rep.Countries.finish()
	rep.Dyads.Recall = ratio(rep.Dyads.Found, rep.Dyads.Labelled)
	rep.Dyads.Precision = ratio(rep.Dyads.Correct, rep.Dyads.Predicted)
	for _, la := range langs {
		for _, t := range themes {
			c := la.themes[t]
			c.finish()
			la.MacroF1 += c.F1
		}
		if len(themes) > 0 {
			la.MacroF1 /= float64(len(themes))
		}
		rep.Languages = append(rep.Languages, la.LangStats)
	}
	slices.SortFunc(rep.Languages, func(a, b LangStats) int { return strings.Compare(a.Lang, b.Lang) })
	return rep
}

// rate is a/b, 0 when b is 0 (no negatives, no false positives).
func rate(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func flaggedThemes(r scoring.Result) []string {
	var out []string
	for t, ts := range r.Themes {
		if ts.Flagged {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// dyads returns the labelled pairs as "A-B" strings with A < B.
func dyads(parties []string) []string {
	var out []string
	for i := 0; i < len(parties); i++ {
		for j := i + 1; j < len(parties); j++ {
			a, b := parties[i], parties[j]
			if b < a {
				a, b = b, a
			}
			out = append(out, a+"-"+b)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

// Write prints the report as a readable table.
func (r Report) Write(w io.Writer) error {
	ew := &errWriter{w: w}
	ew.printf("examples %d   lexicon %s\n\n", r.Examples, r.LexiconVersion)
	ew.printf("%-14s %5s %5s %5s %9s %7s %7s\n", "theme", "TP", "FP", "FN", "precision", "recall", "F1")
	for _, t := range r.Themes {
		ew.printf("%-14s %5d %5d %5d %9.3f %7.3f %7.3f\n", t.Theme, t.TP, t.FP, t.FN, t.Precision, t.Recall, t.F1)
	}
	ew.printf("%-14s %37.3f\n\n", "macro-F1", r.MacroF1)
	ew.printf("hard negatives flagged   %d/%d = %.1f%%\n", r.HardNegativeFP, r.HardNegatives, 100*r.HardNegativeFPRate)
	ew.printf("all negatives flagged    %d/%d = %.1f%%\n", r.NegativeFP, r.Negatives, 100*r.NegativeFPRate)
	c := r.Countries
	ew.printf("countries (parties)      TP %d FP %d FN %d   precision %.3f recall %.3f F1 %.3f\n", c.TP, c.FP, c.FN, c.Precision, c.Recall, c.F1)
	d := r.Dyads
	ew.printf("dyads                    found %d/%d labelled (%.3f), correct %d/%d predicted (%.3f)\n\n",
		d.Found, d.Labelled, d.Recall, d.Correct, d.Predicted, d.Precision)
	ew.printf("%-6s %8s %14s %9s\n", "lang", "examples", "hard negatives", "macro-F1")
	for _, l := range r.Languages {
		ew.printf("%-6s %8d %14d %9.3f\n", l.Lang, l.Examples, l.HardNegatives, l.MacroF1)
	}
	return ew.err
}

// WriteMistakes lists the examples whose themes or parties were wrong, for tuning.
func (r Report) WriteMistakes(w io.Writer) error {
	ew := &errWriter{w: w}
	for _, m := range r.Mistakes {
		ew.printf("%s [%s] %s\n", m.ID, m.Lang, m.Title)
		ew.printf("    themes  want %v got %v  scores %s\n", m.WantThemes, m.GotThemes, fmtScores(m.Scores))
		ew.printf("    parties want %v got %v\n", m.WantParties, m.GotParties)
	}
	return ew.err
}

func fmtScores(s map[string]float64) string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%.2f", k, math.Round(s[k]*100)/100)
	}
	return strings.Join(parts, " ")
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err != nil {
		return
	}
	_, e.err = fmt.Fprintf(e.w, format, args...)
}
