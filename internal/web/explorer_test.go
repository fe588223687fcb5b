package web

import (
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const testToken = "s3cret-token"

// testHandler serves the explorer the way the daemon does: mounted on the
// lead's server, so the security headers are the real ones.
func testHandler(t *testing.T, src ArticleSource, token string) (http.Handler, *Explorer) {
	t.Helper()
	e := NewExplorer(src, ExplorerOptions{
		Log:            slog.New(slog.DiscardHandler),
		Now:            func() time.Time { return testNow },
		LexiconVersion: func() string { return testLexicon },
		Themes:         func() []string { return []string{"trade", "security", "migration", "sovereignty"} },
		AdminToken:     func() string { return token },
	})
	srv := New(Options{Gatherer: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler), Extra: e.Register})
	return srv.Handler(), e
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, h http.Handler, method, target string, body io.Reader, hdr map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func get(t *testing.T, h http.Handler, target string) response {
	t.Helper()
	return do(t, h, http.MethodGet, target, nil, nil)
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -run %s -update to create it): %v", t.Name(), err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file %s (run with -update after checking the change):\n%s", t.Name(), path, firstDiff(string(want), got))
	}
}

func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ":\nwant: " + w + "\ngot:  " + g
		}
	}
	return ""
}

func TestListPassesGrafanaLinkToStore(t *testing.T) {
	t.Parallel()
	from := time.Date(2026, 3, 13, 6, 0, 0, 0, time.UTC)
	to := time.Date(2026, 3, 14, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		query string
		want  store.ArticleQuery
	}{
		{"grafana data link", "theme=security&dyad=MX-US&flagged=1&from=" + ms(from) + "&to=" + ms(to) + "&sort=score&orgId=1&var-window=6h",
			store.ArticleQuery{Theme: "security", Dyad: "MX-US", FlaggedOnly: true, From: from, To: to, Sort: "score", Limit: pageSize}},
		{"dyad written backwards and lower case", "dyad=us-mx",
			store.ArticleQuery{Dyad: "MX-US", Sort: "time", Limit: pageSize}},
		{"rfc3339 and page", "from=2026-03-13T07:00:00%2B01:00&to=2026-03-14T06:00:00Z&page=3&country=mx&feed=wire-world",
			store.ArticleQuery{From: from, To: to, Country: "MX", Feed: "wire-world", Sort: "time", Limit: pageSize, Offset: 2 * pageSize}},
		{"relative times", "from=now-6h&to=now",
			store.ArticleQuery{From: testNow.Add(-6 * time.Hour), To: testNow, Sort: "time", Limit: pageSize}},
		{"empty form fields are absent", "theme=&dyad=&country=&feed=&from=&to=&sort=&flagged=",
			store.ArticleQuery{Sort: "time", Limit: pageSize}},
		{"checkbox value on", "flagged=on",
			store.ArticleQuery{FlaggedOnly: true, Sort: "time", Limit: pageSize}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, "")
			res := get(t, h, "/articles?"+tt.query)
			if res.status != http.StatusOK {
				t.Fatalf("status %d, body:\n%s", res.status, res.body)
			}
			want := tt.want
			want.LexiconVersion = testLexicon
			got := src.lastList(t)
			if !got.From.Equal(want.From) || !got.To.Equal(want.To) {
				t.Errorf("range = %v..%v, want %v..%v", got.From, got.To, want.From, want.To)
			}
			got.From, got.To, want.From, want.To = time.Time{}, time.Time{}, time.Time{}, time.Time{}
			if got != want {
				t.Errorf("query = %+v\nwant    %+v", got, want)
			}
		})
	}
}

