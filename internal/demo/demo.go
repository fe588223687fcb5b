// Package demo bundles a handful of sample news feeds in the binary and serves
// them on a local HTTP server, so that `tracker demo` can show non-zero theme
// figures without any network access.
//
// The feeds live in feeds/ and are written for the demo: the outlets are
// fictional and the events invented. Their dates are stored as placeholders
// ({{ago 3h20m}}) and rendered relative to the serving time, so the rolling
// metric windows (1h, 6h, 1d) have data whenever the demo runs.
//
// Editing the sample feeds: keep each article 50-150 words of original
// prose; dates are {{ago D}} with D a Go duration of at most 36h (0s puts
// the article at the top of the current hour, the only age guaranteed to be
// inside the last hour); americas-es.xml is stored as UTF-8 but served as
// ISO-8859-1, so it may only use Latin-1 characters (no curly quotes, dashes
// or euro sign); the syndicated.xml items must stay near copies of their
// wire-world.xml originals. The package tests check all of this.
package demo

import (
	"bytes"
	"embed"
	"strconv"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

//go:embed feeds
var files embed.FS

// Feed describes one bundled sample feed.
type Feed struct {
	// Name is the feed's name in the generated config (a Prometheus label value).
	Name string
	// Path is the URL path the Server serves the feed at, e.g. "/feeds/wire-world.xml".
	Path string
	// ContentType is the Content-Type header the Server sends, including the charset.
	ContentType string
	// Lang is the feed's language (BCP 47 base, lowercase).
	Lang string
	// Country is the ISO 3166-1 alpha-2 code of the (fictional) outlet's home.
	Country string
	// Weight is the source weight the generated config gives the feed.
	Weight float64
}

// source is a Feed plus what the package needs to render it.
type source struct {
	Feed
	file       string   // file name under feeds/
	dateLayout string   // how rendered dates are written: RFC 1123Z for RSS, RFC 3339 for Atom and JSON Feed
	latin1     bool     // transcode the UTF-8 file to ISO-8859-1 when serving
	tags       []string // tags in the generated config
}

// sources lists the bundled feeds. It is a function rather than a variable so
// that no caller can change what the others see.
func sources() []source {
	const (
		rss  = "application/rss+xml; charset=utf-8"
		atom = "application/atom+xml; charset=utf-8"
		json = "application/feed+json; charset=utf-8"
	)
	return []source{
		{
			Feed:       Feed{Name: "wire-world", Path: "/feeds/wire-world.xml", ContentType: rss, Lang: "en", Country: "GB", Weight: 1.5},
			file:       "wire-world.xml",
			dateLayout: time.RFC1123Z,
			tags:       []string{"demo", "world", "wire"},
		},
		{
			// Served as ISO-8859-1 so the demo exercises the fetcher's charset
			// handling with bytes that are not valid UTF-8.
			Feed:       Feed{Name: "americas-es", Path: "/feeds/americas-es.xml", ContentType: "application/rss+xml; charset=ISO-8859-1", Lang: "es", Country: "MX", Weight: 1.2},
			file:       "americas-es.xml",
			dateLayout: time.RFC1123Z,
			latin1:     true,
			tags:       []string{"demo", "americas"},
		},
		{
			Feed:       Feed{Name: "asia-pacific", Path: "/feeds/asia-pacific.atom", ContentType: atom, Lang: "en", Country: "SG", Weight: 1.2},
			file:       "asia-pacific.atom",
			dateLayout: time.RFC3339,
			tags:       []string{"demo", "asia"},
		},
		{
			Feed:       Feed{Name: "europe-africa", Path: "/feeds/europe-africa.json", ContentType: json, Lang: "en", Country: "BE", Weight: 1},
			file:       "europe-africa.json",
			dateLayout: time.RFC3339,
			tags:       []string{"demo", "europe", "africa"},
		},
		{
			Feed:       Feed{Name: "middle-east", Path: "/feeds/middle-east.xml", ContentType: rss, Lang: "en", Country: "QA", Weight: 1},
			file:       "middle-east.xml",
			dateLayout: time.RFC1123Z,
			tags:       []string{"demo", "middle-east"},
		},
		{
			// A republishing outlet: lower weight, and its stories are
			// near-copies of wire-world ones.
			Feed:       Feed{Name: "syndicated", Path: "/feeds/syndicated.xml", ContentType: rss, Lang: "en", Country: "US", Weight: 0.8},
			file:       "syndicated.xml",
			dateLayout: time.RFC1123Z,
			tags:       []string{"demo", "world", "aggregator"},
		},
	}
}

// Feeds returns the bundled sample feeds in a fixed order.
func Feeds() []Feed {
	srcs := sources()
	out := make([]Feed, len(srcs))
	for i, s := range srcs {
		out[i] = s.Feed
	}
	return out
}

// WatchDyads is the watch list of the generated config: the country pairs the
// sample articles are mostly about.
func WatchDyads() []string {
	return []string{"MX-US", "CN-TW", "RU-UA", "IL-IR", "IN-PK", "CO-VE", "RS-XK", "CN-PH"}
}

// demoSchedule is how often the demo fetches each feed: often enough that a
// newcomer sees a second (304) cycle within a couple of minutes.
const demoSchedule = "@every 1m"

// Config renders a complete tracker config (YAML, same format as the root
// config.yaml) pointing at a demo Server reachable at baseURL (e.g.
// "http://127.0.0.1:43123"), with every feed on "@every 1m", the given
// database path and listen address, the built-in lexicon and a watch list
// matching the sample articles.
func Config(baseURL, dbPath, listenAddress string) []byte {
	base := strings.TrimRight(baseURL, "/")
	var b bytes.Buffer
	b.WriteString(`# tracker demo configuration, generated by ` + "`tracker demo`" + `.
# The feeds below are sample feeds bundled in the binary and served on
# loopback; their outlets are fictional and the articles were written for the
# demo. Copy the root config.yaml for a real deployment.

global:
  listen_address: ` + yamlString(listenAddress) + `
  database_path: ` + yamlString(dbPath) + `
  default_schedule: ` + yamlString(demoSchedule) + `
  # No jitter, so the first cycle runs as soon as the demo starts.
  schedule_jitter: 0s
  http_timeout: 10s
  windows: [1h, 6h, 24h]

lexicon:
  builtin: true

watch:
  dyads:
`)
	for _, d := range WatchDyads() {
		b.WriteString("    - " + d + "\n")
	}
	b.WriteString("\nfeeds:\n")
	for _, s := range sources() {
		b.WriteString("  - name: " + s.Name + "\n")
		b.WriteString("    url: " + yamlString(base+s.Path) + "\n")
		b.WriteString("    schedule: " + yamlString(demoSchedule) + "\n")
		b.WriteString("    weight: " + strconv.FormatFloat(s.Weight, 'g', -1, 64) + "\n")
		b.WriteString("    lang: " + s.Lang + "\n")
		b.WriteString("    country: " + s.Country + "\n")
		b.WriteString("    tags: [" + strings.Join(s.tags, ", ") + "]\n")
	}
	return b.Bytes()
}

// yamlString quotes s as a YAML double-quoted scalar. Go's quoting is a
// subset of YAML's escapes (\" \\ \n \t \uNNNN ...), so paths with spaces,
// colons, '#' or quotes survive the round trip. (Bytes that are not UTF-8
// would not: Go writes them as \xNN, which YAML reads as the code point
// U+00NN. The demo's paths come from the OS temp dir or the user's flag.)
func yamlString(s string) string {
	return strconv.Quote(s)
}

// Article is the plain text of one bundled article.
type Article struct {
	Title, Text string
	// Lang is the language of the feed the article comes from.
	Lang string
}

// Articles returns the title and text of every bundled article as plain text
// (markup removed, entities decoded, whitespace collapsed), in feed order. It
// is meant for building benchmark corpora from realistic prose.
func Articles() []Article {
	// The dates do not matter here; a fixed time keeps the output deterministic.
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var out []Article
	parser := gofeed.NewParser()
	for _, s := range sources() {
		body, err := render(s, at)
		if err != nil {
			// The package tests render and parse every bundled feed, so this
			// only happens if a feed file is broken; skip it rather than panic.
			continue
		}
		feed, err := parser.Parse(bytes.NewReader(body))
		if err != nil {
			continue
		}
		for _, it := range feed.Items {
			text := it.Content
			if text == "" {
				text = it.Description
			}
			out = append(out, Article{Title: plainText(it.Title), Text: plainText(text), Lang: s.Lang})
		}
	}
	return out
}

// plainText reduces a small HTML fragment to its text. The bundled feeds only
// use <p>, so a tokenizer pass is all that is needed; the real normaliser is
// feeds.PlainText.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			// Tags separate words: "</p><p>" must not glue two sentences.
			b.WriteByte(' ')
		}
	}
}
