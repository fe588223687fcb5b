package feeds

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	xhtml "golang.org/x/net/html"
)

// Bounds on normalised fields. A hostile or broken feed can put megabytes in a
// single description; everything downstream (scorer, store, metrics) only
// needs the first part of an article to do its job.
const (
	maxTitleBytes = 1 << 10
	maxTextBytes  = 64 << 10
	maxGUIDBytes  = 1 << 10
	maxLinkBytes  = 4 << 10
)

// PlainText turns an HTML fragment (or plain text with entities) into plain
// UTF-8 text: tags are removed, the content of script, style, noscript,
// template, iframe, object, noembed and noframes elements is dropped, entities
// are decoded, block elements and <br> become spaces (inline ones such as <b>
// or <a> do not split words), runs of whitespace collapse to one space,
// control and zero-width characters are removed and the result is trimmed.
// Invalid UTF-8 becomes U+FFFD. Attributes, including event handlers and
// javascript: URLs, never reach the output.
func PlainText(s string) string {
	return plainText(s, -1)
}

// plainText is PlainText with an output limit in bytes (negative: none). The
// limit stops tokenizing early, so a huge hostile description costs no more
// than the part that is kept.
func plainText(s string, limit int) string {
	if strings.IndexByte(s, '<') < 0 {
		// Most titles and many descriptions carry no markup at all: skip the
		// tokenizer, which allocates a 4 KiB buffer per call.
		if strings.IndexByte(s, '&') >= 0 {
			s = html.UnescapeString(s)
		}
		if isClean(s) {
			return truncateUTF8(s, limit)
		}
		var w textWriter
		w.init(len(s), limit)
		w.write(s)
		return w.String()
	}

	var w textWriter
	w.init(len(s), limit)
	z := xhtml.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose content is dropped
	for !w.full() {
		tt := z.Next()
		switch tt {
		case xhtml.ErrorToken:
			// io.EOF is the normal end. The tokenizer reports no other error
			// for an in-memory reader, and for broken markup the text read so
			// far is the right answer anyway.
			return w.String()
		case xhtml.TextToken:
			if skip == 0 {
				w.writeBytes(z.Text())
			}
		case xhtml.StartTagToken:
			name := tagName(z.Raw())
			if skip == 0 && !isInline(name) {
				w.space()
			}
			if isDropped(name) {
				skip++
			}
		case xhtml.EndTagToken:
			name := tagName(z.Raw())
			if isDropped(name) && skip > 0 {
				skip--
			}
			if skip == 0 && !isInline(name) {
				w.space()
			}
		case xhtml.SelfClosingTagToken:
			name := tagName(z.Raw())
			if skip == 0 && !isInline(name) {
				w.space()
			}
		}
		// Comments and doctypes carry no article text.
	}
	return w.String()
}

