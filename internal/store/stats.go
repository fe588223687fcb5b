package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// ThemeAgg aggregates one theme over the stories of a window.
type ThemeAgg struct {
	// Flagged is the number of stories whose representative is flagged for
	// the theme, FlaggedWeighted the sum of their story weights.
	Flagged         int64
	FlaggedWeighted float64
	// ScoreSum is the sum of the representatives' scores for the theme over
	// all stories of the window (mean = ScoreSum / Stories).
	ScoreSum float64
}

// WindowStats are the aggregates of one rolling window (now-Window, now].
type WindowStats struct {
	Window time.Duration
	// Stories is the number of clusters whose story time (the earliest
	// publication among its articles) is in the window; StoriesWeighted sums
	// their story weights (the highest weight among all sources of all
	// their articles).
	Stories         int64
	StoriesWeighted float64
	// Articles counts every stored article (each syndicated copy) published
	// in the window.
	Articles int64
	// Themes holds every theme known for the lexicon version (zero when no
	// story is flagged), plus any other theme found in the window.
	Themes map[string]ThemeAgg
	// Dyads holds every watched dyad, keyed "A-B" with A < B.
	Dyads map[string]DyadAgg
	// Feeds holds every active feed, by name.
	Feeds map[string]FeedWindow
}

// DyadAgg aggregates the stories whose representative names the dyad.
type DyadAgg struct {
	Stories         int64
	StoriesWeighted float64
	Themes          map[string]ThemeAgg
}

// FeedWindow aggregates the articles a feed carried that were published in
// the window; Flagged counts them per theme (each article's own score).
type FeedWindow struct {
	Articles int64
	Flagged  map[string]int64
}

// bucketMS is the span of one pre-aggregated bucket: migration 0005 buckets
// every window figure by published_ms / 3600000 (an hour).
const bucketMS = int64(time.Hour / time.Millisecond)

// WindowStats computes the aggregates of each window ending at now, scoring
// stories by their representative's scores under lexiconVersion. The stats
// come back in the order of windows, all from one consistent snapshot.
//
// Its cost does not grow with the stored history nor with the window's
// length: a window (start, now] is the sum of the hourly buckets between
// the hour boundaries nearest to start and to now, corrected by the raw rows
// between each boundary and the window's true edge (added when the boundary
// lies inside the window, subtracted when outside), so at most half an hour
// of raw rows at each end. Counts are exact; sums of weights and scores
// equal the direct sums up to floating-point rounding (they are added in a
// different order).
func (db *DB) WindowStats(ctx context.Context, now time.Time, windows []time.Duration, lexiconVersion string, watch []scoring.Dyad) ([]WindowStats, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	if now.IsZero() {
		return nil, errors.New("window stats: zero time")
	}
	nowMS := ms(now)
	boundary := func(t int64) int64 { return (t + bucketMS/2) / bucketMS } // nearest hour boundary
	endHour := boundary(nowMS)
	startHours := make([]int64, len(windows))
	for i, w := range windows {
		if w <= 0 {
			return nil, fmt.Errorf("window stats: window %v is not positive", w)
		}
		startHours[i] = boundary(nowMS - w.Milliseconds())
	}
	var dyads []any
	dyadSeen := map[string]bool{}
	for _, d := range watch {
		key := normDyad(d).String()
		if !dyadSeen[key] {
			dyadSeen[key] = true
			dyads = append(dyads, key)
		}
	}

	tx, err := db.sr.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("window stats: %w", err)
	}
	defer rollback(tx)
	a := &windowAgg{tx: tx, version: lexiconVersion, dyads: dyads}
	themes, feedNames, err := a.prefill(ctx)
	if err != nil {
		return nil, fmt.Errorf("window stats: %w", err)
	}
	sums := make([]*windowSums, len(windows))
	for i := range sums {
		sums[i] = newWindowSums()
	}
	if err := a.hours(ctx, startHours, endHour, sums); err != nil {
		return nil, fmt.Errorf("window stats: hourly aggregates: %w", err)
	}
	// The end edge is the same for every window.
	if err := a.raw(ctx, endHour*bucketMS-1, nowMS, sums); err != nil {
		return nil, fmt.Errorf("window stats: rows of the last hour: %w", err)
	}
	for i, w := range windows {
		if err := a.raw(ctx, nowMS-w.Milliseconds(), startHours[i]*bucketMS-1, sums[i:i+1]); err != nil {
			return nil, fmt.Errorf("window stats: rows of the first hour of %v: %w", w, err)
		}
	}
	return finishWindows(windows, sums, themes, feedNames, dyadSeen), nil
}

