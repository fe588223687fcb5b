package demo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
	"go.yaml.in/yaml/v3"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/neardup"
)

func TestFeedsMetadata(t *testing.T) {
	t.Parallel()
	fs := Feeds()
	if len(fs) != 6 {
		t.Fatalf("Feeds() returned %d feeds, want 6", len(fs))
	}
	seen := map[string]bool{}
	for _, f := range fs {
		if seen[f.Name] || seen[f.Path] {
			t.Errorf("duplicate feed name or path: %+v", f)
		}
		seen[f.Name], seen[f.Path] = true, true
		if !strings.HasPrefix(f.Path, "/feeds/") {
			t.Errorf("%s: path %q not under /feeds/", f.Name, f.Path)
		}
		if _, err := files.ReadFile("feeds/" + strings.TrimPrefix(f.Path, "/feeds/")); err != nil {
			t.Errorf("%s: path %q names no bundled file: %v", f.Name, f.Path, err)
		}
		if !strings.Contains(f.ContentType, "charset=") {
			t.Errorf("%s: Content-Type %q has no charset", f.Name, f.ContentType)
		}
		if f.Weight <= 0 || f.Weight > 100 {
			t.Errorf("%s: weight %v out of (0, 100]", f.Name, f.Weight)
		}
	}
	// Callers get their own copy.
	fs[0].Name = "changed"
	if Feeds()[0].Name == "changed" {
		t.Error("Feeds() shares its slice between callers")
	}
}

// TestConfigParses checks the generated config is what the tracker loads:
// valid YAML, accepted by config.Parse with no error, with every feed
// pointing at the demo server.
func TestConfigParses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, baseURL, dbPath, listen string
	}{
		{"plain", "http://127.0.0.1:43123", filepath.Join(dir, "demo.db"), "127.0.0.1:9476"},
		{"trailing slash, any port", "http://127.0.0.1:8080/", filepath.Join(dir, "tracker.db"), ":0"},
		// Paths with YAML-significant characters must survive quoting.
		{"awkward path", "http://[::1]:9999", filepath.Join(dir, `my "demo" #1: data\ été`, "t.db"), "[::1]:9476"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data := Config(tt.baseURL, tt.dbPath, tt.listen)
			var raw map[string]any
			if err := yaml.Unmarshal(data, &raw); err != nil {
				t.Fatalf("not valid YAML: %v\n%s", err, data)
			}
			cfg, err := config.Parse("demo.yaml", data, dir)
			if err != nil {
				t.Fatalf("config.Parse: %v\n%s", err, data)
			}
			if cfg.Global.DatabasePath != tt.dbPath {
				t.Errorf("database_path = %q, want %q", cfg.Global.DatabasePath, tt.dbPath)
			}
			if cfg.Global.ListenAddress != tt.listen {
				t.Errorf("listen_address = %q, want %q", cfg.Global.ListenAddress, tt.listen)
			}
			if cfg.Global.ScheduleJitter != 0 {
				t.Errorf("schedule_jitter = %v, want 0 so the first cycle is not delayed", cfg.Global.ScheduleJitter)
			}
			if !cfg.Lexicon.UseBuiltin() || len(cfg.Lexicon.Files) != 0 || len(cfg.Themes) != 0 {
				t.Errorf("lexicon = %+v, themes %d; want the built-in lexicon only", cfg.Lexicon, len(cfg.Themes))
			}
			if want := WatchDyads(); !reflect.DeepEqual(cfg.Watch.Dyads, want) {
				t.Errorf("watch dyads = %v, want %v", cfg.Watch.Dyads, want)
			}
			base := strings.TrimRight(tt.baseURL, "/")
			want := Feeds()
			if len(cfg.Feeds) != len(want) {
				t.Fatalf("%d feeds, want %d", len(cfg.Feeds), len(want))
			}
			for i, f := range cfg.Feeds {
				w := want[i]
				if f.Name != w.Name || f.URL != base+w.Path || f.Weight != w.Weight || f.Lang != w.Lang || f.Country != w.Country {
					t.Errorf("feed %d = %+v, want name %s url %s weight %v lang %s country %s", i, f, w.Name, base+w.Path, w.Weight, w.Lang, w.Country)
				}
				if got := cfg.FeedSchedule(f); got != "@every 1m" {
					t.Errorf("feed %s schedule %q, want @every 1m", f.Name, got)
				}
				if len(f.Tags) == 0 || f.Tags[0] != "demo" {
					t.Errorf("feed %s tags %v, want demo first", f.Name, f.Tags)
				}
			}
		})
	}
}

