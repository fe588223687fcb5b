package store

// The direct implementation of WindowStats from before the hourly
// aggregates (migration 0005), kept verbatim as the reference the aggregate
// path is compared with: it scans every raw row of the largest window.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// windowStatsDirect computes the aggregates of each window ending at now, scoring
// stories by their representative's scores under lexiconVersion. The stats
// come back in the order of windows, all from one consistent snapshot.
//
// It runs a fixed number of queries whatever the number of windows: each
// scans the largest window once and sums per window with conditional
// aggregates.
func (db *DB) windowStatsDirect(ctx context.Context, now time.Time, windows []time.Duration, lexiconVersion string, watch []scoring.Dyad) ([]WindowStats, error) {
	if len(windows) == 0 {
		return nil, nil
	}
	if now.IsZero() {
		return nil, errors.New("window stats: zero time")
	}
	q := statsQuery{n: len(windows)}
	nowMS := ms(now)
	lo := nowMS
	starts := make([]any, len(windows))
	for i, w := range windows {
		if w <= 0 {
			return nil, fmt.Errorf("window stats: window %v is not positive", w)
		}
		starts[i] = nowMS - w.Milliseconds()
		lo = min(lo, nowMS-w.Milliseconds())
	}
	// Parameters: ?1 now, ?2 start of the largest window, ?3.. each
	// window's start, then the lexicon version, then the watched dyads.
	q.args = append([]any{nowMS, lo}, starts...)
	q.args = append(q.args, lexiconVersion)
	q.version = fmt.Sprintf("?%d", len(q.args))
	var dyadParams []string
	dyadSeen := map[string]bool{}
	for _, d := range watch {
		key := normDyad(d).String()
		if dyadSeen[key] {
			continue
		}
		dyadSeen[key] = true
		q.args = append(q.args, key)
		dyadParams = append(dyadParams, fmt.Sprintf("?%d", len(q.args)))
	}

	tx, err := db.sr.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("window stats: %w", err)
	}
	defer rollback(tx)
	q.tx = tx

	themes, feedNames, err := q.prefill(ctx)
	if err != nil {
		return nil, fmt.Errorf("window stats: %w", err)
	}
	out := make([]WindowStats, len(windows))
	for i, w := range windows {
		s := WindowStats{Window: w, Themes: map[string]ThemeAgg{}, Dyads: map[string]DyadAgg{}, Feeds: map[string]FeedWindow{}}
		for _, t := range themes {
			s.Themes[t] = ThemeAgg{}
		}
		for key := range dyadSeen {
			da := DyadAgg{Themes: map[string]ThemeAgg{}}
			for _, t := range themes {
				da.Themes[t] = ThemeAgg{}
			}
			s.Dyads[key] = da
		}
		for _, name := range feedNames {
			fw := FeedWindow{Flagged: map[string]int64{}}
			for _, t := range themes {
				fw.Flagged[t] = 0
			}
			s.Feeds[name] = fw
		}
		out[i] = s
	}

	// Stories and their weights.
	err = q.each(ctx, nil, []string{
		"COUNT(CASE WHEN st.published_ms > %[1]s THEN 1 END)",
		"TOTAL(CASE WHEN st.published_ms > %[1]s THEN st.weight END)",
	}, `FROM stories st WHERE st.published_ms > ?2 AND st.published_ms <= ?1`,
		func(_ []string, i int, v []value) {
			out[i].Stories, out[i].StoriesWeighted = v[0].i, v[1].f
		})
	if err != nil {
		return nil, fmt.Errorf("window stats: stories: %w", err)
	}

	// Raw articles.
	err = q.each(ctx, nil, []string{"COUNT(CASE WHEN a.published_ms > %[1]s THEN 1 END)"},
		`FROM articles a WHERE a.published_ms > ?2 AND a.published_ms <= ?1`,
		func(_ []string, i int, v []value) { out[i].Articles = v[0].i })
	if err != nil {
		return nil, fmt.Errorf("window stats: articles: %w", err)
	}

	// Themes over stories, by the representative's score. CROSS JOIN keeps
	// SQLite from driving the join from the (much larger) scores table.
	themeAggs := []string{
		"COUNT(CASE WHEN st.published_ms > %[1]s AND sc.flagged THEN 1 END)",
		"TOTAL(CASE WHEN st.published_ms > %[1]s AND sc.flagged THEN st.weight END)",
		"TOTAL(CASE WHEN st.published_ms > %[1]s THEN sc.score END)",
	}
	toTheme := func(v []value) ThemeAgg { return ThemeAgg{Flagged: v[0].i, FlaggedWeighted: v[1].f, ScoreSum: v[2].f} }
	err = q.each(ctx, []string{"sc.theme"}, themeAggs,
		`FROM stories st CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = `+q.version+`
		WHERE st.published_ms > ?2 AND st.published_ms <= ?1 GROUP BY sc.theme`,
		func(keys []string, i int, v []value) { out[i].Themes[keys[0]] = toTheme(v) })
	if err != nil {
		return nil, fmt.Errorf("window stats: themes: %w", err)
	}

	if len(dyadParams) > 0 {
		// "+d.dyad": probe each story's dyads by primary key once and
		// filter, rather than one index probe per watched dyad per story.
		dyadJoin := `FROM stories st CROSS JOIN article_dyads d ON d.article_id = st.rep_id
			AND d.lexicon_version = ` + q.version + ` AND +d.dyad IN (` + strings.Join(dyadParams, ", ") + `)`
		err = q.each(ctx, []string{"d.dyad"}, []string{
			"COUNT(CASE WHEN st.published_ms > %[1]s THEN 1 END)",
			"TOTAL(CASE WHEN st.published_ms > %[1]s THEN st.weight END)",
		}, dyadJoin+` WHERE st.published_ms > ?2 AND st.published_ms <= ?1 GROUP BY d.dyad`,
			func(keys []string, i int, v []value) {
				da := out[i].Dyads[keys[0]]
				da.Stories, da.StoriesWeighted = v[0].i, v[1].f
				out[i].Dyads[keys[0]] = da
			})
		if err != nil {
			return nil, fmt.Errorf("window stats: dyads: %w", err)
		}
		err = q.each(ctx, []string{"d.dyad", "sc.theme"}, themeAggs,
			dyadJoin+` CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = `+q.version+`
			WHERE st.published_ms > ?2 AND st.published_ms <= ?1 GROUP BY d.dyad, sc.theme`,
			func(keys []string, i int, v []value) {
				if da, ok := out[i].Dyads[keys[0]]; ok { // always: the IN list only has watched dyads
					da.Themes[keys[1]] = toTheme(v)
				}
			})
		if err != nil {
			return nil, fmt.Errorf("window stats: dyad themes: %w", err)
		}
	}

	// Per feed, over articles (not stories): what each feed carried.
	// Grouped by feed id, named here, which spares a join per row.
	err = q.each(ctx, []string{"s.feed_id"}, []string{"COUNT(CASE WHEN s.published_ms > %[1]s THEN 1 END)"},
		`FROM article_sources s WHERE s.published_ms > ?2 AND s.published_ms <= ?1 GROUP BY s.feed_id`,
		func(keys []string, i int, v []value) {
			name, active := feedNames[keys[0]]
			if !active {
				return
			}
			fw := out[i].Feeds[name]
			fw.Articles = v[0].i
			out[i].Feeds[name] = fw
		})
	if err != nil {
		return nil, fmt.Errorf("window stats: feeds: %w", err)
	}
	err = q.each(ctx, []string{"s.feed_id", "sc.theme"}, []string{"COUNT(CASE WHEN sc.published_ms > %[1]s THEN 1 END)"},
		`FROM scores sc CROSS JOIN article_sources s ON s.article_id = sc.article_id
		WHERE sc.lexicon_version = `+q.version+` AND sc.flagged = 1
			AND sc.published_ms > ?2 AND sc.published_ms <= ?1
		GROUP BY s.feed_id, sc.theme`,
		func(keys []string, i int, v []value) {
			if name, active := feedNames[keys[0]]; active {
				out[i].Feeds[name].Flagged[keys[1]] = v[0].i
			}
		})
	if err != nil {
		return nil, fmt.Errorf("window stats: feed themes: %w", err)
	}
	return out, nil
}

