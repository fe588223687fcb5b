package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://example.com/rss", "https://example.com/rss"},
		{"https://user:s3cret@example.com/rss?x=1", "https://user:xxxxx@example.com/rss?x=1"},
		{"https://:s3cret@example.com/", "https://:xxxxx@example.com/"},
		{"https://user@example.com/", "https://user@example.com/"},
		{"https://user:p%40ss@example.com/a@b", "https://user:xxxxx@example.com/a@b"},
		{"http://user:s3cret@exa mple.com/", "http://user:xxxxx@exa mple.com/"},
		{"http://user:s3cret@[::1/", "http://user:xxxxx@[::1/"},
		{"mailto:someone@example.com", "mailto:someone@example.com"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := URL(tt.in); got != tt.want {
			t.Errorf("URL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"no url here", "no url here"},
		{`parse "http://u:s3cret@h st/": invalid character " " in host name`, `parse "http://u:xxxxx@h st/": invalid character " " in host name`},
		{`Get "https://a:s3cret@x.org/f": EOF; then http://b:other@y.org?q`, `Get "https://a:xxxxx@x.org/f": EOF; then http://b:xxxxx@y.org?q`},
		{"fetch f https://user@x.org/: ok, mail a@b.c", "fetch f https://user@x.org/: ok, mail a@b.c"},
		{"tail http://u:s3cret@host", "tail http://u:xxxxx@host"},
		{`invalid URL "http://u:s3 cret@host/": contains whitespace`, `invalid URL "http://u:xxxxx@host/": contains whitespace`},
		{"http://u:s3cret@h:8080/p@q", "http://u:xxxxx@h:8080/p@q"},
	}
	for _, tt := range tests {
		got := Text(tt.in)
		if got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "other") && strings.Contains(tt.in, "b:other") {
			t.Errorf("Text(%q) leaks the password: %q", tt.in, got)
		}
	}
}