// tagName returns the lowercased name of the tag whose raw text is raw
// ("<P class=x>", "</p>", "<br/>"), in a small fixed buffer: Tokenizer.TagName
// would allocate a copy per tag. Names longer than the buffer belong to no
// element treated specially and come back empty (a word-separating tag).
func tagName(raw []byte) tagBuf {
	var t tagBuf
	i := 1 // skip '<'
	if i < len(raw) && raw[i] == '/' {
		i++
	}
	for ; i < len(raw) && t.n < len(t.b); i++ {
		c := raw[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/' || c == '>' {
			break
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		t.b[t.n] = c
		t.n++
	}
	if i < len(raw) && t.n == len(t.b) {
		if c := raw[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '/' && c != '>' {
			t.n = 0 // too long to be one of ours
		}
	}
	return t
}

// tagBuf holds a lowercased tag name without allocating.
type tagBuf struct {
	b [12]byte
	n int
}

// isDropped reports whether an element's content is not article text.
func isDropped(name tagBuf) bool {
	switch string(name.b[:name.n]) {
	case "script", "style", "noscript", "template", "iframe", "noembed", "noframes", "object":
		return true
	}
	return false
}

// isInline reports whether an element sits inside a run of text, so that its
// tags must not split a word ("Ex<b>amp</b>le" is one word). Every other tag,
// including unknown ones, separates text.
func isInline(name tagBuf) bool {
	switch string(name.b[:name.n]) {
	case "a", "abbr", "acronym", "b", "bdi", "bdo", "big", "cite", "code", "data", "del",
		"dfn", "em", "font", "i", "ins", "kbd", "mark", "q", "s", "samp", "small",
		"span", "strike", "strong", "sub", "sup", "time", "tt", "u", "var", "wbr":
		return true
	}
	return false
}

// isClean reports whether s is already normalised plain text: valid UTF-8,
// single ASCII spaces only, no control characters, no leading or trailing
// space. It lets the common case return s without copying.
func isClean(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return false // let the writer decide about non-ASCII spaces and controls
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
			continue
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
		prevSpace = false
	}
	return true
}

// IsBidiControl reports whether r is a bidirectional embedding, override or
// isolate control (U+202A-U+202E, U+2066-U+2069). Feed text has no
// legitimate use for them that the page's own direction handling (dir="auto",
// <bdi>) does not cover, and they let a title such as "\u202Egnp.exe" display
// as "exe.png", or reorder the text around it. Normalisation drops them;
// the explorer also strips them when rendering articles stored before.
func IsBidiControl(r rune) bool {
	return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
}

// StripBidiControls returns s without the characters IsBidiControl matches.
func StripBidiControls(s string) string {
	if !strings.ContainsFunc(s, IsBidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if IsBidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// textWriter accumulates plain text, collapsing whitespace and dropping
// control characters as it goes.
type textWriter struct {
	b       strings.Builder
	limit   int  // maximum output bytes, negative for none
	pending bool // a space is owed before the next visible rune
	done    bool // limit reached
}

func (w *textWriter) init(n, limit int) {
	if limit >= 0 && n > limit {
		n = limit
	}
	w.b.Grow(n)
	w.limit = limit
}

func (w *textWriter) full() bool { return w.done }

// space records a word boundary; it is only written if visible text follows.
func (w *textWriter) space() {
	if w.b.Len() > 0 {
		w.pending = true
	}
}

func (w *textWriter) writeBytes(p []byte) {
	for len(p) > 0 && !w.done {
		// Runs of printable ASCII (most of any article) need no per-rune
		// checks: copy them whole.
		k := 0
		for k < len(p) && p[k] > ' ' && p[k] < 0x7f {
			k++
		}
		if k > 0 {
			w.writeASCII(p[:k])
			p = p[k:]
			continue
		}
		r, size := utf8.DecodeRune(p)
		w.writeRune(r)
		p = p[size:]
	}
}

// writeASCII writes a run of printable, non-space ASCII.
func (w *textWriter) writeASCII(p []byte) {
	extra := 0
	if w.pending {
		extra = 1
	}
	if w.limit >= 0 && w.b.Len()+extra+len(p) > w.limit {
		room := w.limit - w.b.Len() - extra
		if room > 0 {
			w.writeASCII(p[:room])
		}
		w.done = true
		return
	}
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	w.b.Write(p)
}

func (w *textWriter) write(s string) {
	for i := 0; i < len(s) && !w.done; {
		r, size := utf8.DecodeRuneInString(s[i:])
		w.writeRune(r)
		i += size
	}
}

func (w *textWriter) writeRune(r rune) {
	switch {
	case r == ' ' || r == '\n' || r == '\t' || r == '\r' || (r >= utf8.RuneSelf && unicode.IsSpace(r)):
		w.space()
		return
	case r < 0x20 || (r >= 0x7f && r <= 0x9f):
		return // controls carry no text
	case r == '\u200b' || r == '\ufeff' || r == '\u00ad':
		return // zero-width space, stray BOM, soft hyphen: invisible, and they split words for the scorer
	case IsBidiControl(r):
		return // see IsBidiControl
	}
	n := utf8.RuneLen(r)
	if n < 0 {
		r, n = utf8.RuneError, 3
	}
	extra := 0
	if w.pending {
		extra = 1
	}
	if w.limit >= 0 && w.b.Len()+extra+n > w.limit {
		w.done = true
		return
	}
	if w.pending {
		w.b.WriteByte(' ')
		w.pending = false
	}
	w.b.WriteRune(r)
}

func (w *textWriter) String() string { return w.b.String() }

// truncateUTF8 cuts s to at most limit bytes at a rune boundary (negative
// limit: no cut).
func truncateUTF8(s string, limit int) string {
	if limit < 0 || len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimRight(s[:cut], " ")
}
