package web

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tensiontracker/tracker/internal/store"
)

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return v
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token, "Content-Type": "application/json"}
}

func TestAPIList(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	src.page.Total = 7
	h, _ := testHandler(t, src, "")
	from := time.Date(2026, 3, 13, 6, 0, 0, 0, time.UTC)
	res := get(t, h, "/api/v1/articles?theme=security&dyad=US-MX&flagged=1&from="+ms(from)+"&to=now&limit=2")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, type %q:\n%s", res.status, res.header.Get("Content-Type"), res.body)
	}
	q := src.lastList(t)
	if q.Limit != 2 || q.Offset != 0 || q.Dyad != "MX-US" || !q.FlaggedOnly || q.Theme != "security" || !q.From.Equal(from) || !q.To.Equal(testNow) {
		t.Errorf("store query = %+v", q)
	}
	got := decode[apiArticleList](t, res.body)
	if got.Total != 7 || got.Page != 1 || got.Limit != 2 || len(got.Articles) != 2 || got.LexiconVersion != testLexicon {
		t.Errorf("list = %+v", got)
	}
	wantNext := "/api/v1/articles?dyad=MX-US&flagged=1&from=1773381600000&limit=2&page=2&theme=security&to=1773489600000"
	if got.Next == nil || *got.Next != wantNext {
		t.Errorf("next = %v, want %s", got.Next, wantNext)
	}
	a := got.Articles[0]
	if a.ID != wireID || a.Copies != 2 || a.URL != "/articles/101" || !a.Themes["security"].Flagged || a.Themes["security"].Score != 0.81 ||
		strings.Join(a.Feeds, ",") != "wire-world,americas-es" || strings.Join(a.Dyads, ",") != "MX-US" {
		t.Errorf("first article = %+v", a)
	}
	// The hostile article's fields come back verbatim: JSON is data, and
	// the encoder's escaping of <, > and & keeps it inert if a client
	// pastes it into HTML.
	if got.Articles[1].Title != hostileTitle || strings.Contains(res.body, "<script>") {
		t.Errorf("hostile title: %q", got.Articles[1].Title)
	}
	// Following next on the last page gives none; empty lists are [] not null.
	src.page = store.ArticlePage{Total: 7}
	last := get(t, h, "/api/v1/articles?limit=2&page=4")
	if !strings.Contains(last.body, `"next": null`) || !strings.Contains(last.body, `"articles": []`) {
		t.Errorf("last page:\n%s", last.body)
	}
}

func TestAPIArticle(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	h, _ := testHandler(t, src, "")
	res := get(t, h, "/api/v1/articles/101")
	if res.status != http.StatusOK {
		t.Fatalf("status %d:\n%s", res.status, res.body)
	}
	golden(t, "api-article-101.json", res.body)
	got := decode[apiArticle](t, res.body)
	sec := got.Themes["security"]
	if got.Key != "guid:wire-101" || got.LexiconVersion != testLexicon || !sec.Flagged || len(sec.Matches) != 3 ||
		sec.Matches[0].Spans[0] != (fixtureArticles()[wireID].Themes["security"].Matches[0].Spans[0]) ||
		len(got.Cluster) != 1 || got.Cluster[0].URL != "/articles/102" || len(got.Labels) != 0 || got.Labels == nil {
		t.Errorf("article = %+v", got)
	}
}

