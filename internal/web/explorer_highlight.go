package web

import (
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tensiontracker/tracker/internal/scoring"
)

// maxMarks bounds the marks highlighted in one field: an article with more
// matches than this is mis-scored anyway, and the page must stay small.
const maxMarks = 2000

// segment is a run of an article field's text that is either plain or
// covered by the same set of matches. The template writes Text through
// html/template's escaping, inside a <mark> when Class is set: the feed's
// text is never written as HTML.
type segment struct {
	Text string
	// Class is the mark's CSS class ("" = plain text): the theme's colour
	// class, "multi" where several themes' matches overlap, or "neg" for a
	// negative term that fired.
	Class string
	// Label says which terms matched, for the mark's tooltip.
	Label string
}

// mark is one span to highlight.
type mark struct {
	start, end int
	theme      string
	term       string
	negative   bool
}

// highlight splits field (the article's "title" or "text") into segments
// with the matches of every theme marked. Spans that do not fit the text
// (out of range, empty, or cutting a UTF-8 sequence: the text changed since
// it was scored) are ignored rather than trusted.
func highlight(s, field string, themes map[string]scoring.ThemeScore, colours func(string) string) []segment {
	var marks []mark
	names := make([]string, 0, len(themes))
	for name := range themes {
		names = append(names, name)
	}
	sort.Strings(names)
	add := func(theme string, ms []scoring.Match, negative bool) {
		for _, m := range ms {
			for _, sp := range m.Spans {
				if len(marks) >= maxMarks {
					return
				}
				if sp.Field != field || !validSpan(s, sp.Start, sp.End) {
					continue
				}
				marks = append(marks, mark{start: sp.Start, end: sp.End, theme: theme, term: m.Term, negative: negative})
			}
		}
	}
	for _, name := range names {
		ts := themes[name]
		add(name, ts.Matches, false)
		add(name, ts.Negatives, true)
	}
	if len(marks) == 0 {
		if s == "" {
			return nil
		}
		return []segment{{Text: s}}
	}

	cuts := []int{0, len(s)}
	for _, m := range marks {
		cuts = append(cuts, m.start, m.end)
	}
	sort.Ints(cuts)
	cuts = slices.Compact(cuts)

	// Marks sorted by start let each elementary piece find its covering
	// marks among those already started.
	sort.Slice(marks, func(i, j int) bool { return marks[i].start < marks[j].start })
	var segs []segment
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		var cover []mark
		for _, m := range marks {
			if m.start > a {
				break
			}
			if m.end >= b {
				cover = append(cover, m)
			}
		}
		seg := segment{Text: s[a:b]}
		if len(cover) > 0 {
			seg.Class, seg.Label = markClass(cover, colours)
		}
		// Merge with the previous piece when it is marked the same way, so
		// the markup has one <mark> per match, not one per overlap boundary.
		if n := len(segs); n > 0 && segs[n-1].Class == seg.Class && segs[n-1].Label == seg.Label {
			segs[n-1].Text += seg.Text
			continue
		}
		segs = append(segs, seg)
	}
	return segs
}

// markClass names the class and tooltip of a piece covered by marks.
func markClass(cover []mark, colours func(string) string) (class, label string) {
	var themes, labels []string
	negative := false
	for _, m := range cover {
		if m.negative {
			negative = true
			labels = append(labels, m.theme+": not counted ("+m.term+")")
			continue
		}
		if !slices.Contains(themes, m.theme) {
			themes = append(themes, m.theme)
		}
		labels = append(labels, m.theme+": "+m.term)
	}
	labels = slices.Compact(labels)
	label = strings.Join(labels, "; ")
	switch {
	case negative && len(themes) == 0:
		return "neg", label
	case len(themes) == 1 && !negative:
		return colours(themes[0]), label
	default:
		return "multi", label
	}
}

func validSpan(s string, start, end int) bool {
	if start < 0 || end > len(s) || start >= end {
		return false
	}
	return utf8.RuneStart(s[start]) && (end == len(s) || utf8.RuneStart(s[end]))
}
