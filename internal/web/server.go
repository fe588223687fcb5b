// Package web serves the tracker's HTTP endpoints: /metrics, the
// exporter-style lifecycle endpoints (/-/healthy, /-/ready, /-/reload), and
// the article explorer and its JSON API.
package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	toolkitweb "github.com/prometheus/exporter-toolkit/web"
)

// ValidateWebConfig checks a --web.config.file before the server starts, so
// that a broken file stops start-up instead of every request.
func ValidateWebConfig(path string) error {
	if path == "" {
		return nil
	}
	if err := toolkitweb.Validate(path); err != nil {
		return fmt.Errorf("--web.config.file %s: %w", path, err)
	}
	return nil
}

// Options configure a Server.
type Options struct {
	Gatherer prometheus.Gatherer
	// Registerer receives the HTTP handler's own metrics (promhttp_*); may be nil.
	Registerer prometheus.Registerer
	Log        *slog.Logger
	// Reload applies the configuration file again; nil disables /-/reload.
	Reload func(ctx context.Context) error
	// AdminToken returns the token state-changing endpoints require; "" refuses them.
	AdminToken func() string
	// Extra mounts more handlers (the article explorer and API) on the mux.
	Extra func(mux *http.ServeMux)
	// WebConfigFile is the exporter-toolkit web configuration (TLS, basic
	// auth, headers; --web.config.file); "" serves plain HTTP.
	WebConfigFile string
}

// Server is the tracker's HTTP server.
type Server struct {
	opts  Options
	ready atomic.Bool
	srv   *http.Server
	ln    net.Listener
}

// New returns a server; call Listen then Serve.
func New(opts Options) *Server {
	if opts.AdminToken == nil {
		opts.AdminToken = func() string { return "" }
	}
	return &Server{opts: opts}
}

// SetReady marks the tracker ready (the store is open and the first
// configuration applied) or not.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

// Handler returns the server's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	metricsHandler := promhttp.HandlerFor(s.opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog:          slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelError),
		ErrorHandling:     promhttp.ContinueOnError,
		Registry:          s.opts.Registerer,
		Timeout:           30 * time.Second,
		EnableOpenMetrics: true,
	})
	if s.opts.Registerer != nil {
		metricsHandler = promhttp.InstrumentMetricHandler(s.opts.Registerer, metricsHandler)
	}
	mux.Handle("GET /metrics", metricsHandler)
	mux.HandleFunc("GET /-/healthy", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "Healthy.")
	})
	mux.HandleFunc("GET /-/ready", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !s.ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "Not ready.")
			return
		}
		fmt.Fprintln(w, "Ready.")
	})
	mux.HandleFunc("POST /-/reload", s.reload)
	mux.HandleFunc("PUT /-/reload", s.reload)
	if s.opts.Extra != nil {
		s.opts.Extra(mux)
	}
	return securityHeaders(mux)
}

func (s *Server) reload(w http.ResponseWriter, r *http.Request) {
	if s.opts.Reload == nil {
		http.Error(w, "reload is not available in this mode", http.StatusNotFound)
		return
	}
	if !Authorized(r, s.opts.AdminToken()) {
		http.Error(w, "reload needs the admin token (web.admin_token_file) as 'Authorization: Bearer <token>'", http.StatusForbidden)
		return
	}
	if err := s.opts.Reload(r.Context()); err != nil {
		http.Error(w, "config not reloaded, the previous one stays in force:\n"+err.Error(), http.StatusBadRequest)
		return
	}
	fmt.Fprintln(w, "Config reloaded.")
}

// Authorized reports whether r carries the admin token. An empty token
// refuses every request: state-changing endpoints are off until configured.
func Authorized(r *http.Request, token string) bool {
	if token == "" {
		return false
	}
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// securityHeaders sets headers that keep feed content inert in browsers.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// Listen binds the listen address (":0" picks a free port; see Addr).
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.opts.Log.Handler(), slog.LevelWarn),
	}
	return nil
}

// Addr is the bound address after Listen.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until Shutdown, with TLS and basic auth when the web
// configuration file asks for them (prometheus/exporter-toolkit, so the file
// format and behaviour are those of every Prometheus exporter).
func (s *Server) Serve() error {
	file := s.opts.WebConfigFile
	noSystemd := false
	addrs := []string{s.Addr()}
	flags := &toolkitweb.FlagConfig{WebListenAddresses: &addrs, WebSystemdSocket: &noSystemd, WebConfigFile: &file}
	if err := toolkitweb.Serve(s.ln, s.srv, flags, s.opts.Log); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http: %w", err)
	}
	return nil
}

// Shutdown stops accepting requests and waits for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}
