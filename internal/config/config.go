// Package config loads and validates the tracker's config.yaml and the
// lexicon files it references. Loading is strict: every problem (unknown or
// duplicate keys, wrong types, bad URLs, cron specs, durations, codes, lexicon
// errors in any file) is reported at once with its file, line and field
// path, and a config with any problem is rejected as a whole, so a broken
// edit can never replace a running config.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/http/httpguts"

	"github.com/tensiontracker/tracker/internal/netpolicy"
	"github.com/tensiontracker/tracker/internal/redact"
)

// Defaults applied when a key is absent (see docs/config.md).
const (
	DefaultListenAddress  = ":9476"
	DefaultDatabasePath   = "tracker.db"
	DefaultSchedule       = "@every 15m"
	DefaultScheduleJitter = Duration(30 * time.Second)
	DefaultHTTPTimeout    = Duration(30 * time.Second)
	DefaultMaxBodySize    = ByteSize(10 << 20)
	DefaultUserAgent      = "tracker (+https://github.com/tensiontracker/tracker)"
	DefaultConcurrency    = 8
	DefaultRetention      = Duration(90 * 24 * time.Hour)
	DefaultMaxBackoff     = Duration(6 * time.Hour)
	DefaultFutureSkew     = Duration(10 * time.Minute)
	DefaultFeedWeight     = 1.0
	MaxFeedWeight         = 100.0
	MaxConcurrency        = 256
	MaxBodySizeLimit      = ByteSize(1 << 30)
	maxFileSize           = 16 << 20
	maxScheduleJitter     = Duration(time.Hour)
)

// defaultWindowsText is DefaultWindows as written in messages.
const defaultWindowsText = "[1h, 6h, 24h]"

// DefaultWindows returns the default rolling windows of the metrics.
func DefaultWindows() []Duration {
	return []Duration{Duration(time.Hour), Duration(6 * time.Hour), Duration(24 * time.Hour)}
}

// Config is a loaded, validated config.yaml.
type Config struct {
	// File is the path the config was loaded from.
	File    string                   `yaml:"-"`
	Global  Global                   `yaml:"global"`
	Lexicon LexiconRef               `yaml:"lexicon"`
	Themes  map[string]*ThemeLexicon `yaml:"themes"` // inline lexicon, same format as a lexicon file's `themes:`
	Watch   Watch                    `yaml:"watch"`
	Web     Web                      `yaml:"web"`
	Feeds   []Feed                   `yaml:"feeds"`
	// Lexicons is filled by Load: the lexicon files in order, then the inline
	// themes as a final *Lexicon (Source = the config file) when there are
	// any. The scorer merges them over its built-in default.
	Lexicons []*Lexicon `yaml:"-"`

	// lexiconPaths are the lexicon files as opened, for Files.
	lexiconPaths []string
}

// Global holds the daemon-wide settings.
type Global struct {
	ListenAddress   string     `yaml:"listen_address"`   // default ":9476"
	DatabasePath    string     `yaml:"database_path"`    // default "tracker.db", relative to the config file's directory
	DefaultSchedule string     `yaml:"default_schedule"` // default "@every 15m"
	ScheduleJitter  Duration   `yaml:"schedule_jitter"`  // default 30s: max random delay added to each run
	HTTPTimeout     Duration   `yaml:"http_timeout"`     // default 30s
	MaxBodySize     ByteSize   `yaml:"max_body_size"`    // default 10MiB
	UserAgent       string     `yaml:"user_agent"`       // default DefaultUserAgent
	Concurrency     int        `yaml:"concurrency"`      // default 8, 1..256
	Windows         []Duration `yaml:"windows"`          // default [1h, 6h, 24h]; each > 0, unique, <= retention
	Retention       Duration   `yaml:"retention"`        // default 90d
	MaxBackoff      Duration   `yaml:"max_backoff"`      // default 6h
	FutureSkew      Duration   `yaml:"future_skew"`      // default 10m
	// DenyNetworks are the networks feeds may not be fetched from: class
	// names of netpolicy (link_local, metadata, loopback, private), CIDR
	// prefixes or IP addresses. Default netpolicy.Default(); an explicit
	// empty list denies nothing.
	DenyNetworks []string `yaml:"deny_networks"`
	// FeedMetrics is how much per-feed detail /metrics carries: "basic"
	// (default: about a dozen series per feed plus one per window) or "full"
	// (failure reasons, durations, bytes, items and flagged articles per
	// theme, per feed). Read at start-up.
	FeedMetrics string `yaml:"feed_metrics"`
}

