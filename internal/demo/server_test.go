package demo

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mmcdole/gofeed"
)

// testNow is a time in the middle of an hour, so that rounding down to the
// hour is visible in the rendered dates.
var testNow = time.Date(2026, 3, 14, 15, 47, 12, 0, time.UTC)

// clock is a now() the test can move while the server runs.
type clock struct{ ns atomic.Int64 }

func newClock(t time.Time) *clock {
	c := &clock{}
	c.set(t)
	return c
}
func (c *clock) set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }

func get(t *testing.T, srv *httptest.Server, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return resp, body
}

// TestFeedsParse serves every feed and parses it with gofeed, as the
// fetcher does: format, language and item count must be what the demo
// promises, and every item must be usable (guid, link, date, text).
func TestFeedsParse(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(NewServer(func() time.Time { return testNow }))
	defer srv.Close()
	at := RenderTime(testNow)

	tests := []struct {
		name     string
		format   string
		language string // as gofeed reports the feed's language
		items    int
	}{
		{"wire-world", "rss", "en", 14},
		{"americas-es", "rss", "es-MX", 10},
		{"asia-pacific", "atom", "en", 11},
		{"europe-africa", "json", "en", 11},
		{"middle-east", "rss", "en-gb", 9},
		{"syndicated", "rss", "en-us", 4},
	}
	feedsByName := map[string]Feed{}
	for _, f := range Feeds() {
		feedsByName[f.Name] = f
	}
	if len(feedsByName) != len(tests) {
		t.Fatalf("Feeds() has %d feeds, the test expects %d", len(feedsByName), len(tests))
	}
	guids := map[string]string{}
	links := map[string]string{}
	total := 0
	for _, tt := range tests {
		f, ok := feedsByName[tt.name]
		if !ok {
			t.Errorf("Feeds() has no feed %q", tt.name)
			continue
		}
		resp, body := get(t, srv, f.Path, nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: status %d", tt.name, resp.StatusCode)
			continue
		}
		if got := resp.Header.Get("Content-Type"); got != f.ContentType {
			t.Errorf("%s: Content-Type %q, want %q", tt.name, got, f.ContentType)
		}
		if bytes.Contains(body, []byte("{{")) {
			t.Errorf("%s: unrendered placeholder left in body", tt.name)
		}
		feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
		if err != nil {
			t.Errorf("%s: gofeed: %v", tt.name, err)
			continue
		}
		if feed.FeedType != tt.format {
			t.Errorf("%s: format %q, want %q", tt.name, feed.FeedType, tt.format)
		}
		if feed.Language != tt.language {
			t.Errorf("%s: language %q, want %q", tt.name, feed.Language, tt.language)
		}
		if base, _, _ := strings.Cut(strings.ToLower(feed.Language), "-"); base != f.Lang {
			t.Errorf("%s: feed language %q does not match Feed.Lang %q", tt.name, feed.Language, f.Lang)
		}
		if len(feed.Items) != tt.items {
			t.Errorf("%s: %d items, want %d", tt.name, len(feed.Items), tt.items)
		}
		total += len(feed.Items)
		for i, it := range feed.Items {
			where := tt.name + " item " + it.GUID
			if it.GUID == "" {
				t.Errorf("%s item %d: no guid", tt.name, i)
			}
			if prev, dup := guids[it.GUID]; dup {
				t.Errorf("%s: guid also used in %s", where, prev)
			}
			guids[it.GUID] = tt.name
			if !strings.HasPrefix(it.Link, "https://demo.tracker.invalid/"+tt.name+"/") || len(it.Link) <= len("https://demo.tracker.invalid/"+tt.name+"/") {
				t.Errorf("%s: link %q is not https://demo.tracker.invalid/%s/<slug>", where, it.Link, tt.name)
			}
			if prev, dup := links[it.Link]; dup {
				t.Errorf("%s: link %s also used in %s", where, it.Link, prev)
			}
			links[it.Link] = tt.name
			if strings.TrimSpace(it.Title) == "" {
				t.Errorf("%s: empty title", where)
			}
			date := it.PublishedParsed
			if date == nil {
				date = it.UpdatedParsed
			}
			if date == nil {
				t.Errorf("%s: no parseable date (published %q, updated %q)", where, it.Published, it.Updated)
			} else if date.After(at) || date.Before(at.Add(-36*time.Hour)) {
				t.Errorf("%s: date %s outside the 36 hours before %s", where, date, at)
			}
			text := it.Content
			if text == "" {
				text = it.Description
			}
			// The brief for the demo content: news-wire items of 50-150 words.
			if n := len(strings.Fields(plainText(text))); n < 50 || n > 150 {
				t.Errorf("%s: text has %d words, want 50-150", where, n)
			}
		}
	}
	if total < 55 || total > 65 {
		t.Errorf("%d articles in all, want about 60", total)
	}
}

