package web

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// fakeSource is an in-memory ArticleSource. It answers the list with a
// canned page and records the queries it was asked, so the tests check what
// the web layer asks for separately from what the store does with it (the
// store's own tests cover that against SQLite).
type fakeSource struct {
	mu       sync.Mutex
	page     store.ArticlePage
	articles map[int64]store.ArticleDetail
	series   []store.SeriesPoint
	dyads    []store.DyadCount
	labels   []store.Label
	err      error // returned by every call when set

	listQueries   []store.ArticleQuery
	seriesQueries []store.SeriesQuery
	detailAsked   []string // lexicon versions asked for
	dyadsSince    []time.Time
}

func newFake() *fakeSource {
	return &fakeSource{articles: map[int64]store.ArticleDetail{}}
}

func (f *fakeSource) ListArticles(ctx context.Context, q store.ArticleQuery) (store.ArticlePage, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listQueries = append(f.listQueries, q)
	return f.page, f.err
}

func (f *fakeSource) ArticleDetail(ctx context.Context, id int64, lexiconVersion string) (store.ArticleDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.detailAsked = append(f.detailAsked, lexiconVersion)
	if f.err != nil {
		return store.ArticleDetail{}, f.err
	}
	a, ok := f.articles[id]
	if !ok {
		return store.ArticleDetail{}, store.ErrNotFound
	}
	for _, l := range f.labels {
		if l.ArticleID == id {
			a.Labels = append(a.Labels, l)
		}
	}
	return a, nil
}

func (f *fakeSource) ThemeSeries(ctx context.Context, q store.SeriesQuery) ([]store.SeriesPoint, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seriesQueries = append(f.seriesQueries, q)
	return f.series, f.err
}

func (f *fakeSource) TopDyads(ctx context.Context, since time.Time, lexiconVersion string, limit int) ([]store.DyadCount, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.dyadsSince = append(f.dyadsSince, since)
	return f.dyads, f.err
}

// SaveLabels follows the store's documented rules: the article is found by
// key when one is given, else by id; a label replaces the stored one of the
// same article and theme only when it is newer.
func (f *fakeSource) SaveLabels(ctx context.Context, labels []store.Label) (store.LabelCounts, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var c store.LabelCounts
	if f.err != nil {
		return c, f.err
	}
	for _, l := range labels {
		id := l.ArticleID
		if l.ArticleKey != "" {
			id = 0
			for _, a := range f.articles {
				if a.Key == l.ArticleKey {
					id = a.ID
				}
			}
		}
		a, ok := f.articles[id]
		if !ok {
			c.Unknown++
			continue
		}
		l.ArticleID, l.ArticleKey = id, a.Key
		i := slices.IndexFunc(f.labels, func(o store.Label) bool { return o.ArticleID == id && o.Theme == l.Theme })
		switch {
		case i < 0:
			f.labels = append(f.labels, l)
			c.Saved++
		case l.At.After(f.labels[i].At):
			f.labels[i] = l
			c.Saved++
		default:
			c.Stale++
		}
	}
	return c, nil
}

func (f *fakeSource) Labels(ctx context.Context) ([]store.Label, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.labels), f.err
}

func (f *fakeSource) lastList(t *testing.T) store.ArticleQuery {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.listQueries) == 0 {
		t.Fatal("the store was not asked for a list")
	}
	return f.listQueries[len(f.listQueries)-1]
}

func (f *fakeSource) storedLabels() []store.Label {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.labels)
}

var errBroken = errors.New("disk on fire")

// testNow is the fixed clock of the explorer tests.
var testNow = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

const testLexicon = "lex-2026-03"

// spansOf locates every occurrence of each literal in the title and text:
// the test fixtures say which words matched, the helper computes the byte
// offsets the scorer would report.
func spansOf(title, text string, literals ...string) []scoring.Span {
	var out []scoring.Span
	for _, f := range []struct{ name, s string }{{"title", title}, {"text", text}} {
		for _, lit := range literals {
			for off := 0; ; {
				i := strings.Index(f.s[off:], lit)
				if i < 0 {
					break
				}
				sp := scoring.Span{Field: f.name, Start: off + i, End: off + i + len(lit)}
				off += i + len(lit)
				// A shorter literal inside a longer one found before ("cartel"
				// in "cartels") is the same match.
				if !slices.ContainsFunc(out, func(o scoring.Span) bool {
					return o.Field == sp.Field && o.Start < sp.End && sp.Start < o.End
				}) {
					out = append(out, sp)
				}
			}
		}
	}
	return out
}

func match(title, text, term string, weight float64, literals ...string) scoring.Match {
	sp := spansOf(title, text, literals...)
	return scoring.Match{Term: term, Count: len(sp), Weight: weight, Spans: sp}
}

// Fixture articles: one ordinary wire story with a syndicated copy, and one
// hostile article whose every field tries to run script.
const (
	wireID    = 101
	copyID    = 102
	hostileID = 666
)

const (
	wireTitle = "Mexico rejects U.S. troops after cartel strike proposal"
	wireText  = "MEXICO CITY, March 14 - Mexico's government said on Saturday it would not accept U.S. troops on its soil, after lawmakers in Washington proposed authorising strikes on cartels designated as terrorist organisations. " +
		"The security cabinet said cooperation against the cartels would continue through intelligence sharing. " +
		"Officials added that the tariff talks planned for next week were a separate matter and the trade deadline for the joint review was unchanged. " +
		"Ciudad Juárez officials welcomed the statement."
	hostileTitle = `Border talks <script>window.__pwned=1</script> "><svg onload=window.__pwned=1> collapse`
	hostileText  = `Negotiators left the border talks on Friday. <img src=x onerror="window.__pwned=1"> ` +
		`A spokesman said the sanctions would stay. <a href="javascript:window.__pwned=1">click</a> ` +
		`'><iframe src=javascript:window.__pwned=1></iframe> {{.Secret}} ${7*7} end.`
	hostileLink = "javascript:window.__pwned=1"
)

