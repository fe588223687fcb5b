// Command tracker watches geopolitical friction in the news: it fetches feeds
// on cron schedules, scores every article for friction themes and the
// countries involved, stores the scores in SQLite and serves them as
// Prometheus metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/common/promslog"
)

const usage = `Usage: tracker <command> [flags]

Commands:
  run            run the daemon: fetch feeds on their schedules, serve /metrics
  fetch --once   fetch every feed once, score, store, print a summary table
  check-config   validate the config file and print every problem
  score          score JSON Lines articles from files or stdin (no database)
  eval           print precision/recall/F1 of the scorer on labelled sets or audited articles
  rescore        score stored articles with the configured lexicon now
  backfill       write stored history as OpenMetrics for promtool tsdb create-blocks-from
  demo           serve bundled sample feeds on loopback and run the tracker on them
  bench          measure a cold and a warm fetch cycle over N loopback feeds
  version        print the version

Run 'tracker <command> -h' for the flags of a command.
`

// exitError carries a process exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := runMain(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// runMain dispatches a subcommand and returns the process exit code.
func runMain(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, args := args[0], args[1:]
	var err error
	switch cmd {
	case "run":
		err = cmdRun(ctx, args, stderr)
	case "fetch":
		err = cmdFetch(ctx, args, stdout, stderr)
	case "check-config":
		err = cmdCheckConfig(args, stdout, stderr)
	case "score":
		err = cmdScore(args, stdin, stdout, stderr)
	case "eval":
		err = cmdEval(args, stdout, stderr)
	case "rescore":
		err = cmdRescore(ctx, args, stdout, stderr)
	case "backfill":
		err = cmdBackfill(ctx, args, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, args, stdout, stderr)
	case "bench":
		err = cmdBench(ctx, args, stdout, stderr)
	case "bench-server":
		err = cmdBenchServer(ctx, args, stdout, stderr)
	case "version", "--version", "-version":
		err = cmdVersion(stdout)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "tracker: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.err.Error() != "" {
			fmt.Fprintf(stderr, "tracker %s: %v\n", cmd, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "tracker %s: %v\n", cmd, err)
	return 1
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tracker "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// parseFlags parses args, turning a usage error into exit code 2. Flags may
// be written with one or two dashes (--config.file), as Go's flag package accepts.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2, err: errors.New("")}
	}
	return nil
}

// logConfig holds the exporter-style logging flags, parsed by prometheus/common's
// promslog (the same values and output as every Prometheus exporter).
type logConfig struct{ promslog.Config }

// newLogger returns the structured logger for a command.
func newLogger(w io.Writer, lc *logConfig) (*slog.Logger, error) {
	c := lc.Config
	c.Writer = w
	return promslog.New(&c), nil
}

// logFlags adds --log.level and --log.format.
func logFlags(fs *flag.FlagSet) *logConfig {
	lc := &logConfig{promslog.Config{Level: promslog.NewLevel(), Format: promslog.NewFormat()}}
	fs.Var(lc.Level, "log.level", "log level: debug, info, warn, error")
	fs.Var(lc.Format, "log.format", "log format: logfmt or json")
	return lc
}
