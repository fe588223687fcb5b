package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/ingest"
	"github.com/tensiontracker/tracker/internal/metrics"
	"github.com/tensiontracker/tracker/internal/netpolicy"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
	"github.com/tensiontracker/tracker/internal/web"
)

// App is the running daemon: every part wired from the config, with Run to
// start it, Reload to apply a new config file and Close to stop it.
type App struct {
	ConfigPath    string
	ListenAddress string // overrides the config's when set
	// WebConfigFile is --web.config.file (exporter-toolkit: TLS, basic auth).
	WebConfigFile string
	Log           *slog.Logger
	// FirstFetchNow fetches every feed at start-up instead of waiting for each schedule.
	FirstFetchNow bool
	// ConfigPollInterval is how often the config files are checked for
	// changes (default 3s).
	ConfigPollInterval time.Duration

	mu        sync.Mutex // serialises reloads
	cfg       *config.Config
	cfgHash   [32]byte // of the config and lexicon files in force
	cfgFiles  []string
	token     string
	db        *store.DB
	reg       *prometheus.Registry
	fetchM    *metrics.Fetch
	reloadM   *metrics.Reload
	collector *metrics.Collector
	webInfo   *metrics.WebInfo
	// feedDetail is global.feed_metrics: full, as read at start-up.
	feedDetail bool
	scorer     atomic.Pointer[scoring.Scorer] // the scorer in force
	pipeline   *ingest.Pipeline
	scheduler  *ingest.Scheduler
	rescorer   *ingest.Rescorer
	server     *web.Server
	bg         sync.WaitGroup
	stopBG     context.CancelFunc
}

// Open loads the config, opens the store, wires the parts and binds the
// listen address. It does not start fetching or serving.
func (a *App) Open(ctx context.Context) error {
	if err := web.ValidateWebConfig(a.WebConfigFile); err != nil {
		return err
	}
	cfg, hash, scorer, token, err := prepare(a.ConfigPath)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	a.db = db
	a.cfg, a.cfgHash, a.cfgFiles, a.token = cfg, hash, cfg.Files(), token

	a.reg = metrics.NewRegistry()
	// Label sets are fixed at registration: feed_metrics is read at start-up.
	a.feedDetail = cfg.Global.FeedMetrics == config.FeedMetricsFull
	a.fetchM = metrics.NewFetch(a.reg, a.feedDetail)
	a.reloadM = metrics.NewReload(a.reg)
	a.collector = metrics.NewCollector(db, metrics.DefaultStoreTimeout, a.Log)
	a.reg.MustRegister(a.collector)
	a.webInfo = metrics.NewWebInfo(a.reg)

	fetcher := feeds.NewFetcher(fetcherOptions(cfg), nil)
	a.pipeline = ingest.NewPipeline(fetcher, db, scorer, a.fetchM, a.Log, time.Duration(cfg.Global.MaxBackoff))
	a.scheduler = ingest.NewScheduler(func(ctx context.Context, f config.Feed) ingest.Summary {
		return a.pipeline.Run(ctx, f, ingest.RunOptions{})
	}, a.Log, a.fetchM.Skipped)
	a.rescorer = ingest.NewRescorer(db, a.Log, metrics.NewRescore(a.reg))

	if err := a.apply(ctx, cfg, scorer, nil); err != nil {
		db.Close()
		return err
	}
	a.reloadM.Succeeded(time.Now())

	listen := cfg.Global.ListenAddress
	if a.ListenAddress != "" {
		listen = a.ListenAddress
	}
	explorer := web.NewExplorer(db, web.ExplorerOptions{
		Log:            a.Log,
		LexiconVersion: a.rescorer.ExportedVersion,
		Themes:         func() []string { return a.scorer.Load().Themes() },
		AdminToken:     a.adminToken,
		ExternalURL:    cfg.Web.ExternalURL,
		Registerer:     a.reg,
	})
	a.server = web.New(web.Options{
		Gatherer:   a.reg,
		Registerer: a.reg,
		Log:        a.Log,
		Reload:     a.Reload,
		AdminToken: a.adminToken,
		Extra:      explorer.Register,

		WebConfigFile: a.WebConfigFile,
	})
	if err := a.server.Listen(listen); err != nil {
		db.Close()
		return err
	}
	a.webInfo.Set(externalURL(cfg, a.server.Addr()))
	return nil
}

