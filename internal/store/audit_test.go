package store

import (
	"context"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

func TestAuditStatsJudgesEachVersionAgainstTheLabels(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	ctx := context.Background()
	syncFeeds(t, db, feed("wire", 1))
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{
		{Item: item("guid:a1", "Troops massed", "short", time.Hour), Score: score("v1", map[string]float64{"security": 0.8}, nil)},
		{Item: item("guid:a2", "Border shelling", "short", time.Hour), Score: score("v1", map[string]float64{"security": 0.2}, nil)},
		{Item: item("guid:a3", "Security patch", "short", time.Hour), Score: score("v1", map[string]float64{"security": 0.9}, nil)},
	}})
	id := func(key string) int64 {
		a, err := db.ArticleByKey(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	a1, a2, a3 := id("guid:a1"), id("guid:a2"), id("guid:a3")
	at := t0.Add(time.Minute)
	if _, err := db.SaveLabels(ctx, []Label{
		{ArticleID: a1, Theme: "security", Verdict: VerdictRight, Flagged: true, At: at, LexiconVersion: "v1"},
		{ArticleID: a2, Theme: "security", Verdict: VerdictMissed, Flagged: false, At: at, LexiconVersion: "v1"},
		{ArticleID: a3, Theme: "security", Verdict: VerdictWrong, Flagged: true, At: at, LexiconVersion: "v1"},
	}); err != nil {
		t.Fatal(err)
	}
	// v2 fixes both mistakes of v1.
	if err := db.SaveScores(ctx, map[int64]scoring.Result{
		a1: score("v2", map[string]float64{"security": 0.8}, nil),
		a2: score("v2", map[string]float64{"security": 0.7}, nil),
		a3: score("v2", map[string]float64{"security": 0.1}, nil),
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		version string
		want    AuditAgg
	}{
		{"v1", AuditAgg{Reviewed: 2, Confirmed: 1, Missed: 1}},
		{"v2", AuditAgg{Reviewed: 2, Confirmed: 2, Missed: 0}},
	} {
		got, err := db.AuditStats(ctx, tt.version)
		if err != nil {
			t.Fatal(err)
		}
		if got["security"] != tt.want || len(got) != 1 {
			t.Errorf("AuditStats(%s) = %+v, want security %+v", tt.version, got, tt.want)
		}
	}
	if got, err := db.AuditStats(ctx, "never-used"); err != nil || len(got) != 0 {
		t.Errorf("AuditStats of an unused version = %+v, %v; want nothing", got, err)
	}
}
