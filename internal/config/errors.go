package config

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem found in a config or lexicon file. Line is 1-based;
// 0 means the problem concerns the file as a whole (it could not be read, or
// it is empty). Field is the path of the offending value in the document,
// such as "feeds[3].schedule" (indexes are 0-based) or
// "themes.trade.terms[12].weight"; it is empty for syntax errors.
type Error struct {
	File  string
	Line  int
	Field string
	Msg   string

	// cause is the underlying error, when there is one (a file that could
	// not be opened), for errors.Is(err, fs.ErrNotExist).
	cause error
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

// Error formats the problem as "file:line: field: message", leaving out the
// parts that are unknown.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found while loading a config, sorted by file and
// line. Load and Parse return it as their error value; use errors.As to get
// at the individual problems.
type Errors []*Error

// Error joins the problems one per line, without a trailing newline.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// AsErrors returns the problems carried by err, or nil when err is not (and
// does not wrap) an Errors value.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	return nil
}

// maxErrors bounds the size of an error report: a hostile or badly broken
// file must not produce an unbounded amount of output.
const maxErrors = 1000

// errorList collects problems across all the files of one load.
type errorList struct {
	errs      Errors
	truncated bool
}

func (l *errorList) add(file string, line int, field, msg string) {
	if len(l.errs) >= maxErrors {
		if !l.truncated {
			l.truncated = true
			l.errs = append(l.errs, &Error{File: file, Line: line, Msg: fmt.Sprintf("too many errors (more than %d); stopping the report here", maxErrors)})
		}
		return
	}
	l.errs = append(l.errs, &Error{File: file, Line: line, Field: field, Msg: msg})
}

// addErr records a problem caused by err, keeping err for errors.Is.
func (l *errorList) addErr(file string, line int, field, prefix string, err error) {
	n := len(l.errs)
	l.add(file, line, field, prefix+err.Error())
	if len(l.errs) > n && !l.truncated {
		l.errs[n].cause = err
	}
}

// result returns the sorted problems, or nil when there are none. The sort is
// stable so problems on the same line keep the order they were found in,
// which follows the document.
func (l *errorList) result() error {
	if len(l.errs) == 0 {
		return nil
	}
	es := slices.Clone(l.errs)
	slices.SortStableFunc(es, func(a, b *Error) int {
		if c := cmp.Compare(a.File, b.File); c != 0 {
			return c
		}
		return cmp.Compare(a.Line, b.Line)
	})
	return es
}

// suggest returns the candidate closest to s by edit distance when it is
// close enough to be a plausible typo, else "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		d := editDistance(ls, c)
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	// Allow roughly one mistake per three characters, at least one.
	limit := max(1, len(s)/3)
	if bestDist >= 0 && bestDist <= limit {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, counted in bytes
// (keys are ASCII, so bytes are characters where it matters).
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		// Long keys are never typos of our short field names; avoid the
		// quadratic work on hostile input.
		return max(len(a), len(b))
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