// externalURL is web.external_url, or else the bound address (localhost for
// a wildcard address): what works from the tracker's own host.
func externalURL(cfg *config.Config, addr string) string {
	if cfg.Web.ExternalURL != "" {
		return cfg.Web.ExternalURL
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:9476"
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// failureReasons are the reason label values of tracker_fetch_failures_total:
// the fetcher's and the pipeline's own "store".
func failureReasons() []string {
	out := []string{"store"}
	for _, r := range feeds.Reasons() {
		out = append(out, string(r))
	}
	return out
}

// Run starts the scheduler, the background jobs and the HTTP server, and
// blocks until ctx is cancelled or the server fails.
func (a *App) Run(ctx context.Context) error {
	bgCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopBG = stop
	a.scheduler.Start()
	if a.FirstFetchNow {
		a.scheduler.RunAll()
	}
	a.goBG(func() { a.pruneLoop(bgCtx) })
	a.goBG(func() { a.watchConfig(bgCtx) })
	hup := notifySIGHUP()
	a.goBG(func() { a.reloadOnSIGHUP(bgCtx, hup) })
	a.server.SetReady(true)
	a.Log.Info("tracker started", "listen", a.server.Addr(), "config", a.ConfigPath,
		"database", a.cfg.Global.DatabasePath, "feeds", len(a.cfg.Feeds))

	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve() }()
	select {
	case <-ctx.Done():
		a.Log.Info("shutting down")
		return nil
	case err := <-errc:
		return err
	}
}

// Addr is the HTTP server's bound address once Open has bound it.
func (a *App) Addr() string { return a.server.Addr() }

// Close stops serving, cancels fetches in flight, waits for background jobs
// and closes the database.
func (a *App) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs []error
	if a.server != nil {
		a.server.SetReady(false)
		errs = append(errs, a.server.Shutdown(ctx))
	}
	if a.scheduler != nil {
		errs = append(errs, a.scheduler.Stop(ctx))
	}
	if a.stopBG != nil {
		a.stopBG()
	}
	if a.rescorer != nil {
		a.rescorer.Stop()
	}
	a.bg.Wait()
	if a.db != nil {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
}

func (a *App) goBG(f func()) {
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		f()
	}()
}

func (a *App) adminToken() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.token
}

// Reload reads the config file again and applies it. On any error the
// running config stays in force.
func (a *App) Reload(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	err := a.reloadLocked(ctx)
	if err != nil {
		a.reloadM.Failed()
		a.Log.Error("config reload rejected, previous config stays in force", "file", a.ConfigPath, "err", err)
		return err
	}
	a.reloadM.Succeeded(time.Now())
	return nil
}

func (a *App) reloadLocked(ctx context.Context) error {
	cfg, hash, scorer, token, err := prepare(a.ConfigPath)
	if err != nil {
		return err
	}
	if cfg.Global.DatabasePath != a.cfg.Global.DatabasePath {
		return fmt.Errorf("global.database_path changed from %s to %s: restart the tracker to switch databases", a.cfg.Global.DatabasePath, cfg.Global.DatabasePath)
	}
	if cfg.Global.ListenAddress != a.cfg.Global.ListenAddress {
		a.Log.Warn("global.listen_address changes take effect at the next restart", "running", a.cfg.Global.ListenAddress, "configured", cfg.Global.ListenAddress)
	}
	if err := a.apply(ctx, cfg, scorer, a.cfg); err != nil {
		return err
	}
	a.cfg, a.cfgHash, a.cfgFiles, a.token = cfg, hash, cfg.Files(), token
	a.webInfo.Set(externalURL(cfg, a.server.Addr()))
	a.Log.Info("config reloaded", "file", a.ConfigPath, "feeds", len(cfg.Feeds), "lexicon_version", scorer.Version())
	return nil
}

// apply makes the running parts follow cfg. old is nil at start-up.
func (a *App) apply(ctx context.Context, cfg *config.Config, scorer *scoring.Scorer, old *config.Config) error {
	g := cfg.Global
	// All or nothing: the database step, which can fail, comes before the
	// schedule changes; if scheduling then fails, the database goes back
	// to the running feeds.
	if err := a.db.SyncFeeds(ctx, feedMetas(cfg)); err != nil {
		return fmt.Errorf("record feeds in the database: %w", err)
	}
	if err := a.scheduler.Apply(cfg.Feeds, g.DefaultSchedule, time.Duration(g.ScheduleJitter), g.Concurrency); err != nil {
		if old != nil {
			if rerr := a.db.SyncFeeds(ctx, feedMetas(old)); rerr != nil {
				err = errors.Join(err, fmt.Errorf("restore the running feeds in the database: %w", rerr))
			}
		}
		return err
	}
	if old != nil {
		kept := make(map[string]bool, len(cfg.Feeds))
		for _, f := range cfg.Feeds {
			kept[f.Name] = true
		}
		for _, f := range old.Feeds {
			if !kept[f.Name] {
				a.fetchM.Forget(f.Name)
			}
		}
	}
	for _, f := range cfg.Feeds {
		a.fetchM.Init(f.Name, failureReasons())
	}
	a.pipeline.SetScorer(scorer)
	a.scorer.Store(scorer)
	a.pipeline.SetMaxBackoff(time.Duration(g.MaxBackoff))

	settings := collectorSettings(cfg, scorer)
	settings.FeedDetail = a.feedDetail
	if old != nil && cfg.Global.FeedMetrics != old.Global.FeedMetrics {
		a.Log.Warn("global.feed_metrics changes take effect at the next restart", "running", old.Global.FeedMetrics, "configured", cfg.Global.FeedMetrics)
	}
	// Metrics keep the exported lexicon's scores (persisted across restarts)
	// until the metric windows have been re-scored with the new one, so
	// dashboards never see a half-scored window.
	plan := ingest.Plan{Since: time.Now().Add(-time.Duration(g.Retention))}
	if len(settings.Windows) > 0 {
		plan.Window = slices.Max(settings.Windows)
	}
	a.rescorer.Start(ctx, scorer, plan, func(version string) {
		s := settings
		s.LexiconVersion = version
		a.collector.SetSettings(s)
	})
	return nil
}

