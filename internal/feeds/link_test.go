package feeds

import (
	"strings"
	"testing"
)

func TestCanonicalLink(t *testing.T) {
	t.Parallel()
	const base = "https://news.example.org/world/asia/"
	tests := []struct {
		name, raw, base, want string
	}{
		{"already canonical", "https://news.example.org/a/b", "", "https://news.example.org/a/b"},
		{"lowercase scheme and host, keep path case", "HTTPS://News.Example.ORG/World/Story", "", "https://news.example.org/World/Story"},
		{"default https port", "https://news.example.org:443/a", "", "https://news.example.org/a"},
		{"default http port", "http://news.example.org:80/a", "", "http://news.example.org/a"},
		{"non-default port kept", "https://news.example.org:8443/a", "", "https://news.example.org:8443/a"},
		{"fragment dropped", "https://news.example.org/a#comments", "", "https://news.example.org/a"},
		{"empty path becomes slash", "https://news.example.org", "", "https://news.example.org/"},
		{"user info dropped", "https://user:secret@news.example.org/a", "", "https://news.example.org/a"},
		{"dot segments removed", "https://news.example.org/a/./b/../c", "", "https://news.example.org/a/c"},
		{"utm and click ids dropped", "https://news.example.org/a?utm_source=rss&utm_medium=feed&fbclid=x&gclid=y&mc_cid=1&mc_eid=2&ref=home&cmpid=z",
			"", "https://news.example.org/a"},
		{"tracking dropped, others sorted", "https://news.example.org/a?z=9&UTM_Campaign=spring&b=2&a=1", "", "https://news.example.org/a?a=1&b=2&z=9"},
		{"repeated keys keep order", "https://news.example.org/s?tag=b&q=x&tag=a", "", "https://news.example.org/s?q=x&tag=b&tag=a"},
		{"encoding preserved", "https://news.example.org/s?q=S%C3%A3o+Paulo&x=%2F", "", "https://news.example.org/s?q=S%C3%A3o+Paulo&x=%2F"},
		{"empty query removed", "https://news.example.org/a?", "", "https://news.example.org/a"},
		{"only tracking leaves no question mark", "https://news.example.org/a?utm_source=x", "", "https://news.example.org/a"},
		{"relative path", "strait-patrols?id=4", base, "https://news.example.org/world/asia/strait-patrols?id=4"},
		{"root relative", "/mundo/nota", base, "https://news.example.org/mundo/nota"},
		{"parent relative", "../europe/ports", base, "https://news.example.org/world/europe/ports"},
		{"protocol relative", "//cdn.Example.net/x", base, "https://cdn.example.net/x"},
		{"relative without base", "/mundo/nota", "", ""},
		{"relative with relative base", "/mundo/nota", "/feeds", ""},
		{"absolute ignores base", "http://other.example/x", base, "http://other.example/x"},
		{"whitespace trimmed", "  https://news.example.org/a \n", "", "https://news.example.org/a"},
		{"javascript scheme", "javascript:alert(1)", base, ""},
		{"mailto scheme", "mailto:desk@news.example.org", base, ""},
		{"ftp scheme", "ftp://news.example.org/file", "", ""},
		{"data scheme", "data:text/html,<b>x</b>", base, ""},
		{"opaque http", "http:news.example.org", "", ""},
		{"no host", "https:///path", "", ""},
		{"unparseable", "https://news.example.org/%zz", "", ""},
		{"empty", "", base, ""},
		{"ipv6 default port", "http://[2001:DB8::1]:80/a", "", "http://[2001:db8::1]/a"},
		{"unicode path", "https://news.example.org/méxico", "", "https://news.example.org/m%C3%A9xico"},
		{"too long", "https://news.example.org/" + strings.Repeat("a", maxLinkBytes), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := CanonicalLink(tt.raw, tt.base); got != tt.want {
				t.Errorf("CanonicalLink(%q, %q) = %q, want %q", tt.raw, tt.base, got, tt.want)
			}
		})
	}
}

// Canonicalising a canonical link changes nothing.
func TestCanonicalLinkIdempotent(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"HTTPS://News.Example.ORG:443/a/../b?z=1&utm_source=x&a=2#f",
		"http://[2001:DB8::1]:8080/x?q=S%C3%A3o+Paulo",
		"https://news.example.org",
	} {
		once := CanonicalLink(raw, "")
		if once == "" {
			t.Fatalf("CanonicalLink(%q) is empty", raw)
		}
		if twice := CanonicalLink(once, ""); twice != once {
			t.Errorf("not idempotent: %q -> %q -> %q", raw, once, twice)
		}
	}
}
