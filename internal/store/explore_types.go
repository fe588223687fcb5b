package store

import (
	"time"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// Sort orders of the article list.
const (
	SortTime  = "time"  // newest story first (the default)
	SortScore = "score" // highest score first: the query's theme, else the article's highest theme score
)

// ArticleQuery selects stories for the explorer's article list. The list has
// one row per story (a cluster of syndicated copies), represented by the
// article whose scores the metrics count, so that for the same theme, dyad
// and time range the list's Total equals the story counts of the metrics.
type ArticleQuery struct {
	// Theme keeps stories with a non-zero score for the theme (flagged for it
	// with FlaggedOnly) and makes SortScore sort by that theme's score.
	Theme string
	// Dyad ("A-B" with A < B) keeps stories whose parties include both countries.
	Dyad string
	// Country (ISO 3166-1 alpha-2, EU, XK) keeps stories whose parties include it.
	Country string
	// Feed keeps stories of which the named feed carried at least one copy.
	Feed string
	// FlaggedOnly keeps stories flagged for Theme, or for any theme when Theme is empty.
	FlaggedOnly bool
	// From (inclusive) and To (exclusive) bound the story time; zero leaves that side open.
	From, To time.Time
	// Sort is SortTime (default when empty) or SortScore.
	Sort string
	// Limit is the page size (>0); Offset the number of rows skipped.
	Limit, Offset int
	// LexiconVersion is the version whose scores filter, sort and are shown.
	LexiconVersion string
}

// ArticlePage is one page of the article list.
type ArticlePage struct {
	Articles []ArticleSummary
	// Total is the number of stories matching the query, all pages together.
	Total int
}

// ArticleSummary is a row of the article list: a story, shown through its
// representative article.
type ArticleSummary struct {
	// ID is the representative article's id; ClusterID names the story.
	ID, ClusterID int64
	Title, Link   string
	Lang          string
	// Published is the story time: the earliest publication among its copies.
	Published time.Time
	// Copies is the number of articles in the story (1 = not syndicated).
	Copies int
	// Weight is the story weight: the highest weight among the feeds that carried it.
	Weight float64
	// Feeds are the names of every feed that carried a copy, sorted.
	Feeds []string
	// Themes are the representative's theme scores under the query's lexicon version, by theme name.
	Themes []ThemeFlag
	// Countries are the parties, most salient first; Dyads are "A-B" pairs.
	Countries []string
	Dyads     []string
}

// ThemeFlag is one theme's score of an article.
type ThemeFlag struct {
	Theme   string
	Score   float64
	Flagged bool
}

// ArticleDetail is everything the article page shows about one article.
type ArticleDetail struct {
	ID, ClusterID int64
	Key, GUID     string
	Title, Text   string
	Link, Lang    string
	Published     time.Time
	DateSource    string
	FirstSeen     time.Time
	Sources       []SourceFeed // the feeds that carried this article, by name
	// LexiconVersion is the version Themes, Countries and Dyads were scored
	// under: the one asked for when the article has been scored under it,
	// else the newest it has been scored under, "" when never scored.
	LexiconVersion string
	Themes         map[string]scoring.ThemeScore
	Countries      []string
	Dyads          []string
	// Cluster are the other articles of the same story, oldest first.
	Cluster []ClusterMember
	// Labels are the audit labels recorded for this article, by theme.
	Labels []Label
}

// SourceFeed is a feed that carried an article, and when it first did.
type SourceFeed struct {
	Feed      string
	FirstSeen time.Time
}

// ClusterMember is a syndicated copy of an article.
type ClusterMember struct {
	ID        int64
	Title     string
	Link      string
	Published time.Time
	Feeds     []string
}

// SeriesQuery asks for per-theme story counts in fixed time steps.
type SeriesQuery struct {
	// Theme limits the series to one theme; "" gives every theme of LexiconVersion.
	Theme string
	// Dyad ("A-B") counts only the stories whose parties include both countries.
	Dyad string
	// From is the start of the first bucket; buckets are [From+i*Step, From+(i+1)*Step) up to To.
	From, To       time.Time
	Step           time.Duration
	LexiconVersion string
}

// SeriesPoint is one theme's figures in one bucket. ThemeSeries returns a
// point for every theme and every bucket, zeros included, ordered by theme
// then time, so a chart needs no gap filling.
type SeriesPoint struct {
	Theme string
	// Start is the bucket's start; the bucket spans Step.
	Start           time.Time
	Stories         int64   // stories of the bucket (theme-independent)
	StoriesWeighted float64 // their weight sum
	Flagged         int64   // stories flagged for Theme
	FlaggedWeighted float64 // their weight sum
}

// DyadCount is how many recent stories involve a dyad.
type DyadCount struct {
	Dyad    string // "A-B", A < B
	Stories int64
	Flagged int64 // stories flagged for at least one theme
}

// Audit verdicts. A label says whether the tracker's decision for one theme
// of one article, under the lexicon version that made it, was right.
const (
	VerdictRight  = "right"  // the flag (or the absence of one) was correct
	VerdictWrong  = "wrong"  // the theme was flagged but does not apply: a false positive
	VerdictMissed = "missed" // the theme was not flagged but applies: a false negative
)

// Label is an analyst's audit verdict on one theme of one article. There is
// at most one label per article and theme; a newer one replaces it. Labels
// are not tied to scores, so they survive re-scoring.
type Label struct {
	ArticleID int64
	// ArticleKey is the article's stable identity (feeds.Item.Key); an import
	// finds the article by it, so labels move between databases.
	ArticleKey string
	Theme      string
	Verdict    string
	// Flagged is whether the tracker had flagged the theme under LexiconVersion.
	Flagged        bool
	Note           string
	Author         string
	At             time.Time
	LexiconVersion string
}

// LabelCounts says what SaveLabels did with the labels it was given.
type LabelCounts struct {
	Saved int // inserted, or replaced an older label of the same article and theme
	// Stale labels were not newer than the stored label of the same article
	// and theme (re-importing an export changes nothing).
	Stale int
	// Unknown labels name an article that is not stored (pruned, or from another database).
	Unknown int
}

// Applies reports the analyst's ground truth: whether the theme applies to
// the article.
func (l Label) Applies() bool {
	switch l.Verdict {
	case VerdictMissed:
		return true
	case VerdictRight:
		return l.Flagged
	default:
		return false
	}
}
