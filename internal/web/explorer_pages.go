package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/tensiontracker/tracker/internal/scoring"
	"github.com/tensiontracker/tracker/internal/store"
)

// The landing page's charts: 7 days in 6-hour buckets aligned to UTC.
const (
	landingRange  = 7 * 24 * time.Hour
	landingStep   = 6 * time.Hour
	landingDyads  = 10
	landingDyadsT = 24 * time.Hour
)

type landingView struct {
	Charts    []chart
	Dyads     []dyadRow
	DyadsFrom string
	Quick     []quickLink
	AllURL    string
	Now       string
}

type dyadRow struct {
	Dyad             string
	Stories, Flagged int64
	URL, FlaggedURL  string
}

type quickLink struct {
	Text, Class, URL string
}

func (e *Explorer) landing(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := e.ctx(r)
	defer cancel()
	now := e.now()
	lexicon := e.opts.LexiconVersion()
	themes := e.opts.Themes()
	colour := themeClasses(themes)

	// The last bucket is the one now falls in, so the newest stories show.
	to := now.Truncate(landingStep).Add(landingStep)
	from := to.Add(-landingRange)
	pts, err := e.src.ThemeSeries(ctx, store.SeriesQuery{From: from, To: to, Step: landingStep, LexiconVersion: lexicon})
	if err != nil {
		e.storeFailed(w, r, "series", err)
		return
	}
	since := now.Add(-landingDyadsT)
	dyads, err := e.src.TopDyads(ctx, since, lexicon, landingDyads)
	if err != nil {
		e.storeFailed(w, r, "dyads", err)
		return
	}

	byTheme := map[string][]store.SeriesPoint{}
	for _, p := range pts {
		byTheme[p.Theme] = append(byTheme[p.Theme], p)
	}
	v := landingView{Now: readableTime(now), DyadsFrom: readableTime(since), AllURL: e.prefix + "/articles"}
	for _, t := range themes {
		tp := byTheme[t]
		sort.Slice(tp, func(i, j int) bool { return tp[i].Start.Before(tp[j].Start) })
		v.Charts = append(v.Charts, buildChart(t, colour(t), tp, landingStep, func(a, b time.Time) string {
			return e.listURL(listParams{Theme: t, Flagged: true, From: a, To: b, Sort: store.SortScore, Page: 1})
		}))
		v.Quick = append(v.Quick, quickLink{Text: t, Class: colour(t),
			URL: e.listURL(listParams{Theme: t, Flagged: true, From: since, To: now, Sort: store.SortScore, Page: 1})})
	}
	for _, d := range dyads {
		v.Dyads = append(v.Dyads, dyadRow{
			Dyad: d.Dyad, Stories: d.Stories, Flagged: d.Flagged,
			URL:        e.listURL(listParams{Dyad: d.Dyad, From: since, To: now, Sort: store.SortTime, Page: 1}),
			FlaggedURL: e.listURL(listParams{Dyad: d.Dyad, Flagged: true, From: since, To: now, Sort: store.SortScore, Page: 1}),
		})
	}
	e.render(w, http.StatusOK, "landing", "Tension tracker", "overview", v)
}

type listView struct {
	P           listParams
	FromInput   string
	ToInput     string
	Themes      []string
	Range       string
	Rows        []listRow
	Total       int
	First, Last int
	Prev, Next  string
	Page, Pages int
	SortTime    string
	SortScore   string
	APIURL      string
}

type listRow struct {
	URL       string
	Title     string
	Published string
	Feeds     []string
	// OtherCopies is the number of syndicated copies besides this one.
	OtherCopies int
	Chips       []chip
	Countries   []string
}

type chip struct {
	Theme, Class, Score string
	Flagged             bool
}

