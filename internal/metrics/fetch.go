// Package metrics exposes the tracker's Prometheus metrics: counters and
// histograms updated as feeds are fetched, and a collector that reads the
// tension aggregates from the store at scrape time.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Fetch holds the metrics updated by the ingest pipeline as it fetches feeds.
// They count events since the process started; use rate() and increase().
type Fetch struct {
	// detail labels every counter and the histogram by feed (feed_metrics:
	// full); otherwise failures by reason, bytes, items, future-dated items
	// and durations are per process, which keeps a feed to a dozen series.
	detail      bool
	attempts    *prometheus.CounterVec
	failures    *prometheus.CounterVec
	notModified *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	bytes       *prometheus.CounterVec
	items       *prometheus.CounterVec
	ingested    *prometheus.CounterVec
	future      *prometheus.CounterVec
}

// NewFetch creates the fetch metrics and registers them with reg. With
// detail, every series carries the feed label (global.feed_metrics: full).
func NewFetch(reg prometheus.Registerer, detail bool) *Fetch {
	perFeed := func(labels ...string) []string {
		if detail {
			return append([]string{"feed"}, labels...)
		}
		return labels
	}
	m := &Fetch{
		detail: detail,
		attempts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_attempts_total",
			Help: "Feed fetch attempts (HTTP requests started).",
		}, []string{"feed"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_failures_total",
			Help: "Failed feed fetches by reason (dns, connect, tls, timeout, http_4xx, http_5xx, rate_limited, too_large, parse, canceled, other, store).",
		}, perFeed("reason")),
		notModified: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_not_modified_total",
			Help: "Fetches answered 304 Not Modified (no parse, no writes but the feed state).",
		}, []string{"feed"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_skipped_total",
			Help: "Scheduled fetches not run, by reason (backoff: the feed is backing off after failures or Retry-After; overlap: the previous run of the feed was still going).",
		}, []string{"feed", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tracker_fetch_duration_seconds",
			Help:    "Time to fetch, parse, score and store one feed.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}, perFeed()),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_received_bytes_total",
			Help: "Feed body bytes received (after decompression).",
		}, perFeed()),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_fetch_items_total",
			Help: "Items parsed from feed bodies.",
		}, perFeed()),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_articles_ingested_total",
			Help: "New articles stored.",
		}, []string{"feed"}),
		future: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_articles_future_dated_total",
			Help: "Items whose publication date was in the future and was clamped to the fetch time.",
		}, perFeed()),
	}
	reg.MustRegister(m.attempts, m.failures, m.notModified, m.skipped, m.duration, m.bytes, m.items, m.ingested, m.future)
	return m
}

// Attempt counts a fetch attempt.
func (m *Fetch) Attempt(feed string) { m.attempts.WithLabelValues(feed).Inc() }

// feedLabels are the label values of a per-feed-in-detail series.
func (m *Fetch) feedLabels(feed string, rest ...string) []string {
	if m.detail {
		return append([]string{feed}, rest...)
	}
	return rest
}

// Failure counts a failed fetch.
func (m *Fetch) Failure(feed, reason string) {
	m.failures.WithLabelValues(m.feedLabels(feed, reason)...).Inc()
}

// NotModified counts a 304 answer.
func (m *Fetch) NotModified(feed string) { m.notModified.WithLabelValues(feed).Inc() }

// Skipped counts a scheduled run that did not fetch.
func (m *Fetch) Skipped(feed, reason string) { m.skipped.WithLabelValues(feed, reason).Inc() }

// Done records a finished fetch: its duration, bytes and items parsed, new
// articles stored and future-dated items clamped.
func (m *Fetch) Done(feed string, d time.Duration, bytes int64, items, ingested, future int) {
	m.duration.WithLabelValues(m.feedLabels(feed)...).Observe(d.Seconds())
	m.bytes.WithLabelValues(m.feedLabels(feed)...).Add(float64(bytes))
	m.items.WithLabelValues(m.feedLabels(feed)...).Add(float64(items))
	m.ingested.WithLabelValues(feed).Add(float64(ingested))
	m.future.WithLabelValues(m.feedLabels(feed)...).Add(float64(future))
}

// Forget drops the series of a feed removed from the configuration, so a
// reload does not leave stale series behind.
func (m *Fetch) Forget(feed string) {
	l := prometheus.Labels{"feed": feed}
	for _, v := range []*prometheus.CounterVec{m.attempts, m.notModified, m.skipped, m.ingested} {
		v.DeletePartialMatch(l)
	}
	if m.detail {
		for _, v := range []*prometheus.CounterVec{m.failures, m.bytes, m.items, m.future} {
			v.DeletePartialMatch(l)
		}
		m.duration.DeletePartialMatch(l)
	}
}

// SkipReasons are the reasons a scheduled run is skipped.
var SkipReasons = []string{"backoff", "overlap"}

// Init creates a feed's counter series at zero, for every failure reason
// given and every skip reason. Without it a series would first appear at 1,
// and increase() and rate() would never see the first failure: an alert on
// a feed's first store error would stay silent.
func (m *Fetch) Init(feed string, failureReasons []string) {
	for _, v := range []*prometheus.CounterVec{m.attempts, m.notModified, m.ingested} {
		v.WithLabelValues(feed)
	}
	for _, v := range []*prometheus.CounterVec{m.bytes, m.items, m.future} {
		v.WithLabelValues(m.feedLabels(feed)...)
	}
	for _, r := range failureReasons {
		m.failures.WithLabelValues(m.feedLabels(feed, r)...)
	}
	for _, r := range SkipReasons {
		m.skipped.WithLabelValues(feed, r)
	}
	m.duration.WithLabelValues(m.feedLabels(feed)...)
}
