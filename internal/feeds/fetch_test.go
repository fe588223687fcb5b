package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serve starts a loopback server for one test.
func serve(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// fixtureHandler serves a testdata file with a content type.
func fixtureHandler(t *testing.T, name, contentType string) http.HandlerFunc {
	body := readFixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

func fetcherWith(opts Options) *Fetcher {
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	return NewFetcher(opts, nil)
}

// wantFetchError asserts err is a *FetchError with the reason and status.
func wantFetchError(t *testing.T, err error, reason Reason, status int) *FetchError {
	t.Helper()
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FetchError", err, err)
	}
	if fe.Reason != reason || fe.HTTPStatus != status {
		t.Fatalf("reason %q status %d, want %q %d (err: %v)", fe.Reason, fe.HTTPStatus, reason, status, err)
	}
	return fe
}

func TestFetchFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture, contentType, format string
		items                        int
	}{
		{"rss2.xml", "application/rss+xml; charset=utf-8", "rss", 6},
		{"rss1.rdf", "application/rdf+xml", "rss", 2},
		{"rss091.xml", "text/xml", "rss", 2},
		{"atom.xml", "application/atom+xml", "atom", 3},
		{"feed.json", "application/feed+json", "json", 3},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, fixtureHandler(t, tt.fixture, tt.contentType))
			res, err := fetcherWith(Options{}).Fetch(context.Background(), Request{Feed: "f", URL: srv.URL + "/feed"})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != StatusOK || res.HTTPStatus != 200 || res.Format != tt.format || len(res.Items) != tt.items {
				t.Errorf("status %v/%d format %q items %d, want ok/200 %q %d",
					res.Status, res.HTTPStatus, res.Format, len(res.Items), tt.format, tt.items)
			}
			if want := int64(len(readFixture(t, tt.fixture))); res.Bytes != want {
				t.Errorf("Bytes %d, want %d", res.Bytes, want)
			}
		})
	}
}

func TestFetchSendsHeadersAndStoresValidators(t *testing.T) {
	t.Parallel()
	var got http.Header
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		w.Header().Set("ETag", `"v2"`)
		w.Header().Set("Last-Modified", "Tue, 08 Apr 2025 12:00:00 GMT")
		_, _ = w.Write(readFixture(t, "rss091.xml"))
	})
	f := fetcherWith(Options{UserAgent: "tracker-test/1.0"})
	res, err := f.Fetch(context.Background(), Request{Feed: "gazette", URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if ua := got.Get("User-Agent"); ua != "tracker-test/1.0" {
		t.Errorf("User-Agent %q", ua)
	}
	if got.Get("If-None-Match") != "" || got.Get("If-Modified-Since") != "" {
		t.Errorf("validators sent without being given: %v", got)
	}
	if !strings.Contains(got.Get("Accept"), "application/rss+xml") {
		t.Errorf("Accept %q", got.Get("Accept"))
	}
	if res.ETag != `"v2"` || res.LastModified != "Tue, 08 Apr 2025 12:00:00 GMT" {
		t.Errorf("validators %q %q", res.ETag, res.LastModified)
	}
}

func TestFetchNotModified(t *testing.T) {
	t.Parallel()
	const etag, lastMod = `W/"abc123"`, "Mon, 07 Apr 2025 10:00:00 GMT"
	tests := []struct {
		name                string
		respETag, respLM    string
		wantETag, wantLM    string
		reqETag, reqLastMod string
	}{
		{"server echoes validators", etag, lastMod, etag, lastMod, etag, lastMod},
		{"server omits validators: keep ours", "", "", etag, lastMod, etag, lastMod},
		{"server sends a new etag", `"new"`, "", `"new"`, lastMod, etag, lastMod},
		{"only last-modified known", "", "", "", lastMod, "", lastMod},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var parsedBody atomic.Bool
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Header.Get("If-None-Match") != tt.reqETag || r.Header.Get("If-Modified-Since") != tt.reqLastMod {
					t.Errorf("conditional headers %q %q, want %q %q",
						r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"), tt.reqETag, tt.reqLastMod)
					_, _ = w.Write(readFixture(t, "rss2.xml"))
					parsedBody.Store(true)
					return
				}
				if tt.respETag != "" {
					w.Header().Set("ETag", tt.respETag)
				}
				if tt.respLM != "" {
					w.Header().Set("Last-Modified", tt.respLM)
				}
				w.WriteHeader(http.StatusNotModified)
			})
			res, err := fetcherWith(Options{}).Fetch(context.Background(),
				Request{Feed: "f", URL: srv.URL, ETag: tt.reqETag, LastModified: tt.reqLastMod})
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != StatusNotModified || res.HTTPStatus != 304 || res.Items != nil || res.Format != "" || res.Bytes != 0 {
				t.Errorf("got %+v, want a bare 304 result", res)
			}
			if res.ETag != tt.wantETag || res.LastModified != tt.wantLM {
				t.Errorf("validators %q %q, want %q %q", res.ETag, res.LastModified, tt.wantETag, tt.wantLM)
			}
		})
	}
}

