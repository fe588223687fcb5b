package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/store"
)

// benchScrape times whole /metrics scrapes (the collector's store reads and
// the series it builds, through a registry's Gather) over a generated store
// of n articles published over 90 days by 2,000 feeds, as of the end of
// that period, with the default windows and five watched dyads.
func benchScrape(ctx context.Context, cacheDir string, n int, stdout io.Writer) error {
	spec := store.ScrapeSynthetic(n)
	start := time.Now()
	path, err := store.CachedSynthetic(ctx, cacheDir, spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "store:           %s (%d articles), ready in %v\n", path, n, time.Since(start).Round(time.Second))
	openStart := time.Now()
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Fprintf(stdout, "open:            %v\n", time.Since(openStart).Round(time.Millisecond))

	s := metrics.Settings{LexiconVersion: spec.Version, Themes: store.SyntheticThemes, Watch: store.SyntheticDyads[:5]}
	for _, w := range config.DefaultWindows() {
		s.Windows = append(s.Windows, time.Duration(w))
	}
	for i := 1; i <= spec.Feeds; i++ {
		s.Feeds = append(s.Feeds, metrics.FeedInfo{Name: fmt.Sprintf("feed%04d", i), Lang: "en", Country: "US", Weight: 1})
	}
	for _, detail := range []bool{false, true} {
		s.FeedDetail = detail
		c := metrics.NewCollector(db, 0, slog.New(slog.DiscardHandler))
		c.SetClock(func() time.Time { return spec.End })
		c.SetSettings(s)
		reg := prometheus.NewRegistry()
		reg.MustRegister(c)
		var times []time.Duration
		var series int
		for range 7 {
			t := time.Now()
			mfs, err := reg.Gather()
			if err != nil {
				return err
			}
			times = append(times, time.Since(t))
			series = 0
			for _, mf := range mfs {
				series += len(mf.GetMetric())
				if mf.GetName() == "tracker_store_scrape_success" && mf.GetMetric()[0].GetGauge().GetValue() != 1 {
					return fmt.Errorf("scrape over the synthetic store failed (tracker_store_scrape_success 0)")
				}
			}
		}
		slices.Sort(times)
		mode := config.FeedMetricsBasic
		if detail {
			mode = config.FeedMetricsFull
		}
		fmt.Fprintf(stdout, "scrape:          %.1f ms median, %.1f-%.1f ms over 7 (feed_metrics %s, %d series, windows %v)\n",
			ms(times[3]), ms(times[0]), ms(times[6]), mode, series, s.Windows)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1e3 }
