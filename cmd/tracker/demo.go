package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/demo"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("demo", stderr)
	listen := fs.String("web.listen-address", "127.0.0.1:9476", "address to serve /metrics on")
	dir := fs.String("dir", "", "directory for the demo config and database (default: a new temporary directory, removed on exit)")
	logCfg := logFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	log, err := newLogger(stderr, logCfg)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	workDir := *dir
	if workDir == "" {
		workDir, err = os.MkdirTemp("", "tracker-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(workDir)
	} else if err := os.MkdirAll(workDir, 0o755); err != nil {
		return err
	}

	// The sample feeds, bundled in the binary, on a loopback port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the sample feeds: %w", err)
	}
	feedSrv := &http.Server{Handler: demo.NewServer(time.Now), ReadHeaderTimeout: 5 * time.Second}
	go feedSrv.Serve(ln)
	defer feedSrv.Close()

	cfgPath := filepath.Join(workDir, "demo.yaml")
	cfg := demo.Config("http://"+ln.Addr().String(), filepath.Join(workDir, "demo.db"), *listen)
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		return err
	}
	app := &App{ConfigPath: cfgPath, Log: log, FirstFetchNow: true}
	if err := app.Open(ctx); err != nil {
		return err
	}
	defer app.Close()

	errc := make(chan error, 1)
	go func() { errc <- app.Run(ctx) }()
	// Wait for the first cycle, then show what the exporter says.
	select {
	case err := <-errc:
		return err
	case <-time.After(3 * time.Second):
	}
	base := "http://" + app.Addr()
	fmt.Fprintf(stdout, "\nThe tracker is running on %d bundled sample feeds served from %s.\n", len(demo.Feeds()), ln.Addr())
	fmt.Fprintf(stdout, "Config: %s\n\nTension figures now (from %s/metrics):\n", cfgPath, base)
	if err := printThemeFigures(ctx, stdout, base+"/metrics"); err != nil {
		fmt.Fprintf(stdout, "  (could not read metrics: %v)\n", err)
	}
	fmt.Fprintf(stdout, "\nLook at:\n  %s/metrics            Prometheus metrics (tracker_theme_stories_flagged, tracker_dyad_*...)\n", base)
	fmt.Fprintf(stdout, "  %s/                   the tracker's web page\n  Ctrl-C stops the demo.\n\n", base)
	err = <-errc
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// printThemeFigures prints the flagged-story gauges from the exporter.
func printThemeFigures(ctx context.Context, w io.Writer, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "tracker_theme_stories_flagged{") || strings.HasPrefix(line, "tracker_stories{") {
			fmt.Fprintf(w, "  %s\n", line)
		}
	}
	return nil
}
