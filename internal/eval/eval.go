// Package eval measures the scorer against a labelled set of articles:
// per-theme precision, recall and F1, macro-F1, the false-positive rate on
// hard negatives, and how well the parties and dyads are found.
package eval

import (
	"bufio"
	"bytes"
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
	// Outlet is the source's registrable domain (real-news sets); the
	// tune/held-out split derives from it (SplitOf).
	Outlet string `json:"outlet,omitempty"`
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
	line := 0
	err := scanLines(r, func(n int, b []byte) error {
		line = n
		var ex Example
		if err := strictDecode(b, &ex); err != nil {
			return err
		}
		if ex.ID == "" {
			return errors.New("missing id")
		}
		if first, dup := seen[ex.ID]; dup {
			return fmt.Errorf("duplicate id %q (first on line %d)", ex.ID, first)
		}
		seen[ex.ID] = n
		out = append(out, ex)
		return nil
	})
	if err != nil {
		var le lineError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("%s:%d: %w", name, le.line, le.err)
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, line+1, maxLine)
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return out, nil
}

// lineError is an error of one input line.
type lineError struct {
	line int
	err  error
}

func (e lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e lineError) Unwrap() error { return e.err }

// scanLines calls fn for every non-blank line of r (trimmed); fn's error
// comes back as a lineError.
func scanLines(r io.Reader, fn func(line int, b []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		if err := fn(line, b); err != nil {
			return lineError{line, err}
		}
	}
	return sc.Err()
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

// Figures are the measures of one group of examples (a whole set, or one
// language of it).
type Figures struct {
	Examples      int          `json:"examples"`
	HardNegatives int          `json:"hard_negatives"`
	Themes        []ThemeStats `json:"themes"`
	// MacroF1 is the mean F1 over the themes.
	MacroF1 float64 `json:"macro_f1"`
	// HardNegativeFP counts the hard negatives with any theme flagged;
	// HardNegativeFPRate is their share.
	HardNegativeFP     int     `json:"hard_negative_fp"`
	HardNegativeFPRate float64 `json:"hard_negative_fp_rate"`
	// Negatives counts every example labelled with no theme (hard or not),
	// the non-friction items; NegativeFPRate is the share with any theme
	// flagged ("non-friction flagged").
	Negatives      int     `json:"negatives"`
	NegativeFP     int     `json:"negative_fp"`
	NegativeFPRate float64 `json:"negative_fp_rate"`
	// Countries compares predicted parties with labelled parties (micro-averaged).
	Countries Counts    `json:"countries"`
	Dyads     DyadStats `json:"dyads"`
}

// LangStats are the figures of one language's examples.
type LangStats struct {
	Lang string `json:"lang"`
	Figures
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
	// Why lists, per theme over its threshold but not flagged, the rule
	// that withheld it ("security:min-evidence").
	Why []string `json:"why,omitempty"`
}

// Report is the result of an evaluation: the figures of the whole set, per
// language, and the examples that went wrong.
type Report struct {
	LexiconVersion string `json:"lexicon_version"`
	Figures
	Languages []LangStats `json:"languages"`
	Mistakes  []Mistake   `json:"mistakes,omitempty"`
}

// acc accumulates the counts of one group of examples.
type acc struct {
	f      Figures
	themes map[string]*Counts
}

func newAcc(themes []string) *acc {
	a := &acc{themes: make(map[string]*Counts, len(themes))}
	for _, t := range themes {
		a.themes[t] = &Counts{}
	}
	return a
}

// add counts one example: got/want themes, parties and dyads.
func (a *acc) add(got, want, gotP, wantP, gotD, wantD []string, hard bool) {
	a.f.Examples++
	for t, c := range a.themes {
		g, w := slices.Contains(got, t), slices.Contains(want, t)
		switch {
		case g && w:
			c.TP++
		case g:
			c.FP++
		case w:
			c.FN++
		}
	}
	if hard {
		a.f.HardNegatives++
		if len(got) > 0 {
			a.f.HardNegativeFP++
		}
	}
	if len(want) == 0 {
		a.f.Negatives++
		if len(got) > 0 {
			a.f.NegativeFP++
		}
	}
	for _, p := range gotP {
		if slices.Contains(wantP, p) {
			a.f.Countries.TP++
		} else {
			a.f.Countries.FP++
		}
	}
	for _, p := range wantP {
		if !slices.Contains(gotP, p) {
			a.f.Countries.FN++
		}
	}
	d := &a.f.Dyads
	d.Labelled += len(wantD)
	d.Predicted += len(gotD)
	for _, x := range wantD {
		if slices.Contains(gotD, x) {
			d.Found++
		}
	}
	for _, x := range gotD {
		if slices.Contains(wantD, x) {
			d.Correct++
		}
	}
}

// finish derives the rates; themes gives the order of Themes.
func (a *acc) finish(themes []string) Figures {
	f := a.f
	f.Themes = nil
	f.MacroF1 = 0
	for _, t := range themes {
		c := *a.themes[t]
		c.finish()
		f.Themes = append(f.Themes, ThemeStats{Theme: t, Counts: c})
		f.MacroF1 += c.F1
	}
	if len(themes) > 0 {
		f.MacroF1 /= float64(len(themes))
	}
	f.HardNegativeFPRate = rate(f.HardNegativeFP, f.HardNegatives)
	f.NegativeFPRate = rate(f.NegativeFP, f.Negatives)
	f.Countries.finish()
	f.Dyads.Recall = ratio(f.Dyads.Found, f.Dyads.Labelled)
	f.Dyads.Precision = ratio(f.Dyads.Correct, f.Dyads.Predicted)
	return f
}

// Evaluate scores every example and compares with its labels.
func Evaluate(s *scoring.Scorer, ex []Example) Report {
	rep := Report{LexiconVersion: s.Version()}
	themes := s.Themes()
	for _, e := range ex {
		for _, t := range e.Themes {
			if !slices.Contains(themes, t) {
				themes = append(themes, t)
			}
		}
	}
	slices.Sort(themes)
	all := newAcc(themes)
	langs := make(map[string]*acc)
	for _, e := range ex {
		res := s.Score(scoring.Doc{ID: e.ID, Title: e.Title, Text: e.Text, Lang: e.Lang})
		got := flaggedThemes(res)
		want := dedupe(e.Themes)
		la := langs[e.Lang]
		if la == nil {
			la = newAcc(themes)
			langs[e.Lang] = la
		}
		wantP, gotP := dedupe(e.Parties), res.Countries
		wantD := dyads(wantP)
		gotD := make([]string, 0, len(res.Dyads))
		for _, d := range res.Dyads {
			gotD = append(gotD, d.String())
		}
		all.add(got, want, gotP, wantP, gotD, wantD, e.HardNegative)
		la.add(got, want, gotP, wantP, gotD, wantD, e.HardNegative)

		if !sameSet(got, want) || !sameSet(gotP, wantP) {
			scores := make(map[string]float64, len(res.Themes))
			var why []string
			for t, ts := range res.Themes {
				scores[t] = ts.Score
				for _, r := range ts.Rules {
					if !strings.HasPrefix(r, "near:") {
						why = append(why, t+":"+r)
					}
				}
			}
			slices.Sort(why)
			rep.Mistakes = append(rep.Mistakes, Mistake{
				ID: e.ID, Lang: e.Lang, Title: e.Title,
				WantThemes: want, GotThemes: got, WantParties: wantP, GotParties: slices.Clone(gotP),
				Scores: scores, Why: why,
			})
		}
	}
	rep.Figures = all.finish(themes)
	for l, la := range langs {
		rep.Languages = append(rep.Languages, LangStats{Lang: l, Figures: la.finish(themes)})
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
	ew.printf("%-5s %5s %5s %8s %-12s %-13s %-13s %-13s\n", "lang", "items", "hard", "macro-F1", "non-fr. flag", "country P/R", "dyad P/R", "dyads found")
	for _, l := range r.Languages {
		ew.printf("%-5s %5d %5d %8.3f %-12s %-13s %-13s %-13s\n", l.Lang, l.Examples, l.HardNegatives, l.MacroF1,
			fmt.Sprintf("%d/%d", l.NegativeFP, l.Negatives),
			fmt.Sprintf("%.3f/%.3f", l.Countries.Precision, l.Countries.Recall),
			fmt.Sprintf("%.3f/%.3f", l.Dyads.Precision, l.Dyads.Recall),
			fmt.Sprintf("%d/%d", l.Dyads.Found, l.Dyads.Labelled))
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
		if len(m.Why) > 0 {
			ew.printf("    withheld %v\n", m.Why)
		}
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
