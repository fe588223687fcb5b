package demo

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"
)

// Server serves the bundled feeds at /feeds/<file> and a plain-text index of
// them at /. It implements http.Handler and is safe for concurrent use.
type Server struct {
	now     func() time.Time
	sources []source
}

// NewServer returns a Server that renders the feeds' relative dates at now()
// rounded down to the hour. The rounding keeps bodies, ETags and Last-Modified
// stable within an hour, so a tracker polling every minute gets 304 Not
// Modified from its second cycle on. A nil now means time.Now.
func NewServer(now func() time.Time) *Server {
	if now == nil {
		now = time.Now
	}
	return &Server{now: now, sources: sources()}
}

// RenderTime is the time the Server renders the feeds at for a request made
// at now: the start of the hour. The freshest sample articles are dated
// exactly then, so they are always inside the last hour.
func RenderTime(now time.Time) time.Time {
	return now.UTC().Truncate(time.Hour)
}

// ServeHTTP answers GET and HEAD for the bundled feeds, with ETag and
// Last-Modified validators and 304 answers to conditional requests.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/" || r.URL.Path == "/feeds/" {
		s.serveIndex(w, r)
		return
	}
	var src *source
	for i := range s.sources {
		if s.sources[i].Path == r.URL.Path {
			src = &s.sources[i]
			break
		}
	}
	if src == nil {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	at := RenderTime(s.now())
	body, err := render(*src, at)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", src.ContentType)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	// Caches may store the feed but must revalidate, which is what a feed
	// reader does anyway.
	h.Set("Cache-Control", "no-cache")
	// ServeContent implements If-None-Match, If-Modified-Since (from the
	// Last-Modified it sets from at), HEAD and ranges.
	http.ServeContent(w, r, src.file, at, bytes.NewReader(body))
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var b bytes.Buffer
	b.WriteString("tracker demo: sample feeds written for the demo (fictional outlets, invented events)\n\n")
	for _, src := range s.sources {
		fmt.Fprintf(&b, "%-14s %-26s %s\n", src.Name, src.Path, src.ContentType)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodGet {
		_, _ = w.Write(b.Bytes())
	}
}

// agoOpen starts a date placeholder: {{ago 3h20m}} stands for the time 3h20m
// before the render time.
const agoOpen = "{{ago "

// render returns the feed's bytes as served at render time at: placeholders
// replaced by dates in the feed's date syntax, transcoded to the served
// charset.
func render(s source, at time.Time) ([]byte, error) {
	tmpl, err := files.ReadFile("feeds/" + s.file)
	if err != nil {
		return nil, fmt.Errorf("read bundled feed %s: %w", s.file, err)
	}
	body, err := expandDates(tmpl, at, s.dateLayout)
	if err != nil {
		return nil, fmt.Errorf("render bundled feed %s: %w", s.file, err)
	}
	if s.latin1 {
		body, err = toLatin1(body)
		if err != nil {
			return nil, fmt.Errorf("render bundled feed %s as ISO-8859-1: %w", s.file, err)
		}
	}
	return body, nil
}

// expandDates replaces every {{ago D}} in tmpl by at-D formatted with layout.
func expandDates(tmpl []byte, at time.Time, layout string) ([]byte, error) {
	out := make([]byte, 0, len(tmpl))
	rest := tmpl
	for {
		i := bytes.Index(rest, []byte(agoOpen))
		if i < 0 {
			return append(out, rest...), nil
		}
		out = append(out, rest[:i]...)
		rest = rest[i+len(agoOpen):]
		j := bytes.Index(rest, []byte("}}"))
		if j < 0 {
			return nil, fmt.Errorf("unterminated %q placeholder at byte %d", agoOpen, len(tmpl)-len(rest)-len(agoOpen))
		}
		d, err := time.ParseDuration(string(rest[:j]))
		if err != nil {
			return nil, fmt.Errorf("placeholder at byte %d: %w", len(tmpl)-len(rest)-len(agoOpen), err)
		}
		if d < 0 {
			// A future date would be clamped by the fetcher and hide the
			// article's real position in the timeline.
			return nil, fmt.Errorf("placeholder at byte %d: negative age %s", len(tmpl)-len(rest)-len(agoOpen), d)
		}
		out = at.Add(-d).AppendFormat(out, layout)
		rest = rest[j+len("}}"):]
	}
}

// toLatin1 transcodes UTF-8 to ISO-8859-1, failing on characters Latin-1
// cannot represent rather than silently replacing them.
func toLatin1(b []byte) ([]byte, error) {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			return nil, fmt.Errorf("invalid UTF-8 at byte %d", i)
		case r > 0xFF:
			return nil, fmt.Errorf("character %q at byte %d has no ISO-8859-1 encoding", r, i)
		}
		out = append(out, byte(r))
		i += size
	}
	return out, nil
}