func (e *Explorer) list(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := e.ctx(r)
	defer cancel()
	themes := e.opts.Themes()
	q := r.URL.Query()
	p, err := parseListParams(q, e.now(), themes, false)
	if err != nil {
		e.fail(w, http.StatusBadRequest, err.Error(), e.prefix+"/articles")
		return
	}
	page, err := e.src.ListArticles(ctx, p.query(e.opts.LexiconVersion()))
	if err != nil {
		e.storeFailed(w, r, "article list", err)
		return
	}
	colour := themeClasses(themes)
	v := listView{
		P: p, FromInput: q.Get("from"), ToInput: q.Get("to"), Themes: themes,
		Range: rangeText(p.From, p.To), Total: page.Total, Page: p.Page,
		Pages: (page.Total + p.Limit - 1) / p.Limit,
	}
	if len(page.Articles) > 0 {
		v.First = (p.Page-1)*p.Limit + 1
		v.Last = v.First + len(page.Articles) - 1
	}
	for _, a := range page.Articles {
		row := listRow{
			URL: e.articleURL(a.ID), Title: a.Title, Published: readableTime(a.Published),
			Feeds: a.Feeds, OtherCopies: max(a.Copies-1, 0), Countries: a.Countries,
		}
		for _, t := range a.Themes {
			// Flagged themes always show; the filtered theme shows its score
			// even when below the flag threshold.
			if t.Flagged || t.Theme == p.Theme {
				row.Chips = append(row.Chips, chip{Theme: t.Theme, Class: colour(t.Theme),
					Score: strconv.FormatFloat(t.Score, 'f', 2, 64), Flagged: t.Flagged})
			}
		}
		v.Rows = append(v.Rows, row)
	}
	if p.Page > 1 {
		prev := p
		prev.Page--
		v.Prev = e.listURL(prev)
	}
	if p.Page*p.Limit < page.Total {
		next := p
		next.Page++
		v.Next = e.listURL(next)
	}
	byTime, byScore := p, p
	byTime.Sort, byTime.Page = store.SortTime, 1
	byScore.Sort, byScore.Page = store.SortScore, 1
	v.SortTime, v.SortScore = e.listURL(byTime), e.listURL(byScore)
	v.APIURL = e.linkTo("/api/v1/articles", p.values())
	e.render(w, http.StatusOK, "articles", "Articles", "articles", v)
}

// rangeText describes a time range for people.
func rangeText(from, to time.Time) string {
	switch {
	case from.IsZero() && to.IsZero():
		return "all stored articles"
	case to.IsZero():
		return "since " + readableTime(from)
	case from.IsZero():
		return "before " + readableTime(to)
	}
	return readableTime(from) + " to " + readableTime(to)
}

type articleView struct {
	A         store.ArticleDetail
	Published string
	FirstSeen string
	TitleSegs []segment
	TextSegs  []segment
	// Link is the original's URL when it is safe to link to; otherwise
	// UnsafeLink holds the feed's value, shown as text.
	Link       string
	UnsafeLink string
	Sources    []sourceRow
	Themes     []themeRow
	Negatives  bool
	Countries  []linkItem
	Dyads      []linkItem
	Cluster    []memberRow
	Labels     []labelRow
	Audit      auditView
	Saved      int
	// Stale is set when the scores shown are not the running lexicon's:
	// the article has not been re-scored yet.
	Stale   bool
	Current string
}

type sourceRow struct{ Feed, FirstSeen, URL string }

type themeRow struct {
	Name, Class, Score string
	Flagged            bool
	Matches, Negatives []scoring.Match
	Rules              []string
	ListURL            string
}

type linkItem struct{ Text, URL string }

type memberRow struct {
	URL, Title, Published string
	Feeds                 []string
	Link, UnsafeLink      string
}

type labelRow struct {
	Theme, Class, Verdict, Note, Author, At, Lexicon string
	Flagged                                          bool
}

type auditView struct {
	Enabled bool
	Action  string
	Version string
	Themes  []auditTheme
}

type auditTheme struct {
	Name, Class string
	Flagged     bool
	Options     []auditOption
	Current     string // the stored verdict, if any
}

type auditOption struct{ Value, Text string }

