package metrics

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// Store is what the collector reads at scrape time.
type Store interface {
	WindowStats(ctx context.Context, now time.Time, windows []time.Duration, lexiconVersion string, watch []scoring.Dyad) ([]store.WindowStats, error)
	FeedStates(ctx context.Context) ([]store.FeedState, error)
	LastArticleTime(ctx context.Context) (time.Time, error)
	AuditStats(ctx context.Context, lexiconVersion string) (map[string]store.AuditAgg, error)
}

// FeedInfo is a configured feed as the collector labels it.
type FeedInfo struct {
	Name, Lang, Country string
	Weight              float64
}

// Settings is the part of the configuration the collector needs. It is
// replaced as a whole on config reload.
type Settings struct {
	Windows        []time.Duration
	LexiconVersion string
	Themes         []string
	Watch          []scoring.Dyad
	Feeds          []FeedInfo
	// FeedDetail exports each feed's flagged articles per theme and window
	// (global.feed_metrics: full); off, a feed costs W window series, not W*(1+T).
	FeedDetail bool
}

// Collector reads the tension aggregates and feed state from the store on
// every scrape and exposes them as constant metrics, so that nothing is
// cached or mutated between scrapes.
type Collector struct {
	store    Store
	timeout  time.Duration
	now      func() time.Time
	log      *slog.Logger
	settings atomic.Pointer[Settings]

	stories, storiesW, articles                 *prometheus.Desc
	themeFlagged, themeFlaggedW, themeScoreSum  *prometheus.Desc
	dyadStories, dyadStoriesW                   *prometheus.Desc
	dyadThemeFlagged, dyadThemeFlaggedW         *prometheus.Desc
	feedWindowArticles, feedThemeFlagged        *prometheus.Desc
	feedInfo, feedWeight, feedUp                *prometheus.Desc
	feedLastAttempt, feedLastSuccess, feedFails *prometheus.Desc
	feedStored, lastArticle, lexiconInfo        *prometheus.Desc
	scrapeSuccess, scrapeDuration               *prometheus.Desc
	auditReviewed, auditConfirmed, auditMissed  *prometheus.Desc
}

// DefaultStoreTimeout bounds one scrape's store reads. It is half of
// Prometheus's default scrape_timeout (10s), so that a slow or locked store
// yields a partial answer with tracker_store_scrape_success 0, which alerts
// can see, instead of a scrape timing out, which looks like a dead tracker.
const DefaultStoreTimeout = 5 * time.Second

