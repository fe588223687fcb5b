package feeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/golden")

// testNow is the fixed fetch time used by every test.
var testNow = time.Date(2025, 4, 8, 13, 0, 0, 0, time.UTC)

func newTestFetcher() *Fetcher {
	return NewFetcher(Options{Now: func() time.Time { return testNow }}, nil)
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// goldenResult is what the golden files record of a parse.
type goldenResult struct {
	Format      string
	Charset     string
	FutureDated int
	Items       []Item
}

func TestParseBodyGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture, contentType, lang string
		format, charset            string
		items                      int
	}{
		{"rss2.xml", "application/rss+xml; charset=utf-8", "", "rss", "utf-8", 6},
		{"rss1.rdf", "", "", "rss", "utf-8", 2},
		{"rss091.xml", "text/xml", "", "rss", "utf-8", 2},
		{"atom.xml", "application/atom+xml", "", "atom", "utf-8", 3},
		{"feed.json", "application/feed+json", "", "json", "utf-8", 3},
		{"latin1-prolog.xml", "text/xml", "es", "rss", "windows-1252", 1},
		{"cp1252-header.xml", "text/xml; charset=windows-1252", "en", "rss", "windows-1252", 1},
		{"utf8-wrong-prolog.xml", "", "es", "rss", "utf-8", 1},
		{"utf8-bom.xml", "", "pt", "rss", "utf-8", 1},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(readFixture(t, tt.fixture), tt.contentType, tt.lang)
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			if res.Format != tt.format || res.Charset != tt.charset || len(res.Items) != tt.items {
				t.Errorf("format %q charset %q items %d, want %q %q %d",
					res.Format, res.Charset, len(res.Items), tt.format, tt.charset, tt.items)
			}
			if res.Status != StatusOK {
				t.Errorf("status %v, want ok", res.Status)
			}
			for _, it := range res.Items {
				checkItemInvariants(t, it)
			}
			got, err := json.MarshalIndent(goldenResult{res.Format, res.Charset, res.FutureDated, res.Items}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(tt.fixture, filepath.Ext(tt.fixture))+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestParseBodyGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("result differs from %s:\n got: %s\nwant: %s", golden, got, want)
			}
		})
	}
}

// checkItemInvariants asserts what every normalised item must satisfy.
func checkItemInvariants(t *testing.T, it Item) {
	t.Helper()
	if it.Key == "" || (it.Title == "" && it.Text == "") {
		t.Errorf("item without key or content: %+v", it)
	}
	for _, s := range []string{it.Title, it.Text, it.Link, it.GUID} {
		if !utf8.ValidString(s) || strings.Contains(s, "Ã") || strings.Contains(s, "\uFFFD") {
			t.Errorf("bad text %q", s)
		}
		if s != strings.TrimSpace(s) || strings.Contains(s, "  ") {
			t.Errorf("whitespace not normalised: %q", s)
		}
	}
	if it.Published.Location() != time.UTC || it.Published.After(testNow.Add(DefaultFutureSkew)) {
		t.Errorf("published %v not UTC or in the future", it.Published)
	}
}

