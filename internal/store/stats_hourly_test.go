package store

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// hourlyWindows mixes whole hours, a window shorter than an hour and one
// that is not a whole number of hours.
var hourlyWindows = []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour, 30 * time.Minute, 90*time.Minute + 7*time.Second}

// hourlyNows puts "now" on an hour boundary, either side of the half hour
// (the edge rows are then added, or subtracted) and a millisecond off.
var hourlyNows = []time.Duration{0, -17 * time.Minute, 23*time.Minute + 5*time.Millisecond, -(3*time.Hour + 59*time.Minute), time.Millisecond}

// checkWindowStatsDirect compares the aggregate path with the direct
// queries at several times, for each lexicon version.
func checkWindowStatsDirect(t *testing.T, db *DB, stage string, versions ...string) {
	t.Helper()
	ctx := context.Background()
	watch := append([]scoring.Dyad{{A: "US", B: "MX"}, {A: "XX", B: "YY"}}, benchWatch...)
	for _, v := range versions {
		for _, off := range hourlyNows {
			now := t0.Add(off)
			got, err := db.WindowStats(ctx, now, hourlyWindows, v, watch)
			if err != nil {
				t.Fatalf("%s: %v", stage, err)
			}
			want, err := db.windowStatsDirect(ctx, now, hourlyWindows, v, watch)
			if err != nil {
				t.Fatalf("%s: direct: %v", stage, err)
			}
			for i := range want {
				if diff := diffStats(got[i], want[i]); diff != "" {
					t.Errorf("%s, version %s, now t0%+v, window %v: aggregate path differs from the direct queries:\n%s",
						stage, v, off, hourlyWindows[i], diff)
				}
			}
		}
	}
}

