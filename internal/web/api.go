package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/tensiontracker/tracker/internal/config"
	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// The JSON API's representations. They are the documented contract
// (docs/api.md), kept apart from the store's types so that a storage change
// does not silently change the API.

type apiArticleList struct {
	Articles       []apiSummary `json:"articles"`
	Total          int          `json:"total"`
	Page           int          `json:"page"`
	Limit          int          `json:"limit"`
	Next           *string      `json:"next"`
	From           *time.Time   `json:"from"`
	To             *time.Time   `json:"to"`
	LexiconVersion string       `json:"lexicon_version"`
}

type apiSummary struct {
	ID        int64                   `json:"id"`
	ClusterID int64                   `json:"cluster_id"`
	Title     string                  `json:"title"`
	Link      string                  `json:"link"`
	Lang      string                  `json:"lang"`
	Published time.Time               `json:"published"`
	Copies    int                     `json:"copies"`
	Weight    float64                 `json:"weight"`
	Feeds     []string                `json:"feeds"`
	Themes    map[string]apiThemeFlag `json:"themes"`
	Countries []string                `json:"countries"`
	Dyads     []string                `json:"dyads"`
	URL       string                  `json:"url"`
}

type apiThemeFlag struct {
	Score   float64 `json:"score"`
	Flagged bool    `json:"flagged"`
}

type apiArticle struct {
	ID             int64                         `json:"id"`
	ClusterID      int64                         `json:"cluster_id"`
	Key            string                        `json:"key"`
	GUID           string                        `json:"guid"`
	Title          string                        `json:"title"`
	Text           string                        `json:"text"`
	Link           string                        `json:"link"`
	Lang           string                        `json:"lang"`
	Published      time.Time                     `json:"published"`
	DateSource     string                        `json:"date_source"`
	FirstSeen      time.Time                     `json:"first_seen"`
	Sources        []apiSource                   `json:"sources"`
	LexiconVersion string                        `json:"lexicon_version"`
	Themes         map[string]scoring.ThemeScore `json:"themes"`
	Countries      []string                      `json:"countries"`
	Dyads          []string                      `json:"dyads"`
	Cluster        []apiMember                   `json:"cluster"`
	Labels         []apiLabel                    `json:"labels"`
	URL            string                        `json:"url"`
}

type apiSource struct {
	Feed      string    `json:"feed"`
	FirstSeen time.Time `json:"first_seen"`
}

type apiMember struct {
	ID        int64     `json:"id"`
	Title     string    `json:"title"`
	Link      string    `json:"link"`
	Published time.Time `json:"published"`
	Feeds     []string  `json:"feeds"`
	URL       string    `json:"url"`
}

// apiLabel is a label as exported (one JSONL line) and imported.
type apiLabel struct {
	ArticleID      int64     `json:"article_id,omitempty"`
	ArticleKey     string    `json:"article_key,omitempty"`
	Theme          string    `json:"theme"`
	Verdict        string    `json:"verdict"`
	Flagged        bool      `json:"flagged"`
	Note           string    `json:"note,omitempty"`
	Author         string    `json:"author,omitempty"`
	At             time.Time `json:"at"`
	LexiconVersion string    `json:"lexicon_version"`
}

type apiSeries struct {
	LexiconVersion string           `json:"lexicon_version"`
	From           time.Time        `json:"from"`
	To             time.Time        `json:"to"`
	Step           string           `json:"step"`
	StepSeconds    int64            `json:"step_seconds"`
	Dyad           string           `json:"dyad,omitempty"`
	Series         []apiThemeSeries `json:"series"`
}

type apiThemeSeries struct {
	Theme  string           `json:"theme"`
	Points []apiSeriesPoint `json:"points"`
}

