package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// cmdRescore scores every stored article within the retention period that
// has no score under the configured lexicon's version.
func cmdRescore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rescore", stderr)
	cfgPath := fs.String("config.file", "config.yaml", "path to the configuration file")
	logCfg := logFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, logCfg)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	cfg, scorer, db, err := openConfigured(ctx, *cfgPath)
	if err != nil {
		return err
	}
	defer db.Close()
	r := ingest.NewRescorer(db, log, metrics.NewRescore(metrics.NewRegistry()))
	start := time.Now()
	n, err := r.Run(ctx, scorer, start.Add(-time.Duration(cfg.Global.Retention)))
	if err != nil {
		return fmt.Errorf("rescore (%d done): %w", n, err)
	}
	fmt.Fprintf(stdout, "re-scored %d articles with lexicon %s in %s\n", n, scorer.Version(), time.Since(start).Round(time.Millisecond))
	return nil
}

// auditCounts are one theme's confusion counts against the labels.
type auditCounts struct{ tp, fp, fn int }

func (c auditCounts) prf() (p, r, f float64) {
	if c.tp+c.fp > 0 {
		p = float64(c.tp) / float64(c.tp+c.fp)
	}
	if c.tp+c.fn > 0 {
		r = float64(c.tp) / float64(c.tp+c.fn)
	}
	if p+r > 0 {
		f = 2 * p * r / (p + r)
	}
	return p, r, f
}

func (c *auditCounts) add(predicted, truth bool) {
	switch {
	case predicted && truth:
		c.tp++
	case predicted:
		c.fp++
	case truth:
		c.fn++
	}
}

// evalAudited judges the scorer of the given config (the running lexicon,
// or a candidate) on the articles analysts labelled, next to the flags the
// tracker had when they labelled them.
func evalAudited(ctx context.Context, w io.Writer, cfg *config.Config, scorer *scoring.Scorer) error {
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	defer db.Close()
	labels, err := db.Labels(ctx)
	if err != nil {
		return err
	}
	if len(labels) == 0 {
		fmt.Fprintf(w, "no audit labels in %s yet: mark flags right or wrong on the article pages first\n", cfg.Global.DatabasePath)
		return nil
	}
	then, now := map[string]*auditCounts{}, map[string]*auditCounts{}
	results := map[int64]scoring.Result{}
	for _, l := range labels {
		res, ok := results[l.ArticleID]
		if !ok {
			a, err := db.Article(ctx, l.ArticleID)
			if err != nil {
				return fmt.Errorf("read audited article %d: %w", l.ArticleID, err)
			}
			res = scorer.Score(scoring.Doc{ID: a.Item.Key, Title: a.Item.Title, Text: a.Item.Text, Lang: a.Item.Lang})
			results[l.ArticleID] = res
		}
		if then[l.Theme] == nil {
			then[l.Theme], now[l.Theme] = &auditCounts{}, &auditCounts{}
		}
		truth := l.Applies()
		then[l.Theme].add(l.Flagged, truth)
		now[l.Theme].add(res.Themes[l.Theme].Flagged, truth)
	}
	themes := make([]string, 0, len(then))
	for th := range then {
		themes = append(themes, th)
	}
	sort.Strings(themes)
	fmt.Fprintf(w, "%d labels on %d audited articles; candidate lexicon %s\n\n", len(labels), len(results), scorer.Version())
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "theme\tlabels\tat audit: P\tR\tF1\tcandidate: P\tR\tF1\tTP\tFP\tFN\t")
	for _, th := range themes {
		a, b := *then[th], *now[th]
		p0, r0, f0 := a.prf()
		p1, r1, f1 := b.prf()
		n := a.tp + a.fp + a.fn
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t\n", th, n, p0, r0, f0, p1, r1, f1, b.tp, b.fp, b.fn)
	}
	return tw.Flush()
}
