package store

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/demo"
	"github.com/tensiontracker/tracker/internal/scoring"
)

// fixtureWindows and fixtureWatch are what the migration test asks of the
// release database, before (recorded by the generator) and after migrating.
var (
	fixtureWindows = []time.Duration{time.Hour, 24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}
	fixtureWatch   = []scoring.Dyad{{A: "US", B: "CN"}, {A: "RU", B: "UA"}, {A: "US", B: "MX"}, {A: "IL", B: "PS"}, {A: "IN", B: "PK"}}
)

// TestGenerateReleaseFixture wrote testdata/release/tracker-v2.db with the
// store of the release before schema version 3 (scorings as a WITHOUT ROWID
// table of JSON explanations), and the window figures that release served
// from it (windows-v2.json). It is kept to document how the fixture was
// made; it only runs with TRACKER_GEN_FIXTURE=1, and only produces a
// version-2 database when run at that release.
func TestGenerateReleaseFixture(t *testing.T) {
	if os.Getenv("TRACKER_GEN_FIXTURE") != "1" {
		t.Skip("set TRACKER_GEN_FIXTURE=1 to regenerate the release fixture")
	}
	ctx := context.Background()
	dir := filepath.Join("testdata", "release")
	path := filepath.Join(dir, "tracker-v2.db")
	os.Remove(path)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	scorer, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"wire", "outlet-a", "outlet-b", "outlet-c"}
	var metas []FeedMeta
	for i, n := range names {
		metas = append(metas, feed(n, float64(i+1)))
	}
	syncFeeds(t, db, metas...)
	arts := demo.Articles()
	// The wire carries every article; each outlet republishes every third
	// one with its own headline (a syndicated copy, same story); one outlet
	// also carries an unscored article.
	var wire []NewArticle
	outlet := map[string][]NewArticle{}
	for i, a := range arts {
		age := time.Duration(i*97%(40*24)) * time.Hour
		it := item(fmt.Sprintf("guid:wire-%d", i), a.Title, a.Text, age)
		wire = append(wire, NewArticle{Item: it, Score: scorer.Score(scoring.Doc{ID: it.Key, Title: it.Title, Text: it.Text, Lang: "en"})})
		if i%3 == 0 {
			o := names[1+i%3]
			if i%2 == 0 {
				o = names[1+(i/3)%3]
			}
			cp := item(fmt.Sprintf("guid:%s-%d", o, i), "Update: "+a.Title, a.Text, age-10*time.Minute)
			outlet[o] = append(outlet[o], NewArticle{Item: cp, Score: scorer.Score(scoring.Doc{ID: cp.Key, Title: cp.Title, Text: cp.Text, Lang: "en"})})
		}
	}
	save(t, db, FetchOutcome{Feed: "wire", Articles: wire})
	for _, n := range names[1:] {
		save(t, db, FetchOutcome{Feed: n, Articles: outlet[n]})
	}
	save(t, db, FetchOutcome{Feed: "outlet-c", Articles: []NewArticle{{Item: item("guid:unscored", "Unscored", "Not scored yet.", time.Hour)}}})
	// An earlier lexicon version's scores for a few articles.
	old := map[int64]scoring.Result{}
	for id := int64(1); id <= 5; id++ {
		r := wire[id].Score
		r.LexiconVersion = "old-version"
		old[id] = r
	}
	if err := db.SaveScores(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveLabels(ctx, []Label{
		{ArticleKey: "guid:wire-1", Theme: "trade", Verdict: "missed", Author: "a", At: t0, LexiconVersion: wire[1].Score.LexiconVersion},
		{ArticleKey: "guid:wire-2", Theme: "security", Verdict: "right", Flagged: true, Note: "ok", Author: "b", At: t0, LexiconVersion: wire[2].Score.LexiconVersion},
	}); err != nil {
		t.Fatal(err)
	}
	stats, err := db.WindowStats(ctx, t0, fixtureWindows, wire[0].Score.LexiconVersion, fixtureWatch)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(struct {
		LexiconVersion string
		Stats          []WindowStats
	}{wire[0].Score.LexiconVersion, stats}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "windows-v2.json"), append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
