package feeds

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/tensiontracker/tracker/internal/netpolicy"
	"github.com/tensiontracker/tracker/internal/redact"
)

// Defaults for zero Options fields.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxBodyBytes = 10 << 20
	DefaultUserAgent    = "tracker (+https://github.com/tensiontracker/tracker)"
	DefaultFutureSkew   = 10 * time.Minute
)

const (
	maxRedirects = 5
	// drainBytes is how much of an unwanted body (304, error pages) is read
	// so the connection can go back to the pool; bigger bodies are cut off
	// by closing the connection instead.
	drainBytes = 64 << 10
	// acceptHeader prefers feed types but accepts anything: many servers
	// send feeds as text/html or application/octet-stream.
	acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
		"application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"
)

// Options configures a Fetcher. Zero fields take the defaults above.
type Options struct {
	Timeout      time.Duration    // whole request including the body read; default 30s
	MaxBodyBytes int64            // body cap after decompression; default 10 MiB
	UserAgent    string           // default DefaultUserAgent
	FutureSkew   time.Duration    // dates later than now+FutureSkew are clamped to now; default 10m
	Now          func() time.Time // default time.Now; tests inject
	// Networks is the internal-address policy (global.deny_networks);
	// nil means netpolicy.Default(). It is enforced by the client NewFetcher
	// builds, on every address dialled and every redirect target.
	Networks *netpolicy.Policy
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.FutureSkew <= 0 {
		o.FutureSkew = DefaultFutureSkew
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Networks == nil {
		p, err := netpolicy.New(netpolicy.Default())
		if err != nil {
			panic(err) // the default is a constant
		}
		o.Networks = p
	}
	return o
}

// Fetcher fetches, decodes, parses and normalises feeds. It is safe for
// concurrent use; one Fetcher should serve all feeds so that connections are
// pooled.
type Fetcher struct {
	opts   Options
	client *http.Client
	parser *gofeed.Parser
}

// NewFetcher returns a Fetcher. With a nil client it builds its own
// http.Client: bounded dial, TLS handshake, response header and overall
// timeouts, transparent gzip, at most 5 redirects, proxy from the
// environment and pooled keep-alive connections. A non-nil client is used as
// is (tests); Options.Timeout still bounds every fetch through its context.
func NewFetcher(opts Options, client *http.Client) *Fetcher {
	opts = opts.withDefaults()
	if client == nil {
		client = newClient(opts.Timeout, opts.Networks)
	}
	p := gofeed.NewParser()
	p.JSONTranslator = jsonTranslator{}
	p.AtomTranslator = atomTranslator{}
	return &Fetcher{
		opts:   opts,
		client: client,
		parser: p,
	}
}

func newClient(timeout time.Duration, networks *netpolicy.Policy) *http.Client {
	step := min(10*time.Second, timeout)
	dialer := &net.Dialer{Timeout: step, KeepAlive: 30 * time.Second,
		// The policy is checked on the address about to be connected to,
		// after name resolution: a host name that resolves (or is rebound)
		// to a denied address is refused, whatever the URL said. Behind an
		// HTTP proxy this is the proxy's address; the target's is then the
		// proxy's business, except for IP literals checked in Fetch and on
		// redirects.
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("check address %q against global.deny_networks: %w", address, err)
			}
			return networks.Check(ap.Addr())
		},
	}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   step,
		ResponseHeaderTimeout: timeout,
		ExpectContinueTimeout: time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConns:          256,
		// Many feeds share a host (one outlet, several sections); a few
		// idle connections per host cover a cycle without hoarding sockets.
		MaxIdleConnsPerHost: 4,
		ForceAttemptHTTP2:   true,
		// DisableCompression stays false: the transport asks for gzip and
		// decompresses, so MaxBodyBytes applies to the decompressed size.
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			// via holds every request so far: the original plus the
			// redirects followed; the 6th redirect is refused.
			if len(via) > maxRedirects {
				return errTooManyRedirects
			}
			return networks.CheckHost(req.URL.Hostname())
		},
	}
}

// Request describes one fetch of one feed.
type Request struct {
	Feed         string // feed name, for errors
	URL          string
	ETag         string // from the previous successful fetch
	LastModified string // from the previous successful fetch
	Lang         string // the feed's configured language, used when the feed and item do not say
}

