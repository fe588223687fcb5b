package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestShippedConfigLoads(t *testing.T) {
	t.Parallel()
	cfg, err := Load(filepath.Join("..", "..", "config.yaml"))
	if err != nil {
		t.Fatalf("shipped config.yaml does not load:\n%v", err)
	}
	if len(cfg.Feeds) < 18 {
		t.Errorf("shipped config has %d feeds, want about 20", len(cfg.Feeds))
	}
	spanish, schedules := 0, map[string]bool{}
	for _, f := range cfg.Feeds {
		if f.Lang == "es" {
			spanish++
		}
		schedules[cfg.FeedSchedule(f)] = true
	}
	if spanish < 2 {
		t.Errorf("shipped config has %d Spanish feeds, want at least 2", spanish)
	}
	if len(schedules) < 3 {
		t.Errorf("shipped config uses %d distinct schedules, want variety", len(schedules))
	}
	if len(cfg.Watch.Dyads) < 10 {
		t.Errorf("shipped config watches %d dyads, want about 12", len(cfg.Watch.Dyads))
	}
	if !cfg.Lexicon.UseBuiltin() {
		t.Error("shipped config does not use the built-in lexicon")
	}
	if !reflect.DeepEqual(cfg.Global, withPath(Defaults(), filepath.Join("..", "..", DefaultDatabasePath))) {
		t.Errorf("shipped config's global section differs from the defaults it claims to show:\n%+v", cfg.Global)
	}
}

func withPath(g Global, db string) Global {
	g.DatabasePath = db
	return g
}

func TestLoadValid(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "valid", "config.yaml")
	cfg, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	dir := filepath.Join("testdata", "valid")
	wantGlobal := Global{
		ListenAddress:   "127.0.0.1:9999",
		DatabasePath:    filepath.Join(dir, "data", "tracker.db"),
		DefaultSchedule: "@every 10m",
		ScheduleJitter:  Duration(45 * time.Second),
		HTTPTimeout:     Duration(20 * time.Second),
		MaxBodySize:     5 << 20,
		UserAgent:       "tracker-test/1.0 (+https://example.org/)",
		Concurrency:     4,
		Windows:         []Duration{Duration(time.Hour), Duration(24 * time.Hour), Duration(7 * 24 * time.Hour)},
		Retention:       Duration(30 * 24 * time.Hour),
		MaxBackoff:      Duration(2 * time.Hour),
		FutureSkew:      Duration(5 * time.Minute),
		DenyNetworks:    []string{"link_local", "metadata", "10.20.0.0/16"},
		FeedMetrics:     FeedMetricsBasic,
	}
	if !reflect.DeepEqual(cfg.Global, wantGlobal) {
		t.Errorf("Global =\n%+v\nwant\n%+v", cfg.Global, wantGlobal)
	}
	if cfg.File != path {
		t.Errorf("File = %q", cfg.File)
	}
	if cfg.Lexicon.UseBuiltin() || !reflect.DeepEqual(cfg.Lexicon.Files, []string{"lexicons/regional.yaml", "lexicons/spanish.yaml"}) {
		t.Errorf("Lexicon = %+v", cfg.Lexicon)
	}
	if got, want := cfg.Watch.Dyads, []string{"MX-US", "CN-TW", "RS-XK", "EU-US"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Dyads = %v, want %v", got, want)
	}
	if got := cfg.Watch.Pairs(); len(got) != 4 || got[0] != [2]string{"MX", "US"} {
		t.Errorf("Pairs = %v", got)
	}
	if want := filepath.Join(dir, "secrets", "admin-token"); cfg.Web.AdminTokenFile != want || cfg.Web.ExternalURL != "https://tracker.example.org/" {
		t.Errorf("Web = %+v", cfg.Web)
	}
	wantFeeds := []Feed{
		{Name: "wire-world", URL: "https://wire.example.org/world/rss.xml", Schedule: "CRON_TZ=America/Mexico_City */15 6-23 * * *",
			Weight: 1.5, Lang: "en", Country: "US", Tags: []string{"international", "wire"}, Line: 37},
		{Name: "diario.mx", URL: "http://diario.example.mx/feed", Weight: 1, Lang: "es", Country: "MX", Tags: []string{"latam"}, Line: 44},
		{Name: "minimal", URL: "https://example.com/atom.xml", Weight: 1, Line: 49},
	}
	if !reflect.DeepEqual(cfg.Feeds, wantFeeds) {
		t.Errorf("Feeds =\n%+v\nwant\n%+v", cfg.Feeds, wantFeeds)
	}
	if got := cfg.FeedSchedule(cfg.Feeds[1]); got != "@every 10m" {
		t.Errorf("FeedSchedule(diario.mx) = %q, want the global default", got)
	}
	if f, ok := cfg.FeedByName("minimal"); !ok || f.Line != 49 {
		t.Errorf("FeedByName(minimal) = %+v, %v", f, ok)
	}
	// Lexicon files in order, then the inline themes.
	if len(cfg.Lexicons) != 3 {
		t.Fatalf("Lexicons = %d, want 3", len(cfg.Lexicons))
	}
	wantSources := []string{filepath.Join(dir, "lexicons", "regional.yaml"), filepath.Join(dir, "lexicons", "spanish.yaml"), path}
	for i, lex := range cfg.Lexicons {
		if lex.Source != wantSources[i] {
			t.Errorf("Lexicons[%d].Source = %q, want %q", i, lex.Source, wantSources[i])
		}
	}
	if cfg.Lexicons[0].Version != "regional-1" || cfg.Lexicons[1].Lang != "es" {
		t.Errorf("lexicon headers = %+v %+v", cfg.Lexicons[0], cfg.Lexicons[1])
	}
	sec := cfg.Lexicons[2].Themes["security"]
	if sec == nil || sec != cfg.Themes["security"] || sec.Line != 23 || *sec.Threshold != 0.35 || len(sec.Terms) != 2 ||
		sec.Terms[1].Within != 10 || sec.Terms[1].Line != 27 {
		t.Errorf("inline security theme = %+v", sec)
	}
	if got, want := cfg.Files(), append([]string(nil), wantSources[2], wantSources[0], wantSources[1]); !reflect.DeepEqual(got, want) {
		t.Errorf("Files() = %v, want %v", got, want)
	}
}

