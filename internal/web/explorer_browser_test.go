package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// The explorer over a real SQLite store, in a real headless Chromium.

// Interface check: the store is what the explorer reads.
var _ ArticleSource = (*store.DB)(nil)

// chromiumPath finds Debian's chromium. Without it the browser tests skip,
// except in CI (CI=true), where a skipped browser test would hide that the
// pages were never checked in a browser.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium not found: CI must run the browser tests (apt-get install chromium)")
	}
	t.Skip("chromium not found; install Debian's chromium to run the browser tests")
	return ""
}

// browser starts a headless Chromium for the test and returns a context of
// its first tab.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not have a timeout (see
	// chromedp.NewContext), the steps after it do.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// pageWatch records what the page did that it must not: JS dialogs,
// console messages and uncaught exceptions.
type pageWatch struct {
	mu         sync.Mutex
	dialogs    []string
	console    []string
	exceptions []string
}

func watch(t *testing.T, ctx context.Context) *pageWatch {
	t.Helper()
	w := &pageWatch{}
	err := chromedp.Listen(ctx, func(ev any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		switch e := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			w.dialogs = append(w.dialogs, e.Message)
		case *runtime.EventConsoleAPICalled:
			w.console = append(w.console, string(e.Type))
		case *runtime.EventExceptionThrown:
			w.exceptions = append(w.exceptions, e.ExceptionDetails.Text)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *pageWatch) check(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.dialogs)+len(w.console)+len(w.exceptions) > 0 {
		t.Errorf("the page ran code: dialogs %q, console calls %q, exceptions %q", w.dialogs, w.console, w.exceptions)
	}
}

func step(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// pwned reports whether any hostile payload ran in the current page.
func pwned(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, chromedp.Evaluate[string](`typeof window.__pwned`))
}

// browserArticle is an article of the browser tests' database, with scores
// written by hand so the tests do not depend on the lexicon.
type browserArticle struct {
	key, feed, title, text, link string
	age                          time.Duration
	flags                        map[string][]string // theme -> matched literals (flagged when the theme is in flagged)
	flagged                      []string
	countries                    []string
}

const (
	hostileBrowserTitle = `Talks collapse <script>window.__pwned=1</script> "><svg onload="window.__pwned=1"> <img src=x onerror=alert(1)>`
	hostileBrowserText  = `Officials walked out of the border talks. <img src=x onerror="window.__pwned=1;alert(1)"> The sanctions stay. ` +
		`<a href="javascript:window.__pwned=1">read more</a> '"><iframe srcdoc="<script>parent.__pwned=1</script>"></iframe> ` +
		`<style>body{display:none}</style> <b onmouseover=window.__pwned=1>bold</b> end.`
)

// seedBrowserStore fills a real database. landing is the URL the hostile
// story's safe-looking copy links to (served by the test).
func seedBrowserStore(t *testing.T, now time.Time, landing string) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "tracker.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	feedsMeta := []store.FeedMeta{
		{Name: "wire-world", URL: "https://wire.example/rss", Lang: "en", Weight: 2},
		{Name: "americas-es", URL: "https://americas.example/rss", Lang: "es", Weight: 1},
		{Name: `evil"><script>window.__pwned=1</script>`, URL: "https://evil.example/rss", Lang: "en", Weight: 1},
	}
	if err := db.SyncFeeds(ctx, feedsMeta); err != nil {
		t.Fatal(err)
	}
	mxus := []string{"MX", "US"}
	arts := []browserArticle{
		{key: "guid:b1", feed: "wire-world", title: "Mexico rejects U.S. troops on its soil", age: 2 * time.Hour,
			text:  "Mexico's president said U.S. troops would not be welcome after lawmakers proposed strikes on cartels.",
			flags: map[string][]string{"security": {"troops", "strikes", "cartels"}, "sovereignty": {"on its soil"}}, flagged: []string{"security", "sovereignty"}, countries: mxus},
		{key: "guid:b2", feed: "americas-es", title: "Cartel violence prompts border deployment", age: 5 * time.Hour,
			text:  "Washington sent more troops to the border as cartel violence rose in Tamaulipas, Mexican officials said.",
			flags: map[string][]string{"security": {"troops", "cartel"}}, flagged: []string{"security"}, countries: mxus},
		{key: "guid:b3", feed: "wire-world", title: "Drone strike claims disputed by Mexico City", age: 20 * time.Hour,
			text:  "Mexico denied that a drone strike took place on its territory, while U.S. officials declined to comment.",
			flags: map[string][]string{"security": {"drone strike"}}, flagged: []string{"security"}, countries: mxus},
		// Outside the filtered range.
		{key: "guid:b4", feed: "wire-world", title: "Old security story", age: 50 * time.Hour,
			text:  "Troops were deployed along the border in an older operation against cartels.",
			flags: map[string][]string{"security": {"Troops", "cartels"}}, flagged: []string{"security"}, countries: mxus},
		// Another dyad.
		{key: "guid:b5", feed: "wire-world", title: "Beijing warns over Taiwan Strait patrols", age: 3 * time.Hour,
			text:  "China said U.S. naval patrols in the strait were a provocation and held military drills.",
			flags: map[string][]string{"security": {"naval patrols", "military drills"}}, flagged: []string{"security"}, countries: []string{"CN", "US"}},
		// The dyad, not flagged for security.
		{key: "guid:b6", feed: "americas-es", title: "Aranceles al acero: México y EE.UU. negocian", age: 4 * time.Hour,
			text:  "Los gobiernos de México y Estados Unidos negocian los aranceles al acero.",
			flags: map[string][]string{"trade": {"aranceles"}}, flagged: []string{"trade"}, countries: mxus},
		{key: "hash:hostile", feed: feedsMeta[2].Name, title: hostileBrowserTitle, age: time.Hour,
			text: hostileBrowserText, link: "javascript:window.__pwned=1",
			flags: map[string][]string{"trade": {"sanctions", "<script>"}, "security": {"onerror"}}, flagged: []string{"trade"}, countries: []string{"XK"}},
	}
	version := testLexicon
	for _, a := range arts {
		link := a.link
		if link == "" {
			link = "https://news.example/" + strings.TrimPrefix(a.key, "guid:")
		}
		it := feeds.Item{Key: a.key, Link: link, Title: a.title, Text: a.text, Lang: "en",
			Published: now.Add(-a.age), DateSource: feeds.DatePublished}
		res := scoring.Result{ID: a.key, Lang: "en", LexiconVersion: version, Themes: map[string]scoring.ThemeScore{}, Countries: a.countries}
		for _, theme := range defaultThemes {
			ts := scoring.ThemeScore{Matches: []scoring.Match{}}
			for _, lit := range a.flags[theme] {
				ts.Matches = append(ts.Matches, match(a.title, a.text, strings.ToLower(lit), 1, lit))
				ts.Score += 0.3
			}
			for _, f := range a.flagged {
				ts.Flagged = ts.Flagged || f == theme
			}
			res.Themes[theme] = ts
		}
		if len(a.countries) == 2 {
			res.Dyads = []scoring.Dyad{{A: a.countries[0], B: a.countries[1]}}
		}
		if _, err := db.SaveFetch(ctx, store.FetchOutcome{Feed: a.feed, At: now, Status: store.StatusOK,
			Articles: []store.NewArticle{{Item: it, Score: res}}}); err != nil {
			t.Fatal(err)
		}
	}
	// A syndicated copy of the hostile story whose link is a real http URL
	// carrying an attribute-breaking payload: it must be a link, and inert.
	copyText := hostileBrowserText + " Copy."
	cp := feeds.Item{Key: "hash:hostile-copy", Link: landing + `?q="><img src=x onerror=window.__pwned=1>`,
		Title: `Copy <script>window.__pwned=1</script>`, Text: copyText, Lang: "en", Published: now.Add(-50 * time.Minute), DateSource: feeds.DatePublished}
	if _, err := db.SaveFetch(ctx, store.FetchOutcome{Feed: "wire-world", At: now, Status: store.StatusOK,
		Articles: []store.NewArticle{{Item: cp, Score: scoring.Result{ID: cp.Key, Lang: "en", LexiconVersion: version,
			Themes: map[string]scoring.ThemeScore{"trade": {Score: 0.1}}}}}}); err != nil {
		t.Fatal(err)
	}
	return db
}

