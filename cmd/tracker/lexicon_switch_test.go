package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// switchFamilies are the window series a lexicon switch could disturb: the
// theme and dyad numerators (which depend on the exported version) and
// the denominators beside them. Every window is checked: the 6h one that
// issue 10 names (the alerts' window), and 1h and 1d beside it, since the
// switch waits for the largest.
var switchFamilies = []string{
	"tracker_stories",
	"tracker_stories_weighted",
	"tracker_articles",
	"tracker_theme_stories_flagged",
	"tracker_theme_stories_flagged_weighted",
	"tracker_theme_stories_score",
	"tracker_dyad_stories",
	"tracker_dyad_stories_weighted",
	"tracker_dyad_theme_stories_flagged",
	"tracker_dyad_theme_stories_flagged_weighted",
}

// switchScrape is what one scrape of /metrics said.
type switchScrape struct {
	at         time.Duration // since the restart
	took       time.Duration // to answer
	ok         bool          // 200 and tracker_store_scrape_success 1
	version    string        // tracker_lexicon_info (joined if several)
	inProgress bool          // tracker_rescore_in_progress
	ingested   float64       // tracker_articles_ingested_total of the fresh feed
	window     map[string]float64
}

// scrapeSwitch scrapes base/metrics and keeps the series of
// switchFamilies, keyed by name and labels (window included).
func scrapeSwitch(client *http.Client, base string) (s switchScrape, err error) {
	start := time.Now()
	defer func() { s.took = time.Since(start) }()
	resp, err := client.Get(base + "/metrics")
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return s, fmt.Errorf("status %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return s, fmt.Errorf("parse /metrics: %w", err)
	}
	value := func(m *dto.Metric) float64 {
		if g := m.GetGauge(); g != nil {
			return g.GetValue()
		}
		return m.GetCounter().GetValue()
	}
	label := func(m *dto.Metric, name string) string {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return l.GetValue()
			}
		}
		return ""
	}
	var versions []string
	for _, m := range mfs["tracker_lexicon_info"].GetMetric() {
		versions = append(versions, label(m, "version"))
	}
	s.version = strings.Join(versions, ",")
	for _, m := range mfs["tracker_rescore_in_progress"].GetMetric() {
		s.inProgress = value(m) == 1
	}
	for _, m := range mfs["tracker_articles_ingested_total"].GetMetric() {
		if label(m, "feed") == freshFeed {
			s.ingested = value(m)
		}
	}
	for _, m := range mfs["tracker_store_scrape_success"].GetMetric() {
		s.ok = value(m) == 1
	}
	s.window = map[string]float64{}
	for _, name := range switchFamilies {
		for _, m := range mfs[name].GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			slices.Sort(labels)
			s.window[name+"{"+strings.Join(labels, ",")+"}"] = value(m)
		}
	}
	return s, nil
}

// freshFeed is the feed that keeps publishing during the switch.
const freshFeed = "fresh"