func (e *Explorer) article(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		e.fail(w, http.StatusNotFound, err.Error(), e.prefix+"/articles")
		return
	}
	ctx, cancel := e.ctx(r)
	defer cancel()
	current := e.opts.LexiconVersion()
	a, err := e.src.ArticleDetail(ctx, id, current)
	if err != nil {
		e.storeFailed(w, r, "article "+strconv.FormatInt(id, 10), err)
		return
	}
	themes := e.opts.Themes()
	colour := themeClasses(themes)
	v := articleView{
		A: a, Published: readableTime(a.Published), FirstSeen: readableTime(a.FirstSeen),
		TitleSegs: highlight(a.Title, "title", a.Themes, colour),
		TextSegs:  highlight(a.Text, "text", a.Themes, colour),
		Stale:     a.LexiconVersion != "" && current != "" && a.LexiconVersion != current,
		Current:   current,
	}
	if n, err := strconv.Atoi(r.URL.Query().Get("saved")); err == nil && n > 0 {
		v.Saved = n
	}
	if link, ok := safeLink(a.Link); ok {
		v.Link = link
	} else {
		v.UnsafeLink = a.Link
	}
	for _, s := range a.Sources {
		v.Sources = append(v.Sources, sourceRow{Feed: s.Feed, FirstSeen: readableTime(s.FirstSeen),
			URL: e.listURL(listParams{Feed: s.Feed, Sort: store.SortTime, Page: 1})})
	}
	labelled := map[string]store.Label{}
	for _, l := range a.Labels {
		labelled[l.Theme] = l
		v.Labels = append(v.Labels, labelRow{Theme: l.Theme, Class: colour(l.Theme), Verdict: l.Verdict,
			Note: l.Note, Author: l.Author, At: readableTime(l.At), Lexicon: l.LexiconVersion, Flagged: l.Flagged})
	}
	v.Audit = auditView{
		Enabled: e.opts.AdminToken() != "" && a.LexiconVersion != "",
		Action:  e.articleURL(a.ID) + "/labels",
		Version: a.LexiconVersion,
	}
	for _, name := range orderedThemes(themes, a.Themes) {
		ts := a.Themes[name]
		v.Themes = append(v.Themes, themeRow{
			Name: name, Class: colour(name), Score: strconv.FormatFloat(ts.Score, 'f', 2, 64),
			Flagged: ts.Flagged, Matches: ts.Matches, Negatives: ts.Negatives, Rules: ts.Rules,
			ListURL: e.listURL(listParams{Theme: name, Flagged: true, Sort: store.SortTime, Page: 1}),
		})
		if len(ts.Negatives) > 0 {
			v.Negatives = true
		}
		at := auditTheme{Name: name, Class: colour(name), Flagged: ts.Flagged, Current: labelled[name].Verdict}
		if ts.Flagged {
			at.Options = []auditOption{{store.VerdictRight, "right: it is about " + name}, {store.VerdictWrong, "wrong: it is not about " + name}}
		} else {
			at.Options = []auditOption{{store.VerdictRight, "right: not about " + name}, {store.VerdictMissed, "missed: it is about " + name}}
		}
		v.Audit.Themes = append(v.Audit.Themes, at)
	}
	for _, c := range a.Countries {
		v.Countries = append(v.Countries, linkItem{c, e.listURL(listParams{Country: c, Sort: store.SortTime, Page: 1})})
	}
	for _, d := range a.Dyads {
		v.Dyads = append(v.Dyads, linkItem{d, e.listURL(listParams{Dyad: d, Sort: store.SortTime, Page: 1})})
	}
	for _, m := range a.Cluster {
		row := memberRow{URL: e.articleURL(m.ID), Title: m.Title, Published: readableTime(m.Published), Feeds: m.Feeds}
		if link, ok := safeLink(m.Link); ok {
			row.Link = link
		} else {
			row.UnsafeLink = m.Link
		}
		v.Cluster = append(v.Cluster, row)
	}
	e.render(w, http.StatusOK, "article", a.Title, "articles", v)
}

