package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

func TestSaveLabels(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	ctx := context.Background()
	s1, t1 := idOf(t, db, "guid:s1"), idOf(t, db, "guid:t1")
	at := t0.Add(time.Minute)
	l1 := Label{ArticleID: s1, Theme: "security", Verdict: VerdictRight, Flagged: true, Note: "troops", Author: "ana", At: at, LexiconVersion: "v1"}
	l2 := Label{ArticleKey: "guid:t1", Theme: "migration", Verdict: VerdictMissed, At: at, LexiconVersion: "v1"}
	gone := Label{ArticleKey: "guid:pruned-long-ago", Theme: "trade", Verdict: VerdictRight, At: at}

	steps := []struct {
		name   string
		labels []Label
		want   LabelCounts
	}{
		{"new, by id and by key; an unknown article", []Label{l1, l2, gone}, LabelCounts{Saved: 2, Unknown: 1}},
		{"the same again: nothing changes", []Label{l1, l2}, LabelCounts{Stale: 2}},
		{"an older label does not replace a newer one", []Label{func() Label {
			l := l1
			l.Verdict, l.At = VerdictWrong, at.Add(-time.Hour)
			return l
		}()}, LabelCounts{Stale: 1}},
		{"a newer one does", []Label{func() Label {
			l := l1
			l.Verdict, l.Note, l.At = VerdictWrong, "on second thought", at.Add(time.Hour)
			return l
		}()}, LabelCounts{Saved: 1}},
	}
	for _, s := range steps {
		got, err := db.SaveLabels(ctx, s.labels)
		if err != nil || got != s.want {
			t.Fatalf("%s: %+v, %v; want %+v", s.name, got, err, s.want)
		}
	}
	labels, err := db.Labels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []Label{
		{ArticleID: s1, ArticleKey: "guid:s1", Theme: "security", Verdict: VerdictWrong, Flagged: true, Note: "on second thought", Author: "ana", At: at.Add(time.Hour), LexiconVersion: "v1"},
		{ArticleID: t1, ArticleKey: "guid:t1", Theme: "migration", Verdict: VerdictMissed, At: at, LexiconVersion: "v1"},
	}
	if s1 > t1 {
		want[0], want[1] = want[1], want[0]
	}
	if len(labels) != 2 || !labelEqual(labels[0], want[0]) || !labelEqual(labels[1], want[1]) {
		t.Fatalf("labels = %+v\nwant     %+v", labels, want)
	}
	if d, _ := db.ArticleDetail(ctx, s1, "v1"); len(d.Labels) != 1 || d.Labels[0].Note != "on second thought" {
		t.Errorf("article labels = %+v", d.Labels)
	}

	// An invalid label fails the whole call: nothing of it is stored.
	bad := []Label{{ArticleID: t1, Theme: "trade", Verdict: VerdictRight, At: at}, {ArticleID: t1, Theme: "trade2", Verdict: VerdictWrong, Flagged: false, At: at}}
	if _, err := db.SaveLabels(ctx, bad); err == nil {
		t.Error("wrong verdict on an unflagged theme accepted")
	}
	if n := count(t, db, "labels"); n != 2 {
		t.Errorf("%d labels after a rejected call, want 2", n)
	}
}

func labelEqual(a, b Label) bool {
	at := a.At.Equal(b.At)
	a.At, b.At = time.Time{}, time.Time{}
	return at && a == b
}

// TestLabelsSurviveRescoringAndRestart, and go with their article.
func TestLabelsLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("wire", 1))
	old := item("guid:old", "Old story", "Old text.", 40*24*time.Hour)
	recent := item("guid:new", "New story", "New text.", time.Hour)
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{
		{Item: old, Score: score("v1", map[string]float64{"trade": 0.7}, nil)},
		{Item: recent, Score: score("v1", map[string]float64{"trade": 0.7}, nil)},
	}})
	at := t0
	if _, err := db.SaveLabels(ctx, []Label{
		{ArticleKey: "guid:old", Theme: "trade", Verdict: VerdictWrong, Flagged: true, At: at, LexiconVersion: "v1"},
		{ArticleKey: "guid:new", Theme: "trade", Verdict: VerdictRight, Flagged: true, At: at, LexiconVersion: "v1"},
	}); err != nil {
		t.Fatal(err)
	}
	// Re-scoring under v1 again (and under v2) keeps the labels and their version.
	newID := idOf(t, db, "guid:new")
	if err := db.SaveScores(ctx, map[int64]scoring.Result{newID: score("v1", map[string]float64{"trade": 0.2}, nil)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveScores(ctx, map[int64]scoring.Result{newID: score("v2", map[string]float64{"trade": 0.9}, nil)}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db, "labels WHERE lexicon_version = 'v1'"); n != 2 {
		t.Fatalf("%d labels after re-scoring, want 2", n)
	}
	// A restart keeps them.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Pruning an article deletes its label.
	if _, err := db.Prune(ctx, t0.Add(-30*24*time.Hour), 100); err != nil {
		t.Fatal(err)
	}
	labels, err := db.Labels(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 1 || labels[0].ArticleKey != "guid:new" || labels[0].LexiconVersion != "v1" || !labels[0].Flagged {
		t.Errorf("labels after restart and prune = %+v", labels)
	}
}