func TestDefaultsApplied(t *testing.T) {
	t.Parallel()
	cfg, err := Parse("min.yaml", []byte("feeds:\n  - {name: a, url: 'https://a.example/rss'}\n"), "/etc/tracker")
	if err != nil {
		t.Fatal(err)
	}
	want := withPath(Defaults(), "/etc/tracker/tracker.db")
	if !reflect.DeepEqual(cfg.Global, want) {
		t.Errorf("Global = %+v, want %+v", cfg.Global, want)
	}
	if !cfg.Lexicon.UseBuiltin() || len(cfg.Lexicons) != 0 || cfg.Feeds[0].Weight != 1 || cfg.FeedSchedule(cfg.Feeds[0]) != DefaultSchedule {
		t.Errorf("defaults not applied: %+v", cfg)
	}
	// Empty values keep the defaults too.
	cfg, err = Parse("min.yaml", []byte("global:\n  http_timeout:\n  windows:\nweb:\nwatch:\n"), "")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Global.HTTPTimeout != DefaultHTTPTimeout || len(cfg.Global.Windows) != 3 || cfg.Global.DatabasePath != "tracker.db" {
		t.Errorf("null values did not keep defaults: %+v", cfg.Global)
	}
}

func TestDenyNetworks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		yaml string
		want []string
	}{
		{"", []string{"link_local", "metadata"}},
		{"global:\n  deny_networks:\n", []string{"link_local", "metadata"}},
		{"global:\n  deny_networks: []\n", []string{}},
		{"global:\n  deny_networks: [link_local, metadata, private, loopback, 203.0.113.0/24, '2001:db8::1']\n",
			[]string{"link_local", "metadata", "private", "loopback", "203.0.113.0/24", "2001:db8::1"}},
	}
	for _, tt := range tests {
		cfg, err := Parse("c.yaml", []byte(tt.yaml+"feeds: []\n"), "")
		if err != nil {
			t.Errorf("%q: %v", tt.yaml, err)
			continue
		}
		if !reflect.DeepEqual(cfg.Global.DenyNetworks, tt.want) {
			t.Errorf("%q: deny_networks %q, want %q", tt.yaml, cfg.Global.DenyNetworks, tt.want)
		}
	}
}