// pruneHourly deletes the hourly buckets left empty by pruning, up to the
// hour holding before (later ones may still gain rows). The triggers already
// brought them to zero; an empty bucket's float sums may keep a rounding
// residue, which this drops with it. Versioned tables are probed per
// version, their key's first column, rather than scanned.
func pruneHourly(ctx context.Context, tx *sql.Tx, before int64) error {
	const versions = `lexicon_version IN (SELECT version FROM lexicon_versions) AND `
	for _, q := range []string{
		`DELETE FROM hourly_articles WHERE hour <= ?1 AND articles = 0`,
		`DELETE FROM hourly_stories WHERE hour <= ?1 AND stories = 0`,
		`DELETE FROM hourly_feeds WHERE hour <= ?1 AND articles = 0`,
		`DELETE FROM hourly_themes WHERE ` + versions + `hour <= ?1 AND n = 0`,
		`DELETE FROM hourly_dyads WHERE ` + versions + `hour <= ?1 AND stories = 0`,
		`DELETE FROM hourly_dyad_themes WHERE ` + versions + `hour <= ?1 AND n = 0`,
		`DELETE FROM hourly_feed_themes WHERE ` + versions + `hour <= ?1 AND flagged = 0`,
	} {
		if _, err := tx.ExecContext(ctx, q, before/bucketMS); err != nil {
			return fmt.Errorf("prune hourly aggregates: %w", err)
		}
	}
	return nil
}

// themeSum is the sum of one theme over stories (or a dyad's stories); n
// counts the rows summed, so that a theme is reported only when found.
type themeSum struct {
	n, flagged      int64
	flaggedWeighted float64
	score           float64
}

func (t *themeSum) add(o themeSum, sign int64) {
	t.n += sign * o.n
	t.flagged += sign * o.flagged
	t.flaggedWeighted += float64(sign) * o.flaggedWeighted
	t.score += float64(sign) * o.score
}

// windowSums accumulates one window's figures from hourly buckets and raw
// edge rows. Feeds are keyed by id as text, the form the queries return.
type windowSums struct {
	stories, articles int64
	storiesWeighted   float64
	themes            map[string]*themeSum
	dyadStories       map[string]int64
	dyadWeighted      map[string]float64
	dyadThemes        map[[2]string]*themeSum
	feeds             map[string]int64
	feedThemes        map[[2]string]int64
}

func newWindowSums() *windowSums {
	return &windowSums{themes: map[string]*themeSum{}, dyadStories: map[string]int64{}, dyadWeighted: map[string]float64{},
		dyadThemes: map[[2]string]*themeSum{}, feeds: map[string]int64{}, feedThemes: map[[2]string]int64{}}
}

func sumInto[K comparable](m map[K]*themeSum, k K, v themeSum, sign int64) {
	t := m[k]
	if t == nil {
		t = &themeSum{}
		m[k] = t
	}
	t.add(v, sign)
}

// windowAgg runs the queries of one WindowStats call.
type windowAgg struct {
	tx      *sql.Tx
	version string
	dyads   []any // watched dyads, "A-B"
}

// dyadList is the IN list of the watched dyads, numbered from first.
func (a *windowAgg) dyadList(first int) string {
	ps := make([]string, len(a.dyads))
	for i := range ps {
		ps[i] = fmt.Sprintf("?%d", first+i)
	}
	return strings.Join(ps, ", ")
}