type apiSeriesPoint struct {
	Start           time.Time `json:"start"`
	Stories         int64     `json:"stories"`
	StoriesWeighted float64   `json:"stories_weighted"`
	Flagged         int64     `json:"flagged"`
	FlaggedWeighted float64   `json:"flagged_weighted"`
	// Share is Flagged / Stories (0 when there are no stories).
	Share float64 `json:"share"`
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

// apiStoreFailed answers a failed store call with 404, 503 when the store
// was too busy to answer in time, or a logged 500.
func (e *Explorer) apiStoreFailed(w http.ResponseWriter, r *http.Request, what string, err error) {
	if e.overloaded(w, r, what, err) {
		return
	}
	if errors.Is(err, store.ErrNotFound) {
		writeJSONError(w, http.StatusNotFound, what+" not found")
		return
	}
	e.opts.Log.Error("api store call failed", "path", r.URL.Path, "what", what, "err", err)
	writeJSONError(w, http.StatusInternalServerError, "the database could not be read; the error has been logged")
}

// absURL makes a link absolute when the external URL is known: an API
// client may not know where the tracker is mounted.
func (e *Explorer) absURL(path string) string { return e.origin + path }

func (e *Explorer) apiList(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := e.ctx(r)
	defer cancel()
	p, err := parseListParams(r.URL.Query(), e.now(), e.opts.Themes(), true)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	lexicon := e.opts.LexiconVersion()
	page, err := e.src.ListArticles(ctx, p.query(lexicon))
	if err != nil {
		e.apiStoreFailed(w, r, "article list", err)
		return
	}
	out := apiArticleList{
		Articles: make([]apiSummary, 0, len(page.Articles)), Total: page.Total,
		Page: p.Page, Limit: p.Limit, LexiconVersion: lexicon,
	}
	if !p.From.IsZero() {
		out.From = &p.From
	}
	if !p.To.IsZero() {
		out.To = &p.To
	}
	for _, a := range page.Articles {
		s := apiSummary{
			ID: a.ID, ClusterID: a.ClusterID, Title: a.Title, Link: a.Link, Lang: a.Lang,
			Published: a.Published.UTC(), Copies: a.Copies, Weight: a.Weight,
			Feeds: strs(a.Feeds), Themes: map[string]apiThemeFlag{},
			Countries: strs(a.Countries), Dyads: strs(a.Dyads), URL: e.absURL(e.articleURL(a.ID)),
		}
		for _, t := range a.Themes {
			s.Themes[t.Theme] = apiThemeFlag{Score: t.Score, Flagged: t.Flagged}
		}
		out.Articles = append(out.Articles, s)
	}
	if p.Page*p.Limit < page.Total {
		next := p
		next.Page++
		v := next.values()
		if p.Limit != pageSize {
			v.Set("limit", strconv.Itoa(p.Limit))
		}
		link := e.absURL(e.linkTo("/api/v1/articles", v))
		out.Next = &link
	}
	writeJSON(w, http.StatusOK, out)
}

func (e *Explorer) apiArticle(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		writeJSONError(w, http.StatusNotFound, err.Error())
		return
	}
	ctx, cancel := e.ctx(r)
	defer cancel()
	a, err := e.src.ArticleDetail(ctx, id, e.opts.LexiconVersion())
	if err != nil {
		e.apiStoreFailed(w, r, "article "+strconv.FormatInt(id, 10), err)
		return
	}
	out := apiArticle{
		ID: a.ID, ClusterID: a.ClusterID, Key: a.Key, GUID: a.GUID, Title: a.Title, Text: a.Text,
		Link: a.Link, Lang: a.Lang, Published: a.Published.UTC(), DateSource: a.DateSource,
		FirstSeen: a.FirstSeen.UTC(), Sources: []apiSource{}, LexiconVersion: a.LexiconVersion,
		Countries: strs(a.Countries), Dyads: strs(a.Dyads),
		Cluster: []apiMember{}, Labels: []apiLabel{}, URL: e.absURL(e.articleURL(a.ID)),
	}
	// Copy the themes so that absent lists encode as [] (the store's map
	// is not ours to change).
	out.Themes = make(map[string]scoring.ThemeScore, len(a.Themes))
	for name, ts := range a.Themes {
		if ts.Matches == nil {
			ts.Matches = []scoring.Match{}
		}
		out.Themes[name] = ts
	}
	for _, s := range a.Sources {
		out.Sources = append(out.Sources, apiSource{Feed: s.Feed, FirstSeen: s.FirstSeen.UTC()})
	}
	for _, m := range a.Cluster {
		out.Cluster = append(out.Cluster, apiMember{ID: m.ID, Title: m.Title, Link: m.Link,
			Published: m.Published.UTC(), Feeds: strs(m.Feeds), URL: e.absURL(e.articleURL(m.ID))})
	}
	for _, l := range a.Labels {
		out.Labels = append(out.Labels, toAPILabel(l))
	}
	writeJSON(w, http.StatusOK, out)
}