// Feed metrics detail levels (global.feed_metrics).
const (
	FeedMetricsBasic = "basic"
	FeedMetricsFull  = "full"
)

// Defaults returns the global settings used when config.yaml sets none.
func Defaults() Global {
	return Global{
		ListenAddress:   DefaultListenAddress,
		DatabasePath:    DefaultDatabasePath,
		DefaultSchedule: DefaultSchedule,
		ScheduleJitter:  DefaultScheduleJitter,
		HTTPTimeout:     DefaultHTTPTimeout,
		MaxBodySize:     DefaultMaxBodySize,
		UserAgent:       DefaultUserAgent,
		Concurrency:     DefaultConcurrency,
		Windows:         DefaultWindows(),
		Retention:       DefaultRetention,
		MaxBackoff:      DefaultMaxBackoff,
		FutureSkew:      DefaultFutureSkew,
		DenyNetworks:    netpolicy.Default(),
		FeedMetrics:     FeedMetricsBasic,
	}
}

// LexiconRef says which lexicons the scorer starts from.
type LexiconRef struct {
	Builtin *bool    `yaml:"builtin"` // start from the built-in default lexicon; default true
	Files   []string `yaml:"files"`   // more lexicon files, merged in order (as written; relative to the config file)
}

// UseBuiltin reports whether the built-in default lexicon is used (true
// unless `builtin: false` is set).
func (l LexiconRef) UseBuiltin() bool { return l.Builtin == nil || *l.Builtin }

// Watch lists the country pairs analysts follow.
type Watch struct {
	// Dyads are normalised "A-B" pairs with A < B ("US-MX" becomes "MX-US").
	Dyads []string `yaml:"dyads"`
}

