package mixin

import (
	"fmt"
	"strings"
	"time"
)

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []Group `yaml:"groups"`
}

// Group is a rule group.
type Group struct {
	Name     string `yaml:"name"`
	Interval string `yaml:"interval,omitempty"`
	Rules    []Rule `yaml:"rules"`
}

// Rule is a recording or alerting rule. Comment is written above it.
type Rule struct {
	Comment       string            `yaml:"-"`
	Record        string            `yaml:"record,omitempty"`
	Alert         string            `yaml:"alert,omitempty"`
	Expr          string            `yaml:"expr"`
	For           string            `yaml:"for,omitempty"`
	KeepFiringFor string            `yaml:"keep_firing_for,omitempty"`
	Labels        map[string]string `yaml:"labels,omitempty"`
	Annotations   map[string]string `yaml:"annotations,omitempty"`
}

// Recorded series names, shared by the rules, alerts and dashboards.
const (
	Stories              = "window:tracker_stories:sum"
	StoriesWeighted      = "window:tracker_stories_weighted:sum"
	Articles             = "window:tracker_articles:sum"
	ThemeFlagged         = "theme_window:tracker_theme_stories_flagged:sum"
	ThemeFlaggedWeighted = "theme_window:tracker_theme_stories_flagged_weighted:sum"
	ThemeIndex           = "theme_window:tracker_tension_index:ratio"
	ThemeScoreMean       = "theme_window:tracker_theme_stories_score:mean"
	DyadStories          = "dyad_window:tracker_dyad_stories:sum"
	DyadStoriesWeighted  = "dyad_window:tracker_dyad_stories_weighted:sum"
	DyadFlagged          = "dyad_theme_window:tracker_dyad_theme_stories_flagged:sum"
	DyadFlaggedWeighted  = "dyad_theme_window:tracker_dyad_theme_stories_flagged_weighted:sum"
	DyadIndex            = "dyad_theme_window:tracker_tension_index:ratio"
	DyadShare            = "dyad_theme_window:tracker_dyad_flagged_share:ratio"
	FeedShare            = "feed_theme_window:tracker_feed_flagged_share:ratio"
)

// Baseline series names of a level ("theme_window" or "dyad_theme_window"; every level also keeps job).
func Hourly(level string) string { return level + ":tracker_tension_index:avg_over_time1h" }
func Mean(level, span string) string {
	return level + ":tracker_tension_index:avg_over_time" + span
}
func Stddev(level, span string) string {
	return level + ":tracker_tension_index:stddev_over_time" + span
}
func ZScore(level, span string) string { return level + ":tracker_tension_index:zscore" + span }

// Levels of the baselined indices.
const (
	ThemeLevel = "theme_window"
	DyadLevel  = "dyad_theme_window"
)

// Baseline spans: 7 days for the alerts, 28 days for context.
var spans = []struct {
	Name string
	Dur  time.Duration
}{{"7d", 7 * 24 * time.Hour}, {"28d", 28 * 24 * time.Hour}}

// Group names, in evaluation order (the tests' group_eval_order).
var GroupOrder = []string{"tracker_index", "tracker_baselines", "tracker_zscores", "tracker_alerts"}