func fixtureArticles() map[int64]store.ArticleDetail {
	pub := testNow.Add(-5 * time.Hour)
	wire := store.ArticleDetail{
		ID: wireID, ClusterID: wireID, Key: "guid:wire-101", GUID: "wire-101",
		Title: wireTitle, Text: wireText, Link: "https://news.example.org/world/mexico-troops?id=101&ref=feed",
		Lang: "en", Published: pub, DateSource: "published", FirstSeen: pub.Add(4 * time.Minute),
		Sources:        []store.SourceFeed{{Feed: "wire-world", FirstSeen: pub.Add(4 * time.Minute)}},
		LexiconVersion: testLexicon,
		Themes: map[string]scoring.ThemeScore{
			"security": {Score: 0.81, Flagged: true, Matches: []scoring.Match{
				match(wireTitle, wireText, "troops", 1.5, "troops"),
				match(wireTitle, wireText, "cartel*", 1, "cartels", "cartel"),
				match(wireTitle, wireText, "strike*", 1, "strikes", "strike"),
			}},
			"trade": {Score: 0.12, Flagged: false,
				Matches:   []scoring.Match{match(wireTitle, wireText, "tariff*", 1, "tariff")},
				Negatives: []scoring.Match{match(wireTitle, wireText, "trade deadline", 0, "trade deadline")}},
			"migration":   {Score: 0},
			"sovereignty": {Score: 0.44, Flagged: true, Matches: []scoring.Match{match(wireTitle, wireText, "on its soil", 2, "on its soil")}},
		},
		Countries: []string{"MX", "US"}, Dyads: []string{"MX-US"},
		Cluster: []store.ClusterMember{{ID: copyID, Title: "Mexico says no to U.S. troops", Link: "https://regional.example.net/a/102",
			Published: pub.Add(20 * time.Minute), Feeds: []string{"americas-es"}}},
	}
	hostile := store.ArticleDetail{
		ID: hostileID, ClusterID: hostileID, Key: "hash:666", Title: hostileTitle, Text: hostileText,
		Link: hostileLink, Lang: "en", Published: pub, DateSource: "published", FirstSeen: pub,
		Sources:        []store.SourceFeed{{Feed: `evil"><script>window.__pwned=1</script>`, FirstSeen: pub}},
		LexiconVersion: testLexicon,
		Themes: map[string]scoring.ThemeScore{
			"trade": {Score: 0.6, Flagged: true, Matches: []scoring.Match{
				match(hostileTitle, hostileText, "sanction*", 1, "sanctions"),
				// A span inside the script tag: the highlighted piece must
				// still be escaped text.
				match(hostileTitle, hostileText, "script", 1, "<script>"),
				// Out of range and mid-rune spans: ignored.
				{Term: "bogus", Count: 2, Spans: []scoring.Span{{Field: "text", Start: 5, End: 99999}, {Field: "title", Start: -1, End: 3}}},
			}},
		},
		Countries: []string{"XK"}, Dyads: nil,
		Cluster: []store.ClusterMember{{ID: 667, Title: `<img src=x onerror=window.__pwned=1>`, Link: "javascript:window.__pwned=1",
			Published: pub, Feeds: []string{"evil"}}},
	}
	return map[int64]store.ArticleDetail{wireID: wire, hostileID: hostile}
}

func fixtureSummaries() []store.ArticleSummary {
	var out []store.ArticleSummary
	for _, id := range []int64{wireID, hostileID} {
		a := fixtureArticles()[id]
		s := store.ArticleSummary{ID: a.ID, ClusterID: a.ClusterID, Title: a.Title, Link: a.Link, Lang: a.Lang,
			Published: a.Published, Copies: 1 + len(a.Cluster), Weight: 1, Countries: a.Countries, Dyads: a.Dyads}
		for _, src := range a.Sources {
			s.Feeds = append(s.Feeds, src.Feed)
		}
		for _, m := range a.Cluster {
			s.Feeds = append(s.Feeds, m.Feeds...)
		}
		for _, name := range orderedThemes(nil, a.Themes) {
			s.Themes = append(s.Themes, store.ThemeFlag{Theme: name, Score: a.Themes[name].Score, Flagged: a.Themes[name].Flagged})
		}
		out = append(out, s)
	}
	return out
}

// fixtureSeries is 28 six-hour buckets of the four themes.
func fixtureSeries(to time.Time) []store.SeriesPoint {
	var pts []store.SeriesPoint
	from := to.Add(-landingRange)
	for ti, theme := range defaultThemes {
		for i := 0; i < 28; i++ {
			stories := int64(10 + (i*7)%13)
			flagged := int64((i*(ti+3) + ti) % 5)
			pts = append(pts, store.SeriesPoint{Theme: theme, Start: from.Add(time.Duration(i) * landingStep),
				Stories: stories, StoriesWeighted: float64(stories), Flagged: flagged, FlaggedWeighted: float64(flagged) * 1.5})
		}
	}
	return pts
}

func newFixtureFake() *fakeSource {
	f := newFake()
	f.articles = fixtureArticles()
	f.page = store.ArticlePage{Articles: fixtureSummaries(), Total: 2}
	f.series = fixtureSeries(testNow.Truncate(landingStep).Add(landingStep))
	f.dyads = []store.DyadCount{{Dyad: "MX-US", Stories: 7, Flagged: 5}, {Dyad: "CN-US", Stories: 4, Flagged: 1}}
	return f
}