// raw adds to each of dst the rows published in (from, to] when from < to,
// or subtracts those in (to, from] when to < from.
func (a *windowAgg) raw(ctx context.Context, from, to int64, dst []*windowSums) error {
	sign := int64(1)
	if to < from {
		from, to, sign = to, from, -1
	}
	if from == to {
		return nil
	}
	each := func(query string, args []any, scan func(*sql.Rows) error) error {
		return eachRow(ctx, a.tx, query, args, scan)
	}
	rng := []any{from, to}
	ver := []any{from, to, a.version}
	var n int64
	var f float64
	err := each(`SELECT COUNT(*), TOTAL(weight) FROM stories WHERE published_ms > ?1 AND published_ms <= ?2`, rng,
		func(rows *sql.Rows) error { return rows.Scan(&n, &f) })
	if err != nil {
		return fmt.Errorf("stories: %w", err)
	}
	for _, s := range dst {
		s.stories += sign * n
		s.storiesWeighted += float64(sign) * f
	}
	err = each(`SELECT COUNT(*) FROM articles WHERE published_ms > ?1 AND published_ms <= ?2`, rng,
		func(rows *sql.Rows) error { return rows.Scan(&n) })
	if err != nil {
		return fmt.Errorf("articles: %w", err)
	}
	for _, s := range dst {
		s.articles += sign * n
	}
	// CROSS JOIN keeps SQLite from driving the join from the (much larger)
	// scores table.
	const themeCols = `COUNT(*), COUNT(CASE WHEN sc.flagged THEN 1 END), TOTAL(CASE WHEN sc.flagged THEN st.weight END), TOTAL(sc.score)`
	scanTheme := func(rows *sql.Rows, keys ...any) (themeSum, error) {
		var t themeSum
		err := rows.Scan(append(keys, &t.n, &t.flagged, &t.flaggedWeighted, &t.score)...)
		return t, err
	}
	err = each(`SELECT sc.theme, `+themeCols+` FROM stories st
		CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = ?3
		WHERE st.published_ms > ?1 AND st.published_ms <= ?2 GROUP BY sc.theme`, ver,
		func(rows *sql.Rows) error {
			var theme string
			t, err := scanTheme(rows, &theme)
			for _, s := range dst {
				sumInto(s.themes, theme, t, sign)
			}
			return err
		})
	if err != nil {
		return fmt.Errorf("themes: %w", err)
	}
	if len(a.dyads) > 0 {
		args := append(ver, a.dyads...)
		// "+d.dyad": probe each story's dyads by primary key once and
		// filter, rather than one index probe per watched dyad per story.
		join := `FROM stories st CROSS JOIN article_dyads d ON d.article_id = st.rep_id
			AND d.lexicon_version = ?3 AND +d.dyad IN (` + a.dyadList(4) + `)`
		err = each(`SELECT d.dyad, COUNT(*), TOTAL(st.weight) `+join+`
			WHERE st.published_ms > ?1 AND st.published_ms <= ?2 GROUP BY d.dyad`, args,
			func(rows *sql.Rows) error {
				var dyad string
				err := rows.Scan(&dyad, &n, &f)
				for _, s := range dst {
					s.dyadStories[dyad] += sign * n
					s.dyadWeighted[dyad] += float64(sign) * f
				}
				return err
			})
		if err != nil {
			return fmt.Errorf("dyads: %w", err)
		}
		err = each(`SELECT d.dyad, sc.theme, `+themeCols+` `+join+`
			CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = ?3
			WHERE st.published_ms > ?1 AND st.published_ms <= ?2 GROUP BY d.dyad, sc.theme`, args,
			func(rows *sql.Rows) error {
				var k [2]string
				t, err := scanTheme(rows, &k[0], &k[1])
				for _, s := range dst {
					sumInto(s.dyadThemes, k, t, sign)
				}
				return err
			})
		if err != nil {
			return fmt.Errorf("dyad themes: %w", err)
		}
	}
	err = each(`SELECT s.feed_id, COUNT(*) FROM article_sources s
		WHERE s.published_ms > ?1 AND s.published_ms <= ?2 GROUP BY s.feed_id`, rng,
		func(rows *sql.Rows) error {
			var id string
			err := rows.Scan(&id, &n)
			for _, s := range dst {
				s.feeds[id] += sign * n
			}
			return err
		})
	if err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	err = each(`SELECT s.feed_id, sc.theme, COUNT(*) FROM scores sc CROSS JOIN article_sources s ON s.article_id = sc.article_id
		WHERE sc.lexicon_version = ?3 AND sc.flagged = 1 AND sc.published_ms > ?1 AND sc.published_ms <= ?2
		GROUP BY s.feed_id, sc.theme`, ver,
		func(rows *sql.Rows) error {
			var k [2]string
			err := rows.Scan(&k[0], &k[1], &n)
			for _, s := range dst {
				s.feedThemes[k] += sign * n
			}
			return err
		})
	if err != nil {
		return fmt.Errorf("feed themes: %w", err)
	}
	return nil
}

