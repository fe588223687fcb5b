package web

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tensiontracker/tracker/internal/store"

	_ "modernc.org/sqlite"
)

// gatedSource is a fakeSource whose list call waits until released, to
// hold admission slots for as long as a test needs.
type gatedSource struct {
	*fakeSource
	entered chan struct{}
	release chan struct{}
}

func (g *gatedSource) ListArticles(ctx context.Context, q store.ArticleQuery) (store.ArticlePage, error) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
	case <-ctx.Done():
		return store.ArticlePage{}, ctx.Err()
	}
	return g.fakeSource.ListArticles(ctx, q)
}

// TestSaturationSheds503 fills every admission slot and checks that the
// next request, page or API, is shed with 503 and Retry-After instead of
// queueing without bound or failing with 500, and that a slot freed admits
// requests again.
func TestSaturationSheds503(t *testing.T) {
	t.Parallel()
	src := &gatedSource{fakeSource: newFake(), entered: make(chan struct{}), release: make(chan struct{})}
	reg := prometheus.NewPedanticRegistry()
	e := NewExplorer(src, ExplorerOptions{MaxInFlight: 2, AdmissionWait: 20 * time.Millisecond, Registerer: reg})
	h := New(Options{Gatherer: reg, Log: slog.New(slog.DiscardHandler), Extra: e.Register}).Handler()

	held := make(chan response, 2)
	for range 2 {
		go func() { held <- get(t, h, "/api/v1/articles") }()
		<-src.entered
	}
	for _, target := range []string{"/api/v1/articles", "/articles", "/api/v1/themes/series"} {
		r := get(t, h, target)
		if r.status != http.StatusServiceUnavailable {
			t.Errorf("%s with every slot taken = %d, want 503", target, r.status)
		}
		if r.header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", target)
		}
		if strings.HasPrefix(target, "/api/") {
			var body apiError
			if err := json.Unmarshal([]byte(r.body), &body); err != nil || body.Error == "" {
				t.Errorf("%s: 503 body is not a JSON error: %q", target, r.body)
			}
		}
	}
	// The stylesheet does not read the store and is never shed.
	if r := get(t, h, "/static/style.css"); r.status != http.StatusOK {
		t.Errorf("style.css while saturated = %d, want 200", r.status)
	}
	close(src.release)
	for range 2 {
		if r := <-held; r.status != http.StatusOK {
			t.Errorf("admitted request = %d, want 200", r.status)
		}
	}
	go func() {
		for range src.entered {
		}
	}()
	if r := get(t, h, "/api/v1/articles"); r.status != http.StatusOK {
		t.Errorf("request after the slots were freed = %d, want 200", r.status)
	}
	close(src.entered)
	if got := testutil.ToFloat64(e.adm.shed.WithLabelValues(shedSaturated)); got != 3 {
		t.Errorf("shed (saturated) = %v, want 3", got)
	}
}

// TestStoreTroubleStatus checks how store errors map to statuses: a store
// that does not answer in time or is locked is 503 with Retry-After (a
// client should come back), a missing article 404, anything else 500.
func TestStoreTroubleStatus(t *testing.T) {
	t.Parallel()
	busy := sqliteBusyError(t)
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"deadline", fmt.Errorf("list articles: %w", context.DeadlineExceeded), http.StatusServiceUnavailable},
		{"database locked", busy, http.StatusServiceUnavailable},
		{"not found", store.ErrNotFound, http.StatusNotFound},
		{"broken", errors.New("database disk image is malformed"), http.StatusInternalServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := newFake()
			src.err = tc.err
			e := NewExplorer(src, ExplorerOptions{})
			h := New(Options{Gatherer: prometheus.NewRegistry(), Log: slog.New(slog.DiscardHandler), Extra: e.Register}).Handler()
			for _, target := range []string{"/api/v1/articles/7", "/articles/7"} {
				r := get(t, h, target)
				if r.status != tc.want {
					t.Errorf("%s = %d, want %d", target, r.status, tc.want)
				}
				if (r.status == http.StatusServiceUnavailable) != (r.header.Get("Retry-After") != "") {
					t.Errorf("%s: status %d with Retry-After %q", target, r.status, r.header.Get("Retry-After"))
				}
			}
		})
	}
}

// sqliteBusyError makes a real SQLITE_BUSY: a second connection wanting to
// write while the first holds the write lock, with no busy timeout.
func sqliteBusyError(t *testing.T) error {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "busy.db")+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	holder, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback()
	_, err = db.BeginTx(ctx, nil)
	if err == nil || !store.Overloaded(err) {
		t.Fatalf("a locked database gives %v, not an error store.Overloaded recognises", err)
	}
	return fmt.Errorf("list articles: %w", err)
}
