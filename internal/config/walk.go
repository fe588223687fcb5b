package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// nodeBudget bounds how many nodes one document may make the decoder visit.
// Aliases can make a small document expand to a huge tree ("billion laughs");
// real configs and lexicons stay far below this.
const nodeBudget = 1_000_000

// decoder walks the yaml.Node tree of one file, decoding into Go values and
// recording every problem with the file, line and field path.
type decoder struct {
	file      string
	errs      *errorList
	budget    int
	exhausted bool
}

func newDecoder(file string, errs *errorList) *decoder {
	return &decoder{file: file, errs: errs, budget: nodeBudget}
}

func (d *decoder) errorf(line int, field, format string, args ...any) {
	d.errs.add(d.file, line, field, fmt.Sprintf(format, args...))
}

func (d *decoder) errorAt(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errorf(line, field, format, args...)
}

// yamlLineRE extracts the line number from yaml.v3's syntax error messages
// ("yaml: line 4: did not find expected key").
var yamlLineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// parse parses data as a single YAML document and returns its root node, or
// nil after recording why there is none (syntax error, empty file, more than
// one document).
func (d *decoder) parse(data []byte) (root *yaml.Node) {
	defer func() {
		// yaml.v3 turns its own failures into errors, but a crash in a
		// third-party parser must still not take the daemon down on reload.
		if r := recover(); r != nil {
			d.errorf(0, "", "YAML parser failed: %v", r)
			root = nil
		}
	}()
	if len(bytes.TrimSpace(data)) == 0 {
		d.errorf(0, "", "file is empty")
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(0, "", "file is empty (only comments or document markers)")
			return nil
		}
		d.syntaxError(err)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorAt(&extra, "", "more than one YAML document in the file (remove the second \"---\")")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		d.errorf(0, "", "file is empty")
		return nil
	}
	root = doc.Content[0]
	if isNull(root) {
		d.errorAt(root, "", "file is empty (the document is null)")
		return nil
	}
	return root
}

func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if isParserProblem(m[2]) {
			// yaml.v3 reports parser (as opposed to scanner) errors with a
			// 0-based line; it points at where the unfinished construct began.
			line++
		}
		d.errorf(line, "", "YAML syntax error: %s", m[2])
		return
	}
	d.errorf(0, "", "YAML syntax error: %s", strings.TrimPrefix(msg, "yaml: "))
}

// parserProblems are the messages yaml.v3's parser (not its scanner) uses.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found duplicate %YAML directive",
	"found duplicate %TAG directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

func isParserProblem(msg string) bool {
	for _, p := range parserProblems {
		if msg == p {
			return true
		}
	}
	return false
}

// resolve follows aliases and charges the node budget. It returns nil once
// the budget is spent, after recording that once.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 100 {
			return nil
		}
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	d.budget--
	if d.budget < 0 {
		if !d.exhausted {
			d.exhausted = true
			d.errorAt(n, "", "document too large or too deeply aliased (more than %d nodes to decode); stopping here", nodeBudget)
		}
		return nil
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names a node's kind for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "null"
		case "!!bool":
			return fmt.Sprintf("boolean %s", n.Value)
		case "!!int", "!!float":
			return fmt.Sprintf("number %s", n.Value)
		case "!!str":
			return fmt.Sprintf("string %q", truncate(n.Value, 40))
		default:
			return fmt.Sprintf("%s value %q", n.ShortTag(), truncate(n.Value, 40))
		}
	}
	return "an unexpected node"
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}

// join builds a field path.
func join(path, key string) string {
	if !simpleKeyRE.MatchString(key) {
		key = strconv.Quote(key)
		if path == "" {
			return key
		}
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

var simpleKeyRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// mapping walks a mapping node whose keys must be among allowed, calling fn
// for each known key in document order. Unknown keys, duplicate keys and
// non-scalar keys are recorded as errors and skipped. A null node counts as
// an empty mapping. It reports whether n was a mapping (or null).
func (d *decoder) mapping(n *yaml.Node, path string, allowed []string, fn func(key string, k, v *yaml.Node)) bool {
	return d.entries(n, path, func(key string, k, v *yaml.Node) {
		for _, a := range allowed {
			if a == key {
				fn(key, k, v)
				return
			}
		}
		if s := suggest(key, allowed); s != "" {
			d.errorAt(k, join(path, key), "unknown field %q (did you mean %q?)", key, s)
		} else {
			d.errorAt(k, join(path, key), "unknown field %q (allowed: %s)", key, strings.Join(allowed, ", "))
		}
	})
}

// entries walks a mapping with free-form keys (theme names), rejecting
// duplicate, merge and non-scalar keys.
func (d *decoder) entries(n *yaml.Node, path string, fn func(key string, k, v *yaml.Node)) bool {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return n != nil
	}
	if n.Kind != yaml.MappingNode {
		d.errorAt(n, path, "expected a mapping, got %s", describe(n))
		return false
	}
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.resolve(n.Content[i]), n.Content[i+1]
		if k == nil {
			return true
		}
		if k.Kind != yaml.ScalarNode {
			d.errorAt(k, path, "mapping keys must be plain strings, got %s", describe(k))
			continue
		}
		key := k.Value
		if key == "<<" && k.ShortTag() == "!!merge" {
			d.errorAt(k, path, "merge keys (<<) are not supported; write the fields out")
			continue
		}
		if first, dup := seen[key]; dup {
			d.errorAt(k, join(path, key), "duplicate key %q (first defined at line %d)", key, first)
			continue
		}
		seen[key] = k.Line
		fn(key, k, v)
	}
	return true
}