// hours adds the hourly buckets [startHours[i], endHour) to dst[i]. Each
// table is read once over the largest window's hours, summing per window
// with conditional aggregates.
func (a *windowAgg) hours(ctx context.Context, startHours []int64, endHour int64, dst []*windowSums) error {
	lo := endHour
	for _, h := range startHours {
		lo = min(lo, h)
	}
	if lo == endHour {
		return nil
	}
	// Parameters: ?1 first hour, ?2 end hour, ?3 version, the watched dyads,
	// then each window's first hour.
	args := []any{lo, endHour, a.version}
	args = append(args, a.dyads...)
	win := make([]string, len(startHours))
	for i, h := range startHours {
		args = append(args, h)
		win[i] = fmt.Sprintf("hour >= ?%d", len(args))
	}
	// cols returns, for every window, the SUM (ints) or TOTAL (floats) of
	// each column over that window's hours.
	cols := func(ints, floats []string) string {
		var out []string
		for _, w := range win {
			for _, c := range ints {
				out = append(out, "COALESCE(SUM(CASE WHEN "+w+" THEN "+c+" END), 0)")
			}
			for _, c := range floats {
				out = append(out, "TOTAL(CASE WHEN "+w+" THEN "+c+" END)")
			}
		}
		return strings.Join(out, ", ")
	}
	// each runs query and calls fn with each row's keys and, per window,
	// its ints and floats.
	each := func(query string, nKeys, nInts, nFloats int, fn func(keys []string, w int, ints []int64, floats []float64)) error {
		keys := make([]string, nKeys)
		ints := make([]int64, nInts*len(win))
		floats := make([]float64, nFloats*len(win))
		var dest []any
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		for w := range win {
			for i := 0; i < nInts; i++ {
				dest = append(dest, &ints[w*nInts+i])
			}
			for i := 0; i < nFloats; i++ {
				dest = append(dest, &floats[w*nFloats+i])
			}
		}
		return eachRow(ctx, a.tx, query, args, func(rows *sql.Rows) error {
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			for w := range win {
				fn(keys, w, ints[w*nInts:(w+1)*nInts], floats[w*nFloats:(w+1)*nFloats])
			}
			return nil
		})
	}
	const hourRange = ` hour >= ?1 AND hour < ?2`
	err := each(`SELECT `+cols([]string{"stories"}, []string{"weight"})+` FROM hourly_stories WHERE`+hourRange, 0, 1, 1,
		func(_ []string, w int, i []int64, f []float64) {
			dst[w].stories += i[0]
			dst[w].storiesWeighted += f[0]
		})
	if err != nil {
		return fmt.Errorf("stories: %w", err)
	}
	err = each(`SELECT `+cols([]string{"articles"}, nil)+` FROM hourly_articles WHERE`+hourRange, 0, 1, 0,
		func(_ []string, w int, i []int64, _ []float64) { dst[w].articles += i[0] })
	if err != nil {
		return fmt.Errorf("articles: %w", err)
	}
	themeInts, themeFloats := []string{"n", "flagged"}, []string{"flagged_weight", "score"}
	toTheme := func(i []int64, f []float64) themeSum {
		return themeSum{n: i[0], flagged: i[1], flaggedWeighted: f[0], score: f[1]}
	}
	err = each(`SELECT theme, `+cols(themeInts, themeFloats)+` FROM hourly_themes
		WHERE lexicon_version = ?3 AND`+hourRange+` GROUP BY theme`, 1, 2, 2,
		func(k []string, w int, i []int64, f []float64) { sumInto(dst[w].themes, k[0], toTheme(i, f), 1) })
	if err != nil {
		return fmt.Errorf("themes: %w", err)
	}
	if len(a.dyads) > 0 {
		inDyads := ` AND dyad IN (` + a.dyadList(4) + `)`
		err = each(`SELECT dyad, `+cols([]string{"stories"}, []string{"weight"})+` FROM hourly_dyads
			WHERE lexicon_version = ?3 AND`+hourRange+inDyads+` GROUP BY dyad`, 1, 1, 1,
			func(k []string, w int, i []int64, f []float64) {
				dst[w].dyadStories[k[0]] += i[0]
				dst[w].dyadWeighted[k[0]] += f[0]
			})
		if err != nil {
			return fmt.Errorf("dyads: %w", err)
		}
		err = each(`SELECT dyad, theme, `+cols(themeInts, themeFloats)+` FROM hourly_dyad_themes
			WHERE lexicon_version = ?3 AND`+hourRange+inDyads+` GROUP BY dyad, theme`, 2, 2, 2,
			func(k []string, w int, i []int64, f []float64) {
				sumInto(dst[w].dyadThemes, [2]string{k[0], k[1]}, toTheme(i, f), 1)
			})
		if err != nil {
			return fmt.Errorf("dyad themes: %w", err)
		}
	}
	err = each(`SELECT feed_id, `+cols([]string{"articles"}, nil)+` FROM hourly_feeds
		WHERE`+hourRange+` GROUP BY feed_id`, 1, 1, 0,
		func(k []string, w int, i []int64, _ []float64) { dst[w].feeds[k[0]] += i[0] })
	if err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	err = each(`SELECT feed_id, theme, `+cols([]string{"flagged"}, nil)+` FROM hourly_feed_themes
		WHERE lexicon_version = ?3 AND`+hourRange+` GROUP BY feed_id, theme`, 2, 1, 0,
		func(k []string, w int, i []int64, _ []float64) { dst[w].feedThemes[[2]string{k[0], k[1]}] += i[0] })
	if err != nil {
		return fmt.Errorf("feed themes: %w", err)
	}
	return nil
}