func TestListRejectsBadParameters(t *testing.T) {
	t.Parallel()
	tests := []struct{ query, want string }{
		{"theme=weather", "unknown theme"},
		{"theme=%3Cscript%3E", "not a theme name"},
		{"dyad=MX", "not a dyad"},
		{"dyad=MX-MX", "same country twice"},
		{"dyad=ZZ-US", "not a dyad"},
		{"country=Mexico", "not an ISO 3166-1"},
		{"flagged=maybe", "not a yes/no value"},
		{"from=yesterday", "not a time"},
		{"from=1710400000", "outside the years"}, // seconds, not milliseconds
		{"from=99999999999999999999", "too large"},
		{"from=now-6x", "not a relative time"},
		{"from=now*6h", "not a relative time"},
		{"from=" + ms(testNow) + "&to=" + ms(testNow.Add(-time.Hour)), "the range is empty"},
		{"sort=random", "not a sort order"},
		{"page=0", "not a page number"},
		{"page=abc", "not a page number"},
		{"limit=10", "page size is fixed"},
		{"feed=" + strings.Repeat("x", 201), "feed name"},
		{"feed=a%00b", "feed name"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, "")
			res := get(t, h, "/articles?"+tt.query)
			if res.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", res.status)
			}
			if !strings.Contains(res.body, tt.want) {
				t.Errorf("the page does not say %q:\n%s", tt.want, res.body)
			}
			if strings.Contains(res.body, "<script") {
				t.Errorf("the error page echoes markup unescaped:\n%s", res.body)
			}
			if len(src.listQueries) != 0 {
				t.Errorf("the store was queried despite the bad parameter")
			}
			api := get(t, h, "/api/v1/articles?"+tt.query)
			if tt.want != "page size is fixed" && (api.status != http.StatusBadRequest || !strings.Contains(api.body, `"error"`)) {
				t.Errorf("API: status %d body %s, want a 400 JSON error", api.status, api.body)
			}
		})
	}
}

func TestListPage(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	src.page.Total = 120 // three pages of 50
	h, _ := testHandler(t, src, "")
	from := time.Date(2026, 3, 13, 6, 0, 0, 0, time.UTC)
	res := get(t, h, "/articles?theme=security&flagged=1&from="+ms(from)+"&to=now&page=2")
	if res.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.status, res.body)
	}
	for _, want := range []string{
		`<strong>120</strong> stories, Fri 13 Mar 2026 06:00 UTC to Sat 14 Mar 2026 12:00 UTC; showing 51–52.`,
		`href="/articles/101"`,
		`<span class="chip c2" title="flagged">security 0.81</span>`,
		`rel="prev" href="/articles?flagged=1&amp;from=1773381600000&amp;theme=security&amp;to=1773489600000"`,
		`rel="next" href="/articles?flagged=1&amp;from=1773381600000&amp;page=3&amp;theme=security&amp;to=1773489600000"`,
		`<option value="security" selected>security</option>`,
		`name="from" value="1773381600000"`,
		`name="to" value="now"`,
		`+1 copy`,
		`wire-world, americas-es`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("list page lacks %q", want)
		}
	}
	if strings.Contains(res.body, "<script>window") || strings.Contains(res.body, "<svg onload") {
		t.Errorf("list page contains the hostile title unescaped")
	}
	if !strings.Contains(res.body, "Border talks &lt;script&gt;window.__pwned=1&lt;/script&gt;") {
		t.Errorf("list page does not show the hostile title as escaped text")
	}
}

func TestListEmptyAndStoreFailure(t *testing.T) {
	t.Parallel()
	src := newFake()
	h, _ := testHandler(t, src, "")
	res := get(t, h, "/articles")
	if res.status != http.StatusOK || !strings.Contains(res.body, "No stories match these filters.") {
		t.Errorf("empty list: status %d, body:\n%s", res.status, res.body)
	}
	src.err = errBroken
	res = get(t, h, "/articles")
	if res.status != http.StatusInternalServerError {
		t.Errorf("store failure: status %d, want 500", res.status)
	}
	if strings.Contains(res.body, "disk on fire") {
		t.Errorf("the page shows the internal error")
	}
}