// NewCollector returns a collector reading from st; each scrape's store reads
// are bounded by timeout (DefaultStoreTimeout when 0). Call SetSettings
// before registering it.
func NewCollector(st Store, timeout time.Duration, log *slog.Logger) *Collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, labels, nil)
	}
	if timeout <= 0 {
		timeout = DefaultStoreTimeout
	}
	c := &Collector{
		store: st, timeout: timeout, now: time.Now, log: log,

		stories:            d("tracker_stories", "Stories (clusters of syndicated copies) published in the rolling window.", "window"),
		storiesW:           d("tracker_stories_weighted", "Sum of story weights (max source weight among a story's feeds) of the stories published in the window.", "window"),
		articles:           d("tracker_articles", "Articles (every syndicated copy) published in the rolling window.", "window"),
		themeFlagged:       d("tracker_theme_stories_flagged", "Stories flagged for the theme in the window.", "theme", "window"),
		themeFlaggedW:      d("tracker_theme_stories_flagged_weighted", "Sum of story weights of the stories flagged for the theme in the window.", "theme", "window"),
		themeScoreSum:      d("tracker_theme_stories_score", "Sum of the theme's scores over the stories of the window (mean = this / tracker_stories).", "theme", "window"),
		dyadStories:        d("tracker_dyad_stories", "Stories in the window whose parties include both countries of the watched dyad.", "dyad", "window"),
		dyadStoriesW:       d("tracker_dyad_stories_weighted", "Sum of story weights of the dyad's stories in the window.", "dyad", "window"),
		dyadThemeFlagged:   d("tracker_dyad_theme_stories_flagged", "Stories of the watched dyad flagged for the theme in the window.", "dyad", "theme", "window"),
		dyadThemeFlaggedW:  d("tracker_dyad_theme_stories_flagged_weighted", "Sum of story weights of the dyad's stories flagged for the theme in the window.", "dyad", "theme", "window"),
		feedWindowArticles: d("tracker_feed_window_articles", "Articles carried by the feed and published in the window.", "feed", "window"),
		feedThemeFlagged:   d("tracker_feed_theme_articles_flagged", "Articles carried by the feed, published in the window and flagged for the theme.", "feed", "theme", "window"),
		feedInfo:           d("tracker_feed_info", "Configured feed, with its language and home country.", "feed", "lang", "country"),
		feedWeight:         d("tracker_feed_weight", "Configured source weight of the feed.", "feed"),
		feedUp:             d("tracker_feed_up", "1 if the feed's last fetch attempt succeeded (200 or 304), 0 if it failed.", "feed"),
		feedLastAttempt:    d("tracker_feed_last_attempt_timestamp_seconds", "Time of the feed's last fetch attempt.", "feed"),
		feedLastSuccess:    d("tracker_feed_last_success_timestamp_seconds", "Time of the feed's last successful fetch (200 or 304).", "feed"),
		feedFails:          d("tracker_feed_consecutive_failures", "Failed fetches of the feed since its last success.", "feed"),
		feedStored:         d("tracker_feed_stored_articles", "Articles stored that the feed carried.", "feed"),
		lastArticle:        d("tracker_last_article_timestamp_seconds", "When the newest stored article was first seen."),
		lexiconInfo:        d("tracker_lexicon_info", "The lexicon version the exported scores come from.", "version"),
		auditReviewed:      d("tracker_audit_flags_reviewed", "Audited articles the exported lexicon version flags for the theme (analysts' labels).", "theme"),
		auditConfirmed:     d("tracker_audit_flags_confirmed", "Of the audited flags of the exported lexicon version, those the labels confirm (precision = confirmed / reviewed).", "theme"),
		auditMissed:        d("tracker_audit_flags_missed", "Audited articles the theme applies to that the exported lexicon version does not flag (recall = confirmed / (confirmed + missed)).", "theme"),
		scrapeSuccess:      d("tracker_store_scrape_success", "1 if this scrape's reads from the store succeeded, 0 if one failed or hit the read deadline (the answer is then partial)."),
		scrapeDuration:     d("tracker_store_scrape_duration_seconds", "Time this scrape spent reading the store."),
	}
	c.settings.Store(&Settings{})
	return c
}

// SetClock replaces the clock the rolling windows end at (time.Now by
// default): benchmarks over a generated store scrape it as of its last day.
func (c *Collector) SetClock(now func() time.Time) { c.now = now }

// SetSettings replaces the settings used by the next scrapes.
func (c *Collector) SetSettings(s Settings) { c.settings.Store(&s) }

// Describe sends every descriptor the collector can emit.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.stories, c.storiesW, c.articles, c.themeFlagged, c.themeFlaggedW, c.themeScoreSum,
		c.dyadStories, c.dyadStoriesW, c.dyadThemeFlagged, c.dyadThemeFlaggedW,
		c.feedWindowArticles, c.feedThemeFlagged, c.feedInfo, c.feedWeight, c.feedUp,
		c.feedLastAttempt, c.feedLastSuccess, c.feedFails, c.feedStored, c.lastArticle,
		c.lexiconInfo, c.scrapeSuccess, c.scrapeDuration, c.auditReviewed, c.auditConfirmed, c.auditMissed,
	} {
		ch <- d
	}
}

// WindowLabel formats a window the way Prometheus writes durations ("1h", "6h", "1d").
func WindowLabel(w time.Duration) string { return model.Duration(w).String() }

