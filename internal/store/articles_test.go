package store

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

func TestArticlesNeedingScoreAndSaveScores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1))
	var arts []NewArticle
	for _, a := range []struct {
		key string
		age time.Duration
	}{{"new", time.Hour}, {"old", 50 * time.Hour}, {"mid", 10 * time.Hour}, {"ancient", 500 * time.Hour}, {"scored", 5 * time.Hour}} {
		na := NewArticle{Item: item("guid:"+a.key, "Title "+a.key, "Text.", a.age)}
		if a.key == "scored" {
			na.Score = score("v2", map[string]float64{"trade": 0.5}, nil)
		}
		arts = append(arts, na)
	}
	save(t, db, FetchOutcome{Feed: "wire", Articles: arts})

	keys := func(as []StoredArticle) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Item.Key)
		}
		return out
	}
	since := t0.Add(-100 * time.Hour)
	got, err := db.ArticlesNeedingScore(ctx, "v2", since, 10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"guid:old", "guid:mid", "guid:new"}; !reflect.DeepEqual(keys(got), want) {
		t.Fatalf("needing v2 = %v, want %v (oldest first, none before since, not the scored one)", keys(got), want)
	}
	if got[0].ClusterID != got[0].ID || !got[0].FirstSeen.Equal(t0) || got[0].Item.Text != "Text." {
		t.Errorf("stored article not filled in: %+v", got[0])
	}
	limited, _ := db.ArticlesNeedingScore(ctx, "v2", since, 2)
	if want := []string{"guid:old", "guid:mid"}; !reflect.DeepEqual(keys(limited), want) {
		t.Errorf("limit 2 = %v, want %v", keys(limited), want)
	}

	scores := map[int64]scoring.Result{}
	for _, a := range got[:2] {
		scores[a.ID] = score("v2", map[string]float64{"security": 0.7}, []string{"RU", "UA"}, scoring.Dyad{A: "RU", B: "UA"})
	}
	scores[987654] = score("v2", nil, nil) // pruned meanwhile: skipped
	if err := db.SaveScores(ctx, scores); err != nil {
		t.Fatal(err)
	}
	left, _ := db.ArticlesNeedingScore(ctx, "v2", since, 10)
	if want := []string{"guid:new"}; !reflect.DeepEqual(keys(left), want) {
		t.Errorf("after SaveScores: %v, want %v", keys(left), want)
	}
	// An article scored with no themes at all is scored all the same.
	if err := db.SaveScores(ctx, map[int64]scoring.Result{left[0].ID: {LexiconVersion: "v2"}}); err != nil {
		t.Fatal(err)
	}
	if left, _ := db.ArticlesNeedingScore(ctx, "v2", since, 10); len(left) != 0 {
		t.Errorf("still needing a score: %v", keys(left))
	}

	// SaveScores replaces the article's score for that version, whole.
	id := got[0].ID
	replacement := score("v2", map[string]float64{"trade": 0.2}, []string{"CN"})
	if err := db.SaveScores(ctx, map[int64]scoring.Result{id: replacement}); err != nil {
		t.Fatal(err)
	}
	a, err := db.Article(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	replacement.ID = a.Item.Key
	if !reflect.DeepEqual(a.Scores["v2"], replacement) {
		t.Errorf("after replacement: %+v\nwant %+v", a.Scores["v2"], replacement)
	}
	if n := count(t, db, "article_dyads WHERE article_id = ?", id); n != 0 {
		t.Errorf("%d stale dyads left after the replacement", n)
	}

	if err := db.SaveScores(ctx, map[int64]scoring.Result{id: {}}); err == nil {
		t.Error("a score without lexicon version was accepted")
	}
}

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("A", 1), feed("B", 3))
	wire := readFixture(t, "wire_en.txt")
	r := score("v1", map[string]float64{"trade": 0.9}, []string{"MX", "US"}, mxus)
	// A story whose first article (from B, the heavy feed) is old and whose
	// copy (from A) is recent, plus old and recent stories of their own.
	save(t, db, FetchOutcome{Feed: "B", Articles: []NewArticle{
		{item("guid:wire-old", "Ministers meet", wire, 60*time.Hour), r},
		{item("guid:old-1", "Old one", "Old text.", 100*time.Hour), r},
		{item("guid:old-2", "Old two", "Old text.", 90*time.Hour), r},
	}})
	save(t, db, FetchOutcome{Feed: "A", Articles: []NewArticle{
		{item("guid:wire-new", "Ministers to meet", wire+" More to follow.", 40*time.Hour), r},
		{item("guid:old-1", "Old one", "Old text.", 100*time.Hour), r},
		{item("guid:recent", "Recent", "Recent text.", time.Hour), r},
	}})
	wireNew, _ := db.ArticleByKey(ctx, "guid:wire-new")
	wireOld, _ := db.ArticleByKey(ctx, "guid:wire-old")
	if wireNew.ClusterID != wireOld.ID {
		t.Fatal("fixture: the wire copies did not cluster")
	}

	n, err := db.Prune(ctx, t0.Add(-48*time.Hour), 2)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("pruned %d, want 3", n)
	}
	for _, key := range []string{"guid:wire-old", "guid:old-1", "guid:old-2"} {
		if _, err := db.ArticleByKey(ctx, key); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s: err = %v, want ErrNotFound", key, err)
		}
	}
	for key, table := range map[string]string{
		"sources": "article_sources", "scorings": "scorings", "scores": "scores", "countries": "article_countries",
		"dyads": "article_dyads",
	} {
		if n := count(t, db, table+" WHERE article_id NOT IN (SELECT id FROM articles)"); n != 0 {
			t.Errorf("%d orphan %s", n, key)
		}
	}
	// The wire story lives on through its copy, which becomes its
	// representative, with the copy's time and its only source's weight.
	var rep, published, size int64
	var weight float64
	if err := db.r.QueryRow(`SELECT rep_id, published_ms, weight, articles FROM stories WHERE cluster_id = ?`, wireOld.ID).
		Scan(&rep, &published, &weight, &size); err != nil {
		t.Fatal(err)
	}
	if rep != wireNew.ID || published != ms(wireNew.Item.Published) || weight != 1 || size != 1 {
		t.Errorf("wire story after prune: rep %d, time %v, weight %v, size %d; want %d, %v, 1, 1",
			rep, fromMS(published), weight, size, wireNew.ID, wireNew.Item.Published)
	}
	if n := count(t, db, "stories"); n != 2 {
		t.Errorf("%d stories left, want 2 (emptied ones removed)", n)
	}
	for name, want := range map[string]int64{"A": 2, "B": 0} {
		if st, _ := db.FeedState(ctx, name); st.Articles != want {
			t.Errorf("feed %s counts %d articles, want %d", name, st.Articles, want)
		}
	}
	var fkProblems int
	if err := db.r.QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fkProblems); err != nil || fkProblems != 0 {
		t.Errorf("foreign_key_check: %d problems, %v", fkProblems, err)
	}
	// A new copy of the pruned wire joins the surviving story, never a
	// reused id.
	save(t, db, FetchOutcome{Feed: "B", Articles: []NewArticle{{Item: item("guid:wire-3", "Ministers met", wire, 39*time.Hour)}}})
	third, _ := db.ArticleByKey(ctx, "guid:wire-3")
	if third.ClusterID != wireOld.ID || third.ID <= wireNew.ID {
		t.Errorf("third copy: id %d cluster %d; want a fresh id in cluster %d", third.ID, third.ClusterID, wireOld.ID)
	}

	if n, err := db.Prune(ctx, t0.Add(-48*time.Hour), 2); n != 0 || err != nil {
		t.Errorf("second prune: %d, %v; want nothing", n, err)
	}
	if _, err := db.Prune(ctx, t0, 0); err == nil {
		t.Error("batch 0 accepted")
	}
}