// The spec cases for charsets, asserted on the decoded text itself (the
// golden files cover the rest of the items).
func TestParseBodyCharsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fixture, contentType string
		wantTitle, wantText        string
		wantCharset                string
	}{
		{"ISO-8859-1 in prolog", "latin1-prolog.xml", "",
			"México y Bogotá firman acuerdo de señalización fronteriza",
			"La reunión en Cúcuta terminó con un compromiso común; el café quedó fuera.", "windows-1252"},
		{"windows-1252 in header only", "cp1252-header.xml", "text/xml; charset=windows-1252",
			"Minister says “no deal” on €40bn fund",
			"The EU’s offer – worth €40bn – was rejected.", "windows-1252"},
		{"ISO-8859-1 header on windows-1252 bytes", "cp1252-header.xml", "application/rss+xml; charset=ISO-8859-1",
			"Minister says “no deal” on €40bn fund",
			"The EU’s offer – worth €40bn – was rejected.", "windows-1252"},
		{"windows-1252 undeclared", "cp1252-header.xml", "text/xml",
			"Minister says “no deal” on €40bn fund",
			"The EU’s offer – worth €40bn – was rejected.", "windows-1252"},
		{"UTF-8 with wrong latin1 prolog", "utf8-wrong-prolog.xml", "",
			"México responde a la orden sobre cárteles",
			"La cancillería afirmó que la soberanía no está en discusión.", "utf-8"},
		{"UTF-8 with wrong latin1 prolog and header", "utf8-wrong-prolog.xml", "text/xml; charset=iso-8859-1",
			"México responde a la orden sobre cárteles",
			"La cancillería afirmó que la soberanía no está en discusión.", "utf-8"},
		{"UTF-8 with BOM", "utf8-bom.xml", "",
			"São Paulo e Brasília discutem tarifas",
			"Negociação em Genève avança; Zürich recebe a próxima rodada.", "utf-8"},
		{"UTF-8 with BOM beats a latin1 header", "utf8-bom.xml", "text/xml; charset=iso-8859-1",
			"São Paulo e Brasília discutem tarifas",
			"Negociação em Genève avança; Zürich recebe a próxima rodada.", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(readFixture(t, tt.fixture), tt.contentType, "")
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			if len(res.Items) != 1 {
				t.Fatalf("got %d items, want 1", len(res.Items))
			}
			it := res.Items[0]
			if it.Title != tt.wantTitle {
				t.Errorf("title %q, want %q", it.Title, tt.wantTitle)
			}
			if it.Text != tt.wantText {
				t.Errorf("text %q, want %q", it.Text, tt.wantText)
			}
			if res.Charset != tt.wantCharset {
				t.Errorf("charset %q, want %q", res.Charset, tt.wantCharset)
			}
		})
	}
}

func TestParseBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body []byte
		want string // substring of the error
	}{
		{"malformed XML", readFixture(t, "malformed.xml"), "parse"},
		{"HTML page", readFixture(t, "not-a-feed.html"), "looks like HTML"},
		{"empty", nil, "empty body"},
		{"blank", []byte(" \n\t "), "empty body"},
		{"unknown XML root", []byte(`<?xml version="1.0"?><sitemap><url>x</url></sitemap>`), "unknown XML root"},
		{"plain text", []byte("Service temporarily unavailable"), "unrecognised"},
		{"broken JSON", []byte(`{"version": "https://jsonfeed.org/version/1.1", "items": [`), "parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(tt.body, "", "")
			if err == nil {
				t.Fatalf("no error, got %d items", len(res.Items))
			}
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Reason != ReasonParse {
				t.Fatalf("error %v is not a parse FetchError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not mention %q", err, tt.want)
			}
		})
	}
}

// rssItems wraps item XML in a minimal RSS 2.0 document.
func rssItems(items ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>` +
		`<title>t</title><link>https://feed.example.org/news/</link>` + strings.Join(items, "") + `</channel></rss>`)
}

func TestNormaliseDates(t *testing.T) {
	t.Parallel()
	rfc := func(t time.Time) string { return t.Format(time.RFC1123Z) }
	tests := []struct {
		name   string
		item   string
		want   time.Time
		source DateSource
	}{
		{"published", `<item><title>a</title><pubDate>` + rfc(testNow.Add(-2*time.Hour).In(time.FixedZone("", -6*3600))) + `</pubDate></item>`,
			testNow.Add(-2 * time.Hour), DatePublished},
		{"dc:date as published", `<item><title>a</title><dc:date>2025-04-08T10:00:00+02:00</dc:date></item>`,
			time.Date(2025, 4, 8, 8, 0, 0, 0, time.UTC), DatePublished},
		{"none", `<item><title>a</title></item>`, testNow, DateFirstSeen},
		{"unparseable", `<item><title>a</title><pubDate>yesterday-ish</pubDate></item>`, testNow, DateFirstSeen},
		{"within skew", `<item><title>a</title><pubDate>` + rfc(testNow.Add(5*time.Minute)) + `</pubDate></item>`,
			testNow.Add(5 * time.Minute), DatePublished},
		{"future clamped", `<item><title>a</title><pubDate>` + rfc(testNow.Add(11*time.Minute)) + `</pubDate></item>`,
			testNow, DateClamped},
		{"far future clamped", `<item><title>a</title><pubDate>Fri, 01 Jan 2100 08:00:00 GMT</pubDate></item>`,
			testNow, DateClamped},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(rssItems(tt.item), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 1 {
				t.Fatalf("%d items", len(res.Items))
			}
			it := res.Items[0]
			if !it.Published.Equal(tt.want) || it.DateSource != tt.source || it.Published.Location() != time.UTC {
				t.Errorf("got %v (%s), want %v (%s)", it.Published, it.DateSource, tt.want, tt.source)
			}
			wantClamped := 0
			if tt.source == DateClamped {
				wantClamped = 1
			}
			if res.FutureDated != wantClamped {
				t.Errorf("FutureDated %d, want %d", res.FutureDated, wantClamped)
			}
		})
	}
}

