package web

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/store"
)

// Paging limits. The HTML list has a fixed page size; the API lets clients
// choose up to maxLimit so exports need few requests but one cannot ask the
// store for everything at once.
const (
	pageSize     = 50
	maxLimit     = 500
	maxPage      = 10000
	maxFeedName  = 200
	maxSeriesPts = 2000
)

// paramError is a request parameter that cannot be used; it is shown to the
// user (400), so its message says what is accepted.
type paramError struct {
	Param string
	Msg   string
}

func (e *paramError) Error() string { return fmt.Sprintf("parameter %s: %s", e.Param, e.Msg) }

func badParam(param, format string, args ...any) error {
	return &paramError{Param: param, Msg: fmt.Sprintf(format, args...)}
}

// listParams are the parsed parameters of /articles and /api/v1/articles.
type listParams struct {
	Theme, Dyad, Country, Feed string
	Flagged                    bool
	From, To                   time.Time
	Sort                       string
	Page, Limit                int
}

// themeNameRE is the syntax of a theme name (see config's lexicon parser).
var themeNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,30}$`)

// parseListParams validates the article list parameters. Empty values count
// as absent, because an HTML form submits its empty fields; unknown
// parameters are ignored, because Grafana adds its own (orgId, var-*).
func parseListParams(v url.Values, now time.Time, themes []string, api bool) (listParams, error) {
	p := listParams{Page: 1, Limit: pageSize}
	var err error
	if p.Theme, err = parseTheme(v.Get("theme"), themes); err != nil {
		return p, err
	}
	if s := strings.TrimSpace(v.Get("dyad")); s != "" {
		if p.Dyad, err = parseDyad(s); err != nil {
			return p, err
		}
	}
	if s := strings.TrimSpace(v.Get("country")); s != "" {
		c := strings.ToUpper(s)
		if !config.IsCountryCode(c) {
			return p, badParam("country", "%q is not an ISO 3166-1 alpha-2 country code (or EU, XK)", s)
		}
		p.Country = c
	}
	if s := v.Get("feed"); s != "" {
		if len(s) > maxFeedName || !utf8.ValidString(s) || strings.ContainsFunc(s, isControl) {
			return p, badParam("feed", "must be a feed name of at most %d characters", maxFeedName)
		}
		p.Feed = s
	}
	if p.Flagged, err = parseBool("flagged", v.Get("flagged")); err != nil {
		return p, err
	}
	if p.From, p.To, err = parseRange(v.Get("from"), v.Get("to"), now); err != nil {
		return p, err
	}
	switch s := v.Get("sort"); s {
	case "", store.SortTime:
		p.Sort = store.SortTime
	case store.SortScore:
		p.Sort = store.SortScore
	default:
		return p, badParam("sort", "%q is not a sort order: use score or time", s)
	}
	if s := v.Get("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxPage {
			return p, badParam("page", "%q is not a page number between 1 and %d", s, maxPage)
		}
		p.Page = n
	}
	if s := v.Get("limit"); s != "" {
		if !api {
			return p, badParam("limit", "the page size is fixed on this page; the JSON API (/api/v1/articles) accepts limit")
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxLimit {
			return p, badParam("limit", "%q is not a page size between 1 and %d", s, maxLimit)
		}
		p.Limit = n
	}
	return p, nil
}

// query turns the parameters into the store's query.
func (p listParams) query(lexiconVersion string) store.ArticleQuery {
	return store.ArticleQuery{
		Theme: p.Theme, Dyad: p.Dyad, Country: p.Country, Feed: p.Feed,
		FlaggedOnly: p.Flagged, From: p.From, To: p.To, Sort: p.Sort,
		Limit: p.Limit, Offset: (p.Page - 1) * p.Limit, LexiconVersion: lexiconVersion,
	}
}

// values encodes the parameters back into a query string for links (the
// next page, the sort toggles). Times are written as epoch milliseconds so
// that a link keeps meaning the same range however it was first written.
func (p listParams) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("theme", p.Theme)
	set("dyad", p.Dyad)
	set("country", p.Country)
	set("feed", p.Feed)
	if p.Flagged {
		v.Set("flagged", "1")
	}
	if !p.From.IsZero() {
		v.Set("from", strconv.FormatInt(p.From.UnixMilli(), 10))
	}
	if !p.To.IsZero() {
		v.Set("to", strconv.FormatInt(p.To.UnixMilli(), 10))
	}
	if p.Sort != store.SortTime {
		v.Set("sort", p.Sort)
	}
	if p.Page > 1 {
		v.Set("page", strconv.Itoa(p.Page))
	}
	return v
}

func parseTheme(s string, themes []string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if !themeNameRE.MatchString(s) {
		return "", badParam("theme", "%q is not a theme name", s)
	}
	if themes != nil && !slices.Contains(themes, s) {
		return "", badParam("theme", "unknown theme %q (known: %s)", s, strings.Join(themes, ", "))
	}
	return s, nil
}

// parseDyad accepts "MX-US" in either order and case, and returns the
// canonical form (upper case, A < B) that the store and the metrics use.
func parseDyad(s string) (string, error) {
	a, b, ok := strings.Cut(strings.ToUpper(s), "-")
	if !ok || !config.IsCountryCode(a) || !config.IsCountryCode(b) {
		return "", badParam("dyad", "%q is not a dyad: write two country codes joined by '-', e.g. MX-US", s)
	}
	if a == b {
		return "", badParam("dyad", "%q names the same country twice", s)
	}
	if b < a {
		a, b = b, a
	}
	return a + "-" + b, nil
}

func parseBool(param, s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "off", "no":
		return false, nil
	case "1", "true", "on", "yes":
		return true, nil
	}
	return false, badParam(param, "%q is not a yes/no value: use 1 or 0", s)
}

// parseRange parses the from and to parameters and checks from < to.
func parseRange(fromS, toS string, now time.Time) (from, to time.Time, err error) {
	if from, err = parseTime("from", fromS, now); err != nil {
		return
	}
	if to, err = parseTime("to", toS, now); err != nil {
		return
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		err = badParam("from", "the range is empty: from (%s) is not before to (%s)", readableTime(from), readableTime(to))
	}
	return
}

// Times before this are not news and are surely a unit mistake (seconds
// sent where milliseconds are expected).
var minTime = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)

var maxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

// parseTime accepts what Grafana data links send (${__from}: Unix epoch
// milliseconds), RFC 3339, a date or minute-precision local-looking time
// (read as UTC: that is what an HTML datetime-local field sends), and
// relative times "now", "now-6h", "now-7d". Empty is the zero time.
func parseTime(param, s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	var t time.Time
	switch {
	case isDigits(s):
		if len(s) > 15 {
			return time.Time{}, badParam(param, "%q is too large for Unix epoch milliseconds", s)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, badParam(param, "%q is not Unix epoch milliseconds", s)
		}
		t = time.UnixMilli(n).UTC()
	case strings.HasPrefix(strings.ToLower(s), "now"):
		rest := s[3:]
		if rest == "" {
			t = now
			break
		}
		sign := rest[0]
		if sign != '-' && sign != '+' {
			return time.Time{}, badParam(param, "%q is not a relative time: write now, now-6h or now-7d", s)
		}
		d, err := config.ParseDuration(rest[1:])
		if err != nil {
			return time.Time{}, badParam(param, "%q is not a relative time (%v): write now, now-6h or now-7d", s, err)
		}
		if sign == '-' {
			t = now.Add(-d.Std())
		} else {
			t = now.Add(d.Std())
		}
	default:
		var err error
		t, err = parseAbsolute(s)
		if err != nil {
			return time.Time{}, badParam(param, "%q is not a time: use Unix epoch milliseconds (as Grafana's ${__from} sends), RFC 3339 (2026-03-14T06:00:00Z) or now-6h", s)
		}
	}
	if t.Before(minTime) || t.After(maxTime) {
		return time.Time{}, badParam(param, "%q is %s, outside the years 1990 to 9999 (milliseconds are expected, not seconds)", s, readableTime(t))
	}
	return t.UTC(), nil
}

func parseAbsolute(s string) (time.Time, error) {
	layouts := []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02"}
	var err error
	for _, l := range layouts {
		var t time.Time
		if t, err = time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, err
}

// parseStep parses the series step: a duration ("6h", "1d") or a number of
// seconds (the Prometheus API's convention).
func parseStep(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if isDigits(s) {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n > int64(366*24*3600) {
			return 0, badParam("step", "%q is not a step in seconds", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := config.ParseDuration(s)
	if err != nil {
		return 0, badParam("step", "%q is not a duration (%v)", s, err)
	}
	return d.Std(), nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// readableTime formats a time for people: UTC, to the minute.
func readableTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC")
}