func TestFetchParseFailures(t *testing.T) {
	t.Parallel()
	for _, fixture := range []string{"malformed.xml", "not-a-feed.html"} {
		t.Run(fixture, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, fixtureHandler(t, fixture, "text/html; charset=utf-8"))
			_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{Feed: "broken", URL: srv.URL})
			fe := wantFetchError(t, err, ReasonParse, 200)
			if fe.Feed != "broken" || fe.URL != srv.URL {
				t.Errorf("error lacks feed or URL: %v", fe)
			}
		})
	}
	t.Run("empty 200", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
		_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL})
		wantFetchError(t, err, ReasonParse, 200)
	})
}

func TestFetchStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		status     int
		retryAfter string
		reason     Reason
		wantRetry  time.Duration
	}{
		{"429 delta seconds", 429, "120", ReasonRateLimited, 120 * time.Second},
		{"429 HTTP-date", 429, testNow.Add(90 * time.Second).Format(http.TimeFormat), ReasonRateLimited, 90 * time.Second},
		{"429 without Retry-After", 429, "", ReasonRateLimited, 0},
		{"429 unparseable", 429, "soon", ReasonRateLimited, 0},
		{"429 capped at 24h", 429, "31536000", ReasonRateLimited, 24 * time.Hour},
		{"503 with Retry-After", 503, "30", ReasonRateLimited, 30 * time.Second},
		{"503 without Retry-After", 503, "", ReasonHTTP5xx, 0},
		{"500", 500, "", ReasonHTTP5xx, 0},
		{"502 ignores Retry-After", 502, "60", ReasonHTTP5xx, 0},
		{"404", 404, "", ReasonHTTP4xx, 0},
		{"403", 403, "", ReasonHTTP4xx, 0},
		{"410", 410, "", ReasonHTTP4xx, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte("<html><body>error page</body></html>"))
			})
			_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{Feed: "f", URL: srv.URL})
			fe := wantFetchError(t, err, tt.reason, tt.status)
			if fe.RetryAfter != tt.wantRetry {
				t.Errorf("RetryAfter %v, want %v", fe.RetryAfter, tt.wantRetry)
			}
			if !strings.Contains(err.Error(), strconv.Itoa(tt.status)) {
				t.Errorf("error %q does not name the status", err)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"-5", 0}, {" 45 ", 45 * time.Second}, {"86401", 24 * time.Hour},
		{"99999999999999999999", 0}, {"1.5", 0},
		{testNow.Add(-time.Minute).Format(http.TimeFormat), 0},
		{testNow.Add(48 * time.Hour).Format(http.TimeFormat), 24 * time.Hour},
		{testNow.Add(10 * time.Minute).Format(time.RFC850), 10 * time.Minute},
		{testNow.Add(10 * time.Minute).Format(time.ANSIC), 10 * time.Minute},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, testNow); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// blockUntilDone holds a request until the client goes away (or a safety
// limit passes), so tests never wait on a sleeping handler.
func blockUntilDone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