// Atom is where updated-only entries occur in practice.
func TestNormaliseUpdatedOnly(t *testing.T) {
	t.Parallel()
	body := []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id><updated>2025-04-08T00:00:00Z</updated>
<entry><title>both</title><id>urn:1</id><published>2025-04-07T10:00:00Z</published><updated>2025-04-08T10:00:00Z</updated></entry>
<entry><title>updated only</title><id>urn:2</id><updated>2025-04-08T09:00:00+01:00</updated></entry>
<entry><title>updated in the future</title><id>urn:3</id><updated>2026-01-01T00:00:00Z</updated></entry>
</feed>`)
	res, err := newTestFetcher().ParseBody(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		at  time.Time
		src DateSource
	}{
		{time.Date(2025, 4, 7, 10, 0, 0, 0, time.UTC), DatePublished},
		{time.Date(2025, 4, 8, 8, 0, 0, 0, time.UTC), DateUpdated},
		{testNow, DateClamped},
	}
	if len(res.Items) != len(want) {
		t.Fatalf("%d items", len(res.Items))
	}
	for i, w := range want {
		if got := res.Items[i]; !got.Published.Equal(w.at) || got.DateSource != w.src {
			t.Errorf("item %d: %v (%s), want %v (%s)", i, got.Published, got.DateSource, w.at, w.src)
		}
	}
	if res.FutureDated != 1 {
		t.Errorf("FutureDated %d, want 1", res.FutureDated)
	}
}

func TestKeyPrecedence(t *testing.T) {
	t.Parallel()
	hashOf := "hash:" + hashKeyHex("Only a title\nAnd some text")
	tests := []struct {
		name, item, wantKey, wantLink string
	}{
		{"guid wins over link", `<item><title>a</title><guid isPermaLink="false"> abc-1 </guid><link>https://x.example/a</link></item>`,
			"guid:abc-1", "https://x.example/a"},
		{"link when no guid", `<item><title>a</title><link>https://X.example:443/a?utm_source=rss#top</link></item>`,
			"link:https://x.example/a", "https://x.example/a"},
		{"relative link resolved against channel link", `<item><title>a</title><link>../world/b?z=1&amp;a=2</link></item>`,
			"link:https://feed.example.org/world/b?a=2&z=1", "https://feed.example.org/world/b?a=2&z=1"},
		{"blank guid falls back to link", `<item><title>a</title><guid>   </guid><link>https://x.example/c</link></item>`,
			"link:https://x.example/c", "https://x.example/c"},
		{"non-http link is dropped and hashed", `<item><title>Only a title</title><description>And some text</description><link>javascript:alert(1)</link></item>`,
			hashOf, ""},
		{"hash when nothing else", `<item><title>Only a title</title><description>&lt;p&gt;And some &lt;b&gt;text&lt;/b&gt;&lt;/p&gt;</description></item>`,
			hashOf, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(rssItems(tt.item), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 1 {
				t.Fatalf("%d items", len(res.Items))
			}
			if it := res.Items[0]; it.Key != tt.wantKey || it.Link != tt.wantLink {
				t.Errorf("key %q link %q, want %q %q", it.Key, it.Link, tt.wantKey, tt.wantLink)
			}
		})
	}
}

// hashKeyHex is the documented hash key, computed independently of the code
// under test's helper.
func hashKeyHex(s string) string {
	return fmt.Sprintf("%x", sha256.Sum256([]byte(s)))[:32]
}

