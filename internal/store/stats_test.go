package store

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

var themes4 = []string{"migration", "security", "sovereignty", "trade"}

// statsFixture stores the scenario the expected figures below are computed
// from by hand. Ages are before t0; w is the story weight.
//
//	story  age   feeds (weight)      representative's v1 score        dyads
//	s1     30m   A(1)                trade .8 F, security .2          MX-US
//	s8     40m   B(2)                (not scored)
//	s2     2h    B(2)                trade .6 F, sovereignty .9 F     MX-US, CN-US
//	s6     3h    D(4, inactive)      trade .4 (v0: trade .9 F)
//	s3     5h    A(1), C(.5)         migration .7 F
//	W      12h   W1 10h A(1) rep     security .9 F                    MX-US
//	             W2 12h B(2) copy    (W2's own: trade .95 F)
//	s4     20h   C(.5)               security .55 F                   CN-US
//	s5     30h   A(1)                trade .9 F
//	s9     -1h   B(2)                trade .9 F  (published after t0)
func statsFixture(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db := openTest(t)
	syncFeeds(t, db, feed("A", 1), feed("B", 2), feed("C", 0.5), feed("D", 4))
	cnus := scoring.Dyad{A: "CN", B: "US"}
	v1 := func(themes map[string]float64, dyads ...scoring.Dyad) scoring.Result {
		return score("v1", themes, []string{"US"}, dyads...)
	}
	short := func(key string, age time.Duration) NewArticle {
		return NewArticle{Item: item("guid:"+key, "Headline "+key, "One short paragraph.", age)}
	}
	with := func(a NewArticle, r scoring.Result) NewArticle { a.Score = r; return a }
	wire := readFixture(t, "wire_en.txt")
	_, rest := firstSentence(wire)

	s3 := with(short("s3", 5*time.Hour), v1(map[string]float64{"migration": 0.7}))
	save(t, db, FetchOutcome{Feed: "A", Articles: []NewArticle{
		with(short("s1", 30*time.Minute), v1(map[string]float64{"trade": 0.8, "security": 0.2}, mxus)),
		s3,
		{Item: item("guid:W1", "Trade ministers to meet", wire, 10*time.Hour),
			Score: v1(map[string]float64{"security": 0.9}, mxus)},
		with(short("s5", 30*time.Hour), v1(map[string]float64{"trade": 0.9})),
	}})
	save(t, db, FetchOutcome{Feed: "B", Articles: []NewArticle{
		short("s8", 40*time.Minute),
		with(short("s2", 2*time.Hour), v1(map[string]float64{"trade": 0.6, "sovereignty": 0.9}, mxus, cnus)),
		{Item: item("guid:W2", "Steel on the agenda", "OTTAWA - Ministers gather again. "+rest, 12*time.Hour),
			Score: v1(map[string]float64{"trade": 0.95})},
		with(short("s9", -time.Hour), v1(map[string]float64{"trade": 0.9})),
	}})
	save(t, db, FetchOutcome{Feed: "C", Articles: []NewArticle{
		{Item: s3.Item}, // the same article as A's
		with(short("s4", 20*time.Hour), v1(map[string]float64{"security": 0.55}, cnus)),
	}})
	save(t, db, FetchOutcome{Feed: "D", Articles: []NewArticle{
		with(short("s6", 3*time.Hour), score("v0", map[string]float64{"trade": 0.9}, nil, mxus)),
	}})
	s6, err := db.ArticleByKey(ctx, "guid:s6")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveScores(ctx, map[int64]scoring.Result{s6.ID: v1(map[string]float64{"trade": 0.4})}); err != nil {
		t.Fatal(err)
	}
	// D leaves the configuration: its articles stay, with its weight.
	syncFeeds(t, db, feed("A", 1), feed("B", 2), feed("C", 0.5))

	w1, _ := db.ArticleByKey(ctx, "guid:W1")
	w2, _ := db.ArticleByKey(ctx, "guid:W2")
	if w1.ClusterID != w2.ClusterID {
		t.Fatal("fixture: the wire copies did not cluster")
	}
	return db
}

type themeMap map[string]ThemeAgg

func th(flagged int64, weighted, sum float64) ThemeAgg {
	return ThemeAgg{Flagged: flagged, FlaggedWeighted: weighted, ScoreSum: sum}
}

