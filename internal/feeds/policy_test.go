package feeds

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tensiontracker/tracker/internal/netpolicy"
)

func policy(t *testing.T, entries ...string) *netpolicy.Policy {
	t.Helper()
	p, err := netpolicy.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serveOn starts a server on a given loopback address (Linux routes all of
// 127.0.0.0/8 to the loopback interface), so a test can have a "denied" and
// an "allowed" host without leaving the machine.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestFetchAddressPolicy(t *testing.T) {
	t.Parallel()
	var deniedHits atomic.Int64
	denied := serveOn(t, "127.0.0.2:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deniedHits.Add(1)
		_, _ = w.Write(readFixture(t, "rss2.xml"))
	}))
	allowed := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-denied":
			http.Redirect(w, r, denied.URL+"/feed", http.StatusFound)
		case "/to-metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		default:
			_, _ = w.Write(readFixture(t, "rss2.xml"))
		}
	})
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(allowed.URL, "http://"))
	only2 := policy(t, "127.0.0.2/32")

	tests := []struct {
		name     string
		networks *netpolicy.Policy // nil: the default policy
		url      string
		want     string // substring of the error, "" for success
	}{
		{"default allows loopback", nil, allowed.URL + "/feed", ""},
		{"default refuses the metadata address", nil, "http://169.254.169.254/latest/meta-data/", "link_local (169.254.0.0/16)"},
		{"default refuses IPv6 link-local", nil, "http://[fe80::1]:80/", "link_local"},
		{"default refuses an IPv4-mapped metadata address", nil, "http://[::ffff:169.254.169.254]/", "link_local"},
		{"default refuses a redirect to metadata", nil, allowed.URL + "/to-metadata", "169.254.169.254"},
		{"denied literal", only2, denied.URL + "/feed", "127.0.0.2"},
		{"redirect to a denied address", only2, allowed.URL + "/to-denied", "127.0.0.2"},
		// A host name is checked after resolution, on the address dialled:
		// "localhost" is not an IP literal, so only the dial-time check can
		// refuse it.
		{"host name resolving to a denied address", policy(t, "loopback"), "http://localhost:" + port + "/feed", "loopback"},
		{"operator allows link-local", &netpolicy.Policy{}, allowed.URL + "/feed", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := fetcherWith(Options{Networks: tt.networks})
			res, err := f.Fetch(context.Background(), Request{Feed: "f", URL: tt.url})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if len(res.Items) == 0 {
					t.Error("no items")
				}
				return
			}
			fe := wantFetchError(t, err, ReasonBlocked, 0)
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "global.deny_networks") {
				t.Errorf("error %q does not say %q and name the setting", err, tt.want)
			}
			if !errors.Is(fe, netpolicy.ErrDenied) {
				t.Errorf("error %v does not wrap netpolicy.ErrDenied", err)
			}
		})
	}
	t.Cleanup(func() {
		if n := deniedHits.Load(); n != 0 {
			t.Errorf("the denied server was reached %d times", n)
		}
	})
}
