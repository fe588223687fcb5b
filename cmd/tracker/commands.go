package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	promversion "github.com/prometheus/common/version"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/mixin"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
	"github.com/tensiontracker/tracker/internal/version"
)

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	cfgPath := fs.String("config.file", "config.yaml", "path to the configuration file")
	listen := fs.String("web.listen-address", "", "address to serve /metrics and the web UI on (overrides global.listen_address)")
	webConfig := fs.String("web.config.file", "", "path to an exporter-toolkit web configuration (TLS, basic auth); see docs/deploy.md")
	logCfg := logFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, logCfg)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	log.Info("starting tracker", "version", promversion.Info(), "build_context", promversion.BuildContext())
	app := &App{ConfigPath: *cfgPath, ListenAddress: *listen, WebConfigFile: *webConfig, Log: log, FirstFetchNow: true}
	if err := app.Open(ctx); err != nil {
		return err
	}
	runErr := app.Run(ctx)
	closeErr := app.Close()
	return errors.Join(runErr, closeErr)
}

func cmdFetch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fetch", stderr)
	cfgPath := fs.String("config.file", "config.yaml", "path to the configuration file")
	once := fs.Bool("once", false, "fetch every feed once and exit (required)")
	logCfg := logFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !*once {
		return &exitError{code: 2, err: errors.New("fetch needs --once (use 'tracker run' for the daemon)")}
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
	sums, err := fetchOnce(ctx, cfg, db, scorer, metrics.NewFetch(metrics.NewRegistry(), false), log)
	if err != nil {
		return err
	}
	printSummaries(stdout, sums)
	if !slices.ContainsFunc(sums, func(s ingest.Summary) bool { return s.Outcome != ingest.OutcomeError }) {
		return &exitError{code: 1, err: errors.New("no feed could be fetched")}
	}
	return nil
}

// fetchOnce syncs the feeds into the store and runs each once, at most
// global.concurrency at a time, ignoring backoff.
func fetchOnce(ctx context.Context, cfg *config.Config, db *store.DB, scorer *scoring.Scorer, m *metrics.Fetch, log *slog.Logger) ([]ingest.Summary, error) {
	if err := db.SyncFeeds(ctx, feedMetas(cfg)); err != nil {
		return nil, fmt.Errorf("record feeds in the database: %w", err)
	}
	p := ingest.NewPipeline(feeds.NewFetcher(fetcherOptions(cfg), nil), db, scorer, m, log, time.Duration(cfg.Global.MaxBackoff))
	return runAll(ctx, p, cfg.Feeds, cfg.Global.Concurrency), nil
}

func printSummaries(w io.Writer, sums []ingest.Summary) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FEED\tRESULT\tITEMS\tNEW\tSEEN\tDURATION\tERROR")
	var items, nw, seen, nm, failed int
	for _, s := range sums {
		errText := ""
		if s.Err != nil {
			errText = s.Reason + ": " + oneLine(s.Err.Error(), 100)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\n", s.Feed, s.Outcome, s.Items, s.New, s.Seen, s.Duration.Round(time.Millisecond), errText)
		items, nw, seen = items+s.Items, nw+s.New, seen+s.Seen
		switch s.Outcome {
		case ingest.OutcomeNotModified:
			nm++
		case ingest.OutcomeError:
			failed++
		}
	}
	fmt.Fprintf(tw, "TOTAL\t%d feeds\t%d\t%d\t%d\t\t%d not modified, %d failed\n", len(sums), items, nw, seen, nm, failed)
	tw.Flush()
}

// oneLine collapses whitespace and cuts s to at most max runes, so an
// error text fits a table cell.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

func cmdCheckConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("check-config", stderr)
	cfgPath := fs.String("config.file", "config.yaml", "path to the configuration file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, _, scorer, _, err := prepare(*cfgPath)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				fmt.Fprintln(stderr, e)
			}
			return &exitError{code: 1, err: fmt.Errorf("%s: %d problem(s) found", *cfgPath, len(errs))}
		}
		return &exitError{code: 1, err: err}
	}
	if w := alertWindowWarning(cfg); w != "" {
		fmt.Fprintf(stderr, "%s: warning: %s\n", *cfgPath, w)
	}
	fmt.Fprintf(stdout, "%s: OK: %d feeds, themes %s, %d watched dyads, lexicon version %s\n",
		*cfgPath, len(cfg.Feeds), strings.Join(scorer.Themes(), ", "), len(cfg.Watch.Dyads), scorer.Version())
	return nil
}

// alertWindowWarning says when global.windows lacks the window the shipped
// baselines and spike alerts use (the mixin's default): they would never
// fire, and TensionIndexAbsent would. Not an error: an operator may have
// generated the rules with another -alert-window.
func alertWindowWarning(cfg *config.Config) string {
	for _, w := range cfg.Global.Windows {
		if time.Duration(w) == mixin.DefaultAlertWindow {
			return ""
		}
	}
	return fmt.Sprintf("global.windows does not include %s, the window the shipped baselines and spike alerts use: they cannot fire "+
		"(generate the rules for one of your windows: go run ./deploy/mixin -alert-window=...)", metrics.WindowLabel(mixin.DefaultAlertWindow))
}

// scoreInput is one line of `tracker score` input.
type scoreInput struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Text  string `json:"text"`
	Lang  string `json:"lang"`
}

func cmdScore(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("score", stderr)
	cfgPath := fs.String("config.file", "", "configuration file whose lexicon to use (default: the built-in lexicon; config.yaml when present)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	scorer, err := scorerFor(*cfgPath)
	if err != nil {
		return err
	}
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	bad := 0
	score := func(name string, r io.Reader) error {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
		for line := 1; sc.Scan(); line++ {
			raw := strings.TrimSpace(sc.Text())
			if raw == "" {
				continue
			}
			var in scoreInput
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				bad++
				fmt.Fprintf(stderr, "%s:%d: %v\n", name, line, err)
				continue
			}
			if in.Title == "" && in.Text == "" {
				bad++
				fmt.Fprintf(stderr, "%s:%d: neither title nor text\n", name, line)
				continue
			}
			res := scorer.Score(scoring.Doc{ID: in.ID, Title: in.Title, Text: in.Text, Lang: in.Lang})
			if err := enc.Encode(res); err != nil {
				return fmt.Errorf("write result: %w", err)
			}
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		return nil
	}
	if fs.NArg() == 0 {
		if err := score("stdin", stdin); err != nil {
			return err
		}
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		err = score(name, f)
		f.Close()
		if err != nil {
			return err
		}
	}
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("%d input line(s) could not be scored (see above); the rest were", bad)}
	}
	return nil
}

// scorerFor builds the scorer of a config file, or the built-in one when
// path is empty and no config.yaml is in the working directory.
func scorerFor(path string) (*scoring.Scorer, error) {
	if path == "" {
		if _, err := os.Stat("config.yaml"); err != nil {
			return scoring.New(nil, scoring.Options{Builtin: true})
		}
		path = "config.yaml"
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return newScorer(cfg)
}

func cmdVersion(w io.Writer) error {
	v := version.Get()
	_, err := fmt.Fprintf(w, "tracker, version %s (revision: %s, go: %s)\n", v.Version, v.Revision, v.GoVersion)
	return err
}

// runAll runs every feed once through the pipeline with bounded concurrency.
func runAll(ctx context.Context, p *ingest.Pipeline, fs []config.Feed, concurrency int) []ingest.Summary {
	sums := make([]ingest.Summary, len(fs))
	sem := make(chan struct{}, max(concurrency, 1))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			sums[i] = p.Run(ctx, f, ingest.RunOptions{IgnoreBackoff: true})
		}()
	}
	wg.Wait()
	return sums
}
