package store

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// exploreDB is a small database for the explorer's reads, under lexicon
// version "v1":
//
//	id  key       feeds            published  story        v1 flags (score)              countries / dyads
//	1   guid:s1   wire             t0-1h      1 (+2)       security .8, trade .2          MX US / MX-US
//	2   guid:s1c  daily            t0-30m     1            (copy of 1, own scores)        MX US / MX-US
//	3   guid:t1   daily            t0-3h      3            trade .9                       CN US / CN-US
//	4   guid:n1   blog             t0-30h     4            none (trade .1)                FR
//	5   guid:s2   wire, blog       t0-2h      5            security .6, sovereignty .7,   MX US / MX-US
//	                                                       trade 0
//	6   guid:u1   wire             t0-20m     6            not scored
//
// Story 1's representative is article 1 (the first inserted); its story time
// is t0-1h, its weight 3 (daily's).
func exploreDB(t testing.TB) *DB {
	t.Helper()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 2), feed("daily", 3), feed("blog", 0.5))
	wire := readFixture(t, "wire_en.txt")
	mxus := scoring.Dyad{A: "MX", B: "US"}
	s1 := item("guid:s1", "Trade ministers to meet in Ottawa", wire, time.Hour)
	s1c := item("guid:s1c", "Steel and car rules top agenda as partners gather", wire, 30*time.Minute)
	t1 := item("guid:t1", "Beijing answers new chip curbs", "Short text about chips.", 3*time.Hour)
	n1 := item("guid:n1", "Paris marathon route", "Runners cross the city.", 30*time.Hour)
	s2 := item("guid:s2", "Border patrols doubled", "Troops deployed along the border.", 2*time.Hour)
	u1 := item("guid:u1", "Unscored", "Not scored yet.", 20*time.Minute)
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{
		{Item: s1, Score: score("v1", map[string]float64{"security": 0.8, "trade": 0.2}, []string{"MX", "US"}, mxus)},
		{Item: s2, Score: score("v1", map[string]float64{"security": 0.6, "sovereignty": 0.7, "trade": 0}, []string{"MX", "US"}, mxus)},
		{Item: u1},
	}})
	save(t, db, FetchOutcome{Feed: "daily", Articles: []NewArticle{
		{Item: s1c, Score: score("v1", map[string]float64{"security": 0.9}, []string{"MX", "US"}, mxus)},
		{Item: t1, Score: score("v1", map[string]float64{"trade": 0.9}, []string{"CN", "US"}, scoring.Dyad{A: "CN", B: "US"})},
	}})
	save(t, db, FetchOutcome{Feed: "blog", Articles: []NewArticle{
		{Item: n1, Score: score("v1", map[string]float64{"trade": 0.1}, []string{"FR"})},
		{Item: s2}, // already stored: blog becomes a second source
	}})
	return db
}

// idOf finds an article's id by key.
func idOf(t testing.TB, db *DB, key string) int64 {
	t.Helper()
	a, err := db.ArticleByKey(context.Background(), key)
	if err != nil {
		t.Fatalf("article %s: %v", key, err)
	}
	return a.ID
}