// RecordingRules returns the index group and, as a second file, the
// baseline and z-score groups. They are separate files so that an operator
// who loads only the first is told (TensionBaselineAbsent), which a unit
// test proves.
func (c Config) RecordingRules() (index, baselines RuleFile) {
	sum := func(by, metric string) string {
		return fmt.Sprintf("sum by (job, %s) (\n  %s\n)", by, c.dedupe(metric+c.Sel()))
	}
	indexRules := []Rule{
		{Comment: "Denominators: all stories (and their source-weight sum) and articles published in\n" +
			"each window. Replicas of a tracker (same job, another " + c.replicaList() + ") count once.",
			Record: Stories, Expr: sum("window", "tracker_stories")},
		{Record: StoriesWeighted, Expr: sum("window", "tracker_stories_weighted")},
		{Record: Articles, Expr: sum("window", "tracker_articles")},
		{Comment: "Per theme.", Record: ThemeFlagged, Expr: sum("theme, window", "tracker_theme_stories_flagged")},
		{Record: ThemeFlaggedWeighted, Expr: sum("theme, window", "tracker_theme_stories_flagged_weighted")},
		{Comment: "The tension index: the source-weighted share of the window's stories flagged for\n" +
			"the theme. A share, so adding feeds does not raise it; weighted, so one low-weight\n" +
			"source cannot move it much. \"> 0\" drops empty windows instead of producing NaN.",
			Record: ThemeIndex, Expr: ThemeFlaggedWeighted + "\n/ on (job, window) group_left ()\n(" + StoriesWeighted + " > 0)"},
		{Comment: "Mean theme score per story (unweighted), for dashboards.",
			Record: ThemeScoreMean, Expr: sum("theme, window", "tracker_theme_stories_score") + "\n/ on (job, window) group_left ()\n(" + Stories + " > 0)"},
		{Comment: "Per watched dyad.", Record: DyadStories, Expr: sum("dyad, window", "tracker_dyad_stories")},
		{Record: DyadStoriesWeighted, Expr: sum("dyad, window", "tracker_dyad_stories_weighted")},
		{Record: DyadFlagged, Expr: sum("dyad, theme, window", "tracker_dyad_theme_stories_flagged")},
		{Record: DyadFlaggedWeighted, Expr: sum("dyad, theme, window", "tracker_dyad_theme_stories_flagged_weighted")},
		{Comment: "The dyad's index has the same denominator as the theme index, ALL stories of the\n" +
			"window: the share of world coverage about friction between the two countries on the\n" +
			"theme. It rises with attention and with hostility, and one story about a rarely\n" +
			"covered pair cannot make it 100% (docs/metrics.md).",
			Record: DyadIndex, Expr: DyadFlaggedWeighted + "\n/ on (job, window) group_left ()\n(" + StoriesWeighted + " > 0)"},
		{Comment: "What the pair's own coverage is about. Noisy with few stories; dashboards only.",
			Record: DyadShare, Expr: DyadFlaggedWeighted + "\n/ on (job, dyad, window) group_left ()\n(" + DyadStoriesWeighted + " > 0)"},
		{Comment: "Per feed (only with metrics.feed_detail: full): which sources drive a theme.",
			Record: FeedShare, Expr: sum("feed, theme, window", "tracker_feed_theme_articles_flagged") +
				"\n/ on (job, feed, window) group_left ()\n(" + sum("feed, window", "tracker_feed_window_articles") + " > 0)"},
		{Comment: "Hourly means of the alert window's index: the baselines read these (168 points\n" +
			"a week) instead of every raw sample of the index.",
			Record: Hourly(ThemeLevel), Expr: fmt.Sprintf("avg_over_time(%s%s[1h])", ThemeIndex, c.WinSel())},
		{Record: Hourly(DyadLevel), Expr: fmt.Sprintf("avg_over_time(%s%s[1h])", DyadIndex, c.WinSel())},
	}

	// The baseline ends BaselineOffset ago, so a spike is not part of its
	// own baseline while its alert is pending; it exists once a day of
	// history precedes that.
	offset := Dur(c.BaselineOffset)
	warm := Dur(24*time.Hour + c.BaselineOffset)
	var baselineRules []Rule
	for _, lv := range []struct{ level, index, on string }{{ThemeLevel, ThemeIndex, "job, theme, window"}, {DyadLevel, DyadIndex, "job, dyad, theme, window"}} {
		for _, sp := range spans {
			for _, fn := range []struct{ fn, name string }{{"avg_over_time", Mean(lv.level, sp.Name)}, {"stddev_over_time", Stddev(lv.level, sp.Name)}} {
				baselineRules = append(baselineRules, Rule{
					Record: fn.name,
					Expr: fmt.Sprintf("%s(%s[%s:1h] offset %s)\nand on (%s)\npresent_over_time(%s%s[1d] offset %s)",
						fn.fn, Hourly(lv.level), Dur(sp.Dur), offset, lv.on, lv.index, c.WinSel(), warm),
				})
			}
		}
	}
	baselineRules[0].Comment = fmt.Sprintf("Mean and standard deviation of the hourly means of the %s index over the\n"+
		"7 and 28 days that end %s ago (a spike is not part of its own baseline while\n"+
		"its alert is pending), from a day of history on (a new deployment's first hours would give a\n"+
		"baseline without variance that pages on the first busy news hour).", c.Window(), offset)

	var zscores []Rule
	for _, lv := range []struct {
		level, index, on string
		floor            float64
	}{{ThemeLevel, ThemeIndex, "job, theme, window", c.ThemeStddevFloor}, {DyadLevel, DyadIndex, "job, dyad, theme, window", c.DyadStddevFloor}} {
		for _, sp := range spans {
			zscores = append(zscores, Rule{
				Record: ZScore(lv.level, sp.Name),
				Expr: fmt.Sprintf("(\n  %s%s\n  - on (%s) %s\n)\n/ on (%s)\nclamp_min(%s, %g)",
					lv.index, c.WinSel(), lv.on, Mean(lv.level, sp.Name), lv.on, Stddev(lv.level, sp.Name), lv.floor),
			})
		}
	}
	zscores[0].Comment = fmt.Sprintf("How many standard deviations the %s index is above its baseline. The\n"+
		"floors (%g for a theme, %g for a dyad) keep a flat baseline from making any change\n"+
		"an infinite z-score. Alerts use the 7-day z-score: a steady drift inside the\n"+
		"baseline gives about sqrt(3) ~ 1.7, so only a break from the past week crosses %g.",
		c.Window(), c.ThemeStddevFloor, c.DyadStddevFloor, c.ZScoreThreshold)

	return RuleFile{Groups: []Group{{Name: GroupOrder[0], Rules: indexRules}}},
		RuleFile{Groups: []Group{{Name: GroupOrder[1], Rules: baselineRules}, {Name: GroupOrder[2], Rules: zscores}}}
}

// indent prefixes every line but the first with n spaces.
func indent(s string, n int) string {
	return strings.ReplaceAll(s, "\n", "\n"+strings.Repeat(" ", n))
}
