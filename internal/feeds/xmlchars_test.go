package feeds

import (
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/transform"
)

func TestXMLCharRepair(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"plain <t>text</t> &amp; more", "plain <t>text</t> &amp; more"},
		{"a&#0;b", "ab"},
		{"a&#x0;b&#x1F;c", "abc"},
		{"a&#xFFFE;b&#xffff;c", "abc"},
		{"surrogates &#xD800;&#55296;&#xDFFF; gone", "surrogates  gone"},
		{"kept &#9;&#10;&#13;&#32;&#xE9;&#x1F600;&#1114111;", "kept &#9;&#10;&#13;&#32;&#xE9;&#x1F600;&#1114111;"},
		{"too big to be a char &#x110000; &#99999999999999999999;", "too big to be a char &#x110000; &#99999999999999999999;"},
		{"not references &#; &#x; &#12 &#xZ; &", "not references &#; &#x; &#12 &#xZ; &"},
		{"uppercase X is literal text &#X0;", "uppercase X is literal text &#X0;"},
		{"leading zeros &#00000000;", "leading zeros "},
		{"absurd &#" + strings.Repeat("0", 100) + ";x", "absurd " + strings.Repeat("0", 100-maxRefDigits) + ";x"},
		{"raw \x00 and \x1b and \x7f", "raw  and  and \x7f"},
		{"tab\tlf\ncr\r", "tab\tlf\ncr\r"},
		{"raw \uFFFE and \uFFFF but \uFFFD and é kept", "raw  and  but \uFFFD and é kept"},
		{"end &#", "end &#"},
		{"end &", "end &"},
	}
	for _, tt := range tests {
		got, _, err := transform.String(xmlCharRepair{}, tt.in)
		if err != nil || got != tt.want {
			t.Errorf("repair(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		// The same through a reader fed one byte at a time: references
		// split across reads are joined.
		var b strings.Builder
		r := transform.NewReader(&oneByteReader{s: tt.in}, xmlCharRepair{})
		buf := make([]byte, 3)
		for {
			n, err := r.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		if b.String() != tt.want {
			t.Errorf("byte-wise repair(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	p[0] = r.s[0]
	r.s = r.s[1:]
	return 1, nil
}

// TestIllegalCharacterReferenceKeepsFeed: one item with &#0; (or another
// reference or raw character XML forbids) used to fail the whole feed on
// every fetch. Now the reference is dropped and every item is kept.
func TestIllegalCharacterReferenceKeepsFeed(t *testing.T) {
	t.Parallel()
	good1 := `<item><guid>a</guid><title>Tariff talks resume</title><description>Officials met.</description></item>`
	good2 := `<item><guid>c</guid><title>Port strike ends</title><description>Ships moving.</description></item>`
	for _, bad := range []string{"&#0;", "&#x0;", "&#xFFFE;", "&#xD800;", "&#x1B;", "\x01", "\uFFFF"} {
		t.Run(bad, func(t *testing.T) {
			t.Parallel()
			item := `<item><guid>b</guid><title>Border ` + bad + `closed</title><description>Text ` + bad + `here.</description></item>`
			res, err := newTestFetcher().ParseBody(rssItems(good1, item, good2), "application/rss+xml; charset=utf-8", "en")
			if err != nil {
				t.Fatalf("ParseBody: %v", err)
			}
			var titles []string
			for _, it := range res.Items {
				titles = append(titles, it.Title)
				if !utf8.ValidString(it.Title) || strings.ContainsRune(it.Title, 0) {
					t.Errorf("title %q carries the illegal character", it.Title)
				}
			}
			want := []string{"Tariff talks resume", "Border closed", "Port strike ends"}
			if strings.Join(titles, "|") != strings.Join(want, "|") {
				t.Errorf("titles %q, want %q", titles, want)
			}
		})
	}
	t.Run("atom", func(t *testing.T) {
		t.Parallel()
		atom := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>` +
			`<entry><id>1</id><title>One&#0;</title><updated>2025-04-08T10:00:00Z</updated></entry>` +
			`<entry><id>2</id><title>Two</title><updated>2025-04-08T10:00:00Z</updated></entry></feed>`
		res, err := newTestFetcher().ParseBody([]byte(atom), "", "")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 2 || res.Items[0].Title != "One" {
			t.Errorf("items %+v", res.Items)
		}
	})
}

// TestDeclaredUTF8KeepsValidItems: a feed declared UTF-8 in which one item
// is windows-1252 text (more invalid than valid sequences in the whole
// body) keeps its valid items intact and shows U+FFFD only in the broken one.
func TestDeclaredUTF8KeepsValidItems(t *testing.T) {
	t.Parallel()
	good := `<item><guid>a</guid><title>México y Perú</title></item>`
	broken := "<item><guid>b</guid><title>Bogot\xe1 \xe9\xe9\xe9\xe9 se\xf1al</title></item>"
	tests := []struct {
		name, contentType string
		body              []byte
	}{
		{"declared in the header", "application/rss+xml; charset=UTF-8", rssItems(good, broken)},
		{"declared in the prolog", "application/rss+xml", rssItems(good, broken)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := newTestFetcher().ParseBody(tt.body, tt.contentType, "")
			if err != nil {
				t.Fatal(err)
			}
			if res.Charset != "utf-8" || len(res.Items) != 2 {
				t.Fatalf("charset %q, %d items; want utf-8, 2", res.Charset, len(res.Items))
			}
			if got := res.Items[0].Title; got != "México y Perú" {
				t.Errorf("valid item title %q, want it intact", got)
			}
			if got, want := res.Items[1].Title, "Bogot\uFFFD \uFFFD\uFFFD\uFFFD\uFFFD se\uFFFDal"; got != want {
				t.Errorf("broken item title %q, want %q", got, want)
			}
		})
	}
	t.Run("undeclared still sniffs windows-1252", func(t *testing.T) {
		t.Parallel()
		body := []byte("<rss version=\"2.0\"><channel><title>t</title><item><title>Bogot\xe1 se\xf1al</title></item></channel></rss>")
		res, err := newTestFetcher().ParseBody(body, "text/xml", "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Charset != "windows-1252" || len(res.Items) != 1 || res.Items[0].Title != "Bogotá señal" {
			t.Errorf("charset %q items %+v", res.Charset, res.Items)
		}
	})
}
