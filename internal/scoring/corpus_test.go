package scoring

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
)

// corpusSet is one named set of documents the engine is checked against.
type corpusSet struct {
	name string
	docs []Doc
}

// allCorpora gathers every article text the repository has: the scorer's
// hand-written cases, the synthetic eval sets, the demo feeds, the
// generated benchmark corpus, and the real-news texts when present
// (git-ignored, so optional). Each document with a language is also
// included without one, so that both the given-language and the detected-
// language paths are exercised.
func allCorpora(t testing.TB) []corpusSet {
	t.Helper()
	var sets []corpusSet
	var cases []Doc
	for _, c := range loadCases(t) {
		cases = append(cases, Doc{ID: c.ID, Lang: c.Lang, Title: c.Title, Text: c.Text})
	}
	sets = append(sets, corpusSet{"cases", cases})

	evalFiles, _ := filepath.Glob("../eval/testdata/*.jsonl")
	textFiles, _ := filepath.Glob("../eval/testdata/realnews/texts/*.jsonl")
	if len(evalFiles) == 0 {
		t.Fatal("no eval sets under ../eval/testdata")
	}
	for _, f := range append(evalFiles, textFiles...) {
		lang := ""
		if strings.Contains(f, "realnews") {
			lang = strings.TrimSuffix(filepath.Base(f), ".jsonl")
		}
		sets = append(sets, corpusSet{f, readJSONLDocs(t, f, lang)})
	}

	feedFiles, _ := filepath.Glob("../demo/feeds/*")
	if len(feedFiles) == 0 {
		t.Fatal("no demo feeds under ../demo/feeds")
	}
	for _, f := range feedFiles {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		feed, err := gofeed.NewParser().Parse(r)
		r.Close()
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var docs []Doc
		for _, it := range feed.Items {
			text := it.Description
			if it.Content != "" {
				text += "\n" + it.Content
			}
			docs = append(docs, Doc{ID: it.GUID, Lang: feed.Language, Title: it.Title, Text: text})
		}
		sets = append(sets, corpusSet{f, docs})
	}
	sets = append(sets, corpusSet{"bench", benchCorpus(t)})

	for i := range sets {
		n := len(sets[i].docs)
		for _, d := range sets[i].docs[:n] {
			if d.Lang != "" {
				d.Lang = ""
				sets[i].docs = append(sets[i].docs, d)
			}
		}
	}
	return sets
}

// readJSONLDocs reads documents (id, lang, title, text) from a JSON-lines
// file; lang fills in a missing language.
func readJSONLDocs(t testing.TB, path, lang string) []Doc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []Doc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var d Doc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if d.Lang == "" {
			d.Lang = lang
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return docs
}

// TestDumpCorpusResults writes every corpus document's Result as JSON lines
// to $SCORING_DUMP, to compare two versions of the engine byte for byte.
func TestDumpCorpusResults(t *testing.T) {
	out := os.Getenv("SCORING_DUMP")
	if out == "" {
		t.Skip("SCORING_DUMP not set")
	}
	s := mustDefault(t)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	n := 0
	for _, set := range allCorpora(t) {
		for _, d := range set.docs {
			if err := enc.Encode(s.Score(d)); err != nil {
				t.Fatal(err)
			}
			n++
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d results", n)
}
