package store

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
)

var mxus = scoring.Dyad{A: "MX", B: "US"}

func TestSaveFetchStoresArticlesWithScores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1.5))

	a := item("guid:a1", "Mexico rejects foreign troops", "The president said troops will never set foot on Mexican soil.", time.Hour)
	a.Lang = "" // unknown in the feed: the scorer's detected language is kept
	sa := score("lex-1", map[string]float64{"security": 0.8, "sovereignty": 0.9, "trade": 0.1, "migration": 0},
		[]string{"MX", "US"}, mxus)
	sa.Lang = "es"
	sa.Themes["security"] = scoring.ThemeScore{Score: 0.8, Flagged: true,
		Matches:   []scoring.Match{{Term: "troops", Count: 1, Weight: 2, Spans: []scoring.Span{{Field: "text", Start: 22, End: 28}}}},
		Negatives: []scoring.Match{{Term: "security patch", Count: 1}},
		Rules:     []string{"near:military"},
	}
	b := item("guid:b2", "Tariff talks resume", "Negotiators return to the table over steel duties.", 2*time.Hour)
	sb := score("lex-1", map[string]float64{"trade": 0.7}, []string{"CA", "US", "MX"},
		scoring.Dyad{A: "US", B: "CA"}, mxus) // US-CA given unordered: stored as CA-US

	res := save(t, db, FetchOutcome{Feed: "wire", At: t0, ETag: `"v1"`, LastModified: "Fri, 14 Mar 2025 11:00:00 GMT",
		NextAttempt: t0.Add(15 * time.Minute), Articles: []NewArticle{{a, sa}, {b, sb}}})
	if res != (SaveResult{New: 2}) {
		t.Errorf("SaveResult = %+v, want 2 new", res)
	}

	got, err := db.ArticleByKey(ctx, "guid:a1")
	if err != nil {
		t.Fatal(err)
	}
	wantItem := a
	wantItem.Lang = "es"
	if !reflect.DeepEqual(got.Item, wantItem) {
		t.Errorf("item = %+v\nwant %+v", got.Item, wantItem)
	}
	if !got.FirstSeen.Equal(t0) || got.ClusterID != got.ID || got.StoryArticles != 1 {
		t.Errorf("first seen %v, cluster %d (id %d), story size %d; want %v, own cluster, 1",
			got.FirstSeen, got.ClusterID, got.ID, got.StoryArticles, t0)
	}
	if want := []Source{{Feed: "wire", FirstSeen: t0}}; !reflect.DeepEqual(got.Sources, want) {
		t.Errorf("sources = %+v, want %+v", got.Sources, want)
	}
	sa.ID = "guid:a1"
	if !reflect.DeepEqual(got.Scores, map[string]scoring.Result{"lex-1": sa}) {
		t.Errorf("scores = %+v\nwant %+v", got.Scores, sa)
	}

	gotB, err := db.ArticleByKey(ctx, "guid:b2")
	if err != nil {
		t.Fatal(err)
	}
	wantDyads := []scoring.Dyad{{A: "CA", B: "US"}, mxus}
	if r := gotB.Scores["lex-1"]; !reflect.DeepEqual(r.Dyads, wantDyads) || !reflect.DeepEqual(r.Countries, []string{"CA", "US", "MX"}) {
		t.Errorf("b: countries %v dyads %v, want [CA US MX] %v", r.Countries, r.Dyads, wantDyads)
	}
	byID, err := db.Article(ctx, gotB.ID)
	if err != nil || byID.Item.Key != "guid:b2" {
		t.Errorf("Article(%d) = %q, %v; want guid:b2", gotB.ID, byID.Item.Key, err)
	}
	if _, err := db.Article(ctx, 424242); !errors.Is(err, ErrNotFound) {
		t.Errorf("Article(unknown) err = %v, want ErrNotFound", err)
	}

	st, err := db.FeedState(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	want := FeedState{Name: "wire", URL: "https://news.example/wire/rss", Lang: "en", Country: "GB", Weight: 1.5, Active: true,
		ETag: `"v1"`, LastModified: "Fri, 14 Mar 2025 11:00:00 GMT", LastAttempt: t0, LastSuccess: t0, LastStatus: "ok",
		NextAttempt: t0.Add(15 * time.Minute), Articles: 2}
	if !reflect.DeepEqual(st, want) {
		t.Errorf("feed state = %+v\nwant %+v", st, want)
	}
}

func TestSameArticleFromTwoFeedsStoredOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		second func(feeds.Item) feeds.Item
	}{
		{"same key", func(it feeds.Item) feeds.Item { it.Link = "https://mirror.example/x"; return it }},
		{"same link", func(it feeds.Item) feeds.Item { it.Key, it.GUID = "guid:other-feeds-id", "other-feeds-id"; return it }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db := openTest(t)
			syncFeeds(t, db, feed("wire", 1), feed("daily", 3))
			it := item("guid:x", "Border crossings rise", "Officials report more crossings at the northern border.", time.Hour)
			sc := score("lex-1", map[string]float64{"migration": 0.8}, []string{"MX", "US"}, mxus)
			if r := save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{it, sc}}}); r != (SaveResult{New: 1}) {
				t.Fatalf("first feed: %+v", r)
			}
			// The second feed's copy comes unscored, as the pipeline sends
			// what Known reports.
			second := tt.second(it)
			known, err := db.Known(ctx, []feeds.Item{second})
			if err != nil || !known[second.Key] {
				t.Fatalf("Known = %v, %v; want the copy known", known, err)
			}
			later := t0.Add(10 * time.Minute)
			if r := save(t, db, FetchOutcome{Feed: "daily", At: later, Articles: []NewArticle{{Item: second}}}); r != (SaveResult{Seen: 1}) {
				t.Fatalf("second feed: %+v, want 1 seen", r)
			}
			if n := count(t, db, "articles"); n != 1 {
				t.Fatalf("%d articles stored, want 1", n)
			}
			a, err := db.ArticleByKey(ctx, "guid:x")
			if err != nil {
				t.Fatal(err)
			}
			if want := []Source{{"wire", t0}, {"daily", later}}; !reflect.DeepEqual(a.Sources, want) {
				t.Errorf("sources = %+v, want %+v", a.Sources, want)
			}
			for name, want := range map[string]int64{"wire": 1, "daily": 1} {
				if st, _ := db.FeedState(ctx, name); st.Articles != want {
					t.Errorf("feed %s has %d articles, want %d", name, st.Articles, want)
				}
			}
			// The story now weighs what its heaviest source weighs.
			var w float64
			if err := db.r.QueryRow(`SELECT weight FROM stories`).Scan(&w); err != nil || w != 3 {
				t.Errorf("story weight = %v, %v; want 3", w, err)
			}
			// Seeing it again from either feed changes nothing.
			for _, f := range []string{"wire", "daily"} {
				if r := save(t, db, FetchOutcome{Feed: f, Articles: []NewArticle{{Item: second}}}); r != (SaveResult{Seen: 1}) {
					t.Errorf("repeat from %s: %+v", f, r)
				}
			}
			if n := count(t, db, "article_sources"); n != 2 {
				t.Errorf("%d sources after repeats, want 2", n)
			}
		})
	}
}

func TestSaveFetchTwiceInsertsNothing(t *testing.T) {
	t.Parallel()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1))
	var arts []NewArticle
	for i, title := range []string{"Steel quota talks", "Navy drills near strait", "Asylum rules tightened"} {
		arts = append(arts, NewArticle{
			Item:  item("guid:"+title, title, "A short dispatch on the matter.", time.Duration(i)*time.Hour),
			Score: score("lex-1", map[string]float64{"trade": 0.6}, []string{"US"}),
		})
	}
	if r := save(t, db, FetchOutcome{Feed: "wire", Articles: arts}); r != (SaveResult{New: 3}) {
		t.Fatalf("first: %+v", r)
	}
	tables := []string{"articles", "article_sources", "stories", "scorings", "scores", "article_countries"}
	before := map[string]int64{}
	for _, tb := range tables {
		before[tb] = count(t, db, tb)
	}
	if r := save(t, db, FetchOutcome{Feed: "wire", At: t0.Add(time.Hour), Articles: arts}); r != (SaveResult{Seen: 3}) {
		t.Fatalf("second: %+v, want 3 seen", r)
	}
	for _, tb := range tables {
		if n := count(t, db, tb); n != before[tb] {
			t.Errorf("%s: %d rows after the repeat, %d before", tb, n, before[tb])
		}
	}
	if st, _ := db.FeedState(context.Background(), "wire"); st.Articles != 3 {
		t.Errorf("feed counts %d articles, want 3", st.Articles)
	}
}

func TestSaveFetchStateTransitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1))
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	steps := []struct {
		name string
		o    FetchOutcome
		want FeedState // only the state fields are compared
	}{
		{"ok", FetchOutcome{Status: StatusOK, At: at(0), ETag: `"a"`, LastModified: "lm-a", NextAttempt: at(15),
			Articles: []NewArticle{{Item: item("guid:1", "One", "Short text.", 0)}}},
			FeedState{ETag: `"a"`, LastModified: "lm-a", LastAttempt: at(0), LastSuccess: at(0), LastStatus: "ok", NextAttempt: at(15), Articles: 1}},
		{"304 without validators keeps them", FetchOutcome{Status: StatusNotModified, At: at(15)},
			FeedState{ETag: `"a"`, LastModified: "lm-a", LastAttempt: at(15), LastSuccess: at(15), LastStatus: "not_modified", Articles: 1}},
		{"304 with a new etag", FetchOutcome{Status: StatusNotModified, At: at(30), ETag: `"b"`},
			FeedState{ETag: `"b"`, LastModified: "lm-a", LastAttempt: at(30), LastSuccess: at(30), LastStatus: "not_modified", Articles: 1}},
		{"error", FetchOutcome{Status: StatusError, At: at(45), ErrorReason: "timeout", Error: "context deadline exceeded", NextAttempt: at(46)},
			FeedState{ETag: `"b"`, LastModified: "lm-a", LastAttempt: at(45), LastSuccess: at(30), LastStatus: "error",
				LastErrorReason: "timeout", LastError: "context deadline exceeded", ConsecutiveFailures: 1, NextAttempt: at(46), Articles: 1}},
		{"error again", FetchOutcome{Status: StatusError, At: at(50), ErrorReason: "http_5xx", Error: "503", NextAttempt: at(60)},
			FeedState{ETag: `"b"`, LastModified: "lm-a", LastAttempt: at(50), LastSuccess: at(30), LastStatus: "error",
				LastErrorReason: "http_5xx", LastError: "503", ConsecutiveFailures: 2, NextAttempt: at(60), Articles: 1}},
		{"ok without validators clears them", FetchOutcome{Status: StatusOK, At: at(60)},
			FeedState{LastAttempt: at(60), LastSuccess: at(60), LastStatus: "ok", Articles: 1}},
	}
	for _, s := range steps {
		s.o.Feed = "wire"
		if _, err := db.SaveFetch(ctx, s.o); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		got, err := db.FeedState(ctx, "wire")
		if err != nil {
			t.Fatal(err)
		}
		want := s.want
		want.Name, want.URL, want.Lang, want.Country, want.Weight, want.Active = got.Name, got.URL, got.Lang, got.Country, got.Weight, got.Active
		if !reflect.DeepEqual(got, want) {
			t.Errorf("after %s:\n got %+v\nwant %+v", s.name, got, want)
		}
	}
	if n := count(t, db, "articles"); n != 1 {
		t.Errorf("%d articles, want 1 (304 and errors store none)", n)
	}
}

func TestSaveFetchRejectsBadOutcomes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1))
	good := NewArticle{Item: item("guid:g", "Good", "Fine text.", 0), Score: score("lex-1", map[string]float64{"trade": 0.5}, nil)}
	nan := good
	nan.Score = score("lex-1", map[string]float64{"trade": math.NaN()}, nil)
	tests := []struct {
		name string
		o    FetchOutcome
		is   error
	}{
		{"unknown feed", FetchOutcome{Feed: "nope", At: t0, Status: StatusOK}, ErrNotFound},
		{"no time", FetchOutcome{Feed: "wire", Status: StatusOK}, nil},
		{"unknown status", FetchOutcome{Feed: "wire", At: t0, Status: "fine"}, nil},
		{"articles on a 304", FetchOutcome{Feed: "wire", At: t0, Status: StatusNotModified, Articles: []NewArticle{good}}, nil},
		{"NaN score", FetchOutcome{Feed: "wire", At: t0, Status: StatusOK, Articles: []NewArticle{good, nan}}, nil},
		{"no key", FetchOutcome{Feed: "wire", At: t0, Status: StatusOK, Articles: []NewArticle{{Item: feeds.Item{Title: "x"}}}}, nil},
		{"themes without version", FetchOutcome{Feed: "wire", At: t0, Status: StatusOK, Articles: []NewArticle{
			{Item: good.Item, Score: scoring.Result{Themes: map[string]scoring.ThemeScore{"trade": {}}}}}}, nil},
	}
	for _, tt := range tests {
		_, err := db.SaveFetch(ctx, tt.o)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
		} else if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.is)
		}
	}
	if st, _ := db.FeedState(ctx, "wire"); !st.LastAttempt.IsZero() || count(t, db, "articles") != 0 {
		t.Errorf("a rejected outcome left traces: state %+v", st)
	}
}