func articleID(t *testing.T, db *store.DB, key string) int64 {
	t.Helper()
	a, err := db.ArticleByKey(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return a.ID
}

// browserServers serves the explorer twice over one database: as the
// daemon does (with the security headers of server.go), and bare, without
// any header, to show that escaping alone keeps the hostile article inert.
// Both also serve /landed (where the hostile copy links to; it records the
// Referer it was sent) and the bare one /control, a page that does run a
// script, to show the harness would notice.
type browserServers struct {
	secure, bare *httptest.Server
	db           *store.DB
	mu           sync.Mutex
	referers     []string
}

func newBrowserServers(t *testing.T, token string) *browserServers {
	t.Helper()
	bs := &browserServers{}
	landed := func(w http.ResponseWriter, r *http.Request) {
		bs.mu.Lock()
		bs.referers = append(bs.referers, r.Header.Get("Referer"))
		bs.mu.Unlock()
		fmt.Fprintln(w, "landed")
	}
	var src ArticleSource
	lazy := lazySource{get: func() ArticleSource { return src }}
	opts := ExplorerOptions{
		Log:            slog.New(slog.DiscardHandler),
		Now:            func() time.Time { return testNow },
		LexiconVersion: func() string { return testLexicon },
		Themes:         func() []string { return slices.Clone(defaultThemes) },
		AdminToken:     func() string { return token },
	}
	e := NewExplorer(lazy, opts)
	secure := New(Options{Gatherer: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler), Extra: func(mux *http.ServeMux) {
		e.Register(mux)
		mux.HandleFunc("GET /landed", landed)
	}})
	bs.secure = httptest.NewServer(secure.Handler())
	t.Cleanup(bs.secure.Close)
	bare := http.NewServeMux()
	e.Register(bare)
	bare.HandleFunc("GET /landed", landed)
	bare.HandleFunc("GET /control", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><title>control</title><script>window.__pwned=1</script>`)
	})
	bs.bare = httptest.NewServer(bare)
	t.Cleanup(bs.bare.Close)
	bs.db = seedBrowserStore(t, testNow, bs.secure.URL+"/landed")
	src = bs.db
	return bs
}

// lazySource lets the servers exist (and their URL be known) before the
// database that links to them is filled.
type lazySource struct{ get func() ArticleSource }

func (l lazySource) ListArticles(ctx context.Context, q store.ArticleQuery) (store.ArticlePage, error) {
	return l.get().ListArticles(ctx, q)
}
func (l lazySource) ArticleDetail(ctx context.Context, id int64, v string) (store.ArticleDetail, error) {
	return l.get().ArticleDetail(ctx, id, v)
}
func (l lazySource) ThemeSeries(ctx context.Context, q store.SeriesQuery) ([]store.SeriesPoint, error) {
	return l.get().ThemeSeries(ctx, q)
}
func (l lazySource) TopDyads(ctx context.Context, since time.Time, v string, n int) ([]store.DyadCount, error) {
	return l.get().TopDyads(ctx, since, v, n)
}
func (l lazySource) SaveLabels(ctx context.Context, labels []store.Label) (store.LabelCounts, error) {
	return l.get().SaveLabels(ctx, labels)
}
func (l lazySource) Labels(ctx context.Context) ([]store.Label, error) { return l.get().Labels(ctx) }

func TestBrowserHostileContentIsInert(t *testing.T) {
	ctx := browser(t)
	bs := newBrowserServers(t, testToken)
	w := watch(t, ctx)

	// The harness notices a script that runs.
	step(t, ctx, chromedp.Navigate(bs.bare.URL+"/control"))
	if got := pwned(t, ctx); got != "number" {
		t.Fatalf("control page: window.__pwned is %s; the test cannot see scripts run", got)
	}
	w = watch(t, ctx) // forget the control page's doings

	hostile := articleID(t, bs.db, "hash:hostile")
	for _, srv := range []struct {
		name string
		url  string
		csp  bool
	}{{"escaping alone (no CSP)", bs.bare.URL, false}, {"as served (with CSP)", bs.secure.URL, true}} {
		t.Run(srv.name, func(t *testing.T) {
			for _, path := range []string{"/", "/articles", "/articles?feed=" + strings.ReplaceAll(`evil"><script>window.__pwned=1</script>`, `"`, "%22"),
				fmt.Sprintf("/articles/%d", hostile)} {
				tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				resp, err := chromedp.RunResponse(tctx, chromedp.Navigate(srv.url+path))
				cancel()
				if err != nil {
					t.Fatalf("%s: %v", path, err)
				}
				if resp.Status != http.StatusOK {
					t.Errorf("%s: status %d", path, resp.Status)
				}
				csp, _ := resp.Headers["Content-Security-Policy"].(string)
				if srv.csp && !strings.Contains(csp, "default-src 'none'") {
					t.Errorf("%s: Content-Security-Policy = %q", path, csp)
				}
				if got := pwned(t, ctx); got != "undefined" {
					t.Fatalf("%s: window.__pwned is %s", path, got)
				}
				// Hovering and clicking the hostile text and title must do nothing either.
				step(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelectorAll("h1, section.text, td").forEach(e => {
					e.dispatchEvent(new MouseEvent("mouseover", {bubbles: true})); e.click(); })`))
				if got := pwned(t, ctx); got != "undefined" {
					t.Fatalf("%s after clicks: window.__pwned is %s", path, got)
				}
				// No element or attribute from the feed exists in the DOM.
				bad := run(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("script, iframe, img, svg [onload], [onerror], [onmouseover], [onload], [srcdoc], a[href^='javascript'], main style")].map(e => e.outerHTML)`))
				if len(bad) > 0 {
					t.Errorf("%s: hostile markup in the DOM: %q", path, bad)
				}
			}

			// The article page: the javascript: link is text, not a link.
			step(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/articles/%d", srv.url, hostile)))
			if n := run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#original").length`)); n != 0 {
				t.Errorf("the javascript: original was rendered as a link")
			}
			step(t, ctx, chromedp.Click(chromedp.CSS("#unsafe-link")))
			if got := pwned(t, ctx); got != "undefined" {
				t.Fatalf("after clicking the unsafe link text: window.__pwned is %s", got)
			}
			// The copy's http link is a link, with its payload kept in the
			// URL, and opens without a referrer.
			href := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("a.copy-link").getAttribute("href")`))
			rel := run(t, ctx, chromedp.Evaluate[string](`document.querySelector("a.copy-link").rel`))
			if !strings.HasPrefix(href, bs.secure.URL+"/landed?q=") || rel != "noopener noreferrer" {
				t.Errorf("copy link href %q rel %q", href, rel)
			}
			tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := chromedp.RunResponse(tctx, chromedp.Click(chromedp.CSS("a.copy-link")))
			cancel()
			if err != nil {
				t.Fatalf("click the copy's link: %v", err)
			}
			if loc := run(t, ctx, chromedp.Location()); !strings.HasPrefix(loc, bs.secure.URL+"/landed") {
				t.Errorf("the copy's link went to %s", loc)
			}
			bs.mu.Lock()
			if r := bs.referers[len(bs.referers)-1]; r != "" {
				t.Errorf("the original was sent a Referer: %q", r)
			}
			bs.mu.Unlock()
		})
	}
	w.check(t)
}

func TestBrowserFiltersAndForm(t *testing.T) {
	ctx := browser(t)
	bs := newBrowserServers(t, testToken)
	w := watch(t, ctx)
	from, to := testNow.Add(-24*time.Hour), testNow
	rows := func() int {
		return run(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.articles tbody tr").length`))
	}

	// The Grafana data link: security, MX-US, flagged, last 24h -> b1, b2, b3.
	step(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/articles?theme=security&dyad=MX-US&flagged=1&from=%d&to=%d",
		bs.secure.URL, from.UnixMilli(), to.UnixMilli())))
	if n := rows(); n != 3 {
		t.Errorf("filtered list has %d rows, want 3", n)
	}
	summary := run(t, ctx, chromedp.Text(chromedp.CSS("#summary")))
	if !strings.Contains(summary, "3 stories, Fri 13 Mar 2026 12:00 UTC to Sat 14 Mar 2026 12:00 UTC") {
		t.Errorf("summary = %q", summary)
	}
	// Sorting keeps the filters.
	step(t, ctx, chromedp.Click(chromedp.CSS(`#summary a[href*="sort=score"]`)), chromedp.WaitVisible(chromedp.CSS("table.articles")))
	if n := rows(); n != 3 || !strings.Contains(run(t, ctx, chromedp.Location()), "dyad=MX-US") {
		t.Errorf("after sorting by score: %d rows", n)
	}

	// The filter form, as a person fills it in: the dyad backwards, lower case.
	step(t, ctx,
		chromedp.Navigate(bs.secure.URL+"/articles"),
		chromedp.SetValue(chromedp.CSS(`select[name="theme"]`), "security"),
		chromedp.SendKeys(chromedp.CSS(`input[name="dyad"]`), "us-mx"),
		chromedp.SendKeys(chromedp.CSS(`input[name="from"]`), "now-1d"),
		chromedp.Click(chromedp.CSS(`input[name="flagged"]`)),
	)
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err := chromedp.RunResponse(tctx, chromedp.Click(chromedp.CSS(`form.filters button`)))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if n := rows(); n != 3 {
		t.Errorf("form-filtered list has %d rows, want 3 (at %s)", n, run(t, ctx, chromedp.Location()))
	}
	// A bad value gives a readable 400 page.
	tctx, cancel = context.WithTimeout(ctx, 30*time.Second)
	resp, err := chromedp.RunResponse(tctx, chromedp.Navigate(bs.secure.URL+"/articles?dyad=MEXICO"))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != http.StatusBadRequest || !strings.Contains(run(t, ctx, chromedp.Text(chromedp.CSS("p.message"))), "is not a dyad") {
		t.Errorf("bad dyad: status %d", resp.Status)
	}

	// The audit round trip: a wrong token is refused, the right one stores the label.
	b1 := articleID(t, bs.db, "guid:b1")
	audit := func(token string) int64 {
		step(t, ctx,
			chromedp.Navigate(fmt.Sprintf("%s/articles/%d", bs.secure.URL, b1)),
			chromedp.Click(chromedp.CSS(`input[name="verdict_sovereignty"][value="wrong"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="note_sovereignty"]`), `about a visit, not <b>sovereignty</b>`),
			chromedp.SendKeys(chromedp.CSS(`input[name="author"]`), "ana"),
			chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), token),
		)
		tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		resp, err := chromedp.RunResponse(tctx, chromedp.Click(chromedp.CSS(`form.audit button`)))
		if err != nil {
			t.Fatal(err)
		}
		return resp.Status
	}
	if status := audit("not-the-token"); status != http.StatusForbidden {
		t.Errorf("wrong token: status %d", status)
	}
	if labels, _ := bs.db.Labels(context.Background()); len(labels) != 0 {
		t.Fatalf("a label was stored with a wrong token: %+v", labels)
	}
	if status := audit(testToken); status != http.StatusOK {
		t.Errorf("right token: status %d after the redirect", status)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS(`p.notice[role="status"]`))); !strings.Contains(got, "Saved 1 label.") {
		t.Errorf("notice = %q", got)
	}
	labels, err := bs.db.Labels(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := store.Label{ArticleID: b1, ArticleKey: "guid:b1", Theme: "sovereignty", Verdict: store.VerdictWrong, Flagged: true,
		Note: "about a visit, not <b>sovereignty</b>", Author: "ana", At: testNow, LexiconVersion: testLexicon}
	if len(labels) != 1 || labels[0] != want {
		t.Errorf("labels = %+v\nwant     %+v", labels, want)
	}
	if got := run(t, ctx, chromedp.Text(chromedp.CSS(`table.labels tbody`))); !strings.Contains(got, "about a visit, not <b>sovereignty</b>") {
		t.Errorf("label note not shown as text: %q", got)
	}
	w.check(t)
}