func TestDedupWithinFeed(t *testing.T) {
	t.Parallel()
	body := rssItems(
		`<item><title>first</title><guid>g1</guid></item>`,
		`<item><title>second</title><link>https://x.example/p?utm_medium=a</link></item>`,
		`<item><title>first again</title><guid>g1</guid></item>`,
		`<item><title>second again, other tracking</title><link>https://X.example/p?fbclid=zz#frag</link></item>`,
		`<item><title>same text</title><description>body</description></item>`,
		`<item><title>same text</title><description>body</description></item>`,
		`<item><title>third</title><guid>g3</guid></item>`,
	)
	res, err := newTestFetcher().ParseBody(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, it := range res.Items {
		titles = append(titles, it.Title)
	}
	if got, want := strings.Join(titles, "|"), "first|second|same text|third"; got != want {
		t.Errorf("titles %q, want %q", got, want)
	}
}

func TestDropEmptyItems(t *testing.T) {
	t.Parallel()
	body := rssItems(
		`<item><guid>only-guid</guid><link>https://x.example/1</link></item>`,
		`<item><title>  </title><description>&lt;script&gt;x()&lt;/script&gt;&lt;br/&gt;</description></item>`,
		`<item><description>text only</description></item>`,
	)
	res, err := newTestFetcher().ParseBody(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || res.Items[0].Text != "text only" || res.Items[0].Title != "" {
		t.Errorf("items %+v, want just the text-only one", res.Items)
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, reqLang, want string
	}{
		{"feed language", `<rss version="2.0"><channel><title>t</title><language>ES-mx</language><item><title>a</title></item></channel></rss>`, "en", "es"},
		{"item dc:language beats feed", `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title><language>en</language><item><title>a</title><dc:language>pt_BR</dc:language></item></channel></rss>`, "", "pt"},
		{"request language as fallback", `<rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>`, "fr-CA", "fr"},
		{"garbage feed language ignored", `<rss version="2.0"><channel><title>t</title><language>!!</language><item><title>a</title></item></channel></rss>`, "de", "de"},
		{"none", `<rss version="2.0"><channel><title>t</title><item><title>a</title></item></channel></rss>`, "", ""},
		{"json item language", `{"version":"https://jsonfeed.org/version/1.1","title":"t","language":"es","items":[{"id":"1","title":"a","language":"en-GB"}]}`, "", "en"},
		{"json feed language", `{"version":"https://jsonfeed.org/version/1.1","title":"t","language":"es-AR","items":[{"id":"1","title":"a"}]}`, "en", "es"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody([]byte(tt.body), "", tt.reqLang)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) != 1 || res.Items[0].Lang != tt.want {
				t.Errorf("items %+v, want lang %q", res.Items, tt.want)
			}
		})
	}
}

// A hostile feed cannot push unbounded strings downstream.
func TestFieldBounds(t *testing.T) {
	t.Parallel()
	longTitle := strings.Repeat("é", 4000)         // 8000 bytes, 2-byte runes
	longText := strings.Repeat("<p>señal ", 40000) // ~400 KB of markup
	longGUID := strings.Repeat("g", 5000)
	body := rssItems(`<item><title>` + longTitle + `</title><guid>` + longGUID + `</guid><description><![CDATA[` + longText + `]]></description></item>`)
	res, err := newTestFetcher().ParseBody(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	it := res.Items[0]
	if len(it.Title) > maxTitleBytes || len(it.Title) < maxTitleBytes-4 || !utf8.ValidString(it.Title) {
		t.Errorf("title length %d (valid %v), want about %d", len(it.Title), utf8.ValidString(it.Title), maxTitleBytes)
	}
	if len(it.Text) > maxTextBytes || len(it.Text) < maxTextBytes-16 || !utf8.ValidString(it.Text) {
		t.Errorf("text length %d, want about %d", len(it.Text), maxTextBytes)
	}
	if !strings.HasPrefix(it.Text, "señal señal") {
		t.Errorf("text starts %q", it.Text[:20])
	}
	if len(it.GUID) != maxGUIDBytes || it.Key != "guid:"+it.GUID {
		t.Errorf("guid length %d key length %d", len(it.GUID), len(it.Key))
	}
}

func TestParseBodyReportsBytes(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "rss091.xml")
	res, err := newTestFetcher().ParseBody(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Bytes != int64(len(body)) || res.HTTPStatus != 0 {
		t.Errorf("Bytes %d HTTPStatus %d, want %d 0", res.Bytes, res.HTTPStatus, len(body))
	}
}

// ParseBody must not modify the caller's body, even when it rewrites the
// prolog of a mislabelled UTF-8 feed.
func TestParseBodyDoesNotModifyInput(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "utf8-wrong-prolog.xml")
	orig := bytes.Clone(body)
	if _, err := newTestFetcher().ParseBody(body, "", ""); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(body, orig) {
		t.Error("ParseBody modified its input")
	}
}
