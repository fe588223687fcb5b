package eval

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Splits of the real-news development set. The split of an item derives
// from its outlet alone (SplitOf), so every item of an outlet is on the same
// side and the held-out half measures how the scorer does on sources it was
// never tuned on.
const (
	SplitTune    = "tune"
	SplitHeldout = "heldout"
	SplitAll     = "all"
)

// SplitOf returns the split of an outlet: FNV-1a 32-bit of the lower-cased
// outlet string, odd = held-out, even = tune. This is the one declaration of
// the rule in Go; /work/realnews/split.py (the labellers' tool) applies the
// same.
func SplitOf(outlet string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(outlet)))
	if h.Sum32()%2 == 1 {
		return SplitHeldout
	}
	return SplitTune
}

// ValidSplit reports whether s names a split LoadRealNews accepts.
func ValidSplit(s string) bool {
	return s == SplitTune || s == SplitHeldout || s == SplitAll
}

// IndexEntry is one line of the committed real-news index
// (<index dir>/<lang>.jsonl): the labels and where the text comes from,
// never the text itself.
type IndexEntry struct {
	ID           string   `json:"id"`
	Lang         string   `json:"lang"`
	URL          string   `json:"url"`
	Outlet       string   `json:"outlet"`
	Themes       []string `json:"themes"`
	Parties      []string `json:"parties"`
	HardNegative bool     `json:"hard_negative"`
	// Reason is the labeller's one-line justification, in our words.
	Reason string `json:"reason"`
	// Query is the search query that returned the page, so that the text
	// can be rebuilt from the same corpus.
	Query string `json:"query"`
}

// TextEntry is one line of a texts file (<texts dir>/<lang>.jsonl, git-ignored:
// published text is not ours to redistribute).
type TextEntry struct {
	ID    string `json:"id"`
	URL   string `json:"url"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// RealNews is a loaded real-news set.
type RealNews struct {
	// Examples are the items of the requested split that have a text.
	Examples []Example
	// Indexed counts the index items of the requested split.
	Indexed int
	// Missing counts, per language, the items of the split whose text is
	// not in the texts directory: they are not evaluated, and the figures
	// say so rather than silently covering fewer items.
	Missing map[string]int
}

// MissingTotal is the number of items of the split without a text.
func (r RealNews) MissingTotal() int {
	n := 0
	for _, v := range r.Missing {
		n += v
	}
	return n
}

// LoadRealNews reads every <lang>.jsonl of indexDir, keeps the items of the
// split, and joins them by id with the texts in textsDir. A missing texts
// directory or file leaves the items counted in Missing; a malformed line, a
// duplicate id, an item without outlet or a text whose URL differs from the
// index is an error.
func LoadRealNews(indexDir, textsDir, split string) (RealNews, error) {
	if !ValidSplit(split) {
		return RealNews{}, fmt.Errorf("unknown split %q (want %s, %s or %s)", split, SplitTune, SplitHeldout, SplitAll)
	}
	files, err := filepath.Glob(filepath.Join(indexDir, "*.jsonl"))
	if err != nil {
		return RealNews{}, fmt.Errorf("list real-news index: %w", err)
	}
	if len(files) == 0 {
		return RealNews{}, fmt.Errorf("real-news index %s: no <lang>.jsonl files", indexDir)
	}
	slices.Sort(files)
	out := RealNews{Missing: make(map[string]int)}
	seen := make(map[string]string)
	for _, f := range files {
		var idx []IndexEntry
		if err := readJSONL(f, func(line int, b []byte) error {
			var e IndexEntry
			if err := strictDecode(b, &e); err != nil {
				return err
			}
			switch {
			case e.ID == "":
				return errors.New("missing id")
			case e.Outlet == "":
				return fmt.Errorf("%s: missing outlet (the split derives from it)", e.ID)
			case e.Lang == "":
				return fmt.Errorf("%s: missing lang", e.ID)
			}
			if first, dup := seen[e.ID]; dup {
				return fmt.Errorf("duplicate id %q (first in %s)", e.ID, first)
			}
			seen[e.ID] = fmt.Sprintf("%s:%d", f, line)
			if split == SplitAll || SplitOf(e.Outlet) == split {
				idx = append(idx, e)
			}
			return nil
		}); err != nil {
			return RealNews{}, err
		}
		out.Indexed += len(idx)
		texts := make(map[string]TextEntry)
		tf := filepath.Join(textsDir, filepath.Base(f))
		err := readJSONL(tf, func(_ int, b []byte) error {
			var t TextEntry
			if err := strictDecode(b, &t); err != nil {
				return err
			}
			if t.ID == "" {
				return errors.New("missing id")
			}
			texts[t.ID] = t
			return nil
		})
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return RealNews{}, err
		}
		for _, e := range idx {
			t, ok := texts[e.ID]
			if !ok || strings.TrimSpace(t.Text) == "" {
				out.Missing[e.Lang]++
				continue
			}
			if t.URL != "" && t.URL != e.URL {
				return RealNews{}, fmt.Errorf("%s: %s: text URL %q differs from the index URL %q", tf, e.ID, t.URL, e.URL)
			}
			out.Examples = append(out.Examples, Example{
				ID: e.ID, Lang: e.Lang, Title: t.Title, Text: t.Text,
				Themes: e.Themes, Parties: e.Parties, HardNegative: e.HardNegative, Outlet: e.Outlet,
			})
		}
	}
	return out, nil
}

// readJSONL calls fn for every non-blank line of path; an error names the
// file and line.
func readJSONL(path string, fn func(line int, b []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	if err := scanLines(f, fn); err != nil {
		var le lineError
		if errors.As(err, &le) {
			return fmt.Errorf("%s:%d: %w", path, le.line, le.err)
		}
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// strictDecode decodes one JSON value, refusing unknown fields and trailing values.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}