func TestFetchTimeout(t *testing.T) {
	t.Parallel()
	t.Run("no response headers", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { blockUntilDone(r) })
		_, err := fetcherWith(Options{Timeout: 200 * time.Millisecond}).Fetch(context.Background(), Request{Feed: "slow", URL: srv.URL})
		wantFetchError(t, err, ReasonTimeout, 0)
		if !strings.HasPrefix(err.Error(), "fetch slow "+srv.URL+": timeout: ") {
			t.Errorf("error text %q", err)
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write([]byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>`))
			w.(http.Flusher).Flush()
			blockUntilDone(r)
		})
		_, err := fetcherWith(Options{Timeout: 200 * time.Millisecond}).Fetch(context.Background(), Request{URL: srv.URL})
		wantFetchError(t, err, ReasonTimeout, 200)
	})
	t.Run("caller client without timeout", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { blockUntilDone(r) })
		f := NewFetcher(Options{Timeout: 200 * time.Millisecond}, &http.Client{})
		_, err := f.Fetch(context.Background(), Request{URL: srv.URL})
		wantFetchError(t, err, ReasonTimeout, 0)
	})
}

func TestFetchCanceled(t *testing.T) {
	t.Parallel()
	t.Run("before the request", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := fetcherWith(Options{}).Fetch(ctx, Request{URL: "http://127.0.0.1:1/"})
		wantFetchError(t, err, ReasonCanceled, 0)
	})
	t.Run("while waiting for the server", func(t *testing.T) {
		t.Parallel()
		arrived := make(chan struct{})
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			blockUntilDone(r)
		})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived
			cancel()
		}()
		_, err := fetcherWith(Options{}).Fetch(ctx, Request{URL: srv.URL})
		wantFetchError(t, err, ReasonCanceled, 0)
	})
}

func TestFetchTooLarge(t *testing.T) {
	t.Parallel()
	big := bytes.Repeat([]byte("<!-- padding padding padding -->\n"), 200) // ~6.6 KB
	tests := []struct {
		name string
		h    http.HandlerFunc
	}{
		{"content-length over limit", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			_, _ = w.Write(big)
		}},
		{"chunked over limit", func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i < len(big); i += 512 {
				_, _ = w.Write(big[i:min(i+512, len(big))])
				w.(http.Flusher).Flush()
			}
		}},
		{"gzip bomb", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			_, _ = zw.Write(bytes.Repeat([]byte{' '}, 1<<20)) // 1 MiB of spaces, ~1 KB on the wire
			_ = zw.Close()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := serve(t, tt.h)
			_, err := fetcherWith(Options{MaxBodyBytes: 4096}).Fetch(context.Background(), Request{URL: srv.URL})
			wantFetchError(t, err, ReasonTooLarge, 200)
		})
	}
	t.Run("exactly at the limit is fine", func(t *testing.T) {
		t.Parallel()
		body := readFixture(t, "rss091.xml")
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
		res, err := fetcherWith(Options{MaxBodyBytes: int64(len(body))}).Fetch(context.Background(), Request{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if res.Bytes != int64(len(body)) {
			t.Errorf("Bytes %d, want %d", res.Bytes, len(body))
		}
	})
}

func TestFetchGzip(t *testing.T) {
	t.Parallel()
	body := readFixture(t, "atom.xml")
	var acceptEncoding atomic.Value
	srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
		acceptEncoding.Store(r.Header.Get("Accept-Encoding"))
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			_, _ = w.Write(body)
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/atom+xml")
		zw := gzip.NewWriter(w)
		_, _ = zw.Write(body)
		_ = zw.Close()
	})
	res, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if ae, _ := acceptEncoding.Load().(string); !strings.Contains(ae, "gzip") {
		t.Errorf("Accept-Encoding %q: the transport did not ask for gzip", ae)
	}
	if res.Format != "atom" || len(res.Items) != 3 || res.Bytes != int64(len(body)) {
		t.Errorf("format %q items %d bytes %d, want atom 3 %d", res.Format, len(res.Items), res.Bytes, len(body))
	}
}

func TestFetchCharsetFromHeader(t *testing.T) {
	t.Parallel()
	srv := serve(t, fixtureHandler(t, "cp1252-header.xml", "text/xml; charset=windows-1252"))
	res, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL, Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Charset != "windows-1252" || len(res.Items) != 1 || res.Items[0].Title != "Minister says “no deal” on €40bn fund" {
		t.Errorf("charset %q items %+v", res.Charset, res.Items)
	}
}

func TestFetchRedirects(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/hop/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		if n == 0 {
			w.Header().Set("Content-Type", "application/rss+xml")
			_, _ = w.Write(rssItems(`<item><title>moved</title><link>story/1</link></item>`))
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	res, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL + "/hop/5"})
	if err != nil {
		t.Fatalf("5 redirects: %v", err)
	}
	// The channel link is absolute, so the relative item link resolves against it.
	if len(res.Items) != 1 || res.Items[0].Link != "https://feed.example.org/news/story/1" {
		t.Errorf("items %+v", res.Items)
	}
	_, err = fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL + "/hop/6"})
	wantFetchError(t, err, ReasonOther, 0)
}

func TestFetchRelativeLinksAgainstFinalURL(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/old", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/feeds/world.xml", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/feeds/world.xml", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`<rss version="2.0"><channel><title>t</title><item><title>a</title><link>asia/1?utm_source=x</link></item></channel></rss>`))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	res, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL + "/old"})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/feeds/asia/1"; len(res.Items) != 1 || res.Items[0].Link != want {
		t.Errorf("items %+v, want link %q", res.Items, want)
	}
}

func TestFetchNetworkErrors(t *testing.T) {
	t.Parallel()
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		_ = ln.Close()
		_, err = fetcherWith(Options{}).Fetch(context.Background(), Request{URL: "http://" + addr + "/rss"})
		wantFetchError(t, err, ReasonConnect, 0)
	})
	t.Run("connection closed without a response", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		})
		_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL})
		wantFetchError(t, err, ReasonConnect, 0)
	})
	t.Run("dns", func(t *testing.T) {
		t.Parallel()
		_, err := fetcherWith(Options{Timeout: 10 * time.Second}).Fetch(context.Background(),
			Request{URL: "http://feeds.tracker-test.invalid/rss"})
		wantFetchError(t, err, ReasonDNS, 0)
	})
	t.Run("tls untrusted certificate", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
		srv.StartTLS()
		t.Cleanup(srv.Close)
		_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: srv.URL})
		wantFetchError(t, err, ReasonTLS, 0)
	})
	t.Run("plain http to a TLS port", func(t *testing.T) {
		t.Parallel()
		srv := serve(t, func(w http.ResponseWriter, r *http.Request) {})
		_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: strings.Replace(srv.URL, "http://", "https://", 1)})
		wantFetchError(t, err, ReasonTLS, 0)
	})
	t.Run("bad URLs", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{"ftp://example.org/feed", "::not a url", "/relative/feed.xml"} {
			_, err := fetcherWith(Options{}).Fetch(context.Background(), Request{URL: u})
			wantFetchError(t, err, ReasonOther, 0)
		}
	})
}

func TestFetchErrorText(t *testing.T) {
	t.Parallel()
	inner := context.DeadlineExceeded
	tests := []struct {
		err  *FetchError
		want string
	}{
		{&FetchError{Feed: "reuters-world", URL: "https://example.com/rss", Reason: ReasonTimeout, Err: inner},
			"fetch reuters-world https://example.com/rss: timeout: context deadline exceeded"},
		{&FetchError{Reason: ReasonParse, Err: errEmptyBody}, "fetch: parse: empty body"},
		{&FetchError{URL: "https://example.com/rss", Reason: ReasonHTTP4xx}, "fetch https://example.com/rss: http_4xx"},
		// A password in a wrapped error (here a URL that failed to parse) is
		// redacted too.
		{&FetchError{Feed: "p", Reason: ReasonOther, Err: errors.New(`parse "http://u:s3cret@h st/": invalid character`)},
			`fetch p: other: parse "http://u:xxxxx@h st/": invalid character`},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	if !errors.Is(tests[0].err, context.DeadlineExceeded) {
		t.Error("Unwrap does not expose the cause")
	}
}

func TestReasonsComplete(t *testing.T) {
	t.Parallel()
	seen := map[Reason]bool{}
	for _, r := range Reasons() {
		if seen[r] || r == "" {
			t.Errorf("duplicate or empty reason %q", r)
		}
		seen[r] = true
	}
	if len(seen) != 12 {
		t.Errorf("%d reasons, want 12", len(seen))
	}
}

// One Fetcher serves all feeds concurrently; results must not bleed into
// each other through the shared parser or the pooled body buffers.
func TestFetchConcurrent(t *testing.T) {
	t.Parallel()
	fixtures := []struct{ name, firstTitle string }{
		{"rss2.xml", "Mexico rejects any US troop presence as cartel order stirs \"sovereignty\" row"},
		{"atom.xml", "Cancillería convoca al embajador tras incidente en aguas australes"},
		{"feed.json", "Expertos advierten sobre el uso de drones estadounidenses en territorio mexicano"},
		{"rss1.rdf", "Perú y Chile evalúan respuesta conjunta a nuevos aranceles al cobre"},
	}
	mux := http.NewServeMux()
	for _, fx := range fixtures {
		body := readFixture(t, fx.name)
		mux.HandleFunc("/"+fx.name, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) })
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	f := fetcherWith(Options{})
	const workers, rounds = 8, 5
	results := make(chan error, workers*rounds)
	var titles [workers][rounds]string
	done := make(chan struct{})
	for w := range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			fx := fixtures[w%len(fixtures)]
			for r := range rounds {
				res, err := f.Fetch(context.Background(), Request{Feed: fx.name, URL: srv.URL + "/" + fx.name})
				if err != nil {
					results <- err
					continue
				}
				titles[w][r] = res.Items[0].Title
			}
		}()
	}
	for range workers {
		<-done
	}
	close(results)
	for err := range results {
		t.Error(err)
	}
	// Checked after every goroutine finished, so a reused buffer would
	// have had every chance to overwrite an earlier result.
	for w := range workers {
		for r := range rounds {
			if want := fixtures[w%len(fixtures)].firstTitle; titles[w][r] != want {
				t.Errorf("worker %d round %d: title %q, want %q", w, r, titles[w][r], want)
			}
		}
	}
}

func TestNewFetcherClient(t *testing.T) {
	t.Parallel()
	f := NewFetcher(Options{Timeout: 5 * time.Second}, nil)
	tr, ok := f.client.Transport.(*http.Transport)
	if !ok {
		t.Fatalf("transport %T", f.client.Transport)
	}
	if f.client.Timeout != 5*time.Second || tr.ResponseHeaderTimeout != 5*time.Second || tr.TLSHandshakeTimeout != 5*time.Second {
		t.Errorf("timeouts: client %v header %v tls %v", f.client.Timeout, tr.ResponseHeaderTimeout, tr.TLSHandshakeTimeout)
	}
	if tr.Proxy == nil || tr.DisableCompression || tr.DisableKeepAlives || tr.MaxIdleConnsPerHost < 2 || tr.DialContext == nil {
		t.Errorf("transport not configured: %+v", tr)
	}
	if f.client.CheckRedirect == nil {
		t.Error("no redirect cap")
	}
	given := &http.Client{}
	if NewFetcher(Options{}, given).client != given {
		t.Error("given client not used")
	}
	d := NewFetcher(Options{}, nil).opts
	if d.Timeout != DefaultTimeout || d.MaxBodyBytes != DefaultMaxBodyBytes || d.UserAgent != DefaultUserAgent || d.FutureSkew != DefaultFutureSkew || d.Now == nil {
		t.Errorf("defaults not applied: %+v", d)
	}
}