// TestScreenshots renders the explorer's pages over a database of fictional
// articles scored by the built-in lexicon, into docs/screenshots. It runs
// only when asked: TRACKER_SCREENSHOTS=1 go test ./internal/web -run TestScreenshots
func TestScreenshots(t *testing.T) {
	if os.Getenv("TRACKER_SCREENSHOTS") != "1" {
		t.Skip("set TRACKER_SCREENSHOTS=1 to rewrite docs/screenshots")
	}
	ctx := browser(t)
	db, scorer := seedScreenshotStore(t, screenshotNow)
	e := NewExplorer(db, ExplorerOptions{
		Now:            func() time.Time { return screenshotNow },
		LexiconVersion: scorer.Version,
		Themes:         scorer.Themes,
		AdminToken:     func() string { return "token" },
	})
	srv := httptest.NewServer(New(Options{Gatherer: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler), Extra: e.Register}).Handler())
	defer srv.Close()
	featured := articleID(t, db, screenshotFeatured)
	dir := filepath.Join("..", "..", "docs", "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, shot := range []struct{ name, path string }{
		{"landing.png", "/"},
		{"articles.png", fmt.Sprintf("/articles?theme=security&flagged=1&from=%d&to=%d&sort=score",
			screenshotNow.Add(-36*time.Hour).UnixMilli(), screenshotNow.UnixMilli())},
		{"article.png", fmt.Sprintf("/articles/%d", featured)},
	} {
		step(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(srv.URL+shot.path))
		png := run(t, ctx, chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(dir, shot.name), png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d bytes)", shot.name, len(png))
	}
}