func TestArticlePage(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	h, _ := testHandler(t, src, testToken)
	res := get(t, h, "/articles/101")
	if res.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.status, res.body)
	}
	for _, want := range []string{
		// Matches highlighted in title and text, coloured by theme.
		`Mexico rejects U.S. <mark class="c2" title="security: troops">troops</mark> after <mark class="c2" title="security: cartel*">cartel</mark>`,
		`<mark class="c4" title="sovereignty: on its soil">on its soil</mark>`,
		// A negative term that fired is marked apart.
		`<mark class="neg" title="trade: not counted (trade deadline)">trade deadline</mark>`,
		// The original link, safe and without referrer.
		`<a id="original" href="https://news.example.org/world/mexico-troops?id=101&amp;ref=feed" rel="noopener noreferrer">`,
		// Parties link to filtered lists.
		`<a class="code" href="/articles?dyad=MX-US">MX-US</a>`,
		// The syndicated copy.
		`<a href="/articles/102"><bdi>Mexico says no to U.S. troops</bdi></a>`,
		// Audit form: per theme, wrong only for flagged themes, missed only for the others.
		`<input type="radio" name="verdict_security" value="wrong">`,
		`<input type="radio" name="verdict_trade" value="missed">`,
		`<input type="hidden" name="lexicon_version" value="lex-2026-03">`,
		`<input type="password" name="token" required`,
		`action="/articles/101/labels"`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("article page lacks %q", want)
		}
	}
	for _, unwanted := range []string{`name="verdict_security" value="missed"`, `name="verdict_trade" value="wrong"`} {
		if strings.Contains(res.body, unwanted) {
			t.Errorf("article page offers %q", unwanted)
		}
	}
	if src.detailAsked[0] != testLexicon {
		t.Errorf("asked for lexicon %q, want the running one", src.detailAsked[0])
	}
	golden(t, "article-101.html", res.body)
}

func TestHostileArticleIsInert(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	h, _ := testHandler(t, src, testToken)
	res := get(t, h, "/articles/666")
	if res.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.status, res.body)
	}
	// Nothing from the feed becomes an element or attribute.
	if problems := activeContent(t, res.body); len(problems) > 0 {
		t.Errorf("hostile content became markup:\n%s", strings.Join(problems, "\n"))
	}
	for _, want := range []string{
		// The highlight inside the script tag is escaped text within the mark.
		`<mark class="c1" title="trade: script">&lt;script&gt;</mark>window.__pwned=1&lt;/script&gt;`,
		`<mark class="c1" title="trade: sanction*">sanctions</mark>`,
		// The javascript: link is shown as text, not as a link.
		`Original link not shown, as it is not an http or https URL: <code id="unsafe-link"><bdi>javascript:window.__pwned=1</bdi></code>`,
		`not an http(s) link`,
		// Template syntax in feed text is just text.
		`{{.Secret}} ${7*7}`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("hostile article page lacks %q", want)
		}
	}
	if got := res.header.Get("Content-Security-Policy"); !strings.Contains(got, "default-src 'none'") {
		t.Errorf("CSP header = %q", got)
	}
	golden(t, "article-666.html", res.body)
}

func TestArticleNotFoundAndBadID(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t, newFixtureFake(), "")
	for _, target := range []string{"/articles/5", "/articles/abc", "/articles/-1", "/articles/99999999999999999999"} {
		res := get(t, h, target)
		if res.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", target, res.status)
		}
	}
	if res := get(t, h, "/api/v1/articles/5"); res.status != http.StatusNotFound || !strings.Contains(res.body, `"error": "article 5 not found"`) {
		t.Errorf("API missing article: %d %s", res.status, res.body)
	}
}

func TestStaleScoresNotice(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	a := src.articles[wireID]
	a.LexiconVersion = "lex-old"
	src.articles[wireID] = a
	h, _ := testHandler(t, src, testToken)
	res := get(t, h, "/articles/101")
	if !strings.Contains(res.body, "These scores are from lexicon lex-old; the running lexicon lex-2026-03 has not re-scored this article yet.") {
		t.Errorf("no stale-scores notice:\n%s", res.body)
	}
}

func TestLandingPage(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	h, _ := testHandler(t, src, "")
	res := get(t, h, "/")
	if res.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.status, res.body)
	}
	// The series covers 7 days of 6h buckets ending after now, aligned to UTC.
	q := src.seriesQueries[0]
	wantTo := time.Date(2026, 3, 14, 18, 0, 0, 0, time.UTC)
	if !q.To.Equal(wantTo) || !q.From.Equal(wantTo.Add(-7*24*time.Hour)) || q.Step != 6*time.Hour || q.LexiconVersion != testLexicon {
		t.Errorf("series query = %+v", q)
	}
	if !src.dyadsSince[0].Equal(testNow.Add(-24 * time.Hour)) {
		t.Errorf("top dyads since %v, want 24h before now", src.dyadsSince[0])
	}
	if n := strings.Count(res.body, "<svg "); n != 4 {
		t.Errorf("%d charts, want 4", n)
	}
	if n := strings.Count(res.body, `<rect class="bar"`); n != 4*28 {
		t.Errorf("%d bars, want %d", n, 4*28)
	}
	for _, want := range []string{
		`<title id="chart-security-t">security: share of stories flagged per 6h</title>`,
		`role="img" aria-labelledby="chart-trade-t chart-trade-d"`,
		`<text class="tick" x="30" y="98" text-anchor="end">0%</text>`,
		`<a href="/articles?dyad=MX-US&amp;from=1773403200000&amp;to=1773489600000">MX-US</a>`,
		// A bar links to its bucket's flagged stories.
		`<a href="/articles?flagged=1&amp;from=1772906400000&amp;sort=score&amp;theme=trade&amp;to=1772928000000">`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("landing page lacks %q", want)
		}
	}
	golden(t, "landing.html", res.body)
}