// Status is the outcome of a successful fetch.
type Status int

// Fetch outcomes.
const (
	StatusOK          Status = iota + 1 // 2xx: body parsed, Items filled
	StatusNotModified                   // 304: nothing parsed
)

// String returns "ok" or "not_modified".
func (s Status) String() string {
	switch s {
	case StatusOK:
		return "ok"
	case StatusNotModified:
		return "not_modified"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Result is a successful fetch (or parse).
type Result struct {
	Status     Status
	HTTPStatus int // 0 for ParseBody
	// ETag and LastModified are the validators to store for the next
	// fetch. On 304 the request's are kept when the server omits them.
	ETag         string
	LastModified string
	Format       string // "rss", "atom" or "json"; "" on 304
	Items        []Item // normalised, in feed order, duplicates (same Key) removed
	Bytes        int64  // body bytes read, after decompression
	FutureDated  int    // items whose date was clamped to now
	Charset      string // charset the body was decoded from ("utf-8", "windows-1252", ...)
}

// Fetch does one conditional GET of req.URL and, on 2xx, parses and
// normalises the body. A 304 returns StatusNotModified without parsing.
// Every failure is a *FetchError.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Result, error) {
	fail := func(reason Reason, status int, retry time.Duration, err error) (*Result, error) {
		return nil, &FetchError{Feed: req.Feed, URL: redact.URL(req.URL), Reason: reason, HTTPStatus: status, RetryAfter: retry, Err: err}
	}
	if err := ctx.Err(); err != nil {
		return fail(classify(ctx, err), 0, 0, err)
	}

	fctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(fctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return fail(ReasonOther, 0, 0, fmt.Errorf("build request: %w", err))
	}
	if hreq.URL.Scheme != "http" && hreq.URL.Scheme != "https" {
		return fail(ReasonOther, 0, 0, fmt.Errorf("unsupported URL scheme %q", hreq.URL.Scheme))
	}
	if err := f.opts.Networks.CheckHost(hreq.URL.Hostname()); err != nil {
		return fail(ReasonBlocked, 0, 0, err)
	}
	hreq.Header.Set("User-Agent", f.opts.UserAgent)
	hreq.Header.Set("Accept", acceptHeader)
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}

	resp, err := f.client.Do(hreq)
	if err != nil {
		return fail(classify(ctx, err), 0, 0, err)
	}
	defer func() {
		// Drain a little so the connection can be reused; anything longer
		// is cheaper to drop with the connection.
		_, _ = io.CopyN(io.Discard, resp.Body, drainBytes)
		_ = resp.Body.Close()
	}()

	switch {
	case resp.StatusCode == http.StatusNotModified:
		res := &Result{
			Status:       StatusNotModified,
			HTTPStatus:   resp.StatusCode,
			ETag:         firstNonEmpty(resp.Header.Get("ETag"), req.ETag),
			LastModified: firstNonEmpty(resp.Header.Get("Last-Modified"), req.LastModified),
		}
		return res, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		reason, retry, err := statusError(resp, f.opts.Now())
		return fail(reason, resp.StatusCode, retry, err)
	}

	limit := f.opts.MaxBodyBytes
	if resp.ContentLength > limit {
		return fail(ReasonTooLarge, resp.StatusCode, 0,
			fmt.Errorf("Content-Length %d exceeds limit of %d bytes", resp.ContentLength, limit))
	}

	b, err := readBody(resp.Body, limit)
	if err != nil {
		return fail(classify(ctx, err), resp.StatusCode, 0, err)
	}
	defer b.release()
	n := b.len()

	// Relative links resolve against where the body actually came from,
	// after redirects.
	finalURL := hreq.URL
	if resp.Request != nil && resp.Request.URL != nil {
		finalURL = resp.Request.URL
	}
	res, err := f.parse(b, resp.Header.Get("Content-Type"), req.Lang, finalURL.String())
	if err != nil {
		return fail(ReasonParse, resp.StatusCode, 0, err)
	}
	res.HTTPStatus = resp.StatusCode
	res.Bytes = n
	res.ETag = resp.Header.Get("ETag")
	res.LastModified = resp.Header.Get("Last-Modified")
	return res, nil
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
