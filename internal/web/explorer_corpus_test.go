package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// The screenshots' database: the hand-written articles of
// testdata/corpus.json, and a week of generated background stories so the
// charts have something to show, all scored by the built-in lexicon.

var screenshotNow = time.Date(2026, 3, 14, 15, 30, 0, 0, time.UTC)

const screenshotFeatured = "guid:feat-mx-troops"

type corpusArticle struct {
	Key, Feed, Age, Lang, Link, Title, Text string
	Copies                                  []corpusArticle
}

type corpus struct {
	Feeds []struct {
		Name, Lang string
		Weight     float64
	}
	Featured []corpusArticle
	Filler   struct {
		Places                                           [][4]string
		Trade, Security, Migration, Sovereignty, Neutral []string
		Titles                                           map[string][]string
	}
}

func seedScreenshotStore(t *testing.T, now time.Time) (*store.DB, *scoring.Scorer) {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile(filepath.Join("testdata", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var c corpus
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("testdata/corpus.json: %v", err)
	}
	scorer, err := scoring.New(nil, scoring.Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var metas []store.FeedMeta
	for _, f := range c.Feeds {
		metas = append(metas, store.FeedMeta{Name: f.Name, URL: "https://" + f.Name + ".example/rss", Lang: f.Lang, Weight: f.Weight})
	}
	if err := db.SyncFeeds(ctx, metas); err != nil {
		t.Fatal(err)
	}
	saveOne := func(a corpusArticle, published time.Time) {
		t.Helper()
		it := feeds.Item{Key: a.Key, Link: a.Link, Title: a.Title, Text: a.Text, Lang: a.Lang,
			Published: published, DateSource: feeds.DatePublished}
		res := scorer.Score(scoring.Doc{ID: a.Key, Title: a.Title, Text: a.Text, Lang: a.Lang})
		if _, err := db.SaveFetch(ctx, store.FetchOutcome{Feed: a.Feed, At: now, Status: store.StatusOK,
			Articles: []store.NewArticle{{Item: it, Score: res}}}); err != nil {
			t.Fatalf("save %s: %v", a.Key, err)
		}
	}

	// Background stories, oldest first. Each theme's share rises and falls
	// over the week, as tension does.
	rng := rand.New(rand.NewPCG(2026, 3))
	pools := map[string][]string{"trade": c.Filler.Trade, "security": c.Filler.Security,
		"migration": c.Filler.Migration, "sovereignty": c.Filler.Sovereignty}
	themes := []string{"trade", "security", "migration", "sovereignty"}
	peaks := map[string]time.Duration{"trade": 110 * time.Hour, "security": 30 * time.Hour, "migration": 70 * time.Hour, "sovereignty": 8 * time.Hour}
	n := 0
	for at := now.Add(-7 * 24 * time.Hour); at.Before(now); at = at.Add(6 * time.Hour) {
		stories := 5 + rng.IntN(5)
		for i := 0; i < stories; i++ {
			published := at.Add(time.Duration(rng.Int64N(int64(6 * time.Hour))))
			if !published.Before(now) {
				continue
			}
			theme := "neutral"
			for _, th := range themes {
				// A theme's chance peaks (0.45) at its peak and falls off over two days.
				d := now.Sub(published) - peaks[th]
				if d < 0 {
					d = -d
				}
				p := 0.45 - 0.2*float64(d)/float64(48*time.Hour)
				if p > 0.05 && rng.Float64() < p {
					theme = th
					break
				}
			}
			pl := c.Filler.Places[rng.IntN(len(c.Filler.Places))]
			fill := func(s string) string {
				return strings.NewReplacer("{A}", pl[0], "{B}", pl[2], "{N}", fmt.Sprint(3+rng.IntN(60))).Replace(s)
			}
			titles := c.Filler.Titles[theme]
			var sentences []string
			if theme != "neutral" {
				pool := pools[theme]
				for _, k := range rng.Perm(len(pool))[:3] {
					sentences = append(sentences, fill(pool[k]))
				}
			}
			for _, k := range rng.Perm(len(c.Filler.Neutral))[:2] {
				sentences = append(sentences, fill(c.Filler.Neutral[k]))
			}
			n++
			feed := c.Feeds[rng.IntN(len(c.Feeds))].Name
			saveOne(corpusArticle{Key: fmt.Sprintf("guid:fill-%d", n), Feed: feed, Lang: "en",
				Link:  fmt.Sprintf("https://%s.example/story/%d", feed, n),
				Title: capitalize(fill(titles[rng.IntN(len(titles))])), Text: capitalize(strings.Join(sentences, " "))}, published)
		}
	}

	for _, a := range c.Featured {
		for _, x := range append([]corpusArticle{a}, a.Copies...) {
			age, err := config.ParseDuration(x.Age)
			if err != nil {
				t.Fatalf("%s: age: %v", x.Key, err)
			}
			saveOne(x, now.Add(-age.Std()))
		}
	}
	return db, scorer
}

// capitalize upper-cases the first letter ("the United States says..." starts a title).
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
