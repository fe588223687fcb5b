package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/store"
)

// cmdBackfill writes the stored history as OpenMetrics with timestamps: the
// rolling-window series the live exporter serves, evaluated at every step
// between --from and --to, for `promtool tsdb create-blocks-from openmetrics`.
func cmdBackfill(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backfill", stderr)
	cfgPath := fs.String("config.file", "config.yaml", "path to the configuration file")
	from := fs.String("from", "", "start time, RFC 3339 or a duration before --to such as 90d (default: the retention period)")
	to := fs.String("to", "", "end time, RFC 3339 (default: now)")
	step := fs.String("step", "5m", "time between samples; use the Prometheus scrape interval or a multiple of it")
	output := fs.String("output", "-", "file to write, - for stdout")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	stepD, err := config.ParseDuration(*step)
	if err != nil || stepD <= 0 {
		return &exitError{code: 2, err: fmt.Errorf("--step: invalid duration %q", *step)}
	}
	end := time.Now().UTC()
	if *to != "" {
		if end, err = time.Parse(time.RFC3339, *to); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--to: %w", err)}
		}
	}
	start := end.Add(-time.Duration(cfg.Global.Retention))
	if *from != "" {
		if d, derr := config.ParseDuration(*from); derr == nil {
			start = end.Add(-time.Duration(d))
		} else if start, err = time.Parse(time.RFC3339, *from); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--from: want RFC 3339 or a duration, got %q", *from)}
		}
	}
	if !start.Before(end) {
		return &exitError{code: 2, err: errors.New("--from must be before --to")}
	}
	scorer, err := newScorer(cfg)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()

	coll := metrics.NewCollector(db, time.Minute, slog.New(slog.NewTextHandler(stderr, nil)))
	coll.SetSettings(collectorSettings(cfg, scorer))

	var w io.Writer = stdout
	if *output != "-" {
		f, err := os.Create(*output)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	n, err := writeBackfill(ctx, bw, coll, start, end, time.Duration(stepD))
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "backfill: %d samples from %s to %s every %s (lexicon %s)\n", n, start.Format(time.RFC3339), end.Format(time.RFC3339), stepD, scorer.Version())
	return nil
}

// windowAt adapts the collector's window gauges at one instant to a
// prometheus.Collector, so a registry can gather them into families.
type windowAt struct {
	c   *metrics.Collector
	at  time.Time
	ctx context.Context
	err error
}

func (w *windowAt) Describe(ch chan<- *prometheus.Desc) { w.c.Describe(ch) }
func (w *windowAt) Collect(ch chan<- prometheus.Metric) {
	w.err = w.c.CollectWindowsAt(w.ctx, w.at, ch)
}

// writeBackfill evaluates the window gauges at every step and writes them
// as one OpenMetrics exposition, each family's samples together and in time
// order, as promtool requires.
func writeBackfill(ctx context.Context, w io.Writer, coll *metrics.Collector, start, end time.Time, step time.Duration) (int, error) {
	families := map[string]*dto.MetricFamily{}
	n := 0
	for t := start; !t.After(end); t = t.Add(step) {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		at := &windowAt{c: coll, at: t, ctx: ctx}
		reg := prometheus.NewRegistry()
		if err := reg.Register(at); err != nil {
			return n, err
		}
		mfs, err := reg.Gather()
		if err != nil {
			return n, fmt.Errorf("evaluate windows at %s: %w", t.Format(time.RFC3339), err)
		}
		if at.err != nil {
			return n, fmt.Errorf("read windows at %s: %w", t.Format(time.RFC3339), at.err)
		}
		ts := t.UnixMilli()
		for _, mf := range mfs {
			acc, ok := families[mf.GetName()]
			if !ok {
				acc = &dto.MetricFamily{Name: mf.Name, Help: mf.Help, Type: mf.Type}
				families[mf.GetName()] = acc
			}
			for _, m := range mf.Metric {
				m.TimestampMs = &ts
				acc.Metric = append(acc.Metric, m)
				n++
			}
		}
	}
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeOpenMetrics))
	for _, name := range names {
		mf := families[name]
		// Group each series' samples together, in time order.
		sort.SliceStable(mf.Metric, func(i, j int) bool {
			return labelKey(mf.Metric[i]) < labelKey(mf.Metric[j])
		})
		if err := enc.Encode(mf); err != nil {
			return n, fmt.Errorf("write %s: %w", name, err)
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func labelKey(m *dto.Metric) string {
	k := ""
	for _, lp := range m.GetLabel() {
		k += lp.GetName() + "=" + lp.GetValue() + "\xff"
	}
	return k
}