func TestSyncFeeds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("b", 1), feed("a", 2), feed("c", 1))
	save(t, db, FetchOutcome{Feed: "a", ETag: `"x"`, LastModified: "lm", NextAttempt: t0.Add(time.Hour),
		Articles: []NewArticle{{Item: item("guid:1", "One", "Text.", time.Hour)}}})
	save(t, db, FetchOutcome{Feed: "b", Articles: []NewArticle{{Item: item("guid:1", "One", "Text.", time.Hour)}}})
	save(t, db, FetchOutcome{Feed: "c", Status: StatusError, ErrorReason: "dns", NextAttempt: t0.Add(time.Hour)})

	// b leaves; a gets a lower weight; c moves to a new URL; d arrives.
	moved := feed("c", 1)
	moved.URL = "https://elsewhere.example/rss"
	syncFeeds(t, db, feed("a", 0.5), moved, feed("d", 1))

	states, err := db.FeedStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range states {
		names = append(names, s.Name)
	}
	if want := []string{"a", "c", "d"}; !reflect.DeepEqual(names, want) {
		t.Errorf("active feeds = %v, want %v", names, want)
	}
	b, err := db.FeedState(ctx, "b")
	if err != nil || b.Active || b.Articles != 1 {
		t.Errorf("inactive b = %+v, %v; want kept with its article", b, err)
	}
	a, _ := db.FeedState(ctx, "a")
	if a.Weight != 0.5 || a.ETag != `"x"` || a.NextAttempt.IsZero() {
		t.Errorf("a = %+v, want weight 0.5 with its validators and backoff", a)
	}
	c, _ := db.FeedState(ctx, "c")
	if c.URL != moved.URL || c.ETag != "" || c.ConsecutiveFailures != 0 || !c.NextAttempt.IsZero() || c.LastStatus != "error" {
		t.Errorf("moved c = %+v, want new URL, validators and backoff reset, history kept", c)
	}
	// The story's weight is recomputed: b (weight 1) is inactive but still
	// carried it, a dropped to 0.5.
	var w float64
	if err := db.r.QueryRow(`SELECT weight FROM stories`).Scan(&w); err != nil || w != 1 {
		t.Errorf("story weight %v, %v; want 1", w, err)
	}
	// b returns.
	syncFeeds(t, db, feed("b", 1))
	if b, _ := db.FeedState(ctx, "b"); !b.Active {
		t.Error("b did not come back")
	}
	if _, err := db.FeedState(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown feed: %v", err)
	}
	if err := db.SyncFeeds(ctx, []FeedMeta{feed("x", 1), feed("x", 2)}); err == nil {
		t.Error("duplicate names accepted")
	}
	if err := db.SyncFeeds(ctx, []FeedMeta{{Name: ""}}); err == nil {
		t.Error("empty name accepted")
	}
}