// diffStats lists the differences between two WindowStats: counts and key
// sets exactly, sums up to rounding (they are added in another order).
func diffStats(got, want WindowStats) string {
	var d []string
	i := func(what string, g, w int64) {
		if g != w {
			d = append(d, fmt.Sprintf("%s: %d, want %d", what, g, w))
		}
	}
	f := func(what string, g, w float64) {
		if math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
			d = append(d, fmt.Sprintf("%s: %g, want %g", what, g, w))
		}
	}
	th := func(what string, g, w map[string]ThemeAgg) {
		if len(g) != len(w) {
			d = append(d, fmt.Sprintf("%s: themes %v, want %v", what, sortedKeys(g), sortedKeys(w)))
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				d = append(d, fmt.Sprintf("%s %s: missing", what, k))
				continue
			}
			i(what+" "+k+" flagged", gv.Flagged, wv.Flagged)
			f(what+" "+k+" flagged weighted", gv.FlaggedWeighted, wv.FlaggedWeighted)
			f(what+" "+k+" score", gv.ScoreSum, wv.ScoreSum)
		}
	}
	i("stories", got.Stories, want.Stories)
	f("stories weighted", got.StoriesWeighted, want.StoriesWeighted)
	i("articles", got.Articles, want.Articles)
	th("themes", got.Themes, want.Themes)
	if len(got.Dyads) != len(want.Dyads) {
		d = append(d, fmt.Sprintf("dyads %v, want %v", sortedKeys(got.Dyads), sortedKeys(want.Dyads)))
	}
	for k, wv := range want.Dyads {
		gv := got.Dyads[k]
		i("dyad "+k+" stories", gv.Stories, wv.Stories)
		f("dyad "+k+" weighted", gv.StoriesWeighted, wv.StoriesWeighted)
		th("dyad "+k, gv.Themes, wv.Themes)
	}
	if len(got.Feeds) != len(want.Feeds) {
		d = append(d, fmt.Sprintf("feeds %v, want %v", sortedKeys(got.Feeds), sortedKeys(want.Feeds)))
	}
	for k, wv := range want.Feeds {
		gv := got.Feeds[k]
		i("feed "+k+" articles", gv.Articles, wv.Articles)
		if len(gv.Flagged) != len(wv.Flagged) {
			d = append(d, fmt.Sprintf("feed %s themes %v, want %v", k, sortedKeys(gv.Flagged), sortedKeys(wv.Flagged)))
		}
		for th, n := range wv.Flagged {
			i("feed "+k+" "+th+" flagged", gv.Flagged[th], n)
		}
	}
	return strings.Join(d, "\n")
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestWindowStatsHourlyMatchesDirect builds a random store through the
// public write paths (ingest with syndicated copies and shared articles,
// scores replaced, a second lexicon version re-scored, feed weights changed
// and a feed dropped, pruning) and checks after every step that the hourly
// aggregates serve exactly what the direct queries compute.
func TestWindowStatsHourlyMatchesDirect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	c := &corpus{rng: rand.New(rand.NewPCG(11, 12))}
	weights := []float64{0.5, 1, 2, 3, 1.25}
	var metas []FeedMeta
	for i := 0; i < 6; i++ {
		metas = append(metas, feed(fmt.Sprintf("f%d", i), weights[c.rng.IntN(len(weights))]))
	}
	syncFeeds(t, db, metas...)

	var texts []string
	n := 0
	for batch := 0; batch < 30; batch++ {
		var arts []NewArticle
		for j := 0; j < 15; j++ {
			n++
			// From 31 hours before t0 to 2 hours after, at millisecond
			// precision, so rows fall on every side of every boundary.
			age := time.Duration(c.rng.Int64N(int64(33*time.Hour))) - 2*time.Hour
			text := c.text(5)
			if len(texts) > 0 && c.rng.IntN(4) == 0 {
				text = texts[c.rng.IntN(len(texts))] // a syndicated copy
			}
			texts = append(texts, text)
			arts = append(arts, NewArticle{Item: item(fmt.Sprintf("guid:r%d", n), c.pick(benchWho)+" on "+c.pick(benchTopics), text, age),
				Score: c.score("v1")})
		}
		save(t, db, FetchOutcome{Feed: metas[c.rng.IntN(len(metas))].Name, Articles: arts})
		// Some carried by a second feed.
		var again []NewArticle
		for _, a := range arts {
			if c.rng.IntN(5) == 0 {
				again = append(again, NewArticle{Item: a.Item})
			}
		}
		if len(again) > 0 {
			save(t, db, FetchOutcome{Feed: metas[c.rng.IntN(len(metas))].Name, Articles: again})
		}
	}
	if s := count(t, db, `stories`); s == count(t, db, `articles`) {
		t.Fatalf("no story has more than one article (%d stories): the test would not exercise clustering", s)
	}
	checkWindowStatsDirect(t, db, "after ingest", "v1", "v2")

	// Scores replaced under the same version.
	replaced := map[int64]scoring.Result{}
	for id := int64(1); id <= int64(n); id += 3 {
		replaced[id] = c.score("v1")
	}
	if err := db.SaveScores(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	checkWindowStatsDirect(t, db, "after replacing v1 scores", "v1")

	// A new lexicon version, re-scored in batches while v1 stays stored,
	// then part of it re-scored again.
	for pass := 0; pass < 2; pass++ {
		var cur RescoreCursor
		for {
			arts, next, err := db.ArticlesToRescore(ctx, "v2", t0.Add(-40*time.Hour), cur, 97)
			if err != nil {
				t.Fatal(err)
			}
			if len(arts) == 0 {
				break
			}
			cur = next
			var batch []Rescored
			for _, a := range arts {
				if pass == 0 || c.rng.IntN(3) == 0 {
					batch = append(batch, Rescored{Article: a, Result: c.score("v2")})
				}
			}
			if _, err := db.SaveRescored(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
	}
	checkWindowStatsDirect(t, db, "after re-scoring under v2", "v1", "v2")

	// Weights change and a feed leaves the configuration.
	metas[0].Weight, metas[1].Weight = 4, 0.25
	syncFeeds(t, db, metas[:5]...)
	checkWindowStatsDirect(t, db, "after changing feed weights", "v1", "v2")

	// Pruning removes articles, shrinks stories and moves representatives.
	if _, err := db.Prune(ctx, t0.Add(-20*time.Hour-17*time.Minute), 50); err != nil {
		t.Fatal(err)
	}
	checkWindowStatsDirect(t, db, "after pruning", "v1", "v2")
	if got := count(t, db, `hourly_articles WHERE hour < ?`, (ms(t0)-21*bucketMS)/bucketMS); got != 0 {
		t.Errorf("%d hourly rows left before the pruned hours", got)
	}
}
