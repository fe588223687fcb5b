// Package redact removes credentials from feed URLs before they reach a log
// line, command output, the database, a metric or a page. Operators put
// passwords in feed URLs (http://user:password@host/feed) for feeds behind
// basic auth; everything that prints a URL or an error about one goes
// through here.
package redact

import (
	"net/url"
	"strings"
)

// mask replaces a password, as url.URL.Redacted does.
const mask = "xxxxx"

// URL returns raw with the password of its user info replaced by "xxxxx"
// (url.URL.Redacted); the user name is kept, it names the account to check.
// A string that does not parse as a URL is redacted as text, so a malformed
// URL in an error message leaks nothing either.
func URL(raw string) string {
	if !strings.Contains(raw, "@") {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" {
		return Text(raw)
	}
	if _, has := u.User.Password(); !has {
		return raw
	}
	return u.Redacted()
}

// Text returns s with the password of every scheme://user:password@ URL in
// it replaced by "xxxxx". It is meant for error texts, which quote URLs in
// forms a parser may reject ("parse \"http://u:p@h st/\": invalid ...").
func Text(s string) string {
	if !strings.Contains(s, "@") || !strings.Contains(s, "://") {
		return s
	}
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, "://")
		if i < 0 {
			break
		}
		start := i + len("://")
		b.WriteString(rest[:start])
		rest = rest[start:]
		// The authority ends at the first '/', '?', '#', quote or line
		// break; the user info is everything before its last '@'. Spaces do
		// not end it: a password with a space (invalid, but typed) must not
		// escape, at the price of over-masking an odd message.
		end := strings.IndexAny(rest, "/?#\"'`\r\n<>")
		if end < 0 {
			end = len(rest)
		}
		at := strings.LastIndexByte(rest[:end], '@')
		if at < 0 {
			continue
		}
		user := rest[:at]
		if colon := strings.IndexByte(user, ':'); colon >= 0 {
			b.WriteString(user[:colon+1])
			b.WriteString(mask)
		} else {
			b.WriteString(user)
		}
		rest = rest[at:]
	}
	b.WriteString(rest)
	return b.String()
}
