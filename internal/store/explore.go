package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// The explorer's reads. Each runs in one read transaction, so a page shows
// one consistent snapshot while ingest writes on.

// maxListLimit bounds a page of the article list.
const maxListLimit = 1000

// ListArticles returns one page of the stories matching q, with the total
// number of matching stories.
func (db *DB) ListArticles(ctx context.Context, q ArticleQuery) (ArticlePage, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Limit > maxListLimit {
		return ArticlePage{}, fmt.Errorf("list articles: limit %d is over %d", q.Limit, maxListLimit)
	}
	if q.Offset < 0 {
		return ArticlePage{}, fmt.Errorf("list articles: negative offset %d", q.Offset)
	}
	if q.Sort == "" {
		q.Sort = SortTime
	}
	if q.Sort != SortTime && q.Sort != SortScore {
		return ArticlePage{}, fmt.Errorf("list articles: unknown sort %q", q.Sort)
	}

	from, args := listFilter(q)
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ArticlePage{}, fmt.Errorf("list articles: %w", err)
	}
	defer rollback(tx)

	var page ArticlePage
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) `+from, args...).Scan(&page.Total); err != nil {
		return ArticlePage{}, fmt.Errorf("list articles: count: %w", err)
	}
	if page.Total == 0 || q.Offset >= page.Total {
		return page, nil
	}

	order := `st.published_ms DESC, st.cluster_id DESC`
	if q.Sort == SortScore {
		if q.Theme != "" {
			order = `sc.score DESC, ` + order
		} else {
			order = `(SELECT MAX(x.score) FROM scores x WHERE x.article_id = st.rep_id AND x.lexicon_version = ?) DESC, ` + order
			args = append(args, q.LexiconVersion)
		}
	}
	args = append(args, q.Limit, q.Offset)
	byID := map[int64]*ArticleSummary{}
	var ids []any
	err = eachRow(ctx, tx, `SELECT a.id, st.cluster_id, a.title, a.link, a.lang, st.published_ms, st.articles, st.weight `+
		from+` ORDER BY `+order+` LIMIT ? OFFSET ?`, args, func(rows *sql.Rows) error {
		var s ArticleSummary
		var published int64
		if err := rows.Scan(&s.ID, &s.ClusterID, &s.Title, &s.Link, &s.Lang, &published, &s.Copies, &s.Weight); err != nil {
			return err
		}
		s.Published = fromMS(published)
		page.Articles = append(page.Articles, s)
		ids = append(ids, s.ID)
		return nil
	})
	if err != nil {
		return ArticlePage{}, fmt.Errorf("list articles: %w", err)
	}
	for i := range page.Articles {
		byID[page.Articles[i].ID] = &page.Articles[i]
	}
	if err := fillSummaries(ctx, tx, byID, ids, q.LexiconVersion); err != nil {
		return ArticlePage{}, fmt.Errorf("list articles: %w", err)
	}
	return page, nil
}

// listFilter builds the FROM and WHERE clauses of the list and their
// arguments. Stories are filtered by their representative's scores, as the
// metrics count them.
func listFilter(q ArticleQuery) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString(`FROM stories st CROSS JOIN articles a ON a.id = st.rep_id`)
	if q.Theme != "" {
		b.WriteString(` CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = ? AND sc.theme = ?`)
		args = append(args, q.LexiconVersion, q.Theme)
		if q.FlaggedOnly {
			b.WriteString(` AND sc.flagged = 1`)
		} else {
			b.WriteString(` AND sc.score > 0`)
		}
	}
	b.WriteString(` WHERE 1`)
	if !q.From.IsZero() {
		b.WriteString(` AND st.published_ms >= ?`)
		args = append(args, ms(q.From))
	}
	if !q.To.IsZero() {
		b.WriteString(` AND st.published_ms < ?`)
		args = append(args, ms(q.To))
	}
	if q.FlaggedOnly && q.Theme == "" {
		b.WriteString(` AND EXISTS (SELECT 1 FROM scores x WHERE x.article_id = st.rep_id AND x.lexicon_version = ? AND x.flagged = 1)`)
		args = append(args, q.LexiconVersion)
	}
	if q.Dyad != "" {
		b.WriteString(` AND EXISTS (SELECT 1 FROM article_dyads d WHERE d.article_id = st.rep_id AND d.lexicon_version = ? AND d.dyad = ?)`)
		args = append(args, q.LexiconVersion, q.Dyad)
	}
	if q.Country != "" {
		b.WriteString(` AND EXISTS (SELECT 1 FROM article_countries c WHERE c.article_id = st.rep_id AND c.lexicon_version = ? AND c.country = ?)`)
		args = append(args, q.LexiconVersion, q.Country)
	}
	if q.Feed != "" {
		b.WriteString(` AND EXISTS (SELECT 1 FROM articles m CROSS JOIN article_sources s ON s.article_id = m.id
			CROSS JOIN feeds f ON f.id = s.feed_id WHERE m.cluster_id = st.cluster_id AND f.name = ?)`)
		args = append(args, q.Feed)
	}
	return b.String(), args
}

// fillSummaries adds the feeds, theme scores, countries and dyads of the
// listed stories, one query each for the whole page.
func fillSummaries(ctx context.Context, tx *sql.Tx, byID map[int64]*ArticleSummary, ids []any, version string) error {
	in := placeholders(len(ids))
	byCluster := map[int64]*ArticleSummary{}
	clusters := make([]any, 0, len(byID))
	for _, s := range byID {
		byCluster[s.ClusterID] = s
		clusters = append(clusters, s.ClusterID)
	}
	err := eachRow(ctx, tx, `SELECT DISTINCT m.cluster_id, f.name FROM articles m
		CROSS JOIN article_sources s ON s.article_id = m.id CROSS JOIN feeds f ON f.id = s.feed_id
		WHERE m.cluster_id IN (`+placeholders(len(clusters))+`) ORDER BY m.cluster_id, f.name`, clusters,
		func(rows *sql.Rows) error {
			var c int64
			var name string
			if err := rows.Scan(&c, &name); err != nil {
				return err
			}
			if s := byCluster[c]; s != nil {
				s.Feeds = append(s.Feeds, name)
			}
			return nil
		})
	if err != nil {
		return fmt.Errorf("feeds: %w", err)
	}
	withVersion := append([]any{version}, ids...)
	err = eachRow(ctx, tx, `SELECT article_id, theme, score, flagged FROM scores
		WHERE lexicon_version = ? AND article_id IN (`+in+`) ORDER BY article_id, theme`, withVersion,
		func(rows *sql.Rows) error {
			var id int64
			var t ThemeFlag
			if err := rows.Scan(&id, &t.Theme, &t.Score, &t.Flagged); err != nil {
				return err
			}
			byID[id].Themes = append(byID[id].Themes, t)
			return nil
		})
	if err != nil {
		return fmt.Errorf("scores: %w", err)
	}
	err = eachRow(ctx, tx, `SELECT article_id, country FROM article_countries
		WHERE lexicon_version = ? AND article_id IN (`+in+`) ORDER BY article_id, rank`, withVersion,
		func(rows *sql.Rows) error {
			var id int64
			var c string
			if err := rows.Scan(&id, &c); err != nil {
				return err
			}
			byID[id].Countries = append(byID[id].Countries, c)
			return nil
		})
	if err != nil {
		return fmt.Errorf("countries: %w", err)
	}
	err = eachRow(ctx, tx, `SELECT article_id, dyad FROM article_dyads
		WHERE lexicon_version = ? AND article_id IN (`+in+`) ORDER BY article_id, rank, dyad`, withVersion,
		func(rows *sql.Rows) error {
			var id int64
			var d string
			if err := rows.Scan(&id, &d); err != nil {
				return err
			}
			byID[id].Dyads = append(byID[id].Dyads, d)
			return nil
		})
	if err != nil {
		return fmt.Errorf("dyads: %w", err)
	}
	return nil
}

// ArticleDetail returns the article with the given id: its text, sources,
// scores under lexiconVersion (or, when it has not been scored under it,
// the newest version it has been), the other articles of its story and its
// audit labels. ErrNotFound when there is no such article.
func (db *DB) ArticleDetail(ctx context.Context, id int64, lexiconVersion string) (ArticleDetail, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
	}
	defer rollback(tx)
	sa, err := scanStored(tx.QueryRowContext(ctx, `SELECT `+articleColumns+` FROM articles a WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ArticleDetail{}, fmt.Errorf("article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
	}
	full := Article{StoredArticle: sa, Scores: map[string]scoring.Result{}}
	if err := readArticleDetails(ctx, tx, &full); err != nil {
		return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
	}
	it := sa.Item
	d := ArticleDetail{
		ID: sa.ID, ClusterID: sa.ClusterID, Key: it.Key, GUID: it.GUID, Title: it.Title, Text: it.Text,
		Link: it.Link, Lang: it.Lang, Published: it.Published, DateSource: string(it.DateSource), FirstSeen: sa.FirstSeen,
	}
	for _, s := range full.Sources {
		d.Sources = append(d.Sources, SourceFeed{Feed: s.Feed, FirstSeen: s.FirstSeen})
	}
	version := lexiconVersion
	if _, ok := full.Scores[version]; !ok {
		version = ""
		err := tx.QueryRowContext(ctx, `SELECT lexicon_version FROM scorings WHERE article_id = ?
			ORDER BY scored_ms DESC, lexicon_version LIMIT 1`, id).Scan(&version)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
		}
	}
	if r, ok := full.Scores[version]; ok {
		d.LexiconVersion, d.Themes, d.Countries = version, r.Themes, r.Countries
		for _, dy := range r.Dyads {
			d.Dyads = append(d.Dyads, dy.String())
		}
	}
	if d.Cluster, err = clusterMembers(ctx, tx, sa.ClusterID, sa.ID); err != nil {
		return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
	}
	if d.Labels, err = readLabels(ctx, tx, `WHERE l.article_id = ?`, id); err != nil {
		return ArticleDetail{}, fmt.Errorf("read article %d: %w", id, err)
	}
	return d, nil
}