func TestBrokenGolden(t *testing.T) {
	t.Parallel()
	cfg, err := Load(filepath.Join("testdata", "broken", "config.yaml"))
	if cfg != nil {
		t.Error("a config was returned along with errors")
	}
	if err == nil {
		t.Fatal("broken config loaded without errors")
	}
	got := err.Error() + "\n"
	golden := filepath.Join("testdata", "broken.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err2 := os.ReadFile(golden)
	if err2 != nil {
		t.Fatalf("%v (run with -update to create)", err2)
	}
	if got != string(want) {
		t.Errorf("error report differs from %s (run with -update after checking):\n--- got\n%s--- want\n%s", golden, got, want)
	}
	// The report must be sorted by file and line.
	es := AsErrors(err)
	for i := 1; i < len(es); i++ {
		a, b := es[i-1], es[i]
		if a.File > b.File || (a.File == b.File && a.Line > b.Line) {
			t.Errorf("errors out of order: %v before %v", a, b)
		}
	}
}

// TestConfigErrors checks each class of problem on its own.
func TestConfigErrors(t *testing.T) {
	t.Parallel()
	feed := func(extra string) string {
		return "feeds:\n  - name: f\n    url: https://example.org/rss\n" + extra
	}
	tests := []struct {
		name, yaml string
		want       []string // exact messages, in order
	}{
		{"empty file", "", []string{"c.yaml: file is empty"}},
		{"whitespace", "  \n\n", []string{"c.yaml: file is empty"}},
		{"null document", "~\n", []string{"c.yaml:1: file is empty (the document is null)"}},
		{"scalar document", "hello\n", []string{`c.yaml:1: expected a mapping, got string "hello"`}},
		{"syntax", "global:\n  listen_address: \":1\"\n feeds: []\n", []string{"c.yaml:3: YAML syntax error: did not find expected key"}},
		{"tab indentation", "global:\n\tconcurrency: 2\n", []string{"c.yaml:2: YAML syntax error: found character that cannot start any token"}},
		{"unknown top key", "feed: []\n", []string{`c.yaml:1: feed: unknown field "feed" (did you mean "feeds"?)`}},
		{"unknown key far", "global:\n  colour: blue\n", []string{
			`c.yaml:2: global.colour: unknown field "colour" (allowed: listen_address, database_path, default_schedule, schedule_jitter, http_timeout, max_body_size, user_agent, concurrency, windows, retention, max_backoff, future_skew, deny_networks, feed_metrics)`}},
		{"typo in feed", feed("    schedul: '@every 5m'\n"), []string{`c.yaml:4: feeds[0].schedul: unknown field "schedul" (did you mean "schedule"?)`}},
		{"duplicate key", "global:\n  concurrency: 2\n  concurrency: 3\n", []string{`c.yaml:3: global.concurrency: duplicate key "concurrency" (first defined at line 2)`}},
		{"duplicate section", "web: {}\nweb: {}\n", []string{`c.yaml:2: web: duplicate key "web" (first defined at line 1)`}},
		{"wrong section type", "global: [a]\n", []string{`c.yaml:1: global: expected a mapping, got a list`}},
		{"wrong scalar types", "global:\n  concurrency: \"4\"\n  listen_address: [a]\n  user_agent: true\nlexicon:\n  builtin: \"no\"\n", []string{
			`c.yaml:2: global.concurrency: expected an integer, got string "4"`,
			`c.yaml:3: global.listen_address: expected a string, got a list`,
			`c.yaml:4: global.user_agent: expected a string, got boolean true (quote it if you mean the text)`,
			`c.yaml:6: lexicon.builtin: expected true or false, got string "no"`}},
		{"ranges", "global:\n  concurrency: 257\n  max_body_size: 0\n  http_timeout: 0s\n  schedule_jitter: 2h\n", []string{
			`c.yaml:2: global.concurrency: concurrency 257 out of range: must be between 1 and 256`,
			`c.yaml:3: global.max_body_size: max_body_size 0B out of range: must be more than 0 and at most 1GiB`,
			`c.yaml:4: global.http_timeout: must be greater than 0`,
			`c.yaml:5: global.schedule_jitter: schedule_jitter 2h too large: at most 1h`}},
		{"durations", "global:\n  http_timeout: 30\n  max_backoff: abc\n  retention: -1h\n  future_skew: 5 minutes\n", []string{
			`c.yaml:2: global.http_timeout: invalid duration "30": missing unit (ms, s, m, h, d, w) after 30`,
			`c.yaml:3: global.max_backoff: invalid duration "abc": want a number followed by a unit (ms, s, m, h, d, w), e.g. "15m" or "90d"`,
			`c.yaml:4: global.retention: invalid duration "-1h": must not be negative`,
			`c.yaml:5: global.future_skew: invalid duration "5 minutes": unknown unit " minutes" (want ns, us, ms, s, m, h, d or w)`}},
		{"windows", "global:\n  windows: [1h, 60m, 0s, 2w]\n  retention: 1w\n", []string{
			`c.yaml:2: global.windows[1]: duplicate window 1h (same as global.windows[0] at line 2)`,
			`c.yaml:2: global.windows[2]: must be greater than 0`}},
		{"window beyond retention", "global:\n  windows: [1h, 2w]\n  retention: 1w\n", []string{
			`c.yaml:2: global.windows[1]: window 2w is longer than global.retention (1w)`}},
		{"default window beyond retention", "global:\n  retention: 12h\n", []string{
			`c.yaml:2: global.retention: retention 12h is shorter than the default window 1d (default windows: [1h, 6h, 24h])`}},
		{"empty windows", "global:\n  windows: []\n", []string{
			`c.yaml:2: global.windows: at least one window is needed (leave the key out for the default [1h, 6h, 24h])`}},
		{"listen address", "global:\n  listen_address: localhost\n", []string{
			`c.yaml:2: global.listen_address: invalid listen address "localhost": want host:port or :port, e.g. ":9476"`}},
		{"user agent", "global:\n  user_agent: \"bad\\nagent\"\n", []string{
			`c.yaml:2: global.user_agent: not a valid User-Agent header value (non-empty, no control characters)`}},
		{"bad default schedule", "global:\n  default_schedule: '*/5 * *'\n", []string{
			`c.yaml:2: global.default_schedule: invalid schedule "*/5 * *": expected exactly 5 fields, found 3: [*/5 * *]`}},
		{"missing feed fields", "feeds:\n  - weight: 2\n", []string{
			`c.yaml:2: feeds[0]: missing required field "name"`,
			`c.yaml:2: feeds[0]: missing required field "url"`}},
		{"feed not a mapping", "feeds:\n  - https://example.org/rss\n", []string{
			`c.yaml:2: feeds[0]: expected a feed (a mapping with name and url), got string "https://example.org/rss"`}},
		{"feeds not a list", "feeds: {name: a}\n", []string{`c.yaml:1: feeds: expected a list, got a mapping`}},
		{"feed names", "feeds:\n  - {name: BBC World, url: 'https://a.example/rss'}\n  - {name: '-x', url: 'https://b.example/rss'}\n  - {name: " + strings.Repeat("a", 64) + ", url: 'https://c.example/rss'}\n", []string{
			`c.yaml:2: feeds[0].name: invalid feed name "BBC World": use 1-63 lowercase letters, digits, '_', '.' and '-', starting with a letter or digit`,
			`c.yaml:3: feeds[1].name: invalid feed name "-x": use 1-63 lowercase letters, digits, '_', '.' and '-', starting with a letter or digit`,
			`c.yaml:4: feeds[2].name: invalid feed name "` + strings.Repeat("a", 64) + `": use 1-63 lowercase letters, digits, '_', '.' and '-', starting with a letter or digit`}},
		{"duplicate feeds", "feeds:\n  - name: a\n    url: https://a.example/rss\n  - name: a\n    url: https://b.example/rss\n  - name: c\n    url: https://a.example/rss\n", []string{
			`c.yaml:4: feeds[1].name: duplicate feed name "a" (first at line 2)`,
			`c.yaml:7: feeds[2].url: same url as feed "a" (line 2)`}},
		{"urls", "feeds:\n  - {name: a, url: 'ftp://a.example/rss'}\n  - {name: b, url: '/rss.xml'}\n  - {name: c, url: 'https:///rss'}\n  - {name: d, url: 'https://a.example/r ss'}\n  - {name: e, url: 'http://[::1'}\n", []string{
			`c.yaml:2: feeds[0].url: invalid URL "ftp://a.example/rss": scheme must be http or https, got "ftp"`,
			`c.yaml:3: feeds[1].url: invalid URL "/rss.xml": must be absolute, starting with http:// or https://`,
			`c.yaml:4: feeds[2].url: invalid URL "https:///rss": missing host`,
			`c.yaml:5: feeds[3].url: invalid URL "https://a.example/r ss": contains whitespace`,
			`c.yaml:6: feeds[4].url: invalid URL "http://[::1": missing ']' in host`}},
		{"feed schedule", feed("    schedule: 'TZ='\n"), []string{
			`c.yaml:4: feeds[0].schedule: invalid schedule "TZ=": a time zone prefix must be followed by a schedule, e.g. "CRON_TZ=Europe/Madrid 0 * * * *"`}},
		{"feed weight zero", feed("    weight: 0\n"), []string{
			`c.yaml:4: feeds[0].weight: weight 0 out of range: must be greater than 0 and at most 100`}},
		{"feed weight big", feed("    weight: 100.5\n"), []string{
			`c.yaml:4: feeds[0].weight: weight 100.5 out of range: must be greater than 0 and at most 100`}},
		{"feed weight string", feed("    weight: heavy\n"), []string{
			`c.yaml:4: feeds[0].weight: expected a number, got string "heavy"`}},
		{"feed weight nan", feed("    weight: .nan\n"), []string{
			`c.yaml:4: feeds[0].weight: expected a finite number, got .nan`}},
		{"lang and country", feed("    lang: EN\n    country: mx\n"), []string{
			`c.yaml:4: feeds[0].lang: language code "EN" must be lowercase (did you mean "en"?)`,
			`c.yaml:5: feeds[0].country: country code "mx" must be uppercase (did you mean "MX"?)`}},
		{"unknown codes", feed("    lang: english\n    country: UK\n"), []string{
			`c.yaml:4: feeds[0].lang: unknown language code "english": want a two-letter ISO 639-1 code such as "en" or "es"`,
			`c.yaml:5: feeds[0].country: unknown country code "UK": the ISO 3166-1 code of the United Kingdom is "GB"`}},
		{"tags", feed("    tags: [Latam, ok, ok, 'a b']\n"), []string{
			`c.yaml:4: feeds[0].tags[0]: invalid tag "Latam": use lowercase letters, digits, '_' and '-'`,
			`c.yaml:4: feeds[0].tags[2]: duplicate tag "ok"`,
			`c.yaml:4: feeds[0].tags[3]: invalid tag "a b": use lowercase letters, digits, '_' and '-'`}},
		{"dyads", "watch:\n  dyads:\n    - MX-US\n    - US-MX\n    - us-mx\n    - US-US\n    - MEX-US\n    - MX\n    - MX-US-CA\n    - ZZ-US\n", []string{
			`c.yaml:4: watch.dyads[1]: duplicate dyad "MX-US" (first at line 3; dyads are unordered)`,
			`c.yaml:5: watch.dyads[2]: invalid dyad "us-mx": country code "us" must be uppercase (did you mean "US"?)`,
			`c.yaml:6: watch.dyads[3]: invalid dyad "US-US": the two countries must differ`,
			`c.yaml:7: watch.dyads[4]: invalid dyad "MEX-US": unknown country code "MEX": want an ISO 3166-1 alpha-2 code such as "MX", or EU or XK`,
			`c.yaml:8: watch.dyads[5]: invalid dyad "MX": want two country codes joined by '-', e.g. "MX-US"`,
			`c.yaml:9: watch.dyads[6]: invalid dyad "MX-US-CA": want two country codes joined by '-', e.g. "MX-US"`,
			`c.yaml:10: watch.dyads[7]: invalid dyad "ZZ-US": unknown country code "ZZ": want an ISO 3166-1 alpha-2 code such as "MX", or EU or XK`}},
		{"web", "web:\n  external_url: tracker.example.org\n  admin_token_file: ''\n", []string{
			`c.yaml:2: web.external_url: invalid URL "tracker.example.org": must be absolute, starting with http:// or https://`,
			`c.yaml:3: web.admin_token_file: must not be empty (leave the key out to refuse state-changing endpoints)`}},
		{"no lexicon", "lexicon:\n  builtin: false\n", []string{
			`c.yaml:1: lexicon.builtin: no lexicon left: builtin is false and there are no lexicon files or inline themes`}},
		{"lexicon file list", "lexicon:\n  files: [a.yaml, ./a.yaml, '', 3]\n", []string{
			`c.yaml:2: lexicon.files[0]: lexicon file: open a.yaml: no such file or directory`,
			`c.yaml:2: lexicon.files[1]: lexicon file "./a.yaml" listed twice (first at line 2)`,
			`c.yaml:2: lexicon.files[2]: empty file name`,
			`c.yaml:2: lexicon.files[3]: lexicon file: open 3: no such file or directory`}},
		{"inline theme errors", "themes:\n  trade:\n    terms:\n      - {term: tariff, weight: 11}\n", []string{
			`c.yaml:4: themes.trade.terms[0].weight: weight 11 out of range: must be greater than 0 and at most 10`}},
		{"deny_networks", "global:\n  deny_networks: [link_local, linklocal, 10.0.0.0/33, example.com, link_local]\n", []string{
			`c.yaml:2: global.deny_networks[1]: invalid network "linklocal": not one of link_local, loopback, metadata, private, a CIDR prefix or an IP address`,
			`c.yaml:2: global.deny_networks[2]: invalid network "10.0.0.0/33": netip.ParsePrefix("10.0.0.0/33"): prefix length out of range`,
			`c.yaml:2: global.deny_networks[3]: invalid network "example.com": not one of link_local, loopback, metadata, private, a CIDR prefix or an IP address`,
			`c.yaml:2: global.deny_networks[4]: duplicate network "link_local" (first at line 2)`}},
		{"deny_networks not a list", "global:\n  deny_networks: private\n", []string{
			`c.yaml:2: global.deny_networks: expected a list such as [link_local, metadata, private], got string "private"`}},
		{"two documents", "feeds: []\n---\nfeeds: []\n", []string{
			`c.yaml:2: more than one YAML document in the file (remove the second "---")`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := Parse("c.yaml", []byte(tc.yaml), "")
			if err == nil {
				t.Fatalf("no error; config %+v", cfg)
			}
			if cfg != nil {
				t.Error("config returned along with errors")
			}
			es := AsErrors(err)
			got := make([]string, len(es))
			for i, e := range es {
				got[i] = e.Error()
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestLexiconFileErrorsNameTheirFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("config.yaml", "lexicon:\n  files:\n    - one.yaml\n    - two.yaml\n    - empty.yaml\n    - nope.yaml\n")
	write("one.yaml", "themes:\n  trade:\n    terms:\n      - tariff\n      - ab*\n")
	write("two.yaml", "themes:\n  trade:\n    terms: [a\n")
	write("empty.yaml", "# nothing yet\n")
	_, err := Load(filepath.Join(dir, "config.yaml"))
	es := AsErrors(err)
	want := []string{
		filepath.Join(dir, "config.yaml") + `:6: lexicon.files[3]: lexicon file: open ` + filepath.Join(dir, "nope.yaml") + `: no such file or directory`,
		filepath.Join(dir, "empty.yaml") + `: file is empty (only comments or document markers)`,
		filepath.Join(dir, "one.yaml") + `:5: themes.trade.terms[1]: term pattern "ab*": a prefix before '*' needs at least 3 letters or digits`,
		filepath.Join(dir, "two.yaml") + `:3: YAML syntax error: did not find expected ',' or ']'`,
	}
	got := make([]string, len(es))
	for i, e := range es {
		got[i] = e.Error()
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	cfg, err := Load(filepath.Join(t.TempDir(), "absent.yaml"))
	if cfg != nil || err == nil {
		t.Fatalf("Load of a missing file = %v, %v", cfg, err)
	}
	es := AsErrors(err)
	if len(es) != 1 || es[0].Line != 0 || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("error = %#v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	es := Errors{
		{File: "config.yaml", Line: 42, Field: "feeds[3].schedule", Msg: "bad"},
		{File: "config.yaml", Msg: "file is empty"},
		{File: "lex.yaml", Line: 3, Msg: "YAML syntax error: x"},
	}
	want := "config.yaml:42: feeds[3].schedule: bad\nconfig.yaml: file is empty\nlex.yaml:3: YAML syntax error: x"
	if got := es.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestWebReadAdminToken(t *testing.T) {
	t.Parallel()
	tok, err := Web{AdminTokenFile: filepath.Join("testdata", "valid", "admin-token-sample")}.ReadAdminToken()
	if err != nil || tok != "s3cret-token" {
		t.Errorf("ReadAdminToken = %q, %v", tok, err)
	}
	if tok, err := (Web{}).ReadAdminToken(); tok != "" || err != nil {
		t.Errorf("no file: %q, %v", tok, err)
	}
	if _, err := (Web{AdminTokenFile: filepath.Join(t.TempDir(), "x")}).ReadAdminToken(); err == nil {
		t.Error("missing token file: no error")
	}
}

func BenchmarkLoadShipped(b *testing.B) {
	path := filepath.Join("..", "..", "config.yaml")
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
