package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tensiontracker/tracker/internal/feeds"
	"github.com/tensiontracker/tracker/internal/store"
	"github.com/tensiontracker/tracker/internal/version"
)

// ArticleSource is what the explorer reads and writes (implemented by *store.DB).
type ArticleSource interface {
	// ListArticles returns one page of stories matching q.
	ListArticles(ctx context.Context, q store.ArticleQuery) (store.ArticlePage, error)
	// ArticleDetail returns one article with its scores under lexiconVersion
	// (or the newest version it was scored under); store.ErrNotFound when absent.
	ArticleDetail(ctx context.Context, id int64, lexiconVersion string) (store.ArticleDetail, error)
	// ThemeSeries returns per-theme story counts per time step.
	ThemeSeries(ctx context.Context, q store.SeriesQuery) ([]store.SeriesPoint, error)
	// TopDyads returns the dyads of the most stories published since since.
	TopDyads(ctx context.Context, since time.Time, lexiconVersion string, limit int) ([]store.DyadCount, error)
	// SaveLabels stores audit labels in one transaction.
	SaveLabels(ctx context.Context, labels []store.Label) (store.LabelCounts, error)
	// Labels returns every audit label.
	Labels(ctx context.Context) ([]store.Label, error)
}

// ExplorerOptions configure an Explorer. The funcs are called on every
// request, so a configuration reload takes effect without a restart.
type ExplorerOptions struct {
	Log *slog.Logger
	// Now is the clock (tests set it); nil means time.Now.
	Now func() time.Time
	// LexiconVersion is the running lexicon's version, whose scores are shown.
	LexiconVersion func() string
	// Themes are the running lexicon's theme names, in display order.
	Themes func() []string
	// AdminToken is the token audit labels need; "" refuses them.
	AdminToken func() string
	// ExternalURL is the URL users reach the tracker at (web.external_url).
	// Its path is the prefix of the links in pages (for a reverse proxy that
	// strips it), and the API's next links are absolute when it is set.
	ExternalURL string
	// Timeout bounds the store reads and writes of one request; 0 means 15s.
	// A request that hits it is answered 503 with Retry-After.
	Timeout time.Duration
	// MaxInFlight is how many requests may use the store at once (0:
	// DefaultMaxInFlight()); AdmissionWait how long one waits for a turn
	// before it is shed with 503 and Retry-After (0: DefaultAdmissionWait).
	MaxInFlight   int
	AdmissionWait time.Duration
	// Registerer, when set, receives tracker_web_requests_shed_total.
	Registerer prometheus.Registerer
}

// Explorer serves the article explorer (HTML pages under /, /articles) and
// its JSON API (/api/v1/).
type Explorer struct {
	src    ArticleSource
	opts   ExplorerOptions
	pages  map[string]*template.Template
	prefix string // path prefix of links, from ExternalURL, no trailing slash
	origin string // scheme://host of ExternalURL, "" when not set
	css    []byte
	cssTag string
	adm    *admission
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// Default themes, in the order the landing page shows them, when the
// options give none.
var defaultThemes = []string{"trade", "security", "migration", "sovereignty"}

// NewExplorer returns an explorer reading from src.
func NewExplorer(src ArticleSource, opts ExplorerOptions) *Explorer {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LexiconVersion == nil {
		opts.LexiconVersion = func() string { return "" }
	}
	if opts.Themes == nil {
		opts.Themes = func() []string { return slices.Clone(defaultThemes) }
	}
	if opts.AdminToken == nil {
		opts.AdminToken = func() string { return "" }
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 15 * time.Second
	}
	e := &Explorer{src: src, opts: opts, css: styleCSS,
		adm: newAdmission(opts.MaxInFlight, opts.AdmissionWait, opts.Registerer)}
	if u, err := url.Parse(opts.ExternalURL); err == nil && opts.ExternalURL != "" {
		e.prefix = strings.TrimSuffix(u.Path, "/")
		if u.Scheme != "" && u.Host != "" {
			e.origin = u.Scheme + "://" + u.Host
		}
	}
	sum := sha256.Sum256(styleCSS)
	e.cssTag = `"` + hex.EncodeToString(sum[:8]) + `"`
	e.pages = parsePages(templateFS)
	return e
}

// parsePages parses each page template together with the shared layout.
// The templates are part of the binary, so a parse error is a bug that
// every test run catches: it panics like regexp.MustCompile.
func parsePages(fsys fs.FS) map[string]*template.Template {
	funcs := template.FuncMap{
		"when":  readableTime,
		"score": func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) },
		"join":  strings.Join,
		// bidi strips bidirectional override, embedding and isolate
		// controls from feed-borne text (articles stored before
		// normalisation dropped them); the templates also isolate such text
		// in <bdi> or dir="auto" so right-to-left titles cannot reorder
		// the page around them.
		"bidi": feeds.StripBidiControls,
	}
	pages := map[string]*template.Template{}
	for _, name := range []string{"landing", "articles", "article", "error"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/"+name+".html"))
	}
	return pages
}