// Series defaults: the landing page's view.
const (
	seriesDefaultRange = 7 * 24 * time.Hour
	seriesMinStep      = time.Minute
)

func (e *Explorer) apiSeries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	now := e.now()
	themes := e.opts.Themes()
	theme, err := parseTheme(q.Get("theme"), themes)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	var dyad string
	if s := q.Get("dyad"); s != "" {
		if dyad, err = parseDyad(s); err != nil {
			writeJSONError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	from, to, err := parseRange(q.Get("from"), q.Get("to"), now)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.Add(-seriesDefaultRange)
	}
	if !from.Before(to) {
		writeJSONError(w, http.StatusBadRequest, "parameter from: the range is empty: from is not before to")
		return
	}
	step := autoStep(to.Sub(from))
	if s := q.Get("step"); s != "" {
		if step, err = parseStep(s); err != nil {
			writeJSONError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if step < seriesMinStep {
		writeJSONError(w, http.StatusBadRequest, "parameter step: must be at least 1m")
		return
	}
	// Buckets start at multiples of step (UTC), like Prometheus range
	// queries, so that the same step gives the same buckets on every request.
	from = from.Truncate(step)
	if n := (to.Sub(from) + step - 1) / step; n > maxSeriesPts {
		writeJSONError(w, http.StatusBadRequest, "parameter step: "+strconv.FormatInt(int64(n), 10)+" points are too many (at most "+strconv.Itoa(maxSeriesPts)+"): use a larger step")
		return
	}
	lexicon := e.opts.LexiconVersion()
	ctx, cancel := e.ctx(r)
	defer cancel()
	pts, err := e.src.ThemeSeries(ctx, store.SeriesQuery{Theme: theme, Dyad: dyad, From: from, To: to, Step: step, LexiconVersion: lexicon})
	if err != nil {
		e.apiStoreFailed(w, r, "series", err)
		return
	}
	out := apiSeries{
		LexiconVersion: lexicon, From: from, To: to, Step: config.Duration(step).String(),
		StepSeconds: int64(step / time.Second), Dyad: dyad, Series: []apiThemeSeries{},
	}
	idx := map[string]int{}
	for _, p := range pts {
		i, ok := idx[p.Theme]
		if !ok {
			i = len(out.Series)
			idx[p.Theme] = i
			out.Series = append(out.Series, apiThemeSeries{Theme: p.Theme, Points: []apiSeriesPoint{}})
		}
		out.Series[i].Points = append(out.Series[i].Points, apiSeriesPoint{
			Start: p.Start.UTC(), Stories: p.Stories, StoriesWeighted: p.StoriesWeighted,
			Flagged: p.Flagged, FlaggedWeighted: p.FlaggedWeighted, Share: share(p),
		})
	}
	sort.Slice(out.Series, func(i, j int) bool { return out.Series[i].Theme < out.Series[j].Theme })
	writeJSON(w, http.StatusOK, out)
}

// autoStep picks a round step giving at most about 200 points.
func autoStep(d time.Duration) time.Duration {
	for _, s := range []time.Duration{5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour,
		3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour} {
		if d/s <= 200 {
			return s
		}
	}
	return 30 * 24 * time.Hour
}

// strs makes nil slices encode as [] so clients need not test for null.
func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