// TestSaveFetchFailureLeavesNothing fails the transaction after some
// articles were written, once with an error and once by cancelling the
// context, and checks that neither the articles nor the state update stayed.
func TestSaveFetchFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hook func(cancel context.CancelFunc) func(int) error
	}{
		{"error after the second article", func(context.CancelFunc) func(int) error {
			return func(i int) error {
				if i == 1 {
					return errors.New("injected failure")
				}
				return nil
			}
		}},
		{"context cancelled after the second article", func(cancel context.CancelFunc) func(int) error {
			return func(i int) error {
				if i == 1 {
					cancel()
				}
				return nil
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := openTest(t)
			syncFeeds(t, db, feed("wire", 1))
			wire := readFixture(t, "wire_en.txt")
			var arts []NewArticle
			for _, k := range []string{"a", "b", "c", "d"} {
				arts = append(arts, NewArticle{Item: item("guid:"+k, "Story "+k, wire+" Update "+k+".", time.Hour),
					Score: score("lex-1", map[string]float64{"trade": 0.9}, []string{"MX", "US"}, mxus)})
			}
			o := FetchOutcome{Feed: "wire", At: t0, Status: StatusOK, ETag: `"new"`, Articles: arts}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			db.afterArticle = tt.hook(cancel)
			if _, err := db.SaveFetch(ctx, o); err == nil {
				t.Fatal("SaveFetch succeeded despite the failure")
			}
			db.afterArticle = nil
			for _, tb := range []string{"articles", "article_sources", "stories", "scorings", "scores", "lexicon_versions"} {
				if n := count(t, db, tb); n != 0 {
					t.Errorf("%s has %d rows after the failed transaction", tb, n)
				}
			}
			if n := len(db.lsh.Entries()); n != 0 {
				t.Errorf("the near-duplicate index holds %d articles of the failed transaction", n)
			}
			st, err := db.FeedState(context.Background(), "wire")
			if err != nil {
				t.Fatal(err)
			}
			if st.ETag != "" || !st.LastAttempt.IsZero() || st.Articles != 0 {
				t.Errorf("feed state changed by the failed transaction: %+v", st)
			}
			// The writer is usable again and the same fetch goes through.
			if r := save(t, db, o); r.New != 4 {
				t.Errorf("retry: %+v, want 4 new", r)
			}
			// The four updates of one wire are one story, clustered within
			// the transaction.
			if n := count(t, db, "stories"); n != 1 || len(db.lsh.Entries()) != 4 {
				t.Errorf("%d stories and %d indexed articles after the retry, want 1 and 4", n, len(db.lsh.Entries()))
			}
		})
	}
}

// TestCrashMidTransaction kills a process (os.Exit, no rollback, no close)
// in the middle of a SaveFetch and checks what a restart finds: the earlier
// commit whole, nothing of the interrupted one, an intact file.
func TestCrashMidTransaction(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tracker.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$")
	cmd.Env = append(os.Environ(), "STORE_CRASH_DB="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("helper process: %v (want exit status 3)\n%s", err, out)
	}

	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.r.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
	if _, err := db.ArticleByKey(ctx, "guid:committed"); err != nil {
		t.Errorf("the committed article is gone: %v", err)
	}
	if n := count(t, db, "articles"); n != 1 {
		t.Errorf("%d articles after the crash, want only the committed one", n)
	}
	st, err := db.FeedState(ctx, "wire")
	if err != nil {
		t.Fatal(err)
	}
	if st.ETag != `"first"` || !st.LastAttempt.Equal(t0) || st.Articles != 1 {
		t.Errorf("feed state after the crash = %+v, want the first fetch's", st)
	}
}