// ws builds an expected WindowStats, zero-filling the themes every map
// reports. Dyads and feeds not given are zero.
func ws(w time.Duration, stories int64, weighted float64, articles int64, themes themeMap,
	dyads map[string]DyadAgg, feedArticles map[string]int64, feedFlagged map[string]map[string]int64) WindowStats {
	fill := func(m themeMap) themeMap {
		out := themeMap{}
		for _, t := range themes4 {
			out[t] = m[t]
		}
		return out
	}
	s := WindowStats{Window: w, Stories: stories, StoriesWeighted: weighted, Articles: articles,
		Themes: fill(themes), Dyads: map[string]DyadAgg{}, Feeds: map[string]FeedWindow{}}
	for _, d := range []string{"AR-BR", "CN-US", "MX-US"} {
		da := dyads[d]
		da.Themes = fill(da.Themes)
		s.Dyads[d] = da
	}
	for _, f := range []string{"A", "B", "C"} {
		fw := FeedWindow{Articles: feedArticles[f], Flagged: map[string]int64{}}
		for _, t := range themes4 {
			fw.Flagged[t] = feedFlagged[f][t]
		}
		s.Feeds[f] = fw
	}
	return s
}

func TestWindowStats(t *testing.T) {
	t.Parallel()
	db := statsFixture(t)
	// Watched dyads in any order and with a duplicate: keys come out A < B.
	watch := []scoring.Dyad{mxus, {A: "US", B: "CN"}, {A: "BR", B: "AR"}, mxus}
	h := time.Hour
	tests := []struct {
		name    string
		now     time.Time
		windows []time.Duration
		version string
		want    []WindowStats
	}{
		{"rolling windows at t0", t0, []time.Duration{h, 6 * h, 24 * h}, "v1", []WindowStats{
			ws(h, 2, 3, 2,
				themeMap{"trade": th(1, 1, 0.8), "security": th(0, 0, 0.2)},
				map[string]DyadAgg{"MX-US": {Stories: 1, StoriesWeighted: 1,
					Themes: themeMap{"trade": th(1, 1, 0.8), "security": th(0, 0, 0.2)}}},
				map[string]int64{"A": 1, "B": 1},
				map[string]map[string]int64{"A": {"trade": 1}}),
			ws(6*h, 5, 10, 5,
				themeMap{"trade": th(2, 3, 1.8), "security": th(0, 0, 0.2), "migration": th(1, 1, 0.7), "sovereignty": th(1, 2, 0.9)},
				map[string]DyadAgg{
					"MX-US": {Stories: 2, StoriesWeighted: 3,
						Themes: themeMap{"trade": th(2, 3, 1.4), "security": th(0, 0, 0.2), "sovereignty": th(1, 2, 0.9)}},
					"CN-US": {Stories: 1, StoriesWeighted: 2,
						Themes: themeMap{"trade": th(1, 2, 0.6), "sovereignty": th(1, 2, 0.9)}}},
				map[string]int64{"A": 2, "B": 2, "C": 1},
				map[string]map[string]int64{
					"A": {"trade": 1, "migration": 1},
					"B": {"trade": 1, "sovereignty": 1},
					"C": {"migration": 1}}),
			ws(24*h, 7, 12.5, 8,
				themeMap{"trade": th(2, 3, 1.8), "security": th(2, 2.5, 1.65), "migration": th(1, 1, 0.7), "sovereignty": th(1, 2, 0.9)},
				map[string]DyadAgg{
					"MX-US": {Stories: 3, StoriesWeighted: 5,
						Themes: themeMap{"trade": th(2, 3, 1.4), "security": th(1, 2, 1.1), "sovereignty": th(1, 2, 0.9)}},
					"CN-US": {Stories: 2, StoriesWeighted: 2.5,
						Themes: themeMap{"trade": th(1, 2, 0.6), "sovereignty": th(1, 2, 0.9), "security": th(1, 0.5, 0.55)}}},
				map[string]int64{"A": 3, "B": 3, "C": 2},
				map[string]map[string]int64{
					"A": {"trade": 1, "migration": 1, "security": 1},
					"B": {"trade": 2, "sovereignty": 1},
					"C": {"migration": 1, "security": 1}}),
		}},
		// Back-filling: windows ending 6h ago. The wire story's time is
		// exactly t0-12h, on the excluded edge of the 6h window.
		{"windows ending 6h earlier", t0.Add(-6 * h), []time.Duration{7 * h, 6 * h}, "v1", []WindowStats{
			ws(7*h, 1, 2, 2,
				themeMap{"security": th(1, 2, 0.9)},
				map[string]DyadAgg{"MX-US": {Stories: 1, StoriesWeighted: 2, Themes: themeMap{"security": th(1, 2, 0.9)}}},
				map[string]int64{"A": 1, "B": 1},
				map[string]map[string]int64{"A": {"security": 1}, "B": {"trade": 1}}),
			ws(6*h, 0, 0, 1, nil, nil,
				map[string]int64{"A": 1},
				map[string]map[string]int64{"A": {"security": 1}}),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.WindowStats(context.Background(), tt.now, tt.windows, tt.version, watch)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d windows, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if g, w := roundStats(got[i]), roundStats(tt.want[i]); !reflect.DeepEqual(g, w) {
					t.Errorf("window %v:\n got %s\nwant %s", tt.windows[i], dumpStats(g), dumpStats(w))
				}
			}
		})
	}
}