func collectorSettings(cfg *config.Config, scorer *scoring.Scorer) metrics.Settings {
	s := metrics.Settings{LexiconVersion: scorer.Version(), Themes: scorer.Themes(), Watch: watchDyads(cfg)}
	for _, w := range cfg.Global.Windows {
		s.Windows = append(s.Windows, time.Duration(w))
	}
	for _, f := range cfg.Feeds {
		s.Feeds = append(s.Feeds, metrics.FeedInfo{Name: f.Name, Lang: f.Lang, Country: f.Country, Weight: f.Weight})
	}
	return s
}

func watchDyads(cfg *config.Config) []scoring.Dyad {
	out := make([]scoring.Dyad, 0, len(cfg.Watch.Dyads))
	for _, d := range cfg.Watch.Dyads {
		a, b, _ := strings.Cut(d, "-")
		out = append(out, scoring.Dyad{A: a, B: b})
	}
	return out
}

func feedMetas(cfg *config.Config) []store.FeedMeta {
	metas := make([]store.FeedMeta, len(cfg.Feeds))
	for i, f := range cfg.Feeds {
		metas[i] = store.FeedMeta{Name: f.Name, URL: f.URL, Lang: f.Lang, Country: f.Country, Weight: f.Weight}
	}
	return metas
}

func fetcherOptions(cfg *config.Config) feeds.Options {
	g := cfg.Global
	// Load validated every entry; an error here is a bug, and failing
	// closed (the default policy) is the safe side.
	networks, err := netpolicy.New(g.DenyNetworks)
	if err != nil {
		networks = nil
	}
	return feeds.Options{
		Timeout:      time.Duration(g.HTTPTimeout),
		MaxBodyBytes: int64(g.MaxBodySize),
		UserAgent:    g.UserAgent,
		FutureSkew:   time.Duration(g.FutureSkew),
		Networks:     networks,
	}
}

func newScorer(cfg *config.Config) (*scoring.Scorer, error) {
	return scoring.New(cfg.Lexicons, scoring.Options{Builtin: cfg.Lexicon.UseBuiltin()})
}

// prepare loads the config file and builds what applying it needs: the
// scorer of its lexicon and the admin token, and checks the database path.
// Start-up, reload and check-config share it, so check-config accepts
// exactly what start-up and reload would.
func prepare(path string) (*config.Config, [32]byte, *scoring.Scorer, string, error) {
	cfg, hash, err := loadConfig(path)
	if err != nil {
		return nil, hash, nil, "", err
	}
	scorer, err := newScorer(cfg)
	if err != nil {
		return nil, hash, nil, "", fmt.Errorf("build scorer: %w", err)
	}
	token, err := cfg.Web.ReadAdminToken()
	if err != nil {
		return nil, hash, nil, "", err
	}
	if err := checkDatabasePath(cfg.Global.DatabasePath); err != nil {
		return nil, hash, nil, "", err
	}
	return cfg, hash, scorer, token, nil
}

// checkDatabasePath refuses a database path that cannot be a database file
// (a directory), before anything is opened or applied.
func checkDatabasePath(path string) error {
	fi, err := os.Stat(path)
	if err == nil && fi.IsDir() {
		return fmt.Errorf("global.database_path %s is a directory, not a database file", path)
	}
	return nil
}

// openConfigured loads a config, builds its scorer and opens its database,
// for the one-shot commands (fetch --once, rescore, backfill).
func openConfigured(ctx context.Context, path string) (*config.Config, *scoring.Scorer, *store.DB, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, nil, nil, err
	}
	scorer, err := newScorer(cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("build scorer: %w", err)
	}
	db, err := store.Open(ctx, cfg.Global.DatabasePath)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("open database: %w", err)
	}
	return cfg, scorer, db, nil
}

// loadConfig loads and validates the config file. The hash covers the
// config and the lexicon files it references, so the file watcher notices
// an edit to any of them.
func loadConfig(path string) (*config.Config, [32]byte, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, [32]byte{}, err
	}
	h, err := hashFiles(path, cfg.Files()[1:])
	if err != nil {
		return nil, [32]byte{}, err
	}
	return cfg, h, nil
}

// hashFiles hashes the config file and the given lexicon files together.
func hashFiles(configPath string, others []string) ([32]byte, error) {
	h := sha256.New()
	for _, p := range append([]string{configPath}, others...) {
		b, err := os.ReadFile(p)
		if err != nil {
			return [32]byte{}, fmt.Errorf("read %s: %w", p, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", p, len(b))
		h.Write(b)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, nil
}