// orderedThemes lists the configured themes first, in their order, then any
// theme the article was scored for that is no longer configured.
func orderedThemes(themes []string, scored map[string]scoring.ThemeScore) []string {
	out := make([]string, 0, len(scored))
	for _, t := range themes {
		if _, ok := scored[t]; ok {
			out = append(out, t)
		}
	}
	var rest []string
	for t := range scored {
		if !slices.Contains(themes, t) {
			rest = append(rest, t)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// Limits of the audit inputs.
const (
	maxFormBytes = 64 << 10
	maxNote      = 2000
	maxAuthor    = 100
)

// postLabelsForm records the audit form of the article page. Browsers cannot
// send a Bearer header from a form, so the admin token comes as a password
// field; a third-party page cannot forge the post without knowing it.
func (e *Explorer) postLabelsForm(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r)
	if err != nil {
		e.fail(w, http.StatusNotFound, err.Error(), e.prefix+"/articles")
		return
	}
	back := e.articleURL(id)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		e.fail(w, http.StatusBadRequest, "The form could not be read: "+err.Error(), back)
		return
	}
	want := e.opts.AdminToken()
	if want == "" {
		e.fail(w, http.StatusForbidden, "Audit labels are disabled: no admin token is configured (web.admin_token_file).", back)
		return
	}
	if !tokenOK(r.PostForm.Get("token"), want) {
		e.fail(w, http.StatusForbidden, "The admin token is wrong. Nothing was saved.", back)
		return
	}
	ctx, cancel := e.ctx(r)
	defer cancel()
	a, err := e.src.ArticleDetail(ctx, id, e.opts.LexiconVersion())
	if err != nil {
		e.storeFailed(w, r, "article "+strconv.FormatInt(id, 10), err)
		return
	}
	in := map[string]labelInput{}
	for name := range a.Themes {
		verdict := r.PostForm.Get("verdict_" + name)
		if verdict == "" {
			continue
		}
		in[name] = labelInput{Verdict: verdict, Note: r.PostForm.Get("note_" + name)}
	}
	labels, err := e.labelsFor(a, in, r.PostForm.Get("author"), r.PostForm.Get("lexicon_version"))
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errRescored) {
			status = http.StatusConflict
		}
		e.fail(w, status, err.Error(), back)
		return
	}
	counts, err := e.src.SaveLabels(ctx, labels)
	if err != nil && e.overloaded(w, r, "labels", err) {
		return
	}
	if err != nil {
		e.opts.Log.Error("save audit labels", "article", id, "err", err)
		e.fail(w, http.StatusInternalServerError, "The labels could not be saved. The error has been logged.", back)
		return
	}
	e.opts.Log.Info("audit labels saved", "article", id, "saved", counts.Saved, "lexicon_version", a.LexiconVersion)
	// Post/redirect/get: reloading the page does not post again.
	http.Redirect(w, r, back+"?"+url.Values{"saved": {strconv.Itoa(counts.Saved)}}.Encode()+"#audit", http.StatusSeeOther)
}

// labelInput is one theme's verdict as a form or the API sends it.
type labelInput struct {
	Verdict string
	Note    string
}

var errRescored = errors.New("the article has been re-scored since the page was loaded: reload it and check the flags again. Nothing was saved")

// labelsFor validates verdicts against the article's flags under the
// lexicon version shown, and builds the labels. version is the lexicon
// version the client saw ("" when it does not say).
func (e *Explorer) labelsFor(a store.ArticleDetail, in map[string]labelInput, author, version string) ([]store.Label, error) {
	if a.LexiconVersion == "" {
		return nil, errors.New("this article has not been scored yet, so there is no flag to audit")
	}
	if version != "" && version != a.LexiconVersion {
		return nil, errRescored
	}
	if len(author) > maxAuthor || !validText(author) {
		return nil, badParam("author", "must be at most %d characters of text", maxAuthor)
	}
	if len(in) == 0 {
		return nil, errors.New("no verdict was chosen: pick right, wrong or missed for at least one theme")
	}
	names := make([]string, 0, len(in))
	for name := range in {
		names = append(names, name)
	}
	sort.Strings(names)
	now := e.now()
	labels := make([]store.Label, 0, len(in))
	for _, name := range names {
		li := in[name]
		ts, ok := a.Themes[name]
		if !ok {
			return nil, badParam("theme", "the article was not scored for theme %q", name)
		}
		if err := checkVerdict(name, li.Verdict, ts.Flagged); err != nil {
			return nil, err
		}
		if len(li.Note) > maxNote || !validText(li.Note) {
			return nil, badParam("note", "the note on %s must be at most %d characters of text", name, maxNote)
		}
		labels = append(labels, store.Label{
			ArticleID: a.ID, ArticleKey: a.Key, Theme: name, Verdict: li.Verdict, Flagged: ts.Flagged,
			Note: li.Note, Author: author, At: now, LexiconVersion: a.LexiconVersion,
		})
	}
	return labels, nil
}

// checkVerdict enforces that "wrong" is said of a flag and "missed" of a
// missing one, so that every label has one meaning (see store.Label.Applies).
func checkVerdict(theme, verdict string, flagged bool) error {
	switch verdict {
	case store.VerdictRight:
		return nil
	case store.VerdictWrong:
		if !flagged {
			return badParam("verdict", "%s was not flagged, so the flag cannot be wrong: use missed if the article is about %s, or right", theme, theme)
		}
		return nil
	case store.VerdictMissed:
		if flagged {
			return badParam("verdict", "%s was flagged, so it was not missed: use right or wrong", theme)
		}
		return nil
	}
	return badParam("verdict", "%q is not a verdict: use right, wrong or missed", verdict)
}

// validText reports whether s is UTF-8 without control characters other
// than newlines and tabs.
func validText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return false
		}
	}
	return true
}