func TestListArticles(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	ctx := context.Background()
	id := func(k string) int64 { return idOf(t, db, k) }
	if got, want := id("guid:s1c"), id("guid:s1"); got == want {
		t.Fatal("fixture: the copy is the same article")
	}
	if a, _ := db.Article(ctx, id("guid:s1c")); a.ClusterID != id("guid:s1") {
		t.Fatalf("fixture: the syndicated copy is not in story 1 (cluster %d)", a.ClusterID)
	}
	tests := []struct {
		name  string
		q     ArticleQuery
		want  []string // representative keys, in order
		total int
	}{
		{"all, newest first", ArticleQuery{}, []string{"guid:u1", "guid:s1", "guid:s2", "guid:t1", "guid:n1"}, 5},
		{"flagged for any theme", ArticleQuery{FlaggedOnly: true}, []string{"guid:s1", "guid:s2", "guid:t1"}, 3},
		{"theme: score above zero", ArticleQuery{Theme: "trade"}, []string{"guid:s1", "guid:t1", "guid:n1"}, 3},
		{"theme flagged", ArticleQuery{Theme: "trade", FlaggedOnly: true}, []string{"guid:t1"}, 1},
		{"theme by score", ArticleQuery{Theme: "security", Sort: SortScore}, []string{"guid:s1", "guid:s2"}, 2},
		{"by highest score of any theme", ArticleQuery{Sort: SortScore}, []string{"guid:t1", "guid:s1", "guid:s2", "guid:n1", "guid:u1"}, 5},
		{"dyad", ArticleQuery{Dyad: "MX-US"}, []string{"guid:s1", "guid:s2"}, 2},
		{"country", ArticleQuery{Country: "US", FlaggedOnly: true, Theme: "trade"}, []string{"guid:t1"}, 1},
		// Story 1 was carried by daily only through its copy.
		{"feed through a copy", ArticleQuery{Feed: "daily"}, []string{"guid:s1", "guid:t1"}, 2},
		{"feed as second source", ArticleQuery{Feed: "blog"}, []string{"guid:s2", "guid:n1"}, 2},
		{"unknown feed", ArticleQuery{Feed: "nope"}, nil, 0},
		{"time range [from, to)", ArticleQuery{From: t0.Add(-3 * time.Hour), To: t0.Add(-time.Hour)}, []string{"guid:s2", "guid:t1"}, 2},
		{"page 2", ArticleQuery{Limit: 2, Offset: 2}, []string{"guid:s2", "guid:t1"}, 5},
		{"past the end", ArticleQuery{Limit: 2, Offset: 6}, nil, 5},
		{"other lexicon version", ArticleQuery{Theme: "trade", LexiconVersion: "v2"}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := tt.q
			if q.LexiconVersion == "" {
				q.LexiconVersion = "v1"
			}
			page, err := db.ListArticles(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range page.Articles {
				got = append(got, keyOf(t, db, a.ID))
			}
			if !slices.Equal(got, tt.want) || page.Total != tt.total {
				t.Errorf("got %v (total %d), want %v (total %d)", got, page.Total, tt.want, tt.total)
			}
		})
	}

	// A row's details: the story's time, copies, weight and every feed.
	page, err := db.ListArticles(ctx, ArticleQuery{Dyad: "MX-US", LexiconVersion: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	s := page.Articles[0]
	want := ArticleSummary{ID: id("guid:s1"), ClusterID: id("guid:s1"), Title: "Trade ministers to meet in Ottawa",
		Link: "https://news.example/a/guid-s1", Lang: "en", Published: t0.Add(-time.Hour), Copies: 2, Weight: 3,
		Feeds:     []string{"daily", "wire"},
		Themes:    []ThemeFlag{{"security", 0.8, true}, {"trade", 0.2, false}},
		Countries: []string{"MX", "US"}, Dyads: []string{"MX-US"}}
	if !summaryEqual(s, want) {
		t.Errorf("row = %+v\nwant  %+v", s, want)
	}
	if _, err := db.ListArticles(ctx, ArticleQuery{Sort: "random"}); err == nil {
		t.Error("unknown sort accepted")
	}
}

func summaryEqual(a, b ArticleSummary) bool {
	return a.ID == b.ID && a.ClusterID == b.ClusterID && a.Title == b.Title && a.Link == b.Link && a.Lang == b.Lang &&
		a.Published.Equal(b.Published) && a.Copies == b.Copies && a.Weight == b.Weight && slices.Equal(a.Feeds, b.Feeds) &&
		slices.Equal(a.Themes, b.Themes) && slices.Equal(a.Countries, b.Countries) && slices.Equal(a.Dyads, b.Dyads)
}

func keyOf(t testing.TB, db *DB, id int64) string {
	t.Helper()
	a, err := db.Article(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Item.Key
}

// TestListTotalsMatchMetrics checks the promise of the explorer: for a
// window, theme and dyad, the list counts exactly the stories the metrics
// count.
func TestListTotalsMatchMetrics(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	ctx := context.Background()
	windows := []time.Duration{time.Hour + time.Minute, 6 * time.Hour, 48 * time.Hour}
	mxus := scoring.Dyad{A: "MX", B: "US"}
	stats, err := db.WindowStats(ctx, t0, windows, "v1", []scoring.Dyad{mxus})
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range windows {
		// The metrics' window is (now-w, now]; the list's range is [from, to).
		from, to := t0.Add(-w).Add(time.Millisecond), t0.Add(time.Millisecond)
		total := func(q ArticleQuery) int {
			q.From, q.To, q.LexiconVersion = from, to, "v1"
			p, err := db.ListArticles(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			return p.Total
		}
		if got := total(ArticleQuery{}); int64(got) != stats[i].Stories {
			t.Errorf("%v: list has %d stories, metrics %d", w, got, stats[i].Stories)
		}
		for theme, agg := range stats[i].Themes {
			if got := total(ArticleQuery{Theme: theme, FlaggedOnly: true}); int64(got) != agg.Flagged {
				t.Errorf("%v %s: list has %d flagged, metrics %d", w, theme, got, agg.Flagged)
			}
			if got := total(ArticleQuery{Theme: theme, FlaggedOnly: true, Dyad: "MX-US"}); int64(got) != stats[i].Dyads["MX-US"].Themes[theme].Flagged {
				t.Errorf("%v %s MX-US: list has %d flagged, metrics %d", w, theme, got, stats[i].Dyads["MX-US"].Themes[theme].Flagged)
			}
		}
		if got := total(ArticleQuery{Dyad: "MX-US"}); int64(got) != stats[i].Dyads["MX-US"].Stories {
			t.Errorf("%v MX-US: list has %d stories, metrics %d", w, got, stats[i].Dyads["MX-US"].Stories)
		}
	}
}

func TestArticleDetail(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	ctx := context.Background()
	s1, s1c, s2 := idOf(t, db, "guid:s1"), idOf(t, db, "guid:s1c"), idOf(t, db, "guid:s2")

	d, err := db.ArticleDetail(ctx, s1, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Key != "guid:s1" || d.ClusterID != s1 || d.LexiconVersion != "v1" || !d.Themes["security"].Flagged ||
		d.Themes["security"].Matches[0].Spans[1] != (scoring.Span{Field: "text", Start: 10, End: 16}) ||
		!slices.Equal(d.Countries, []string{"MX", "US"}) || !slices.Equal(d.Dyads, []string{"MX-US"}) ||
		!d.Published.Equal(t0.Add(-time.Hour)) || d.DateSource != "published" {
		t.Errorf("detail = %+v", d)
	}
	if len(d.Sources) != 1 || d.Sources[0].Feed != "wire" {
		t.Errorf("sources = %+v", d.Sources)
	}
	if len(d.Cluster) != 1 || d.Cluster[0].ID != s1c || !slices.Equal(d.Cluster[0].Feeds, []string{"daily"}) ||
		d.Cluster[0].Title != "Steel and car rules top agenda as partners gather" {
		t.Errorf("cluster = %+v", d.Cluster)
	}
	d2, err := db.ArticleDetail(ctx, s2, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Sources) != 2 || len(d2.Cluster) != 0 {
		t.Errorf("s2: sources %+v, cluster %+v", d2.Sources, d2.Cluster)
	}

	// Not scored under v2 yet: the newest version it has stands in.
	if d, _ := db.ArticleDetail(ctx, s1, "v2"); d.LexiconVersion != "v1" || !d.Themes["security"].Flagged {
		t.Errorf("fallback: version %q", d.LexiconVersion)
	}
	// Once re-scored, v2.
	if err := db.SaveScores(ctx, map[int64]scoring.Result{s1: score("v2", map[string]float64{"security": 0.1}, []string{"MX"})}); err != nil {
		t.Fatal(err)
	}
	if d, _ := db.ArticleDetail(ctx, s1, "v2"); d.LexiconVersion != "v2" || d.Themes["security"].Flagged || len(d.Dyads) != 0 {
		t.Errorf("after re-scoring: %+v", d)
	}
	if d, _ := db.ArticleDetail(ctx, s1, "v1"); d.LexiconVersion != "v1" || !d.Themes["security"].Flagged {
		t.Errorf("v1 after re-scoring: version %q", d.LexiconVersion)
	}
	// Never scored.
	if d, err := db.ArticleDetail(ctx, idOf(t, db, "guid:u1"), "v1"); err != nil || d.LexiconVersion != "" || d.Themes != nil {
		t.Errorf("unscored: %+v, %v", d, err)
	}
	if _, err := db.ArticleDetail(ctx, 9999, "v1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing article: %v", err)
	}
}

func TestThemeSeries(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	ctx := context.Background()
	from := t0.Add(-4 * time.Hour)
	// Buckets of 1h from t0-4h: [-4h,-3h) none; [-3h,-2h) t1; [-2h,-1h) s2; [-1h,0) s1, u1.
	pts, err := db.ThemeSeries(ctx, SeriesQuery{From: from, To: t0, Step: time.Hour, LexiconVersion: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		stories, flagged int64
		storiesW         float64
	}
	want := map[string][]row{
		"security":    {{0, 0, 0}, {1, 0, 3}, {1, 1, 2}, {2, 1, 5}},
		"sovereignty": {{0, 0, 0}, {1, 0, 3}, {1, 1, 2}, {2, 0, 5}},
		"trade":       {{0, 0, 0}, {1, 1, 3}, {1, 0, 2}, {2, 0, 5}},
	}
	if len(pts) != 12 {
		t.Fatalf("%d points, want 3 themes x 4 buckets: %+v", len(pts), pts)
	}
	for i, p := range pts {
		theme := []string{"security", "sovereignty", "trade"}[i/4]
		w := want[theme][i%4]
		if p.Theme != theme || !p.Start.Equal(from.Add(time.Duration(i%4)*time.Hour)) || p.Stories != w.stories ||
			p.Flagged != w.flagged || p.StoriesWeighted != w.storiesW {
			t.Errorf("point %d = %+v, want %s %+v", i, p, theme, w)
		}
	}
	// One theme, one dyad: the stories of the dyad only.
	pts, err = db.ThemeSeries(ctx, SeriesQuery{Theme: "security", Dyad: "MX-US", From: from, To: t0, Step: 2 * time.Hour, LexiconVersion: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(pts) != 2 || pts[0].Stories != 0 || pts[1].Stories != 2 || pts[1].Flagged != 2 || pts[1].FlaggedWeighted != 5 {
		t.Errorf("security MX-US = %+v", pts)
	}
	if _, err := db.ThemeSeries(ctx, SeriesQuery{From: t0, To: t0, Step: time.Hour}); err == nil {
		t.Error("empty range accepted")
	}
}

func TestTopDyads(t *testing.T) {
	t.Parallel()
	db := exploreDB(t)
	got, err := db.TopDyads(context.Background(), t0.Add(-24*time.Hour), "v1", 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []DyadCount{{"MX-US", 2, 2}, {"CN-US", 1, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("top dyads = %+v, want %+v", got, want)
	}
	if got, _ := db.TopDyads(context.Background(), t0.Add(-24*time.Hour), "v1", 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d", len(got))
	}
}

func BenchmarkListArticles(b *testing.B) {
	db := openTest(b)
	syncFeeds(b, db, feed("wire", 1))
	ctx := context.Background()
	const n = 20000
	for start := 0; start < n; start += 500 {
		var arts []NewArticle
		for i := start; i < start+500; i++ {
			key := "guid:b" + strconv.Itoa(i)
			th := map[string]float64{"security": float64(i%10) / 10, "trade": float64(i%7) / 7}
			arts = append(arts, NewArticle{Item: item(key, "Title "+strconv.Itoa(i), "Short text "+strconv.Itoa(i), time.Duration(i)*time.Minute),
				Score: score("v1", th, []string{"MX", "US"}, scoring.Dyad{A: "MX", B: "US"})})
		}
		save(b, db, FetchOutcome{Feed: "wire", Articles: arts})
	}
	q := ArticleQuery{Theme: "security", FlaggedOnly: true, Dyad: "MX-US", From: t0.Add(-7 * 24 * time.Hour), To: t0,
		Sort: SortScore, Limit: 50, LexiconVersion: "v1"}
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.ListArticles(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