// TestFreshItems checks the rolling windows have data whenever the demo runs:
// even at the very end of an hour, several items are less than an hour old.
func TestFreshItems(t *testing.T) {
	t.Parallel()
	for _, now := range []time.Time{
		time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 14, 15, 59, 59, 999_999_999, time.UTC),
	} {
		windows := map[time.Duration]int{time.Hour: 0, 6 * time.Hour: 0, 24 * time.Hour: 0}
		for _, f := range Feeds() {
			feed := parseServed(t, NewServer(func() time.Time { return now }), f.Path)
			for _, it := range feed.Items {
				date := it.PublishedParsed
				if date == nil {
					date = it.UpdatedParsed
				}
				if date == nil {
					t.Fatalf("%s: item %s has no date", f.Name, it.GUID)
				}
				if date.After(now) {
					t.Errorf("now %s: %s item %s is dated in the future (%s)", now, f.Name, it.GUID, date)
				}
				for w := range windows {
					if !date.Before(now.Add(-w)) {
						windows[w]++
					}
				}
			}
		}
		if windows[time.Hour] < 3 {
			t.Errorf("now %s: %d items in the last hour, want at least 3", now, windows[time.Hour])
		}
		if windows[6*time.Hour] < 15 || windows[24*time.Hour] < 40 {
			t.Errorf("now %s: windows 6h=%d 24h=%d, want at least 15 and 40", now, windows[6*time.Hour], windows[24*time.Hour])
		}
	}
}

func parseServed(t *testing.T, h http.Handler, path string) *gofeed.Feed {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, rec.Code, rec.Body)
	}
	feed, err := gofeed.NewParser().Parse(rec.Body)
	if err != nil {
		t.Fatalf("GET %s: gofeed: %v", path, err)
	}
	return feed
}