// clusterMembers lists the articles of a story other than one, oldest first,
// each with the feeds that carried it.
func clusterMembers(ctx context.Context, tx *sql.Tx, cluster, except int64) ([]ClusterMember, error) {
	var out []ClusterMember
	idx := map[int64]int{}
	err := eachRow(ctx, tx, `SELECT id, title, link, published_ms FROM articles
		WHERE cluster_id = ? AND id <> ? ORDER BY published_ms, id`, []any{cluster, except}, func(rows *sql.Rows) error {
		var m ClusterMember
		var published int64
		if err := rows.Scan(&m.ID, &m.Title, &m.Link, &published); err != nil {
			return err
		}
		m.Published = fromMS(published)
		idx[m.ID] = len(out)
		out = append(out, m)
		return nil
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	err = eachRow(ctx, tx, `SELECT s.article_id, f.name FROM articles a
		CROSS JOIN article_sources s ON s.article_id = a.id CROSS JOIN feeds f ON f.id = s.feed_id
		WHERE a.cluster_id = ? AND a.id <> ? ORDER BY f.name`, []any{cluster, except}, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		if i, ok := idx[id]; ok {
			out[i].Feeds = append(out[i].Feeds, name)
		}
		return nil
	})
	return out, err
}

// maxSeriesBuckets bounds ThemeSeries' grid.
const maxSeriesBuckets = 10000

// ThemeSeries counts stories per step bucket: all stories (of the dyad, when
// given) and, per theme of the lexicon version (or the one asked for), those
// whose representative is flagged. Every theme gets every bucket.
func (db *DB) ThemeSeries(ctx context.Context, q SeriesQuery) ([]SeriesPoint, error) {
	if q.Step <= 0 || !q.From.Before(q.To) {
		return nil, fmt.Errorf("theme series: empty range %v..%v or step %v", q.From, q.To, q.Step)
	}
	stepMS := q.Step.Milliseconds()
	fromMS, toMS := ms(q.From), ms(q.To)
	n := (toMS - fromMS + stepMS - 1) / stepMS
	if n > maxSeriesBuckets {
		return nil, fmt.Errorf("theme series: %d buckets, at most %d", n, maxSeriesBuckets)
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("theme series: %w", err)
	}
	defer rollback(tx)

	themes := []string{q.Theme}
	if q.Theme == "" {
		themes = nil
		err := eachRow(ctx, tx, `SELECT theme FROM lexicon_themes WHERE version = ? ORDER BY theme`,
			[]any{q.LexiconVersion}, func(rows *sql.Rows) error {
				var t string
				err := rows.Scan(&t)
				themes = append(themes, t)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("theme series: themes: %w", err)
		}
	}
	type bucket struct {
		stories         int64
		storiesWeighted float64
	}
	buckets := make([]bucket, n)
	flagged := map[string][]SeriesPoint{}
	for _, t := range themes {
		flagged[t] = make([]SeriesPoint, n)
	}

	dyadJoin := ""
	args := []any{fromMS, stepMS, fromMS, toMS}
	if q.Dyad != "" {
		dyadJoin = ` CROSS JOIN article_dyads d ON d.article_id = st.rep_id AND d.lexicon_version = ?5 AND d.dyad = ?6`
		args = append(args, q.LexiconVersion, q.Dyad)
	}
	err = eachRow(ctx, tx, `SELECT (st.published_ms - ?1) / ?2 AS b, COUNT(*), TOTAL(st.weight)
		FROM stories st`+dyadJoin+` WHERE st.published_ms >= ?3 AND st.published_ms < ?4 GROUP BY b`, args,
		func(rows *sql.Rows) error {
			var b, c int64
			var w float64
			if err := rows.Scan(&b, &c, &w); err != nil {
				return err
			}
			if b >= 0 && b < n {
				buckets[b] = bucket{c, w}
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("theme series: stories: %w", err)
	}

	themeArgs := []any{fromMS, stepMS, fromMS, toMS, q.LexiconVersion}
	themeCond := ""
	if q.Theme != "" {
		themeCond = ` AND sc.theme = ?6`
		themeArgs = append(themeArgs, q.Theme)
	}
	if q.Dyad != "" {
		dyadJoin = ` CROSS JOIN article_dyads d ON d.article_id = st.rep_id AND d.lexicon_version = ?5 AND d.dyad = ?` +
			fmt.Sprint(len(themeArgs)+1)
		themeArgs = append(themeArgs, q.Dyad)
	}
	err = eachRow(ctx, tx, `SELECT sc.theme, (st.published_ms - ?1) / ?2 AS b, COUNT(*), TOTAL(st.weight)
		FROM stories st`+dyadJoin+` CROSS JOIN scores sc ON sc.article_id = st.rep_id AND sc.lexicon_version = ?5
			AND sc.flagged = 1`+themeCond+`
		WHERE st.published_ms >= ?3 AND st.published_ms < ?4 GROUP BY sc.theme, b`, themeArgs,
		func(rows *sql.Rows) error {
			var t string
			var b, c int64
			var w float64
			if err := rows.Scan(&t, &b, &c, &w); err != nil {
				return err
			}
			pts, ok := flagged[t]
			if !ok {
				// A theme scored under this version but missing from
				// lexicon_themes: show it rather than drop its counts.
				pts = make([]SeriesPoint, n)
				flagged[t] = pts
				themes = append(themes, t)
			}
			if b >= 0 && b < n {
				pts[b].Flagged, pts[b].FlaggedWeighted = c, w
			}
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("theme series: flagged: %w", err)
	}

	sort.Strings(themes)
	out := make([]SeriesPoint, 0, len(themes)*int(n))
	for _, t := range themes {
		for i, p := range flagged[t] {
			p.Theme = t
			p.Start = q.From.Add(time.Duration(i) * q.Step).UTC()
			p.Stories, p.StoriesWeighted = buckets[i].stories, buckets[i].storiesWeighted
			out = append(out, p)
		}
	}
	return out, nil
}

// TopDyads returns the dyads of the stories published since since, by the
// number of those stories flagged for some theme, then by their number.
func (db *DB) TopDyads(ctx context.Context, since time.Time, lexiconVersion string, limit int) ([]DyadCount, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []DyadCount
	err := eachRow(ctx, db.r, `SELECT d.dyad, COUNT(*),
			COUNT(CASE WHEN EXISTS (SELECT 1 FROM scores x WHERE x.article_id = st.rep_id
				AND x.lexicon_version = ?1 AND x.flagged = 1) THEN 1 END) AS flagged
		FROM stories st CROSS JOIN article_dyads d ON d.article_id = st.rep_id AND d.lexicon_version = ?1
		WHERE st.published_ms >= ?2
		GROUP BY d.dyad ORDER BY flagged DESC, COUNT(*) DESC, d.dyad LIMIT ?3`,
		[]any{lexiconVersion, ms(since), limit}, func(rows *sql.Rows) error {
			var c DyadCount
			err := rows.Scan(&c.Dyad, &c.Stories, &c.Flagged)
			out = append(out, c)
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("top dyads since %s: %w", since.UTC().Format(time.RFC3339), err)
	}
	return out, nil
}