func TestAPISeries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		wantQuery store.SeriesQuery
		wantStep  string
	}{
		{"defaults: 7 days, auto step", "",
			store.SeriesQuery{From: testNow.Add(-7 * 24 * time.Hour).Truncate(time.Hour), To: testNow, Step: time.Hour}, "1h"},
		{"grafana range and step", "theme=trade&dyad=US-CN&from=1773446400000&to=1773489600000&step=1h",
			store.SeriesQuery{Theme: "trade", Dyad: "CN-US", From: time.UnixMilli(1773446400000).UTC(), To: testNow, Step: time.Hour}, "1h"},
		{"step in seconds, from aligned down", "from=2026-03-14T10:10:00Z&to=now&step=1800",
			store.SeriesQuery{From: time.Date(2026, 3, 14, 10, 0, 0, 0, time.UTC), To: testNow, Step: 30 * time.Minute}, "30m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, "")
			res := get(t, h, "/api/v1/themes/series?"+tt.query)
			if res.status != http.StatusOK {
				t.Fatalf("status %d:\n%s", res.status, res.body)
			}
			q := src.seriesQueries[0]
			want := tt.wantQuery
			want.LexiconVersion = testLexicon
			if !q.From.Equal(want.From) || !q.To.Equal(want.To) || q.Step != want.Step || q.Theme != want.Theme || q.Dyad != want.Dyad || q.LexiconVersion != want.LexiconVersion {
				t.Errorf("query = %+v\nwant    %+v", q, want)
			}
			got := decode[apiSeries](t, res.body)
			if got.Step != tt.wantStep || got.StepSeconds != int64(want.Step/time.Second) || len(got.Series) != 4 {
				t.Fatalf("series = %+v", got)
			}
			// Grouped per theme, sorted, with the share computed.
			if got.Series[0].Theme != "migration" || len(got.Series[0].Points) != 28 {
				t.Errorf("first series = %s with %d points", got.Series[0].Theme, len(got.Series[0].Points))
			}
			for _, s := range got.Series {
				for _, p := range s.Points {
					if p.Stories > 0 && p.Share != float64(p.Flagged)/float64(p.Stories) {
						t.Errorf("%s %v: share %v for %d/%d", s.Theme, p.Start, p.Share, p.Flagged, p.Stories)
					}
				}
			}
		})
	}
}

func TestAPISeriesRejectsBadParameters(t *testing.T) {
	t.Parallel()
	for query, want := range map[string]string{
		"theme=weather":                          "unknown theme",
		"dyad=MXUS":                              "not a dyad",
		"step=10s":                               "at least 1m",
		"step=fortnight":                         "not a duration",
		"step=-1h":                               "not a duration",
		"from=now-1y&step=1m":                    "not a relative time",
		"from=now-365d&step=1m":                  "too many",
		"from=now&to=now-1h":                     "the range is empty",
		"from=2026-03-14T12:00:00Z&to=now":       "the range is empty",
		"step=99999999999999999999999999999999s": "not a duration",
	} {
		src := newFixtureFake()
		h, _ := testHandler(t, src, "")
		res := get(t, h, "/api/v1/themes/series?"+query)
		got := decode[apiError](t, res.body)
		if res.status != http.StatusBadRequest || !strings.Contains(got.Error, want) {
			t.Errorf("%s: %d %q, want 400 with %q", query, res.status, got.Error, want)
		}
		if len(src.seriesQueries) != 0 {
			t.Errorf("%s: the store was queried", query)
		}
	}
}

func TestAPIPostLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		token      string // configured
		auth       string // sent
		body       string
		wantStatus int
		wantError  string
		wantSaved  int
	}{
		{"no token configured", "", testToken, `{"theme":"security","verdict":"right"}`, http.StatusForbidden, "no admin token", 0},
		{"no bearer", testToken, "", `{"theme":"security","verdict":"right"}`, http.StatusForbidden, "Bearer", 0},
		{"wrong bearer", testToken, "nope", `{"theme":"security","verdict":"right"}`, http.StatusForbidden, "Bearer", 0},
		{"not json", testToken, testToken, `theme=security`, http.StatusBadRequest, "not a label object", 0},
		{"missing theme", testToken, testToken, `{"verdict":"right"}`, http.StatusBadRequest, "theme is missing", 0},
		{"unknown theme", testToken, testToken, `{"theme":"weather","verdict":"right"}`, http.StatusBadRequest, "not scored for theme", 0},
		{"bad verdict", testToken, testToken, `{"theme":"security","verdict":"missed"}`, http.StatusBadRequest, "security was flagged", 0},
		{"duplicate theme", testToken, testToken, `[{"theme":"security","verdict":"right"},{"theme":"security","verdict":"wrong"}]`, http.StatusBadRequest, "labelled twice", 0},
		{"stale version", testToken, testToken, `{"theme":"security","verdict":"right","lexicon_version":"old"}`, http.StatusConflict, "re-scored", 0},
		{"one", testToken, testToken, `{"theme":"security","verdict":"wrong","note":"about fishing boats","author":"ana"}`, http.StatusCreated, "", 1},
		{"several", testToken, testToken, `[{"theme":"security","verdict":"right"},{"theme":"migration","verdict":"missed"}]`, http.StatusCreated, "", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, tt.token)
			hdr := map[string]string{"Content-Type": "application/json"}
			if tt.auth != "" {
				hdr = bearer(tt.auth)
			}
			res := do(t, h, http.MethodPost, "/api/v1/articles/101/labels", strings.NewReader(tt.body), hdr)
			if res.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", res.status, tt.wantStatus, res.body)
			}
			if tt.wantError != "" {
				if got := decode[apiError](t, res.body); !strings.Contains(got.Error, tt.wantError) {
					t.Errorf("error %q, want it to say %q", got.Error, tt.wantError)
				}
			}
			if got := len(src.storedLabels()); got != tt.wantSaved {
				t.Errorf("stored %d labels, want %d", got, tt.wantSaved)
			}
			if tt.wantSaved > 0 {
				out := decode[apiLabelsSaved](t, res.body)
				l := out.Labels[0]
				if out.Saved != tt.wantSaved || l.ArticleID != wireID || l.ArticleKey != "guid:wire-101" || l.LexiconVersion != testLexicon || !l.At.Equal(testNow) {
					t.Errorf("response = %+v", out)
				}
			}
		})
	}
}

func TestAPILabelsExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	h, _ := testHandler(t, src, testToken)
	for _, body := range []string{
		`{"theme":"security","verdict":"right","note":"troops and cartels","author":"ana"}`,
		`{"theme":"trade","verdict":"missed"}`,
	} {
		if res := do(t, h, http.MethodPost, "/api/v1/articles/101/labels", strings.NewReader(body), bearer(testToken)); res.status != http.StatusCreated {
			t.Fatalf("post label: %d %s", res.status, res.body)
		}
	}
	export := get(t, h, "/api/v1/labels")
	if export.status != http.StatusOK || export.header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("export: %d %q", export.status, export.header.Get("Content-Type"))
	}
	golden(t, "labels.jsonl", export.body)
	lines := strings.Split(strings.TrimSpace(export.body), "\n")
	if len(lines) != 2 {
		t.Fatalf("export has %d lines:\n%s", len(lines), export.body)
	}

	// Into an empty database of the same articles (ids differ there: the
	// key finds them).
	other := newFixtureFake()
	moved := other.articles[wireID]
	delete(other.articles, wireID)
	moved.ID = 5001
	other.articles[5001] = moved
	h2, _ := testHandler(t, other, testToken)
	imp := do(t, h2, http.MethodPost, "/api/v1/labels", strings.NewReader(export.body), bearer(testToken))
	if res := decode[apiImportResult](t, imp.body); imp.status != http.StatusOK || res != (apiImportResult{Received: 2, Saved: 2}) {
		t.Fatalf("import: %d %s", imp.status, imp.body)
	}
	if got := other.storedLabels(); len(got) != 2 || got[0].ArticleID != 5001 || got[0].Note != "troops and cartels" || !got[0].At.Equal(testNow) {
		t.Errorf("imported labels = %+v", got)
	}
	// Importing again changes nothing: idempotent.
	again := do(t, h2, http.MethodPost, "/api/v1/labels", strings.NewReader(export.body), bearer(testToken))
	if res := decode[apiImportResult](t, again.body); res != (apiImportResult{Received: 2, Stale: 2}) {
		t.Errorf("second import: %s", again.body)
	}
	// The re-export equals the first export but for the id.
	reexport := get(t, h2, "/api/v1/labels")
	if strings.ReplaceAll(reexport.body, `"article_id":5001`, `"article_id":101`) != export.body {
		t.Errorf("re-export differs:\n%s\nwant\n%s", reexport.body, export.body)
	}
}