func TestLastArticleTime(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	if got, err := db.LastArticleTime(ctx); err != nil || !got.IsZero() {
		t.Errorf("empty: %v, %v; want zero", got, err)
	}
	syncFeeds(t, db, feed("wire", 1))
	save(t, db, FetchOutcome{Feed: "wire", At: t0, Articles: []NewArticle{{Item: item("guid:1", "1", "x", 5*time.Hour)}}})
	save(t, db, FetchOutcome{Feed: "wire", At: t0.Add(-time.Hour), Articles: []NewArticle{{Item: item("guid:2", "2", "x", 2*time.Hour)}}})
	if got, err := db.LastArticleTime(ctx); err != nil || !got.Equal(t0) {
		t.Errorf("LastArticleTime = %v, %v; want %v (first seen, not published)", got, err, t0)
	}
}

// TestReadersDuringWrites runs the scrape-time reads in a loop while
// fetches are written, which -race and WAL must both be happy with: no
// SQLITE_BUSY, and each snapshot consistent (never fewer articles than
// before, never more stories than articles).
func TestReadersDuringWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("a", 1), feed("b", 2))
	stop := make(chan struct{})
	// Each reader reports its first read, so the writer can make sure the
	// reads overlap its writes without timing anything.
	firstRead := make(chan struct{}, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for r := 0; r < 3; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			signalled := false
			defer func() {
				if !signalled { // failed before its first read: do not block the writer
					firstRead <- struct{}{}
				}
			}()
			var last int64
			for {
				select {
				case <-stop:
					return
				default:
				}
				stats, err := db.WindowStats(ctx, t0, []time.Duration{time.Hour, 24 * time.Hour}, "v1", []scoring.Dyad{mxus})
				if err != nil {
					errs <- err
					return
				}
				s := stats[1]
				if s.Articles < last || s.Stories > s.Articles {
					errs <- errors.New("inconsistent snapshot")
					return
				}
				last = s.Articles
				if _, err := db.FeedStates(ctx); err != nil {
					errs <- err
					return
				}
				if !signalled {
					firstRead <- struct{}{}
					signalled = true
				}
			}
		}()
	}
	for i := 0; i < 40; i++ {
		if i == 20 {
			for r := 0; r < 3; r++ {
				<-firstRead
			}
		}
		f := []string{"a", "b"}[i%2]
		it := item("guid:c"+time.Duration(i).String(), "Concurrent "+f, "A brief.", time.Duration(i)*time.Minute)
		save(t, db, FetchOutcome{Feed: f, At: t0, Articles: []NewArticle{
			{it, score("v1", map[string]float64{"trade": 0.6}, []string{"MX", "US"}, mxus)}}})
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := count(t, db, "articles"); n != 40 {
		t.Errorf("%d articles, want 40", n)
	}
}