var update = flag.Bool("update", false, "rewrite testdata golden files")

// TestConfigGolden pins the whole generated config, comments included, since
// newcomers read it (`tracker demo` prints where it is).
func TestConfigGolden(t *testing.T) {
	t.Parallel()
	got := Config("http://127.0.0.1:43123", "/tmp/tracker-demo/demo.db", "127.0.0.1:9476")
	golden := filepath.Join("testdata", "config.golden")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Config output differs from %s (run go test -update if intended):\n%s", golden, got)
	}
}

func TestWatchDyadsNormalised(t *testing.T) {
	t.Parallel()
	for _, d := range WatchDyads() {
		n, err := config.NormalizeDyad(d)
		if err != nil || n != d {
			t.Errorf("dyad %q: normalised %q, %v; want it already normalised", d, n, err)
		}
	}
}

func TestArticles(t *testing.T) {
	t.Parallel()
	arts := Articles()
	if len(arts) < 55 || len(arts) > 65 {
		t.Fatalf("Articles() returned %d articles, want about 60", len(arts))
	}
	langs := map[string]int{}
	var all strings.Builder
	for i, a := range arts {
		langs[a.Lang]++
		if a.Title == "" || a.Text == "" {
			t.Errorf("article %d: empty title or text: %+v", i, a)
		}
		for _, s := range []string{a.Title, a.Text} {
			if strings.ContainsAny(s, "<>") || strings.Contains(s, "&lt;") || strings.Contains(s, "&amp;") || strings.Contains(s, "  ") || !utf8.ValidString(s) {
				t.Errorf("article %d is not clean plain text: %q", i, s)
			}
		}
		all.WriteString(a.Title + "\n" + a.Text + "\n")
	}
	if langs["en"] < 40 || langs["es"] != 10 || len(langs) != 2 {
		t.Errorf("languages %v, want about 49 en and 10 es", langs)
	}
	text := all.String()
	for _, w := range []string{
		"soberanía",                        // Spanish accents decoded from Latin-1
		"Estonia summoned Russia's chargé", // JSON Feed text
		"Turkish drones struck positions",  // RSS description
		"China Sea, injuring two crew members, the Philippine coast guard said. Manila", // Atom HTML paragraphs joined by a space
	} {
		if !strings.Contains(text, w) {
			t.Errorf("Articles() text lacks %q", w)
		}
	}
	// Deterministic: the same articles in the same order every call.
	if again := Articles(); !reflect.DeepEqual(arts, again) {
		t.Error("Articles() differs between calls")
	}
}

// TestSyndicatedNearCopies checks each republished story is a near copy of
// a different wire story by the measure the store clusters with (package
// neardup's similarity of title + " " + text, at least MinSimilarity),
// while unrelated stories stay far apart; otherwise the demo would show no
// near-duplicate clusters.
func TestSyndicatedNearCopies(t *testing.T) {
	t.Parallel()
	s := NewServer(func() time.Time { return testNow })
	wire := parseServed(t, s, "/feeds/wire-world.xml")
	synd := parseServed(t, s, "/feeds/syndicated.xml")
	hash := func(it *gofeed.Item) neardup.Fingerprint {
		sig, _, _ := neardup.Sign(plainText(it.Title) + " " + plainText(it.Description))
		return sig.Fingerprint()
	}
	originals := map[string]bool{}
	for _, c := range synd.Items {
		hc := hash(c)
		var near []*gofeed.Item
		for _, w := range wire.Items {
			hw := hash(w)
			switch sim := hc.Similarity(&hw); {
			case sim >= neardup.MinSimilarity:
				near = append(near, w)
			case sim > 0.2:
				t.Errorf("%s: similarity %.2f to unrelated wire story %s, want far apart", c.Link, sim, w.Link)
			}
		}
		if len(near) != 1 {
			t.Errorf("%s: %d wire stories at similarity >= %v, want exactly one", c.Link, len(near), neardup.MinSimilarity)
			continue
		}
		w := near[0]
		if originals[w.Link] {
			t.Errorf("%s: copies the same wire story as another copy (%s)", c.Link, w.Link)
		}
		originals[w.Link] = true
		if w.Title == c.Title || w.GUID == c.GUID {
			t.Errorf("%s: want a reworded title and its own guid", c.Link)
		}
		if !c.PublishedParsed.After(*w.PublishedParsed) {
			t.Errorf("%s: published %s, not after the original's %s", c.Link, c.PublishedParsed, w.PublishedParsed)
		}
	}
}