func TestStylesheet(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t, newFake(), "")
	res := get(t, h, "/static/style.css")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "text/css; charset=utf-8" || !strings.Contains(res.body, "mark.neg") {
		t.Fatalf("stylesheet: %d %q", res.status, res.header.Get("Content-Type"))
	}
	again := do(t, h, http.MethodGet, "/static/style.css", nil, map[string]string{"If-None-Match": res.header.Get("ETag")})
	if again.status != http.StatusNotModified {
		t.Errorf("conditional request: status %d, want 304", again.status)
	}
}

// TestPagesUseNoInlineStyleOrScript keeps the pages within the CSP (an
// inline style or script would be blocked by the browser, silently) and
// checks every page for active content.
func TestPagesUseNoInlineStyleOrScript(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t, newFixtureFake(), testToken)
	for _, target := range []string{"/", "/articles", "/articles/101", "/articles/666", "/articles?theme=nope", "/articles/9"} {
		res := get(t, h, target)
		if problems := activeContent(t, res.body); len(problems) > 0 {
			t.Errorf("%s:\n%s", target, strings.Join(problems, "\n"))
		}
	}
}

// activeContent parses a page as a browser would and lists everything in it
// that could run code or load something: script, style, iframe, object,
// embed or img elements, event-handler or style attributes, and links or
// form actions to anything but http(s) and our own paths.
func activeContent(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	var problems []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Iframe, atom.Object, atom.Embed, atom.Img, atom.Base, atom.Frame:
				problems = append(problems, "element <"+n.Data+">")
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(k, "on"), k == "style", k == "srcdoc", k == "src", k == "formaction":
					problems = append(problems, "attribute "+k+"="+a.Val+" on <"+n.Data+">")
				case k == "href" || k == "action" || k == "xlink:href":
					v := strings.ToLower(strings.TrimSpace(a.Val))
					if !(strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") || strings.HasPrefix(v, "?") || v == "" || strings.HasPrefix(v, "#")) {
						problems = append(problems, "link "+k+"="+a.Val+" on <"+n.Data+">")
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return problems
}

func TestAuditForm(t *testing.T) {
	t.Parallel()
	form := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	tests := []struct {
		name       string
		token      string // configured
		body       string
		wantStatus int
		wantText   string
		wantSaved  []store.Label
	}{
		{"no token configured", "", form("token", "anything", "verdict_security", "right"), http.StatusForbidden, "no admin token is configured", nil},
		{"wrong token", testToken, form("token", "guess", "verdict_security", "right"), http.StatusForbidden, "The admin token is wrong", nil},
		{"missing token", testToken, form("verdict_security", "right"), http.StatusForbidden, "The admin token is wrong", nil},
		{"no verdict", testToken, form("token", testToken, "verdict_security", ""), http.StatusBadRequest, "no verdict was chosen", nil},
		{"wrong on unflagged theme", testToken, form("token", testToken, "verdict_trade", "wrong"), http.StatusBadRequest, "trade was not flagged", nil},
		{"missed on flagged theme", testToken, form("token", testToken, "verdict_security", "missed"), http.StatusBadRequest, "security was flagged", nil},
		{"unknown verdict", testToken, form("token", testToken, "verdict_security", "maybe"), http.StatusBadRequest, "not a verdict", nil},
		{"re-scored since loaded", testToken, form("token", testToken, "lexicon_version", "lex-old", "verdict_security", "right"), http.StatusConflict, "re-scored", nil},
		{"saved", testToken, form("token", testToken, "lexicon_version", testLexicon, "author", "ana",
			"verdict_security", "right", "note_security", "clearly about troops",
			"verdict_trade", "missed", "verdict_sovereignty", "wrong", "verdict_migration", ""),
			http.StatusSeeOther, "", []store.Label{
				{ArticleID: wireID, ArticleKey: "guid:wire-101", Theme: "security", Verdict: "right", Flagged: true, Note: "clearly about troops", Author: "ana", At: testNow, LexiconVersion: testLexicon},
				{ArticleID: wireID, ArticleKey: "guid:wire-101", Theme: "sovereignty", Verdict: "wrong", Flagged: true, Author: "ana", At: testNow, LexiconVersion: testLexicon},
				{ArticleID: wireID, ArticleKey: "guid:wire-101", Theme: "trade", Verdict: "missed", Flagged: false, Author: "ana", At: testNow, LexiconVersion: testLexicon},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, tt.token)
			res := do(t, h, http.MethodPost, "/articles/101/labels", strings.NewReader(tt.body),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d:\n%s", res.status, tt.wantStatus, res.body)
			}
			if !strings.Contains(res.body, tt.wantText) {
				t.Errorf("response lacks %q:\n%s", tt.wantText, res.body)
			}
			got := src.storedLabels()
			if len(got) != len(tt.wantSaved) {
				t.Fatalf("stored %d labels, want %d: %+v", len(got), len(tt.wantSaved), got)
			}
			for i := range got {
				if got[i] != tt.wantSaved[i] {
					t.Errorf("label %d = %+v\nwant      %+v", i, got[i], tt.wantSaved[i])
				}
			}
			if tt.wantStatus == http.StatusSeeOther {
				if loc := res.header.Get("Location"); loc != "/articles/101?saved=3#audit" {
					t.Errorf("redirect to %q", loc)
				}
				page := get(t, h, "/articles/101?saved=3")
				for _, want := range []string{"Saved 3 labels.", `<td class="verdict-missed">missed</td>`, "clearly about troops", "(labelled right)"} {
					if !strings.Contains(page.body, want) {
						t.Errorf("article page after saving lacks %q", want)
					}
				}
			}
		})
	}
}