// prefill reads the themes known for the lexicon version and the names of
// the active feeds by id (as text, the form the queries return), which
// every window reports even when zero.
func (a *windowAgg) prefill(ctx context.Context) (themes []string, feedNames map[string]string, err error) {
	err = eachRow(ctx, a.tx, `SELECT theme FROM lexicon_themes WHERE version = ? ORDER BY theme`, []any{a.version},
		func(rows *sql.Rows) error {
			var t string
			err := rows.Scan(&t)
			themes = append(themes, t)
			return err
		})
	if err != nil {
		return nil, nil, err
	}
	feedNames = map[string]string{}
	err = eachRow(ctx, a.tx, `SELECT id, name FROM feeds WHERE active = 1`, nil, func(rows *sql.Rows) error {
		var id, name string
		err := rows.Scan(&id, &name)
		feedNames[id] = name
		return err
	})
	return themes, feedNames, err
}

// finishWindows turns the sums into WindowStats. Every window reports the
// known themes, the watched dyads and the active feeds, zero when empty,
// plus any other theme found in any window (the largest one holds them all).
func finishWindows(windows []time.Duration, sums []*windowSums, themes []string, feedNames map[string]string, dyads map[string]bool) []WindowStats {
	allThemes := map[string]bool{}
	for _, t := range themes {
		allThemes[t] = true
	}
	dyadThemes := map[[2]string]bool{}
	feedThemes := map[[2]string]bool{}
	for _, s := range sums {
		for t, v := range s.themes {
			if v.n > 0 {
				allThemes[t] = true
			}
		}
		for k, v := range s.dyadThemes {
			if v.n > 0 {
				dyadThemes[k] = true
			}
		}
		for k, v := range s.feedThemes {
			if v > 0 {
				feedThemes[k] = true
			}
		}
	}
	toAgg := func(t *themeSum) ThemeAgg {
		if t == nil {
			return ThemeAgg{}
		}
		return ThemeAgg{Flagged: t.flagged, FlaggedWeighted: t.flaggedWeighted, ScoreSum: t.score}
	}
	out := make([]WindowStats, len(windows))
	for i, w := range windows {
		s := sums[i]
		ws := WindowStats{Window: w, Stories: s.stories, StoriesWeighted: s.storiesWeighted, Articles: s.articles,
			Themes: map[string]ThemeAgg{}, Dyads: map[string]DyadAgg{}, Feeds: map[string]FeedWindow{}}
		for t := range allThemes {
			ws.Themes[t] = toAgg(s.themes[t])
		}
		for key := range dyads {
			da := DyadAgg{Stories: s.dyadStories[key], StoriesWeighted: s.dyadWeighted[key], Themes: map[string]ThemeAgg{}}
			for _, t := range themes {
				da.Themes[t] = ThemeAgg{}
			}
			ws.Dyads[key] = da
		}
		for k := range dyadThemes {
			if da, ok := ws.Dyads[k[0]]; ok {
				da.Themes[k[1]] = toAgg(s.dyadThemes[k])
			}
		}
		for id, name := range feedNames {
			fw := FeedWindow{Articles: s.feeds[id], Flagged: map[string]int64{}}
			for _, t := range themes {
				fw.Flagged[t] = 0
			}
			ws.Feeds[name] = fw
		}
		for k := range feedThemes {
			if name, ok := feedNames[k[0]]; ok {
				ws.Feeds[name].Flagged[k[1]] = s.feedThemes[k]
			}
		}
		out[i] = ws
	}
	return out
}