// newFreshFeedServer serves a feed with one new article at every request:
// ingest has something to commit while re-scoring runs. The articles are
// neutral (no theme term, no country) and dated three days back, outside
// every window, so that they change none of the figures under test (dated
// now, a few of them would move the 1h article count of a small store by
// several percent, which is not what the test is about).
func newFreshFeedServer(t *testing.T) string {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := n.Add(1)
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>fresh</title><link>http://127.0.0.1/</link><description>d</description>
<item><guid>fresh-%d</guid><link>http://127.0.0.1/fresh/%d</link><title>Town bulletin number %d</title><pubDate>%s</pubDate>
<description>The town bulletin number %d lists the opening hours of the library, the pool and the market hall for week %d.</description></item>
</channel></rss>`, i, i, i, time.Now().Add(-72*time.Hour).UTC().Format(time.RFC1123Z), i, i)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// switchConfig writes the config of TestLexiconSwitchInvisible: the
// synthetic feeds (empty from now on) and the fresh feed, with lexicon as
// extra top-level YAML.
func switchConfig(t *testing.T, dir, freshURL, lexicon string) string {
	t.Helper()
	path := writeSynthConfig(t, dir, 10, lexicon)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "  - {name: %s, url: %q, schedule: \"@every 1s\"}\n", freshFeed, freshURL); err != nil {
		t.Fatal(err)
	}
	return path
}

// addedTheme changes the lexicon version without changing a single score
// of the synthetic articles (adding a theme leaves the others alone, and
// none of its terms occurs in them): the figures under the old and the new
// version are then the same, so any dip during the switch is the switch's,
// whatever the built-in lexicon's tuning.
const addedTheme = `themes:
  airpower:
    terms:
      - {term: fighter jets, weight: 5}
      - {term: warplanes, weight: 5}
`

// TestLexiconSwitchInvisible is issue 10's "restart with a changed lexicon"
// done for real: a store of synthetic articles written through the store,
// a daemon run on it with the built-in lexicon (which persists the exported
// version), then a restart with a changed lexicon. /metrics is scraped over
// loopback every 100 ms from the restart until re-scoring has completed,
// and every scrape's window series (stories, each theme, each watched dyad;
// 1h, 6h and 1d) must be at least 90% of its final value, with
// tracker_lexicon_info switching exactly once, from the old version to the
// new. A feed keeps publishing meanwhile: ingest must commit while
// re-scoring runs. At the end, the store's window figures under the new
// version must equal the old version's at the same instant: re-scoring
// keeps whatever the store aggregates right.
//
// The articles span 2 days (100,000 articles is what issue 11's 2,000
// feeds bring in two days), so the 6h window is an eighth of the store and
// the largest (1d) half of it: re-scoring them takes seconds, which the
// scrapes see. By default it stores 20,000 articles, 2,000 under -race (as
// CI runs it: the race detector slows SQLite tenfold). A scrape whose store
// reads failed (the collector's 5 s read deadline, which a -race build on a
// loaded 2-core machine can reach) has no window series to judge: by
// default it is counted and logged (scrape starvation has its own load
// test), in the acceptance run it fails the test. The acceptance run is
//
//	TRACKER_SWITCH_ARTICLES=100000 go test -run TestLexiconSwitchInvisible -v ./cmd/tracker/
func TestLexiconSwitchInvisible(t *testing.T) {
	def := 20000
	if raceEnabled {
		def = 2000
	}
	articles := envInt(t, "TRACKER_SWITCH_ARTICLES", def)
	acceptance := os.Getenv("TRACKER_SWITCH_ARTICLES") != ""
	const span = 2 * 24 * time.Hour
	dir := t.TempDir()
	fresh := newFreshFeedServer(t)
	cfgPath := switchConfig(t, dir, fresh, "")
	start := time.Now()
	fillStore(t, cfgPath, articles, span, time.Now())
	t.Logf("stored %d synthetic articles over %v in %v", articles, span, time.Since(start).Round(time.Millisecond))

	client := &http.Client{Timeout: 30 * time.Second}
	// The daemon as it ran before the edit: it exports the built-in
	// lexicon's version and records it.
	_, base, stop := runApp(t, cfgPath)
	var before switchScrape
	waitFor(t, "the first daemon to export its lexicon", func() bool {
		s, err := scrapeSwitch(client, base)
		before = s
		return err == nil && s.ok && s.version != "" && !s.inProgress
	})
	oldVersion := before.version
	stop()

	// The operator edits the lexicon and restarts.
	switchConfig(t, dir, fresh, addedTheme)
	restart := time.Now()
	app, base, stop := runApp(t, cfgPath)
	defer stop()
	var scrapes []switchScrape
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(10 * time.Minute)
	for {
		s, err := scrapeSwitch(client, base)
		s.at = time.Since(restart)
		if err != nil {
			t.Errorf("scrape at %v: %v", s.at, err)
		} else {
			scrapes = append(scrapes, s)
		}
		if err == nil && s.ok && !s.inProgress && s.version != oldVersion {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("re-scoring still running after %v", time.Since(restart))
		}
		<-tick.C
	}
	final := scrapes[len(scrapes)-1]
	newVersion := final.version
	if newVersion == "" || strings.Contains(newVersion, ",") {
		t.Fatalf("tracker_lexicon_info after re-scoring = %q, want one version", newVersion)
	}

	// The test must have measured something: populated series and a
	// switch seen under way.
	populated := 0
	for key, v := range final.window {
		if v > 0 && (strings.HasPrefix(key, "tracker_theme_") || strings.HasPrefix(key, "tracker_dyad_")) {
			populated++
		}
	}
	if populated < 30 {
		t.Fatalf("only %d theme/dyad series are non-zero: the test measures nothing", populated)
	}
	var during []switchScrape
	judgedDuring := 0
	for _, s := range scrapes {
		if s.inProgress {
			during = append(during, s)
			if s.ok {
				judgedDuring++
			}
		}
	}
	if judgedDuring == 0 {
		t.Fatalf("none of the %d scrapes that saw re-scoring in progress read the store: the test measured nothing of the switch", len(during))
	}

	// Exactly one switch, from the old version to the new.
	switchAt := slices.IndexFunc(scrapes, func(s switchScrape) bool { return s.version == newVersion })
	if switchAt == 0 {
		t.Errorf("the first scrape, %v after the restart, already exports the new lexicon %s: switched before the windows were re-scored", scrapes[0].at, newVersion)
	}
	for i, s := range scrapes {
		want := oldVersion
		if i >= switchAt {
			want = newVersion
		}
		if s.version != want {
			t.Errorf("scrape %d at %v exports lexicon %q, want %q (one switch, %s to %s, at scrape %d)", i, s.at, s.version, want, oldVersion, newVersion, switchAt)
		}
	}

	// Every scrape's figures at least 90% of the final ones.
	worst, worstKey, worstAt := math.Inf(1), "", -1
	failed := 0
	for i, s := range scrapes {
		if !s.ok {
			failed++
			if acceptance {
				t.Errorf("scrape %d at %v: tracker_store_scrape_success is not 1: the window series are missing or partial", i, s.at)
			} else {
				t.Logf("scrape %d at %v: store reads failed (tracker_store_scrape_success 0), not judged", i, s.at)
			}
			continue
		}
		var low []string
		for _, key := range slices.Sorted(maps.Keys(final.window)) {
			fin := final.window[key]
			if fin <= 0 {
				continue
			}
			got := s.window[key]
			if r := got / fin; r < worst {
				worst, worstKey, worstAt = r, key, i
			}
			if got < 0.9*fin {
				low = append(low, fmt.Sprintf("%s = %v (final %v)", key, got, fin))
			}
		}
		if len(low) > 0 {
			t.Errorf("scrape %d at %v (lexicon %s): %d series below 90%% of their final value, e.g. %s",
				i, s.at, s.version, len(low), strings.Join(low[:min(3, len(low))], "; "))
		}
	}

	// Ingest committed while re-scoring ran: the fresh feed's article
	// count rose between two scrapes that both saw re-scoring in progress.
	ingestedDuring := 0.0
	if len(during) > 1 {
		ingestedDuring = during[len(during)-1].ingested - during[0].ingested
	}
	// The feed is fetched every second: over more than three seconds of
	// re-scoring, a writer that starved ingest would show no new article.
	if len(during) > 1 && during[len(during)-1].at-during[0].at > 3*time.Second && ingestedDuring == 0 {
		t.Errorf("no article of the fresh feed committed during %v of re-scoring: ingest starved", during[len(during)-1].at-during[0].at)
	}

	// Re-scoring wrote the aggregates right: at one instant, the new
	// version's window figures are the old one's (the added theme changed
	// no score), read through the store as the collector reads them.
	at := time.Now()
	windows := []time.Duration{time.Hour, 6 * time.Hour, 24 * time.Hour}
	watch := []scoring.Dyad{{A: "MX", B: "US"}, {A: "CN", B: "JP"}, {A: "IN", B: "PK"}}
	oldStats, err := app.db.WindowStats(context.Background(), at, windows, oldVersion, watch)
	if err != nil {
		t.Fatal(err)
	}
	newStats, err := app.db.WindowStats(context.Background(), at, windows, newVersion, watch)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range windowStatsDiff(oldStats, newStats) {
		t.Errorf("after re-scoring, %s", d)
	}

	rescoring := during[len(during)-1].at
	took := make([]time.Duration, len(scrapes))
	for i, s := range scrapes {
		took[i] = s.took.Round(time.Millisecond)
	}
	slices.Sort(took)
	worstName := worstKey
	if worstAt >= 0 {
		worstName = fmt.Sprintf("%s at scrape %d", worstKey, worstAt)
	}
	t.Logf("%d articles: %d scrapes (%d with failed store reads); switch %s -> %s seen at scrape %d (%v after the restart); re-scoring seen until %v; "+
		"%d populated series; lowest figure %.3f of final (%s); %v fresh articles committed during re-scoring; scrape time median %v, max %v (before the restart, idle: %v)",
		articles, len(scrapes), failed, oldVersion, newVersion, switchAt, scrapes[switchAt].at.Round(time.Millisecond),
		rescoring.Round(time.Millisecond), populated, worst, worstName, ingestedDuring, took[len(took)/2], took[len(took)-1], before.took.Round(time.Millisecond))
	if testing.Verbose() {
		for _, k := range slices.Sorted(maps.Keys(final.window)) {
			t.Logf("final %s = %v (before the restart %v)", k, final.window[k], before.window[k])
		}
	}
}

// windowStatsDiff lists where the window figures of two lexicon versions
// that score every article alike differ: every figure of old must be in
// new (sums to rounding: they add the same numbers, maybe in another
// order), and a theme only new has must be zero.
func windowStatsDiff(old, new []store.WindowStats) []string {
	var out []string
	near := func(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a)) }
	themes := func(where string, o, n map[string]store.ThemeAgg) {
		for name, nt := range n {
			ot, ok := o[name]
			if !ok {
				ot = store.ThemeAgg{}
			}
			if nt.Flagged != ot.Flagged || !near(nt.FlaggedWeighted, ot.FlaggedWeighted) || !near(nt.ScoreSum, ot.ScoreSum) {
				out = append(out, fmt.Sprintf("%s theme %s: %+v under the new version, %+v under the old", where, name, nt, ot))
			}
		}
		for name := range o {
			if _, ok := n[name]; !ok {
				out = append(out, fmt.Sprintf("%s theme %s: missing under the new version", where, name))
			}
		}
	}
	for i := range old {
		o, n := old[i], new[i]
		w := model.Duration(o.Window).String()
		if o.Stories != n.Stories || !near(o.StoriesWeighted, n.StoriesWeighted) || o.Articles != n.Articles {
			out = append(out, fmt.Sprintf("%s: stories %d/%v articles %d under the new version, %d/%v %d under the old",
				w, n.Stories, n.StoriesWeighted, n.Articles, o.Stories, o.StoriesWeighted, o.Articles))
		}
		themes(w, o.Themes, n.Themes)
		for key, od := range o.Dyads {
			nd := n.Dyads[key]
			if od.Stories != nd.Stories || !near(od.StoriesWeighted, nd.StoriesWeighted) {
				out = append(out, fmt.Sprintf("%s dyad %s: %d/%v stories under the new version, %d/%v under the old",
					w, key, nd.Stories, nd.StoriesWeighted, od.Stories, od.StoriesWeighted))
			}
			themes(w+" dyad "+key, od.Themes, nd.Themes)
		}
		for feed, of := range o.Feeds {
			nf := n.Feeds[feed]
			for theme, nflag := range nf.Flagged {
				if nflag != of.Flagged[theme] {
					out = append(out, fmt.Sprintf("%s feed %s theme %s: %d flagged under the new version, %d under the old", w, feed, theme, nflag, of.Flagged[theme]))
				}
			}
		}
	}
	return out
}