func TestAuditFormHiddenWithoutToken(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t, newFixtureFake(), "")
	res := get(t, h, "/articles/101")
	if strings.Contains(res.body, `name="token"`) || !strings.Contains(res.body, "Auditing is off") {
		t.Errorf("without a token the page should explain that auditing is off and show no form")
	}
}

func TestExternalURLPrefix(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	e := NewExplorer(src, ExplorerOptions{
		Now: func() time.Time { return testNow }, ExternalURL: "https://tracker.example.org/tension/",
	})
	mux := http.NewServeMux()
	e.Register(mux)
	res := get(t, mux, "/articles")
	for _, want := range []string{`href="/tension/static/style.css"`, `href="/tension/articles/101"`, `href="/tension/api/v1/articles"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	src.page.Total = 300
	api := get(t, mux, "/api/v1/articles?limit=100")
	if !strings.Contains(api.body, `"next": "https://tracker.example.org/tension/api/v1/articles?limit=100\u0026page=2"`) {
		t.Errorf("API next link not absolute under the external URL:\n%s", api.body)
	}
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Time
	}{
		{"1773489600000", testNow},
		{"2026-03-14T12:00:00Z", testNow},
		{"2026-03-14T13:00:00+01:00", testNow},
		{"2026-03-14T12:00:00.5Z", testNow.Add(500 * time.Millisecond)},
		{"2026-03-14T12:00", testNow},
		{"2026-03-14", testNow.Truncate(24 * time.Hour)},
		{"now", testNow},
		{"NOW-1d", testNow.Add(-24 * time.Hour)},
		{"now-1h30m", testNow.Add(-90 * time.Minute)},
		{"now+2w", testNow.Add(14 * 24 * time.Hour)},
		{" now-7d ", testNow.Add(-7 * 24 * time.Hour)},
	}
	for _, tt := range tests {
		got, err := parseTime("from", tt.in, testNow)
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestHighlight(t *testing.T) {
	t.Parallel()
	colours := themeClasses([]string{"trade", "security", "energy"})
	ts := func(spans ...scoring.Span) scoring.ThemeScore {
		return scoring.ThemeScore{Matches: []scoring.Match{{Term: "t", Spans: spans}}}
	}
	sp := func(f string, a, b int) scoring.Span { return scoring.Span{Field: f, Start: a, End: b} }
	tests := []struct {
		name   string
		s      string
		themes map[string]scoring.ThemeScore
		want   []segment
	}{
		{"no matches", "plain", nil, []segment{{Text: "plain"}}},
		{"empty", "", nil, nil},
		{"one match", "a tariff war", map[string]scoring.ThemeScore{"trade": ts(sp("text", 2, 8))},
			[]segment{{Text: "a "}, {Text: "tariff", Class: "c1", Label: "trade: t"}, {Text: " war"}}},
		{"other field ignored", "a tariff war", map[string]scoring.ThemeScore{"trade": ts(sp("title", 2, 8))},
			[]segment{{Text: "a tariff war"}}},
		{"overlapping themes", "border troops", map[string]scoring.ThemeScore{
			"trade": ts(sp("text", 0, 6)), "security": ts(sp("text", 0, 13))},
			[]segment{{Text: "border", Class: "multi", Label: "security: t; trade: t"}, {Text: " troops", Class: "c2", Label: "security: t"}}},
		{"operator theme", "grid", map[string]scoring.ThemeScore{"energy": ts(sp("text", 0, 4))},
			[]segment{{Text: "grid", Class: "c5", Label: "energy: t"}}},
		{"negative", "trade deadline", map[string]scoring.ThemeScore{"trade": {
			Matches: []scoring.Match{}, Negatives: []scoring.Match{{Term: "trade deadline", Spans: []scoring.Span{sp("text", 0, 14)}}}}},
			[]segment{{Text: "trade deadline", Class: "neg", Label: "trade: not counted (trade deadline)"}}},
		{"invalid spans ignored", "Juárez", map[string]scoring.ThemeScore{"trade": ts(
			sp("text", 0, 3), // cuts the two-byte á
			sp("text", 4, 2), sp("text", -1, 2), sp("text", 0, 100), sp("text", 3, 3))},
			[]segment{{Text: "Juárez"}}},
		{"multibyte span", "Juárez", map[string]scoring.ThemeScore{"trade": ts(sp("text", 0, 7))},
			[]segment{{Text: "Juárez", Class: "c1", Label: "trade: t"}}},
		{"adjacent same-term spans merge", "abcd", map[string]scoring.ThemeScore{"trade": ts(sp("text", 0, 2), sp("text", 2, 4))},
			[]segment{{Text: "abcd", Class: "c1", Label: "trade: t"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := highlight(tt.s, "text", tt.themes, colours)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d segments %+v, want %+v", len(got), got, tt.want)
			}
			var joined strings.Builder
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("segment %d = %+v, want %+v", i, got[i], tt.want[i])
				}
				joined.WriteString(got[i].Text)
			}
			if joined.String() != tt.s {
				t.Errorf("segments do not add up to the text: %q", joined.String())
			}
		})
	}
}

func TestSafeLink(t *testing.T) {
	t.Parallel()
	for in, ok := range map[string]bool{
		"https://example.org/a?b=c":     true,
		"http://example.org":            true,
		"javascript:alert(1)":           false,
		"JavaScript:alert(1)":           false,
		" javascript:alert(1)":          false,
		"data:text/html,<script>":       false,
		"//example.org/protocol-rel":    false,
		"/relative":                     false,
		"vbscript:msgbox":               false,
		"https://":                      false,
		"ftp://example.org/file":        false,
		"https://exa mple.org/%zz":      false,
		"java\tscript:alert(1)":         false,
		"https://example.org/\"onclick": true, // html/template escapes the quote in the attribute
	} {
		if _, got := safeLink(in); got != ok {
			t.Errorf("safeLink(%q) = %v, want %v", in, got, ok)
		}
	}
}

// Rendering cost of the pages over a store that answers instantly: what the
// web layer adds to each request.
func BenchmarkPages(b *testing.B) {
	src := newFixtureFake()
	e := NewExplorer(src, ExplorerOptions{Now: func() time.Time { return testNow }, LexiconVersion: func() string { return testLexicon }})
	mux := http.NewServeMux()
	e.Register(mux)
	for _, target := range []string{"/", "/articles?theme=security&flagged=1&from=now-7d", "/articles/101", "/api/v1/articles/101"} {
		b.Run(target, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
