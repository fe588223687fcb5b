package feeds

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tensiontracker/tracker/internal/netpolicy"
	"github.com/tensiontracker/tracker/internal/redact"
)

// Reason classifies why a fetch failed. The set is bounded: it is used as a
// Prometheus label value.
type Reason string

// Failure reasons.
const (
	ReasonDNS         Reason = "dns"          // name resolution failed
	ReasonConnect     Reason = "connect"      // connection refused, reset, unreachable, closed early
	ReasonTLS         Reason = "tls"          // handshake or certificate failure
	ReasonTimeout     Reason = "timeout"      // the fetch's time budget ran out
	ReasonHTTP4xx     Reason = "http_4xx"     // client error status other than 429
	ReasonHTTP5xx     Reason = "http_5xx"     // server error status other than 503 with Retry-After
	ReasonRateLimited Reason = "rate_limited" // 429, or 503 with Retry-After
	ReasonTooLarge    Reason = "too_large"    // body over Options.MaxBodyBytes
	ReasonParse       Reason = "parse"        // not a feed, or a feed gofeed cannot parse
	ReasonCanceled    Reason = "canceled"     // the caller's context was canceled
	ReasonBlocked     Reason = "blocked"      // the address (dialled, or an IP literal in the URL or a redirect) is denied by global.deny_networks
	ReasonOther       Reason = "other"        // anything else (bad URL, too many redirects, odd status)
)

// Reasons lists every Reason, so that metrics can pre-create their series.
func Reasons() []Reason {
	return []Reason{ReasonDNS, ReasonConnect, ReasonTLS, ReasonTimeout, ReasonHTTP4xx, ReasonHTTP5xx,
		ReasonRateLimited, ReasonTooLarge, ReasonParse, ReasonCanceled, ReasonBlocked, ReasonOther}
}

// maxRetryAfter caps a server's Retry-After so that a typo or a hostile
// header cannot park a feed for months.
const maxRetryAfter = 24 * time.Hour

// FetchError is the error returned by Fetch (and, with ReasonParse, by
// ParseBody).
type FetchError struct {
	Feed       string // feed name, may be empty
	URL        string // requested URL, may be empty
	Reason     Reason
	HTTPStatus int           // 0 when there was no response
	RetryAfter time.Duration // from Retry-After on 429/503, capped at 24h; 0 if absent or unparseable
	Err        error
}

// Error returns e.g. "fetch reuters-world https://example.com/rss: timeout: context deadline exceeded".
// Passwords in any URL it quotes (the feed's, a redirect's, one inside a
// wrapped *url.Error) are redacted: this text goes to logs, to `tracker fetch
// --once` and to the database.
func (e *FetchError) Error() string {
	var b strings.Builder
	b.WriteString("fetch")
	if e.Feed != "" {
		b.WriteString(" ")
		b.WriteString(e.Feed)
	}
	if e.URL != "" {
		b.WriteString(" ")
		b.WriteString(e.URL)
	}
	b.WriteString(": ")
	b.WriteString(string(e.Reason))
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return redact.Text(b.String())
}

// Unwrap returns the underlying error.
func (e *FetchError) Unwrap() error { return e.Err }

// errTooManyRedirects is returned by the redirect policy.
var errTooManyRedirects = errors.New("stopped after 5 redirects")

// classify maps a transport or body-read error to a Reason. parent is the
// caller's context: only its cancellation counts as "canceled"; our own
// per-fetch deadline is a timeout.
func classify(parent context.Context, err error) Reason {
	if parent.Err() != nil {
		if errors.Is(parent.Err(), context.Canceled) {
			return ReasonCanceled
		}
		return ReasonTimeout
	}
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return ReasonTooLarge
	}
	if errors.Is(err, netpolicy.ErrDenied) {
		return ReasonBlocked
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		// Our own per-fetch deadline (the parent is still live). Canceled
		// without the parent being canceled means that deadline fired
		// mid-read and the transport reported it as a cancellation.
		return ReasonTimeout
	}
	if errors.Is(err, errTooManyRedirects) {
		return ReasonOther
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		// Including the resolver's own timeouts: the operator has to look
		// at name resolution, not at the feed's server.
		return ReasonDNS
	}
	if isTLSError(err) {
		return ReasonTLS
	}
	var netErr net.Error
	if errors.As(err, &netErr) && netErr.Timeout() {
		return ReasonTimeout
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTDOWN) ||
		errors.Is(err, syscall.ENETDOWN) || errors.Is(err, syscall.EPIPE) {
		return ReasonConnect
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) && opErr.Op == "dial" {
		return ReasonConnect
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		// The server closed the connection before or while answering.
		return ReasonConnect
	}
	return ReasonOther
}

func isTLSError(err error) bool {
	var (
		recErr    tls.RecordHeaderError
		alertErr  tls.AlertError
		verifyErr *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		echErr    *tls.ECHRejectionError
	)
	if errors.As(err, &recErr) || errors.As(err, &alertErr) || errors.As(err, &verifyErr) ||
		errors.As(err, &unknownCA) || errors.As(err, &hostErr) || errors.As(err, &invalid) ||
		errors.As(err, &echErr) {
		return true
	}
	// crypto/tls reports many handshake failures as plain errors whose
	// text starts with "tls: ", and net/http turns a plain-HTTP answer on
	// an https URL into a string.
	for e := err; e != nil; e = errors.Unwrap(e) {
		msg := e.Error()
		if strings.HasPrefix(msg, "tls: ") || strings.Contains(msg, "server gave HTTP response to HTTPS client") {
			return true
		}
	}
	return false
}

// statusError classifies a non-2xx, non-304 response.
func statusError(resp *http.Response, now time.Time) (Reason, time.Duration, error) {
	err := fmt.Errorf("unexpected HTTP status %s", statusText(resp))
	code := resp.StatusCode
	retry := resp.Header.Get("Retry-After")
	switch {
	case code == http.StatusTooManyRequests:
		return ReasonRateLimited, parseRetryAfter(retry, now), err
	case code == http.StatusServiceUnavailable && strings.TrimSpace(retry) != "":
		return ReasonRateLimited, parseRetryAfter(retry, now), err
	case code >= 400 && code < 500:
		return ReasonHTTP4xx, 0, err
	case code >= 500 && code < 600:
		return ReasonHTTP5xx, 0, err
	}
	return ReasonOther, 0, err
}

func statusText(resp *http.Response) string {
	if resp.Status != "" {
		return resp.Status
	}
	return strconv.Itoa(resp.StatusCode)
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP-date.
// It returns 0 when absent, unparseable or in the past, and caps at 24h.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs >= int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	} else {
		return 0
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
