package web

import (
	"context"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tensiontracker/tracker/internal/store"
)

// Admission limits of the explorer and API (documented in docs/api.md and
// docs/explorer.md).
const (
	// MaxInFlightCap is the most explorer and API requests that read the
	// store at once: one fewer than the store's general read pool, so that
	// ingest's duplicate lookups and re-scoring always find a connection.
	// The metrics collector has its own pool and is not counted.
	MaxInFlightCap = store.Readers - 1
	// DefaultAdmissionWait is how long a request waits for a slot before it
	// is shed with 503: long enough to absorb a burst of a dashboard's
	// panels, short enough that a client is told to retry rather than
	// left hanging behind a queue that does not move.
	DefaultAdmissionWait = 2 * time.Second
	// retryAfter is the Retry-After (seconds) of a shed request.
	retryAfter = 2
)

// DefaultMaxInFlight is the number of explorer and API requests admitted
// at once: MaxInFlightCap, and at most one fewer than the cores Go runs on
// (at least 1). A reader's SQLite query is CPU-bound, so readers beyond that
// would take the core a scrape and ingest need, and a scrape slowed past its
// timeout looks like a dead tracker.
func DefaultMaxInFlight() int {
	return max(1, min(MaxInFlightCap, runtime.GOMAXPROCS(0)-1))
}

// admission is a counting semaphore in front of the handlers that read the
// store.
type admission struct {
	slots chan struct{}
	wait  time.Duration
	shed  *prometheus.CounterVec // by reason; nil when not registered
}

func newAdmission(max int, wait time.Duration, reg prometheus.Registerer) *admission {
	if max <= 0 {
		max = DefaultMaxInFlight()
	}
	if wait <= 0 {
		wait = DefaultAdmissionWait
	}
	a := &admission{slots: make(chan struct{}, max), wait: wait}
	if reg != nil {
		a.shed = prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tracker_web_requests_shed_total",
			Help: "Explorer and API requests answered 503 because every store reader was busy (reason=\"saturated\") or the store did not answer in time (reason=\"store_timeout\").",
		}, []string{"reason"})
		for _, r := range []string{shedSaturated, shedStoreTimeout} {
			a.shed.WithLabelValues(r)
		}
		reg.MustRegister(a.shed)
	}
	return a
}

const (
	shedSaturated    = "saturated"
	shedStoreTimeout = "store_timeout"
)

func (a *admission) count(reason string) {
	if a.shed != nil {
		a.shed.WithLabelValues(reason).Inc()
	}
}

// acquire waits for a slot until the admission wait or ctx ends.
func (a *admission) acquire(ctx context.Context) bool {
	select {
	case a.slots <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (a *admission) release() { <-a.slots }

// limit runs h once a slot is free, or answers 503 with Retry-After.
func (e *Explorer) limit(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !e.adm.acquire(r.Context()) {
			e.adm.count(shedSaturated)
			e.unavailable(w, r, "The tracker is answering as many requests as its database readers allow. Retry in a few seconds.")
			return
		}
		defer e.adm.release()
		h(w, r)
	}
}

// unavailable answers 503 with Retry-After, as JSON under /api/ and as a
// page elsewhere: load shed is a normal answer a client should retry, not a
// server error.
func (e *Explorer) unavailable(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
	if strings.HasPrefix(r.URL.Path, e.prefix+"/api/") || strings.HasPrefix(r.URL.Path, "/api/") {
		writeJSONError(w, http.StatusServiceUnavailable, strings.ToLower(msg[:1])+msg[1:])
		return
	}
	e.fail(w, http.StatusServiceUnavailable, msg, "")
}

// overloaded answers a store error that means "too busy" (a deadline, a
// lock) with 503 and reports true; other errors are left to the caller.
func (e *Explorer) overloaded(w http.ResponseWriter, r *http.Request, what string, err error) bool {
	if !store.Overloaded(err) || r.Context().Err() != nil {
		return false
	}
	e.adm.count(shedStoreTimeout)
	e.opts.Log.Warn("store too busy, request shed", "path", r.URL.Path, "what", what, "err", err)
	e.unavailable(w, r, "The database did not answer in time. Retry in a few seconds.")
	return true
}