func TestWindowStatsOtherVersionAndEdgeCases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := statsFixture(t)
	// Under v0 only s6 is scored, and D is inactive: the story counts do not
	// depend on the version, the themes do.
	got, err := db.WindowStats(ctx, t0, []time.Duration{6 * time.Hour}, "v0", []scoring.Dyad{mxus})
	if err != nil {
		t.Fatal(err)
	}
	s := got[0]
	if s.Stories != 5 || s.Articles != 5 {
		t.Errorf("v0: %d stories, %d articles; want 5, 5", s.Stories, s.Articles)
	}
	if want := (themeMap{"trade": th(1, 4, 0.9)}); !reflect.DeepEqual(themeMap(s.Themes), want) {
		t.Errorf("v0 themes = %+v, want %+v", s.Themes, want)
	}
	if d := s.Dyads["MX-US"]; d.Stories != 1 || d.StoriesWeighted != 4 {
		t.Errorf("v0 MX-US = %+v, want 1 story of weight 4", d)
	}
	if _, ok := s.Feeds["D"]; ok || len(s.Feeds) != 3 {
		t.Errorf("feeds = %v, want A, B, C only (D is inactive)", s.Feeds)
	}

	if got, err := db.WindowStats(ctx, t0, nil, "v1", nil); err != nil || got != nil {
		t.Errorf("no windows: %v, %v", got, err)
	}
	if _, err := db.WindowStats(ctx, t0, []time.Duration{0}, "v1", nil); err == nil {
		t.Error("a zero window was accepted")
	}
	if _, err := db.WindowStats(ctx, time.Time{}, []time.Duration{time.Hour}, "v1", nil); err == nil {
		t.Error("a zero time was accepted")
	}
	// An unknown version still reports stories and articles, with no themes.
	got, err = db.WindowStats(ctx, t0, []time.Duration{time.Hour}, "nope", nil)
	if err != nil || got[0].Stories != 2 || len(got[0].Themes) != 0 || len(got[0].Dyads) != 0 {
		t.Errorf("unknown version: %+v, %v", got, err)
	}
}

// roundStats rounds the float sums so that summation order does not matter.
func roundStats(s WindowStats) WindowStats {
	r := func(f float64) float64 { return math.Round(f*1e9) / 1e9 }
	rt := func(m map[string]ThemeAgg) map[string]ThemeAgg {
		out := map[string]ThemeAgg{}
		for k, v := range m {
			out[k] = ThemeAgg{v.Flagged, r(v.FlaggedWeighted), r(v.ScoreSum)}
		}
		return out
	}
	out := s
	out.StoriesWeighted = r(s.StoriesWeighted)
	out.Themes = rt(s.Themes)
	out.Dyads = map[string]DyadAgg{}
	for k, d := range s.Dyads {
		out.Dyads[k] = DyadAgg{d.Stories, r(d.StoriesWeighted), rt(d.Themes)}
	}
	return out
}

func dumpStats(s WindowStats) string { return fmt.Sprintf("%+v", s) }