// TestCrashHelper is the process TestCrashMidTransaction kills; it does
// nothing unless started by it.
func TestCrashHelper(t *testing.T) {
	path := os.Getenv("STORE_CRASH_DB")
	if path == "" {
		t.Skip("run by TestCrashMidTransaction")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("wire", 1))
	save(t, db, FetchOutcome{Feed: "wire", At: t0, ETag: `"first"`, Articles: []NewArticle{
		{Item: item("guid:committed", "Committed", "This one was committed.", time.Hour)}}})
	db.afterArticle = func(i int) error {
		if i == 1 {
			os.Exit(3)
		}
		return nil
	}
	save(t, db, FetchOutcome{Feed: "wire", At: t0.Add(time.Hour), ETag: `"second"`, Articles: []NewArticle{
		{Item: item("guid:lost-1", "Lost", "Never committed.", 0)},
		{Item: item("guid:lost-2", "Lost too", "Never committed either.", 0)}}})
	t.Fatal("not reached")
}

func TestRestartKeepsEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tracker.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	syncFeeds(t, db, feed("wire", 2))
	it := item("guid:r", "Sanctions widened", "New sanctions target shipping firms.", time.Hour)
	save(t, db, FetchOutcome{Feed: "wire", ETag: `"e"`, LastModified: "lm", NextAttempt: t0.Add(time.Hour),
		Articles: []NewArticle{{it, score("lex-1", map[string]float64{"security": 0.7}, []string{"IR", "US"})}}})
	beforeState, _ := db.FeedState(ctx, "wire")
	beforeArt, _ := db.ArticleByKey(ctx, "guid:r")
	beforeStats, err := db.WindowStats(ctx, t0, []time.Duration{24 * time.Hour}, "lex-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	afterState, _ := db.FeedState(ctx, "wire")
	afterArt, _ := db.ArticleByKey(ctx, "guid:r")
	afterStats, err := db.WindowStats(ctx, t0, []time.Duration{24 * time.Hour}, "lex-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(beforeState, afterState) || beforeState.ETag != `"e"` {
		t.Errorf("feed state changed across restart:\n%+v\n%+v", beforeState, afterState)
	}
	if !reflect.DeepEqual(beforeArt, afterArt) || afterArt.Item.Key != "guid:r" {
		t.Errorf("article changed across restart:\n%+v\n%+v", beforeArt, afterArt)
	}
	if !reflect.DeepEqual(beforeStats, afterStats) || afterStats[0].Stories != 1 {
		t.Errorf("stats changed across restart:\n%+v\n%+v", beforeStats, afterStats)
	}
	// And the known article is still recognised after the restart.
	if r := save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{Item: it}}}); r != (SaveResult{Seen: 1}) {
		t.Errorf("after restart: %+v, want 1 seen", r)
	}
}

func TestKnown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1))
	stored := item("guid:s", "Stored", "Stored text.", 0)
	noLink := item("hash:abc", "No link", "No link text.", 0)
	noLink.Link = ""
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{Item: stored}, {Item: noLink}}})

	byLink := item("guid:elsewhere", "Same page", "x", 0)
	byLink.Link = stored.Link
	emptyLink := item("guid:new-empty", "New, no link", "x", 0)
	emptyLink.Link = ""
	query := []feeds.Item{stored, noLink, byLink, emptyLink, item("guid:new", "New", "x", 0)}
	// More than one chunk of the IN lists.
	for i := 0; i < 450; i++ {
		query = append(query, item("guid:filler-"+string(rune('a'+i%26))+time.Duration(i).String(), "f", "f", 0))
	}
	query = append(query, stored)
	got, err := db.Known(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"guid:s": true, "hash:abc": true, "guid:elsewhere": true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Known = %v, want %v", got, want)
	}
	if got, err := db.Known(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("Known(nil) = %v, %v", got, err)
	}
}

// TestKnownArticleGainsMissingScore: a stored article arriving with a score
// under a lexicon version it was not scored with keeps the new score, while
// an existing score is never overwritten by a later copy.
func TestKnownArticleGainsMissingScore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("wire", 1), feed("daily", 1))
	it := item("guid:k", "Quotas", "Quota text.", 0)
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{Item: it}}})
	v1 := score("lex-1", map[string]float64{"trade": 0.8}, []string{"CA"})
	save(t, db, FetchOutcome{Feed: "daily", Articles: []NewArticle{{it, v1}}})
	other := score("lex-1", map[string]float64{"trade": 0.1}, nil)
	save(t, db, FetchOutcome{Feed: "wire", Articles: []NewArticle{{it, other}}})
	a, err := db.ArticleByKey(ctx, "guid:k")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Scores["lex-1"].Themes["trade"].Score; got != 0.8 {
		t.Errorf("trade score = %v, want the first score 0.8", got)
	}
}