// statsQuery runs the aggregate queries of one WindowStats call.
type statsQuery struct {
	tx      *sql.Tx
	n       int    // number of windows
	args    []any  // all parameters, referenced by number
	version string // the parameter holding the lexicon version
}

// value is one scanned aggregate: COUNTs fill i, TOTALs fill f.
type value struct {
	i int64
	f float64
}

// prefill reads the themes known for the lexicon version and the names of
// the active feeds by id (as text, the form each passes keys in), which
// every window reports even when zero.
func (q *statsQuery) prefill(ctx context.Context) (themes []string, feedNames map[string]string, err error) {
	err = eachRow(ctx, q.tx, `SELECT theme FROM lexicon_themes WHERE version = `+q.version+` ORDER BY theme`, q.args,
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
	err = eachRow(ctx, q.tx, `SELECT id, name FROM feeds WHERE active = 1`, nil, func(rows *sql.Rows) error {
		var id, name string
		err := rows.Scan(&id, &name)
		feedNames[id] = name
		return err
	})
	return themes, feedNames, err
}

// each runs "SELECT keys..., aggs for window 1..., aggs for window 2... rest"
// where each agg is a format string whose %[1]s is the window's start
// parameter, and calls fn for each row and window with the row's keys and
// that window's aggregate values.
func (q *statsQuery) each(ctx context.Context, keys, aggs []string, rest string, fn func(keys []string, window int, v []value)) error {
	cols := append([]string(nil), keys...)
	for w := 0; w < q.n; w++ {
		for _, a := range aggs {
			cols = append(cols, fmt.Sprintf(a, fmt.Sprintf("?%d", w+3)))
		}
	}
	query := "SELECT " + strings.Join(cols, ", ") + " " + rest
	keyVals := make([]string, len(keys))
	vals := make([]value, q.n*len(aggs))
	dest := make([]any, 0, len(cols))
	for i := range keyVals {
		dest = append(dest, &keyVals[i])
	}
	for w := 0; w < q.n; w++ {
		for j, a := range aggs {
			v := &vals[w*len(aggs)+j]
			if strings.HasPrefix(a, "COUNT(") {
				dest = append(dest, &v.i)
			} else {
				dest = append(dest, &v.f)
			}
		}
	}
	return eachRow(ctx, q.tx, query, q.args, func(rows *sql.Rows) error {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for w := 0; w < q.n; w++ {
			fn(keyVals, w, vals[w*len(aggs):(w+1)*len(aggs)])
		}
		return nil
	})
}