func TestAPIImportRejectsBadFiles(t *testing.T) {
	t.Parallel()
	good := `{"article_key":"guid:wire-101","theme":"security","verdict":"right","flagged":true,"at":"2026-03-14T12:00:00Z","lexicon_version":"v1"}`
	tests := []struct {
		name, body, want string
	}{
		{"empty", "\n\n", "no labels"},
		{"not json", good + "\nnot json\n", "line 2: not a label object"},
		{"no article", `{"theme":"security","verdict":"right","flagged":true,"at":"2026-03-14T12:00:00Z"}`, "line 1: article_key (or article_id) is missing"},
		{"no flagged", `{"article_key":"k","theme":"security","verdict":"right","at":"2026-03-14T12:00:00Z"}`, "flagged is missing"},
		{"no time", `{"article_key":"k","theme":"security","verdict":"right","flagged":true}`, "at is missing"},
		{"bad theme", `{"article_key":"k","theme":"Security!","verdict":"right","flagged":true,"at":"2026-03-14T12:00:00Z"}`, "not a theme name"},
		{"inconsistent verdict", `{"article_key":"k","theme":"security","verdict":"wrong","flagged":false,"at":"2026-03-14T12:00:00Z"}`, "line 1: security was not flagged"},
		{"duplicate", good + "\n" + good, "line 2: the same article and theme as line 1"},
		{"long note", `{"article_key":"k","theme":"security","verdict":"right","flagged":true,"at":"2026-03-14T12:00:00Z","note":"` + strings.Repeat("n", maxNote+1) + `"}`, "note must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := newFixtureFake()
			h, _ := testHandler(t, src, testToken)
			res := do(t, h, http.MethodPost, "/api/v1/labels", strings.NewReader(tt.body), bearer(testToken))
			if got := decode[apiError](t, res.body); res.status != http.StatusBadRequest || !strings.Contains(got.Error, tt.want) {
				t.Errorf("%d %q, want 400 with %q", res.status, got.Error, tt.want)
			}
			if n := len(src.storedLabels()); n != 0 {
				t.Errorf("%d labels stored from a rejected file", n)
			}
		})
	}
	// Labels of unknown articles are counted, not fatal: they may have been pruned.
	src := newFixtureFake()
	h, _ := testHandler(t, src, testToken)
	body := good + "\n" + strings.Replace(good, "guid:wire-101", "guid:gone", 1) + "\n"
	res := do(t, h, http.MethodPost, "/api/v1/labels", strings.NewReader(body), bearer(testToken))
	if got := decode[apiImportResult](t, res.body); got != (apiImportResult{Received: 2, Saved: 1, Unknown: 1}) {
		t.Errorf("import with an unknown article: %s", res.body)
	}
	// And the import needs the token.
	if res := do(t, h, http.MethodPost, "/api/v1/labels", strings.NewReader(good), nil); res.status != http.StatusForbidden {
		t.Errorf("import without a token: %d", res.status)
	}
}

func TestAPIStoreFailure(t *testing.T) {
	t.Parallel()
	src := newFixtureFake()
	src.err = errBroken
	h, _ := testHandler(t, src, testToken)
	for _, target := range []string{"/api/v1/articles", "/api/v1/articles/101", "/api/v1/themes/series", "/api/v1/labels"} {
		res := get(t, h, target)
		got := decode[apiError](t, res.body)
		if res.status != http.StatusInternalServerError || strings.Contains(got.Error, "disk on fire") || got.Error == "" {
			t.Errorf("%s: %d %q", target, res.status, got.Error)
		}
	}
}

// TestDocsExamplesMatchAPI keeps docs/api.md honest: every JSON example
// there that names a response field must name one the API has.
func TestDocsExamplesMatchAPI(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "api.md"))
	if err != nil {
		t.Fatalf("read docs/api.md: %v", err)
	}
	for _, field := range []string{`"articles"`, `"total"`, `"next"`, `"cluster_id"`, `"copies"`, `"lexicon_version"`, `"step_seconds"`,
		`"share"`, `"flagged_weighted"`, `"article_key"`, `"verdict"`, `"received"`, `"stale"`, `"unknown"`, "application/x-ndjson"} {
		if !strings.Contains(string(doc), field) {
			t.Errorf("docs/api.md does not document %s", field)
		}
	}
}
