package metrics

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	versioncollector "github.com/prometheus/client_golang/prometheus/collectors/version"

	_ "github.com/tensiontracker/tracker/internal/version" // sets prometheus/common/version's defaults
)

// Reload reports the outcome of configuration (re)loads.
type Reload struct {
	successful prometheus.Gauge
	timestamp  prometheus.Gauge
}

// NewRegistry returns a registry holding the Go and process collectors and
// tracker_build_info (prometheus/common/version's collector: version,
// revision, branch, goversion, goos, goarch, tags), the metrics every
// tracker process exports.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		versioncollector.NewCollector("tracker"),
	)
	return reg
}

// NewReload creates the config reload metrics and registers them with reg.
func NewReload(reg prometheus.Registerer) *Reload {
	r := &Reload{
		successful: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tracker_config_last_reload_successful",
			Help: "Whether the last configuration load or reload attempt succeeded (1) or was rejected (0).",
		}),
		timestamp: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tracker_config_last_reload_success_timestamp_seconds",
			Help: "Time of the last successful configuration load or reload.",
		}),
	}
	reg.MustRegister(r.successful, r.timestamp)
	return r
}

// Succeeded records a configuration applied at t.
func (r *Reload) Succeeded(t time.Time) {
	r.successful.Set(1)
	r.timestamp.Set(float64(t.UnixNano()) / 1e9)
}

// Running records that the config files match the configuration in force
// again (a rejected edit was reverted): the gauge goes back to 1 without
// touching the last success time.
func (r *Reload) Running() { r.successful.Set(1) }

// Failed records a rejected configuration; the previous one stays in force.
func (r *Reload) Failed() { r.successful.Set(0) }

// Rescore reports background re-scoring after a lexicon change.
type Rescore struct {
	articles   prometheus.Counter
	inProgress prometheus.Gauge
	failures   prometheus.Counter
}

// NewRescore creates the re-scoring metrics and registers them with reg.
func NewRescore(reg prometheus.Registerer) *Rescore {
	r := &Rescore{
		articles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tracker_rescore_articles_total",
			Help: "Stored articles re-scored after a lexicon change.",
		}),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "tracker_rescore_in_progress",
			Help: "1 while stored articles are being re-scored with a new lexicon version.",
		}),
	}
	r.failures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tracker_rescore_failures_total",
		Help: "Failed attempts of background re-scoring (each is retried with backoff); while they go on, the metrics keep the previous lexicon version.",
	})
	reg.MustRegister(r.articles, r.inProgress, r.failures)
	return r
}

// Failed counts a failed re-scoring attempt.
func (r *Rescore) Failed() { r.failures.Inc() }

// Rescored counts n articles re-scored.
func (r *Rescore) Rescored(n int) { r.articles.Add(float64(n)) }

// Active says whether re-scoring is running.
func (r *Rescore) Active(on bool) {
	if on {
		r.inProgress.Set(1)
	} else {
		r.inProgress.Set(0)
	}
}

// WebInfo exports tracker_web_info{external_url}: where users reach the
// tracker, so that alert annotations and dashboard data links build article
// links without hand-edited URLs.
type WebInfo struct{ info *prometheus.GaugeVec }

// NewWebInfo creates tracker_web_info and registers it with reg.
func NewWebInfo(reg prometheus.Registerer) *WebInfo {
	w := &WebInfo{info: prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "tracker_web_info",
		Help: "Always 1; external_url is the URL users reach the tracker's web pages at (web.external_url).",
	}, []string{"external_url"})}
	reg.MustRegister(w.info)
	return w
}

// Set replaces the exported URL (a trailing slash is dropped, so that links
// append paths to it).
func (w *WebInfo) Set(externalURL string) {
	w.info.Reset()
	w.info.WithLabelValues(strings.TrimRight(externalURL, "/")).Set(1)
}