// TestSpanishFeedIsLatin1 checks the Spanish feed really is ISO-8859-1 on
// the wire and that its accents survive gofeed's decoding.
func TestSpanishFeedIsLatin1(t *testing.T) {
	t.Parallel()
	s := NewServer(func() time.Time { return testNow })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/feeds/americas-es.xml", nil))
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if got := rec.Header().Get("Content-Type"); !strings.Contains(got, "charset=ISO-8859-1") {
		t.Errorf("Content-Type %q does not say ISO-8859-1", got)
	}
	if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>`)) {
		t.Errorf("prolog does not declare ISO-8859-1: %q", body[:min(len(body), 60)])
	}
	if utf8.Valid(body) {
		t.Error("body is valid UTF-8; want Latin-1 bytes")
	}
	for _, w := range []string{"M\xe9xico", "soberan\xeda", "\xabNi un soldado", "Econom\xeda"} {
		if !bytes.Contains(body, []byte(w)) {
			t.Errorf("body lacks Latin-1 bytes %q", w)
		}
	}
	// Decoding Latin-1 is one rune per byte: it must give back the UTF-8 file
	// with its dates rendered.
	var decoded strings.Builder
	for _, b := range body {
		decoded.WriteRune(rune(b))
	}
	tmpl, err := files.ReadFile("feeds/americas-es.xml")
	if err != nil {
		t.Fatal(err)
	}
	want, err := expandDates(tmpl, RenderTime(testNow), time.RFC1123Z)
	if err != nil {
		t.Fatal(err)
	}
	if decoded.String() != string(want) {
		t.Error("Latin-1 body does not decode back to the UTF-8 source")
	}

	feed, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	var all strings.Builder
	for _, it := range feed.Items {
		all.WriteString(it.Title + "\n" + it.Description + "\n")
	}
	for _, w := range []string{"México", "soberanía", "«Ni un soldado estadounidense en suelo mexicano»", "aranceles", "deportaciones", "T-MEC"} {
		if !strings.Contains(all.String(), w) {
			t.Errorf("parsed Spanish feed lacks %q", w)
		}
	}
	if strings.Contains(all.String(), "Ã") {
		t.Error("parsed Spanish feed has mojibake (Ã)")
	}
}

// TestRenderedDates checks dates are rendered relative to the injected now,
// rounded down to the hour, in each format's syntax.
func TestRenderedDates(t *testing.T) {
	t.Parallel()
	s := NewServer(func() time.Time { return testNow })
	tests := []struct {
		path string
		want []string // date strings that must appear in the body
	}{
		// wire-world: items at 0s and 2h10m; RFC 1123Z.
		{"/feeds/wire-world.xml", []string{
			"<pubDate>Sat, 14 Mar 2026 15:00:00 +0000</pubDate>",
			"<pubDate>Sat, 14 Mar 2026 12:50:00 +0000</pubDate>",
			"<lastBuildDate>Sat, 14 Mar 2026 15:00:00 +0000</lastBuildDate>",
		}},
		// asia-pacific: 2h45m published, 2h30m updated; RFC 3339.
		{"/feeds/asia-pacific.atom", []string{
			"<published>2026-03-14T12:15:00Z</published>",
			"<updated>2026-03-14T12:30:00Z</updated>",
		}},
		// europe-africa: 4h20m; RFC 3339 inside JSON.
		{"/feeds/europe-africa.json", []string{`"date_published": "2026-03-14T10:40:00Z"`}},
		// americas-es: 24h, across midnight into the previous day.
		{"/feeds/americas-es.xml", []string{"<pubDate>Fri, 13 Mar 2026 15:00:00 +0000</pubDate>"}},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		for _, w := range tt.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s: body lacks %q", tt.path, w)
			}
		}
	}

	// The parsed dates agree: the newest wire story is dated at the top of
	// the hour, whatever the minute now is.
	feed := parseServed(t, s, "/feeds/wire-world.xml")
	if got, want := *feed.Items[0].PublishedParsed, time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("first wire item published %s, want %s", got, want)
	}
}

func TestRenderTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		now  time.Time
		want time.Time
	}{
		{time.Date(2026, 3, 14, 15, 47, 12, 5, time.UTC), time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)},
		{time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC), time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)},
		// A zone with a half-hour offset still rounds to the UTC hour.
		{time.Date(2026, 3, 14, 21, 20, 0, 0, time.FixedZone("IST", 5*3600+1800)), time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := RenderTime(tt.now)
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("RenderTime(%s) = %s, want %s UTC", tt.now, got, tt.want)
		}
	}
}

// TestConditionalGET plays the fetcher's two cycles: the second, with the
// validators of the first, gets 304 while the hour lasts, and a new body
// once the hour has passed.
func TestConditionalGET(t *testing.T) {
	t.Parallel()
	clk := newClock(testNow)
	srv := httptest.NewServer(NewServer(clk.now))
	defer srv.Close()

	for _, f := range Feeds() {
		clk.set(testNow)
		resp, body := get(t, srv, f.Path, nil)
		etag, lastMod := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		if resp.StatusCode != http.StatusOK || len(body) == 0 {
			t.Fatalf("%s: first GET status %d, %d bytes", f.Name, resp.StatusCode, len(body))
		}
		if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
			t.Errorf("%s: ETag %q is not a quoted strong validator", f.Name, etag)
		}
		if lastMod != "Sat, 14 Mar 2026 15:00:00 GMT" {
			t.Errorf("%s: Last-Modified %q, want the render hour", f.Name, lastMod)
		}

		// Later in the same hour: same body, and conditional requests get 304.
		clk.add(10 * time.Minute)
		resp, body2 := get(t, srv, f.Path, nil)
		if resp.Header.Get("ETag") != etag || !bytes.Equal(body, body2) {
			t.Errorf("%s: body or ETag changed within the hour", f.Name)
		}
		for _, hdr := range []map[string]string{
			{"If-None-Match": etag},
			{"If-None-Match": `"stale", ` + etag},
			{"If-Modified-Since": lastMod},
			{"If-None-Match": etag, "If-Modified-Since": lastMod},
		} {
			resp, b := get(t, srv, f.Path, hdr)
			if resp.StatusCode != http.StatusNotModified || len(b) != 0 {
				t.Errorf("%s: conditional GET %v: status %d, %d bytes; want 304, empty", f.Name, hdr, resp.StatusCode, len(b))
			}
			if resp.StatusCode == http.StatusNotModified && resp.Header.Get("ETag") != etag {
				t.Errorf("%s: 304 carries ETag %q, want %q", f.Name, resp.Header.Get("ETag"), etag)
			}
		}
		// A validator that does not match gets the full body.
		if resp, b := get(t, srv, f.Path, map[string]string{"If-None-Match": `"0123456789abcdef"`}); resp.StatusCode != http.StatusOK || !bytes.Equal(b, body) {
			t.Errorf("%s: GET with a stale ETag: status %d; want 200 and the body", f.Name, resp.StatusCode)
		}

		// The next hour: new dates, so a new ETag, and the old validators no
		// longer match.
		clk.set(testNow.Add(time.Hour))
		resp, body3 := get(t, srv, f.Path, map[string]string{"If-None-Match": etag})
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: next hour, old ETag: status %d, want 200", f.Name, resp.StatusCode)
		}
		if resp.Header.Get("ETag") == etag || bytes.Equal(body3, body) {
			t.Errorf("%s: body and ETag should change with the hour", f.Name)
		}
		if resp, _ := get(t, srv, f.Path, map[string]string{"If-Modified-Since": lastMod}); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: next hour, old If-Modified-Since: status %d, want 200", f.Name, resp.StatusCode)
		}
	}
}

func TestServerRoutes(t *testing.T) {
	t.Parallel()
	s := NewServer(func() time.Time { return testNow })
	tests := []struct {
		method, path string
		wantCode     int
		wantBody     string // substring; "" = empty body
	}{
		{http.MethodGet, "/feeds/wire-world.xml", http.StatusOK, "<rss"},
		{http.MethodHead, "/feeds/europe-africa.json", http.StatusOK, ""},
		{http.MethodGet, "/", http.StatusOK, "/feeds/asia-pacific.atom"},
		{http.MethodGet, "/feeds/", http.StatusOK, "/feeds/americas-es.xml"},
		{http.MethodGet, "/feeds/nope.xml", http.StatusNotFound, "not found"},
		{http.MethodGet, "/feeds/../feeds/wire-world.xml/x", http.StatusNotFound, "not found"},
		{http.MethodPost, "/feeds/wire-world.xml", http.StatusMethodNotAllowed, "method not allowed"},
		{http.MethodDelete, "/", http.StatusMethodNotAllowed, "method not allowed"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.wantCode {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, rec.Code, tt.wantCode)
		}
		if tt.wantBody == "" && rec.Body.Len() != 0 {
			t.Errorf("%s %s: body of %d bytes, want none", tt.method, tt.path, rec.Body.Len())
		}
		if tt.wantBody != "" && !strings.Contains(rec.Body.String(), tt.wantBody) {
			t.Errorf("%s %s: body %q lacks %q", tt.method, tt.path, rec.Body.String(), tt.wantBody)
		}
		if tt.wantCode == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow %q", tt.method, tt.path, rec.Header().Get("Allow"))
		}
	}
	// HEAD announces the same length GET sends.
	head, getRec := httptest.NewRecorder(), httptest.NewRecorder()
	s.ServeHTTP(head, httptest.NewRequest(http.MethodHead, "/feeds/wire-world.xml", nil))
	s.ServeHTTP(getRec, httptest.NewRequest(http.MethodGet, "/feeds/wire-world.xml", nil))
	if cl := head.Header().Get("Content-Length"); cl == "" || cl != getRec.Header().Get("Content-Length") {
		t.Errorf("HEAD Content-Length %q, GET %q", cl, getRec.Header().Get("Content-Length"))
	}
}

func TestNilNowUsesClock(t *testing.T) {
	t.Parallel()
	feed := parseServed(t, NewServer(nil), "/feeds/wire-world.xml")
	// Rendered at the current hour: the newest item is at most an hour old.
	if d := time.Since(*feed.Items[0].PublishedParsed); d < 0 || d > time.Hour+time.Minute {
		t.Errorf("newest item is %s old with the real clock", d)
	}
}

func TestExpandDates(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 14, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		in, want string
		wantErr  string
	}{
		{in: "no placeholders", want: "no placeholders"},
		{in: "<d>{{ago 0s}}</d>", want: "<d>2026-03-14T15:00:00Z</d>"},
		{in: "{{ago 1h30m}}|{{ago 36h}}", want: "2026-03-14T13:30:00Z|2026-03-13T03:00:00Z"},
		{in: "{{other}} {{ago 1m}}", want: "{{other}} 2026-03-14T14:59:00Z"},
		{in: "x {{ago 1h", wantErr: "unterminated"},
		{in: "{{ago soon}}", wantErr: "invalid duration"},
		{in: "{{ago -1h}}", wantErr: "negative age"},
		{in: "{{ago }}", wantErr: "invalid duration"},
	}
	for _, tt := range tests {
		got, err := expandDates([]byte(tt.in), at, time.RFC3339)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("expandDates(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("expandDates(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestToLatin1(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "plain ASCII", want: "plain ASCII"},
		{in: "México «sí» ¿ñ?", want: "M\xe9xico \xabs\xed\xbb \xbf\xf1?"},
		{in: "ÿ", want: "\xff"},
		{in: "5 €", wantErr: "no ISO-8859-1 encoding"},
		{in: "“quoted”", wantErr: "no ISO-8859-1 encoding"},
		{in: "bad \xff byte", wantErr: "invalid UTF-8"},
	}
	for _, tt := range tests {
		got, err := toLatin1([]byte(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("toLatin1(%q) error %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("toLatin1(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// TestRenderAllAtManyTimes renders every feed at times across a year: no
// placeholder may fail, whatever the date.
func TestRenderAllAtManyTimes(t *testing.T) {
	t.Parallel()
	for h := 0; h < 365*24; h += 97 {
		at := time.Date(2026, 1, 1, h, 0, 0, 0, time.UTC)
		for _, s := range sources() {
			if _, err := render(s, at); err != nil {
				t.Fatalf("render %s at %s: %v", s.Name, at, err)
			}
		}
	}
}

// BenchmarkServe measures one full feed response (render, ETag, write) and
// one 304 answer, per feed.
func BenchmarkServe(b *testing.B) {
	s := NewServer(func() time.Time { return testNow })
	for _, f := range Feeds() {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, f.Path, nil))
		etag := rec.Header().Get("ETag")
		b.Run(f.Name+"/200", func(b *testing.B) {
			b.SetBytes(int64(rec.Body.Len()))
			b.ReportAllocs()
			req := httptest.NewRequest(http.MethodGet, f.Path, nil)
			for b.Loop() {
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
		b.Run(f.Name+"/304", func(b *testing.B) {
			b.ReportAllocs()
			req := httptest.NewRequest(http.MethodGet, f.Path, nil)
			req.Header.Set("If-None-Match", etag)
			for b.Loop() {
				s.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