// Pairs returns the watched dyads split into their two codes, A < B.
func (w Watch) Pairs() [][2]string {
	out := make([][2]string, 0, len(w.Dyads))
	for _, d := range w.Dyads {
		if a, b, ok := strings.Cut(d, "-"); ok {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

// Web configures the HTTP side beyond the listen address.
type Web struct {
	// AdminTokenFile holds the token state-changing endpoints (reload,
	// audit) require; empty means those endpoints are refused. A relative
	// path is resolved against the config file's directory.
	AdminTokenFile string `yaml:"admin_token_file"`
	// ExternalURL is the absolute http(s) URL users reach the tracker at.
	ExternalURL string `yaml:"external_url"`
}

// ReadAdminToken reads the admin token from AdminTokenFile, trimming
// surrounding whitespace. It returns "" and no error when no file is
// configured (state-changing endpoints are then refused).
func (w Web) ReadAdminToken() (string, error) {
	if w.AdminTokenFile == "" {
		return "", nil
	}
	data, err := readLimited(w.AdminTokenFile, 64<<10)
	if err != nil {
		return "", fmt.Errorf("read admin token: %w", err)
	}
	tok := strings.TrimSpace(string(data))
	if tok == "" {
		return "", fmt.Errorf("read admin token: %s is empty", w.AdminTokenFile)
	}
	return tok, nil
}

// Feed is one news feed to poll.
type Feed struct {
	Name     string   `yaml:"name"`     // unique, ^[a-z0-9][a-z0-9_.-]{0,62}$ (a Prometheus label value)
	URL      string   `yaml:"url"`      // absolute http(s) URL
	Schedule string   `yaml:"schedule"` // "" = Global.DefaultSchedule
	Weight   float64  `yaml:"weight"`   // source weight in (0, 100], default 1
	Lang     string   `yaml:"lang"`     // ISO 639-1, lowercase; optional
	Country  string   `yaml:"country"`  // ISO 3166-1 alpha-2 (or EU, XK), uppercase; optional
	Tags     []string `yaml:"tags"`     // each ^[a-z0-9_-]+$
	Line     int      `yaml:"-"`        // line of the feed entry in the config file
}

// FeedSchedule returns the schedule f runs on: its own, else the default.
func (c *Config) FeedSchedule(f Feed) string {
	if f.Schedule != "" {
		return f.Schedule
	}
	return c.Global.DefaultSchedule
}

// FeedByName returns the feed with the given name.
func (c *Config) FeedByName(name string) (Feed, bool) {
	for _, f := range c.Feeds {
		if f.Name == name {
			return f, true
		}
	}
	return Feed{}, false
}

// Files returns the config file and the lexicon files it references, as
// opened: the set of files to watch for changes.
func (c *Config) Files() []string {
	return append([]string{c.File}, c.lexiconPaths...)
}

var (
	topFields    = []string{"global", "lexicon", "themes", "watch", "web", "feeds"}
	globalFields = []string{"listen_address", "database_path", "default_schedule", "schedule_jitter",
		"http_timeout", "max_body_size", "user_agent", "concurrency", "windows", "retention",
		"max_backoff", "future_skew", "deny_networks", "feed_metrics"}
	lexiconRefFields = []string{"builtin", "files"}
	watchFields      = []string{"dyads"}
	webFields        = []string{"admin_token_file", "external_url"}
	feedFields       = []string{"name", "url", "schedule", "weight", "lang", "country", "tags"}

	feedNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
	tagRE      = regexp.MustCompile(`^[a-z0-9_-]+$`)
)

// Load reads the config file, the lexicon files it references (paths
// relative to the config file's directory), applies defaults and validates
// everything. On any problem it returns a nil *Config and an Errors value
// listing every problem found, sorted by file and line.
func Load(path string) (*Config, error) {
	data, err := readLimited(path, maxFileSize)
	if err != nil {
		return nil, Errors{{File: path, Msg: err.Error(), cause: err}}
	}
	return Parse(path, data, filepath.Dir(path))
}

// Parse is Load on bytes already read: filename is used in messages and
// baseDir resolves the lexicon files, database path and admin token file.
func Parse(filename string, data []byte, baseDir string) (*Config, error) {
	var errs errorList
	cfg := parseConfig(filename, data, baseDir, &errs)
	if err := errs.result(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func readLimited(path string, limit int64) ([]byte, error) {
	// Refuse devices and pipes: opening a FIFO would block the load (and a
	// reload) indefinitely, and /dev/zero would never end.
	st, err := os.Stat(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			pe.Op = "open" // what the operator thinks of; "stat" is our detail
		}
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: file larger than %d bytes", path, limit)
	}
	return data, nil
}

// resolvePath makes a relative path relative to baseDir. SQLite's special
// names are left alone.
func resolvePath(baseDir, p string) string {
	if p == "" || baseDir == "" || filepath.IsAbs(p) || p == ":memory:" || strings.HasPrefix(p, "file:") {
		return p
	}
	return filepath.Join(baseDir, p)
}

func parseConfig(filename string, data []byte, baseDir string, errs *errorList) *Config {
	d := newDecoder(filename, errs)
	root := d.parse(data)
	if root == nil {
		return nil
	}
	cfg := &Config{File: filename, Global: Defaults()}
	var lexNode, themesNode *yaml.Node
	var fileRefs []strItem
	d.mapping(root, "", topFields, func(key string, k, v *yaml.Node) {
		switch key {
		case "global":
			d.global(v, &cfg.Global)
		case "lexicon":
			lexNode = k
			// Each file is read as soon as its reference is checked, so
			// problems are listed in document order.
			fileRefs = d.lexiconRef(v, &cfg.Lexicon, func(ref strItem) {
				path := resolvePath(baseDir, ref.val)
				cfg.lexiconPaths = append(cfg.lexiconPaths, path)
				data, err := readLimited(path, maxFileSize)
				if err != nil {
					d.errs.addErr(d.file, ref.node.Line, ref.path, "lexicon file: ", err)
					return
				}
				if lex := parseLexicon(path, data, errs); lex != nil {
					cfg.Lexicons = append(cfg.Lexicons, lex)
				}
			})
		case "themes":
			themesNode = k
			cfg.Themes = d.themes(v, key)
		case "watch":
			d.watch(v, &cfg.Watch)
		case "web":
			d.web(v, &cfg.Web, baseDir)
		case "feeds":
			cfg.Feeds = d.feeds(v, key)
		}
	})

	cfg.Global.DatabasePath = resolvePath(baseDir, cfg.Global.DatabasePath)
	if len(cfg.Themes) > 0 {
		cfg.Lexicons = append(cfg.Lexicons, &Lexicon{Source: filename, Themes: cfg.Themes})
	}
	if !cfg.Lexicon.UseBuiltin() && len(fileRefs) == 0 && len(cfg.Themes) == 0 {
		line := 0
		if lexNode != nil {
			line = lexNode.Line
		} else if themesNode != nil {
			line = themesNode.Line
		}
		d.errorf(line, "lexicon.builtin", "no lexicon left: builtin is false and there are no lexicon files or inline themes")
	}
	return cfg
}

func (d *decoder) global(n *yaml.Node, g *Global) {
	var retentionNode *yaml.Node
	var windows []strItem
	var windowVals []Duration
	windowsBad := false
	d.mapping(n, "global", globalFields, func(key string, _, v *yaml.Node) {
		p := "global." + key
		if isNull(d.resolve(v)) {
			return // an empty value keeps the default
		}
		switch key {
		case "listen_address":
			if s, ok := d.str(v, p); ok {
				if err := checkListenAddress(s); err != nil {
					d.errorAt(v, p, "%v", err)
				} else {
					g.ListenAddress = s
				}
			}
		case "database_path":
			if s, ok := d.str(v, p); ok {
				if strings.TrimSpace(s) == "" {
					d.errorAt(v, p, "must not be empty")
				} else {
					g.DatabasePath = s
				}
			}
		case "default_schedule":
			if s, ok := d.str(v, p); ok {
				if err := ValidateSchedule(s); err != nil {
					d.errorAt(v, p, "%v", err)
				} else {
					g.DefaultSchedule = s
				}
			}
		case "schedule_jitter":
			if dur, ok := d.duration(v, p); ok {
				if dur > maxScheduleJitter {
					d.errorAt(v, p, "schedule_jitter %s too large: at most %s", dur, maxScheduleJitter)
				} else {
					g.ScheduleJitter = dur
				}
			}
		case "http_timeout":
			if dur, ok := d.positiveDuration(v, p); ok {
				g.HTTPTimeout = dur
			}
		case "max_body_size":
			if b, ok := d.byteSize(v, p); ok {
				if b <= 0 || b > MaxBodySizeLimit {
					d.errorAt(v, p, "max_body_size %s out of range: must be more than 0 and at most %s", b, MaxBodySizeLimit)
				} else {
					g.MaxBodySize = b
				}
			}
		case "feed_metrics":
			if s, ok := d.str(v, p); ok {
				if s != FeedMetricsBasic && s != FeedMetricsFull {
					d.errorAt(v, p, "feed_metrics %q: want %s or %s", s, FeedMetricsBasic, FeedMetricsFull)
				} else {
					g.FeedMetrics = s
				}
			}
		case "user_agent":
			if s, ok := d.str(v, p); ok {
				if strings.TrimSpace(s) == "" || !httpguts.ValidHeaderFieldValue(s) {
					d.errorAt(v, p, "not a valid User-Agent header value (non-empty, no control characters)")
				} else {
					g.UserAgent = s
				}
			}
		case "concurrency":
			if i, ok := d.integer(v, p); ok {
				if i < 1 || i > MaxConcurrency {
					d.errorAt(v, p, "concurrency %d out of range: must be between 1 and %d", i, MaxConcurrency)
				} else {
					g.Concurrency = i
				}
			}
		case "windows":
			windows = nil
			valid := true
			seen := make(map[Duration]int)
			d.sequence(v, p, func(i int, item *yaml.Node) {
				ip := index(p, i)
				dur, ok := d.positiveDuration(item, ip)
				if !ok {
					valid = false
					return
				}
				if j, dup := seen[dur]; dup {
					d.errorAt(item, ip, "duplicate window %s (same as %s at line %d)", dur, windows[j].path, windows[j].node.Line)
					valid = false
					return
				}
				seen[dur] = len(windows)
				windows = append(windows, strItem{node: item, path: ip})
				windowVals = append(windowVals, dur)
			})
			if valid && len(windowVals) == 0 {
				d.errorAt(v, p, "at least one window is needed (leave the key out for the default %s)", defaultWindowsText)
			}
			if valid && len(windowVals) > 0 {
				g.Windows = windowVals
			} else {
				windowsBad = true
			}
		case "retention":
			if dur, ok := d.positiveDuration(v, p); ok {
				g.Retention = dur
				retentionNode = v
			}
		case "max_backoff":
			if dur, ok := d.positiveDuration(v, p); ok {
				g.MaxBackoff = dur
			}
		case "future_skew":
			if dur, ok := d.duration(v, p); ok {
				g.FutureSkew = dur
			}
		case "deny_networks":
			if nets, ok := d.denyNetworks(v, p); ok {
				g.DenyNetworks = nets
			}
		}
	})
	// Windows longer than the retention would silently count fewer articles
	// than they claim.
	if windowsBad {
		return
	}
	for i, w := range g.Windows {
		if w <= g.Retention {
			continue
		}
		if i < len(windows) {
			d.errorAt(windows[i].node, windows[i].path, "window %s is longer than global.retention (%s)", w, g.Retention)
		} else if retentionNode != nil {
			d.errorAt(retentionNode, "global.retention", "retention %s is shorter than the default window %s (default windows: %s)", g.Retention, w, defaultWindowsText)
			return
		}
	}
}

// denyNetworks decodes global.deny_networks: each entry a netpolicy class
// name, CIDR prefix or IP address, no duplicates.
func (d *decoder) denyNetworks(v *yaml.Node, p string) ([]string, bool) {
	if n := d.resolve(v); n != nil && n.Kind != yaml.SequenceNode {
		d.errorAt(v, p, "expected a list such as [link_local, metadata, private], got %s", describe(n))
		return nil, false
	}
	items := d.stringList(v, p)
	ok := true
	nets := make([]string, 0, len(items))
	seen := make(map[string]strItem, len(items))
	for _, it := range items {
		if _, err := netpolicy.ParseEntry(it.val); err != nil {
			d.errorAt(it.node, it.path, "%v", err)
			ok = false
			continue
		}
		if first, dup := seen[it.val]; dup {
			d.errorAt(it.node, it.path, "duplicate network %q (first at line %d)", it.val, first.node.Line)
			ok = false
			continue
		}
		seen[it.val] = it
		nets = append(nets, it.val)
	}
	return nets, ok
}

func checkListenAddress(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("invalid listen address %q: want host:port or :port, e.g. \":9476\"", s)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("invalid listen address %q: port must be a number from 0 to 65535", s)
	}
	if strings.ContainsAny(host, " \t/") {
		return fmt.Errorf("invalid listen address %q: bad host", s)
	}
	return nil
}

// duration decodes a Duration written as a string ("15m", "90d").
func (d *decoder) duration(n *yaml.Node, path string) (Duration, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return 0, false
	}
	dur, err := ParseDuration(s)
	if err != nil {
		d.errorAt(n, path, "%v", err)
		return 0, false
	}
	return dur, true
}

func (d *decoder) positiveDuration(n *yaml.Node, path string) (Duration, bool) {
	dur, ok := d.duration(n, path)
	if ok && dur <= 0 {
		d.errorAt(n, path, "must be greater than 0")
		return 0, false
	}
	return dur, ok
}

// byteSize decodes a ByteSize written as an integer or a string with a unit.
func (d *decoder) byteSize(n *yaml.Node, path string) (ByteSize, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return 0, false
	}
	b, err := ParseByteSize(s)
	if err != nil {
		d.errorAt(n, path, "%v", err)
		return 0, false
	}
	return b, true
}

// lexiconRef decodes the `lexicon:` section, calling load for each valid
// file reference.
func (d *decoder) lexiconRef(n *yaml.Node, ref *LexiconRef, load func(strItem)) []strItem {
	var files []strItem
	d.mapping(n, "lexicon", lexiconRefFields, func(key string, _, v *yaml.Node) {
		p := "lexicon." + key
		switch key {
		case "builtin":
			if isNull(d.resolve(v)) {
				return
			}
			if b, ok := d.boolean(v, p); ok {
				ref.Builtin = &b
			}
		case "files":
			seen := make(map[string]int)
			for _, it := range d.stringList(v, p) {
				if strings.TrimSpace(it.val) == "" {
					d.errorAt(it.node, it.path, "empty file name")
					continue
				}
				clean := filepath.Clean(it.val)
				if first, dup := seen[clean]; dup {
					d.errorAt(it.node, it.path, "lexicon file %q listed twice (first at line %d)", it.val, first)
					continue
				}
				seen[clean] = it.node.Line
				ref.Files = append(ref.Files, it.val)
				files = append(files, it)
				load(it)
			}
		}
	})
	return files
}

func (d *decoder) watch(n *yaml.Node, w *Watch) {
	d.mapping(n, "watch", watchFields, func(key string, _, v *yaml.Node) {
		p := "watch." + key
		seen := make(map[string]int)
		for _, it := range d.stringList(v, p) {
			dyad, err := NormalizeDyad(it.val)
			if err != nil {
				d.errorAt(it.node, it.path, "%v", err)
				continue
			}
			if first, dup := seen[dyad]; dup {
				d.errorAt(it.node, it.path, "duplicate dyad %q (first at line %d; dyads are unordered)", dyad, first)
				continue
			}
			seen[dyad] = it.node.Line
			w.Dyads = append(w.Dyads, dyad)
		}
	})
}

// NormalizeDyad checks an "A-B" country pair and returns it with the codes
// in alphabetical order ("US-MX" becomes "MX-US"). Codes must be distinct,
// uppercase ISO 3166-1 alpha-2 codes, EU or XK.
func NormalizeDyad(s string) (string, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok || strings.Contains(b, "-") {
		return "", fmt.Errorf("invalid dyad %q: want two country codes joined by '-', e.g. \"MX-US\"", s)
	}
	for _, c := range []string{a, b} {
		if err := checkCountry(c); err != nil {
			return "", fmt.Errorf("invalid dyad %q: %v", s, err)
		}
	}
	if a == b {
		return "", fmt.Errorf("invalid dyad %q: the two countries must differ", s)
	}
	if b < a {
		a, b = b, a
	}
	return a + "-" + b, nil
}

func checkCountry(s string) error {
	if IsCountryCode(s) {
		return nil
	}
	if upper := strings.ToUpper(s); IsCountryCode(upper) {
		return fmt.Errorf("country code %q must be uppercase (did you mean %q?)", s, upper)
	}
	if strings.EqualFold(s, "UK") {
		return fmt.Errorf("unknown country code %q: the ISO 3166-1 code of the United Kingdom is \"GB\"", s)
	}
	return fmt.Errorf("unknown country code %q: want an ISO 3166-1 alpha-2 code such as \"MX\", or EU or XK", s)
}

func (d *decoder) web(n *yaml.Node, w *Web, baseDir string) {
	d.mapping(n, "web", webFields, func(key string, _, v *yaml.Node) {
		p := "web." + key
		if isNull(d.resolve(v)) {
			return
		}
		s, ok := d.str(v, p)
		if !ok {
			return
		}
		switch key {
		case "admin_token_file":
			if strings.TrimSpace(s) == "" {
				d.errorAt(v, p, "must not be empty (leave the key out to refuse state-changing endpoints)")
				return
			}
			w.AdminTokenFile = resolvePath(baseDir, s)
		case "external_url":
			if err := checkHTTPURL(s); err != nil {
				d.errorAt(v, p, "%v", err)
				return
			}
			w.ExternalURL = s
		}
	})
}

func checkHTTPURL(s string) error {
	// Error messages show the URL without its password: they are printed by
	// check-config and logged by reload.
	shown := redact.URL(s)
	if strings.TrimSpace(s) != s || strings.ContainsAny(s, " \t\r\n") {
		return fmt.Errorf("invalid URL %q: contains whitespace", shown)
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %v", shown, unwrapURLError(err))
	}
	if scheme := strings.ToLower(u.Scheme); scheme != "http" && scheme != "https" {
		if u.Scheme == "" {
			return fmt.Errorf("invalid URL %q: must be absolute, starting with http:// or https://", shown)
		}
		return fmt.Errorf("invalid URL %q: scheme must be http or https, got %q", shown, u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("invalid URL %q: missing host", shown)
	}
	return nil
}

func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

func (d *decoder) feeds(n *yaml.Node, path string) []Feed {
	var feeds []Feed
	names := make(map[string]int)
	urls := make(map[string]string)
	d.sequence(n, path, func(i int, item *yaml.Node) {
		fp := index(path, i)
		if item.Kind != yaml.MappingNode {
			d.errorAt(item, fp, "expected a feed (a mapping with name and url), got %s", describe(item))
			return
		}
		f, ok := d.feed(item, fp)
		if f.Name != "" {
			if first, dup := names[f.Name]; dup {
				d.errorf(valueLine(item, "name"), fp+".name", "duplicate feed name %q (first at line %d)", f.Name, first)
				ok = false
			} else {
				names[f.Name] = f.Line
			}
		}
		if f.URL != "" {
			if other, dup := urls[f.URL]; dup {
				d.errorf(valueLine(item, "url"), fp+".url", "same url as feed %s", other)
				ok = false
			} else {
				urls[f.URL] = fmt.Sprintf("%q (line %d)", f.Name, f.Line)
			}
		}
		if ok {
			feeds = append(feeds, f)
		}
	})
	return feeds
}

func (d *decoder) feed(n *yaml.Node, path string) (Feed, bool) {
	f := Feed{Weight: DefaultFeedWeight, Line: n.Line}
	good := true
	bad := func(v *yaml.Node, p, format string, args ...any) {
		d.errorAt(v, p, format, args...)
		good = false
	}
	d.mapping(n, path, feedFields, func(key string, _, v *yaml.Node) {
		p := path + "." + key
		if key == "weight" && isNull(d.resolve(v)) {
			return
		}
		switch key {
		case "weight":
			w, ok := d.float(v, p)
			switch {
			case !ok:
				good = false
			case w <= 0 || w > MaxFeedWeight:
				bad(v, p, "weight %v out of range: must be greater than 0 and at most %v", w, MaxFeedWeight)
			default:
				f.Weight = w
			}
		case "tags":
			seen := make(map[string]bool)
			for _, it := range d.stringList(v, p) {
				switch {
				case !tagRE.MatchString(it.val):
					bad(it.node, it.path, "invalid tag %q: use lowercase letters, digits, '_' and '-'", it.val)
				case seen[it.val]:
					bad(it.node, it.path, "duplicate tag %q", it.val)
				default:
					seen[it.val] = true
					f.Tags = append(f.Tags, it.val)
				}
			}
		default:
			s, ok := d.str(v, p)
			if !ok {
				good = false
				return
			}
			switch key {
			case "name":
				if !feedNameRE.MatchString(s) {
					bad(v, p, "invalid feed name %q: use 1-63 lowercase letters, digits, '_', '.' and '-', starting with a letter or digit", s)
					return
				}
				f.Name = s
			case "url":
				if err := checkHTTPURL(s); err != nil {
					bad(v, p, "%v", err)
					return
				}
				f.URL = s
			case "schedule":
				if err := ValidateSchedule(s); err != nil {
					bad(v, p, "%v", err)
					return
				}
				f.Schedule = s
			case "lang":
				if err := checkLanguage(s); err != nil {
					bad(v, p, "%v", err)
					return
				}
				f.Lang = s
			case "country":
				if err := checkCountry(s); err != nil {
					bad(v, p, "%v", err)
					return
				}
				f.Country = s
			}
		}
	})
	if !hasKey(n, "name") {
		bad(n, path, "missing required field \"name\"")
	}
	if !hasKey(n, "url") {
		bad(n, path, "missing required field \"url\"")
	}
	return f, good && f.Name != "" && f.URL != ""
}

func hasKey(n *yaml.Node, key string) bool {
	return valueLine(n, key) > 0
}

// valueLine returns the line of key's value in mapping n, 0 when absent.
func valueLine(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Kind == yaml.ScalarNode && n.Content[i].Value == key {
			return n.Content[i+1].Line
		}
	}
	return 0
}
