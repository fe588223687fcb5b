package feeds

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseBody(f *testing.F) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, "")
	}
	f.Add(rssItems(`<item><title>a</title><guid>1</guid></item>`, `<item><title>a</title><guid>1</guid></item>`), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>x</p>"}]}`), "application/json")
	f.Add([]byte("\xff\xfe<\x00r\x00s\x00s\x00>\x00"), "")

	fetcher := newTestFetcher()
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		res, err := fetcher.ParseBody(body, contentType, "en")
		if err != nil {
			var fe *FetchError
			if !errors.As(err, &fe) || fe.Reason != ReasonParse {
				t.Fatalf("error %v is not a parse FetchError", err)
			}
			return
		}
		switch res.Format {
		case "rss", "atom", "json":
		default:
			t.Fatalf("format %q", res.Format)
		}
		keys := make(map[string]bool, len(res.Items))
		clamped := 0
		for _, it := range res.Items {
			if keys[it.Key] {
				t.Fatalf("duplicate key %q", it.Key)
			}
			keys[it.Key] = true
			if !strings.HasPrefix(it.Key, "guid:") && !strings.HasPrefix(it.Key, "link:") && !strings.HasPrefix(it.Key, "hash:") {
				t.Fatalf("key %q", it.Key)
			}
			if it.Title == "" && it.Text == "" {
				t.Fatal("item with neither title nor text")
			}
			if len(it.Title) > maxTitleBytes || len(it.Text) > maxTextBytes || len(it.GUID) > maxGUIDBytes || len(it.Link) > maxLinkBytes+64 {
				t.Fatalf("unbounded field: title %d text %d guid %d link %d", len(it.Title), len(it.Text), len(it.GUID), len(it.Link))
			}
			for _, s := range []string{it.Title, it.Text, it.GUID, it.Link, it.Lang} {
				if !utf8.ValidString(s) {
					t.Fatalf("invalid UTF-8 %q", s)
				}
			}
			if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
				t.Fatalf("link %q", it.Link)
			}
			if it.Published.After(testNow.Add(DefaultFutureSkew)) || it.Published.Location().String() != "UTC" {
				t.Fatalf("published %v", it.Published)
			}
			if it.DateSource == DateClamped {
				clamped++
			}
		}
		if clamped != res.FutureDated {
			t.Fatalf("FutureDated %d, clamped items %d", res.FutureDated, clamped)
		}
	})
}
