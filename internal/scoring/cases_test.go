package scoring

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
)

// testCase is one line of testdata/cases.jsonl: an article written for these
// tests with what the default scorer must say about it. Nil fields are not
// checked.
type testCase struct {
	ID         string    `json:"id"`
	Lang       string    `json:"lang"`
	Title      string    `json:"title"`
	Text       string    `json:"text"`
	Themes     *[]string `json:"themes"`
	Countries  *[]string `json:"countries"`
	Dyads      *[]string `json:"dyads"`
	MentionsIn []string  `json:"mentions_in"`
	MentionsNo []string  `json:"mentions_not"`
}

func loadCases(t testing.TB) []testCase {
	t.Helper()
	f, err := os.Open("testdata/cases.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []testCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c testCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("cases.jsonl: %v", err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var defaultScorer = sync.OnceValues(func() (*Scorer, error) { return New(nil, Options{Builtin: true}) })

func mustDefault(t testing.TB) *Scorer {
	t.Helper()
	s, err := defaultScorer()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

func flagged(r Result) []string {
	var out []string
	for name, ts := range r.Themes {
		if ts.Flagged {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	if c == nil {
		c = []string{}
	}
	return c
}

// TestCases checks the default lexicon and gazetteer on hand-written
// articles: the sample article of the pipeline issue in English and Spanish,
// hard negatives, and every gazetteer trap.
func TestCases(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	for _, c := range loadCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			t.Parallel()
			r := s.Score(Doc{ID: c.ID, Title: c.Title, Text: c.Text, Lang: c.Lang})
			if r.ID != c.ID {
				t.Errorf("ID = %q, want %q", r.ID, c.ID)
			}
			scores := map[string]float64{}
			for n, ts := range r.Themes {
				scores[n] = ts.Score
			}
			if c.Themes != nil {
				if got, want := flagged(r), sortedCopy(*c.Themes); !slices.Equal(sortedCopy(got), want) {
					t.Errorf("flagged themes = %v, want %v (scores %v)", got, want, scores)
				}
			}
			if c.Countries != nil {
				if got, want := sortedCopy(r.Countries), sortedCopy(*c.Countries); !slices.Equal(got, want) {
					t.Errorf("countries = %v, want %v (mentions %v)", r.Countries, *c.Countries, r.Mentions)
				}
			}
			if c.Dyads != nil {
				var got []string
				for _, d := range r.Dyads {
					got = append(got, d.String())
				}
				if !slices.Equal(sortedCopy(got), sortedCopy(*c.Dyads)) {
					t.Errorf("dyads = %v, want %v", got, *c.Dyads)
				}
			}
			for _, m := range c.MentionsIn {
				if !slices.Contains(r.Mentions, m) {
					t.Errorf("mentions %v lack %s", r.Mentions, m)
				}
			}
			for _, m := range c.MentionsNo {
				if slices.Contains(r.Mentions, m) {
					t.Errorf("mentions %v contain %s", r.Mentions, m)
				}
			}
		})
	}
}
