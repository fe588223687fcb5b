package scoring

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
)

// benchCorpusBytes is the size of the generated benchmark corpus.
const benchCorpusBytes = 8 << 20

// benchCorpus builds a corpus of several MB from the hand-written test
// articles: each generated article takes a title and 3 to 12 sentences drawn
// from the whole pool, so articles mix themes, languages and hard negatives
// the way a feed does. It is deterministic.
func benchCorpus(tb testing.TB) []Doc {
	tb.Helper()
	cases := loadCases(tb)
	var titles, sentences []string
	for _, c := range cases {
		titles = append(titles, c.Title)
		for _, s := range strings.SplitAfter(c.Text, ". ") {
			if s = strings.TrimSpace(s); s != "" {
				sentences = append(sentences, s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var docs []Doc
	total := 0
	for total < benchCorpusBytes {
		var b strings.Builder
		n := 3 + rng.IntN(10)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(sentences[rng.IntN(len(sentences))])
		}
		d := Doc{Title: titles[rng.IntN(len(titles))], Text: b.String()}
		docs = append(docs, d)
		total += len(d.Title) + len(d.Text)
	}
	return docs
}

// BenchmarkScore measures scoring throughput with the default lexicon: one
// op is one article; MB/s counts title and text bytes.
func BenchmarkScore(b *testing.B) {
	s := mustDefault(b)
	docs := benchCorpus(b)
	total := 0
	for _, d := range docs {
		total += len(d.Title) + len(d.Text)
	}
	perDoc := total / len(docs)
	b.SetBytes(int64(perDoc))
	b.ReportAllocs()
	b.ResetTimer()
	start, cpu0 := time.Now(), processCPU()
	for i := 0; i < b.N; i++ {
		s.Score(docs[i%len(docs)])
	}
	cpu := processCPU() - cpu0
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "articles/s")
	// MB/s per CPU second of the whole process (GC included): on a shared
	// machine wall-clock MB/s mostly measures the other tenants, while
	// this is what one core the scorer has to itself does. With -cpu 1 the
	// process runs on one core at a time.
	if cpu > 0 {
		b.ReportMetric(float64(b.N)*float64(perDoc)/1e6/cpu.Seconds(), "cpu-MB/s")
	}
}

// BenchmarkScoreGrownLexicon measures throughput with 10,000 extra random
// terms (one to three words of 4-10 letters, a third of them prefixes) in
// a language no document is in, and in no particular language (so every
// document walks them): the engine should barely notice either.
func BenchmarkScoreGrownLexicon(b *testing.B) {
	docs := benchCorpus(b)
	total := 0
	for _, d := range docs {
		total += len(d.Title) + len(d.Text)
	}
	for _, tc := range []struct{ name, lang string }{{"other-language", "xx"}, {"any-language", ""}} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := New([]*config.Lexicon{randomLexicon(10000, tc.lang)}, Options{Builtin: true})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(total / len(docs)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				s.Score(docs[i%len(docs)])
			}
			if cpu := processCPU() - cpu0; cpu > 0 {
				b.ReportMetric(float64(b.N)*float64(total/len(docs))/1e6/cpu.Seconds(), "cpu-MB/s")
			}
		})
	}
}

// randomLexicon returns n random trade terms of language lang.
func randomLexicon(n int, lang string) *config.Lexicon {
	rng := rand.New(rand.NewPCG(3, 4))
	word := func() string {
		w := make([]byte, 4+rng.IntN(7))
		for i := range w {
			w[i] = byte('a' + rng.IntN(26))
		}
		return string(w)
	}
	terms := make([]config.Term, 0, n)
	for i := 0; i < n; i++ {
		p := word()
		for range rng.IntN(3) {
			p += " " + word()
		}
		if rng.IntN(3) == 0 {
			p += "*"
		}
		terms = append(terms, config.Term{Pattern: p, Weight: 0.1, Lang: lang})
	}
	return &config.Lexicon{Source: "random", Themes: map[string]*config.ThemeLexicon{"trade": {Terms: terms}}}
}

// TestWriteBenchCorpus writes the benchmark corpus and every lexicon and
// gazetteer pattern to $BENCH_CORPUS_DIR for scripts/bench-scoring.sh, which
// runs grep over them as the reference for bare multi-term matching.
func TestWriteBenchCorpus(t *testing.T) {
	dir := os.Getenv("BENCH_CORPUS_DIR")
	if dir == "" {
		t.Skip("BENCH_CORPUS_DIR not set")
	}
	docs := benchCorpus(t)
	f, err := os.Create(filepath.Join(dir, "corpus.txt"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for _, d := range docs {
		w.WriteString(d.Title)
		w.WriteByte('\n')
		w.WriteString(d.Text)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	terms := allPatterns(t)
	if err := os.WriteFile(filepath.Join(dir, "terms.txt"), []byte(strings.Join(terms, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d articles, %d patterns", len(docs), len(terms))
}

// allPatterns lists every pattern the default scorer matches (terms, near
// anchors, negatives, gazetteer names and trap phrases), lowercased, with
// the prefix '*' and case marker '^' stripped.
func allPatterns(t testing.TB) []string {
	t.Helper()
	set := map[string]bool{}
	addP := func(p string) {
		if p == NearCountry {
			return // stands for the gazetteer names, which are listed anyway
		}
		p = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(p, "^"), "*"))
		if p = strings.TrimSpace(p); p != "" {
			set[p] = true
		}
	}
	lexs, err := DefaultLexicons()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lexs {
		for _, th := range l.Themes {
			for _, tm := range th.Terms {
				addP(tm.Pattern)
				for _, n := range tm.Near {
					addP(n)
				}
			}
			for _, n := range th.Negatives {
				addP(n.Pattern)
			}
		}
	}
	gaz, _ := data.ReadFile("gazetteer/countries.tsv")
	names, err := parseGazetteer("countries.tsv", gaz)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		addP(n.name)
	}
	trapData, _ := data.ReadFile("gazetteer/traps.yaml")
	traps, err := parseTraps("traps.yaml", trapData)
	if err != nil {
		t.Fatal(err)
	}
	for _, tr := range traps {
		for _, l := range [][]string{tr.Before, tr.After, tr.Context, tr.Unless, tr.AllowAfter} {
			for _, p := range l {
				addP(p)
			}
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