// Collect reads the store and sends the current values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.settings.Load()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()

	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if s.LexiconVersion != "" {
		gauge(c.lexiconInfo, 1, s.LexiconVersion)
	}
	for _, f := range s.Feeds {
		gauge(c.feedInfo, 1, f.Name, f.Lang, f.Country)
		gauge(c.feedWeight, f.Weight, f.Name)
	}

	// The cheap reads come first, so that a deadline hit by the window
	// aggregates still leaves the feed health series in the answer.
	ok := true
	if err := c.collectFeeds(ctx, ch, s); err != nil {
		ok = false
		c.log.Error("metrics: read feed state", "err", err)
	}
	if last, err := c.store.LastArticleTime(ctx); err != nil {
		ok = false
		c.log.Error("metrics: read last article time", "err", err)
	} else if !last.IsZero() {
		gauge(c.lastArticle, float64(last.UnixNano())/1e9)
	}
	if err := c.collectWindows(ctx, ch, s, c.now()); err != nil {
		ok = false
		c.log.Error("metrics: read window aggregates", "err", err)
	}
	if s.LexiconVersion != "" {
		audit, err := c.store.AuditStats(ctx, s.LexiconVersion)
		if err != nil {
			ok = false
			c.log.Error("metrics: read audit labels", "err", err)
		}
		for _, theme := range s.Themes {
			a := audit[theme]
			gauge(c.auditReviewed, float64(a.Reviewed), theme)
			gauge(c.auditConfirmed, float64(a.Confirmed), theme)
			gauge(c.auditMissed, float64(a.Missed), theme)
		}
	}
	gauge(c.scrapeSuccess, b2f(ok))
	gauge(c.scrapeDuration, time.Since(start).Seconds())
}

// CollectWindowsAt sends the rolling-window gauges (tracker_stories,
// tracker_theme_*, tracker_dyad_*, tracker_feed_window_articles...) as they
// were at time at: the same series the live exporter serves, for backfilling
// history.
func (c *Collector) CollectWindowsAt(ctx context.Context, at time.Time, ch chan<- prometheus.Metric) error {
	return c.collectWindows(ctx, ch, c.settings.Load(), at)
}

func (c *Collector) collectWindows(ctx context.Context, ch chan<- prometheus.Metric, s *Settings, now time.Time) error {
	if len(s.Windows) == 0 || s.LexiconVersion == "" {
		return nil
	}
	stats, err := c.store.WindowStats(ctx, now, s.Windows, s.LexiconVersion, s.Watch)
	if err != nil {
		return err
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, w := range stats {
		win := WindowLabel(w.Window)
		gauge(c.stories, float64(w.Stories), win)
		gauge(c.storiesW, w.StoriesWeighted, win)
		gauge(c.articles, float64(w.Articles), win)
		// Every configured theme gets a series, zero when nothing matched, so
		// that ratios and alerts see 0 rather than an absent series.
		for _, theme := range s.Themes {
			a := w.Themes[theme]
			gauge(c.themeFlagged, float64(a.Flagged), theme, win)
			gauge(c.themeFlaggedW, a.FlaggedWeighted, theme, win)
			gauge(c.themeScoreSum, a.ScoreSum, theme, win)
		}
		for _, dy := range s.Watch {
			key := dy.String()
			da := w.Dyads[key]
			gauge(c.dyadStories, float64(da.Stories), key, win)
			gauge(c.dyadStoriesW, da.StoriesWeighted, key, win)
			for _, theme := range s.Themes {
				a := da.Themes[theme]
				gauge(c.dyadThemeFlagged, float64(a.Flagged), key, theme, win)
				gauge(c.dyadThemeFlaggedW, a.FlaggedWeighted, key, theme, win)
			}
		}
		for _, f := range s.Feeds {
			fw := w.Feeds[f.Name]
			gauge(c.feedWindowArticles, float64(fw.Articles), f.Name, win)
			if !s.FeedDetail {
				continue
			}
			for _, theme := range s.Themes {
				gauge(c.feedThemeFlagged, float64(fw.Flagged[theme]), f.Name, theme, win)
			}
		}
	}
	return nil
}

func (c *Collector) collectFeeds(ctx context.Context, ch chan<- prometheus.Metric, s *Settings) error {
	states, err := c.store.FeedStates(ctx)
	if err != nil {
		return err
	}
	byName := make(map[string]store.FeedState, len(states))
	for _, st := range states {
		byName[st.Name] = st
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, f := range s.Feeds {
		st, ok := byName[f.Name]
		if !ok {
			continue
		}
		gauge(c.feedStored, float64(st.Articles), f.Name)
		gauge(c.feedFails, float64(st.ConsecutiveFailures), f.Name)
		if !st.LastAttempt.IsZero() {
			gauge(c.feedLastAttempt, unixSeconds(st.LastAttempt), f.Name)
			gauge(c.feedUp, b2f(st.LastStatus != "error"), f.Name)
		}
		if !st.LastSuccess.IsZero() {
			gauge(c.feedLastSuccess, unixSeconds(st.LastSuccess), f.Name)
		}
	}
	return nil
}

func unixSeconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