// sequence walks a list, calling fn with each resolved item. A null node
// counts as an empty list. It reports whether n was a list (or null).
func (d *decoder) sequence(n *yaml.Node, path string, fn func(i int, item *yaml.Node)) bool {
	n = d.resolve(n)
	if n == nil || isNull(n) {
		return n != nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorAt(n, path, "expected a list, got %s", describe(n))
		return false
	}
	for i, item := range n.Content {
		item = d.resolve(item)
		if item == nil {
			return true
		}
		fn(i, item)
	}
	return true
}

// scalar returns n resolved when it is a non-null scalar, else records an
// error naming what was expected.
func (d *decoder) scalar(n *yaml.Node, path, want string) *yaml.Node {
	n = d.resolve(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorAt(n, path, "expected %s, got %s", want, describe(n))
		return nil
	}
	return n
}

// str decodes a string. Numbers and dates are taken as written (a version
// label "2024-06-01" or a name "24" is text to us); booleans are rejected
// because YAML's reading of an unquoted word is rarely what was meant.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	n = d.scalar(n, path, "a string")
	if n == nil {
		return "", false
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!timestamp":
		return n.Value, true
	case "!!bool":
		d.errorAt(n, path, "expected a string, got boolean %s (quote it if you mean the text)", n.Value)
	default:
		d.errorAt(n, path, "expected a string, got %s", describe(n))
	}
	return "", false
}

// float decodes a finite number; quoted numbers are rejected.
func (d *decoder) float(n *yaml.Node, path string) (float64, bool) {
	n = d.scalar(n, path, "a number")
	if n == nil {
		return 0, false
	}
	tag := n.ShortTag()
	if tag != "!!int" && tag != "!!float" {
		d.errorAt(n, path, "expected a number, got %s", describe(n))
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		d.errorAt(n, path, "invalid number %q", n.Value)
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorAt(n, path, "expected a finite number, got %s", n.Value)
		return 0, false
	}
	return f, true
}

// integer decodes a whole number that fits an int.
func (d *decoder) integer(n *yaml.Node, path string) (int, bool) {
	n = d.scalar(n, path, "an integer")
	if n == nil {
		return 0, false
	}
	if n.ShortTag() != "!!int" {
		d.errorAt(n, path, "expected an integer, got %s", describe(n))
		return 0, false
	}
	var i int64
	if err := n.Decode(&i); err != nil || i > math.MaxInt32 || i < math.MinInt32 {
		d.errorAt(n, path, "integer %s out of range", n.Value)
		return 0, false
	}
	return int(i), true
}

// boolean decodes true or false.
func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	n = d.scalar(n, path, "true or false")
	if n == nil {
		return false, false
	}
	if n.ShortTag() != "!!bool" {
		d.errorAt(n, path, "expected true or false, got %s", describe(n))
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		d.errorAt(n, path, "expected true or false, got %s", describe(n))
		return false, false
	}
	return b, true
}

// strItem is one string of a list, with where it came from so callers can
// report problems on the item's own line.
type strItem struct {
	val  string
	node *yaml.Node
	path string
}

// stringList decodes a list of strings. Items that are not strings are recorded
// as errors and left out.
func (d *decoder) stringList(n *yaml.Node, path string) []strItem {
	var out []strItem
	d.sequence(n, path, func(i int, item *yaml.Node) {
		p := index(path, i)
		if s, ok := d.str(item, p); ok {
			out = append(out, strItem{val: s, node: item, path: p})
		}
	})
	return out
}