// Register mounts the explorer's pages and API on mux.
func (e *Explorer) Register(mux *http.ServeMux) {
	// Every handler but the stylesheet uses the store, so every one but it
	// goes through admission.
	mux.HandleFunc("GET /{$}", e.limit(e.landing))
	mux.HandleFunc("GET /static/style.css", e.style)
	mux.HandleFunc("GET /articles", e.limit(e.list))
	mux.HandleFunc("GET /articles/{id}", e.limit(e.article))
	mux.HandleFunc("POST /articles/{id}/labels", e.limit(e.postLabelsForm))

	mux.HandleFunc("GET /api/v1/articles", e.limit(e.apiList))
	mux.HandleFunc("GET /api/v1/articles/{id}", e.limit(e.apiArticle))
	mux.HandleFunc("GET /api/v1/themes/series", e.limit(e.apiSeries))
	mux.HandleFunc("POST /api/v1/articles/{id}/labels", e.limit(e.apiPostLabels))
	mux.HandleFunc("GET /api/v1/labels", e.limit(e.apiExportLabels))
	mux.HandleFunc("POST /api/v1/labels", e.limit(e.apiImportLabels))
}

// layout is what every page's frame needs.
type layout struct {
	Title   string
	Nav     string // "overview" or "articles": the current section
	Prefix  string
	Version string
	Lexicon string
	Body    any
}

// render writes a page, rendered into memory first so that a template error
// becomes a clean 500 instead of half a page.
func (e *Explorer) render(w http.ResponseWriter, status int, page, title, nav string, body any) {
	var buf bytes.Buffer
	err := e.pages[page].ExecuteTemplate(&buf, "layout", layout{
		Title: title, Nav: nav, Prefix: e.prefix,
		Version: version.Get().Version, Lexicon: e.opts.LexiconVersion(), Body: body,
	})
	if err != nil {
		e.opts.Log.Error("render page", "page", page, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorView is the body of the error page.
type errorView struct {
	Status  int
	Heading string
	Message string
	Back    string
}

func (e *Explorer) fail(w http.ResponseWriter, status int, msg, back string) {
	e.render(w, status, "error", http.StatusText(status), "", errorView{
		Status: status, Heading: http.StatusText(status), Message: msg, Back: back,
	})
}

// storeFailed answers a failed store call: 404 for a missing article, 503
// for a store too busy to answer in time, 500 (logged, details not shown)
// for anything else.
func (e *Explorer) storeFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if e.overloaded(w, r, what, err) {
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		e.fail(w, http.StatusNotFound, "There is no "+what+" here: it may have been pruned by the retention policy.", e.prefix+"/articles")
		return
	}
	e.opts.Log.Error("explorer store read failed", "path", r.URL.Path, "what", what, "err", err)
	e.fail(w, http.StatusInternalServerError, "The database could not be read. The error has been logged.", "")
}

func (e *Explorer) ctx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), e.opts.Timeout)
}

func (e *Explorer) now() time.Time { return e.opts.Now().UTC() }

func (e *Explorer) style(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/css; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", e.cssTag)
	http.ServeContent(w, r, "style.css", time.Time{}, bytes.NewReader(e.css))
}

// themeClasses maps theme names to colour classes: the four standard themes
// keep their colours whatever else is configured; other themes share four more.
func themeClasses(themes []string) func(string) string {
	fixed := map[string]string{"trade": "c1", "security": "c2", "migration": "c3", "sovereignty": "c4"}
	others := map[string]string{}
	n := 0
	for _, t := range themes {
		if _, ok := fixed[t]; !ok {
			others[t] = "c" + strconv.Itoa(5+n%4)
			n++
		}
	}
	return func(t string) string {
		if c, ok := fixed[t]; ok {
			return c
		}
		if c, ok := others[t]; ok {
			return c
		}
		return "c0"
	}
}

// linkTo builds a link to a page of the explorer with a query.
func (e *Explorer) linkTo(path string, v url.Values) string {
	if len(v) == 0 {
		return e.prefix + path
	}
	return e.prefix + path + "?" + v.Encode()
}

// listURL links to the article list of a filter and a time range.
func (e *Explorer) listURL(p listParams) string { return e.linkTo("/articles", p.values()) }

func (e *Explorer) articleURL(id int64) string {
	return e.prefix + "/articles/" + strconv.FormatInt(id, 10)
}

// safeLink returns the link when it is an absolute http or https URL, the
// only kinds a page of ours links to; anything else from a feed
// (javascript:, data:, relative paths) is shown as text, never as a link.
func safeLink(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	return u.String(), true
}

// tokenOK compares a presented admin token with the configured one in
// constant time; an empty configured token refuses everything.
func tokenOK(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// parseID reads the {id} path value.
func parseID(r *http.Request) (int64, error) {
	s := r.PathValue("id")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an article id", s)
	}
	return id, nil
}
