package feeds

import (
	"bytes"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Canonical charset names reported in Result.Charset (WHATWG names, as
// returned by charset.Lookup).
const (
	charsetUTF8        = "utf-8"
	charsetWindows1252 = "windows-1252"
	charsetUTF16LE     = "utf-16le"
	charsetUTF16BE     = "utf-16be"
)

// decoding is the one way a body is turned into UTF-8.
type decoding struct {
	charset string            // name reported in Result.Charset
	skip    int               // BOM bytes to drop
	enc     encoding.Encoding // transcoder; nil when the bytes are passed through
}

// chooseDecoding decides on one decoding for a body.
//
// The evidence is weighed in this order: a BOM; the charset declared by the
// HTTP Content-Type, else by the XML prolog; then the bytes themselves (valid
// UTF-8, else windows-1252). A declared UTF-8 is trusted: invalid sequences
// become U+FFFD where they are, so one broken item cannot turn every other
// item into mojibake by flipping the whole body to windows-1252. A declared
// legacy charset loses to the bytes when they are valid UTF-8 with non-ASCII
// in them: legacy text that happens to be valid UTF-8 is vanishingly rare,
// while UTF-8 feeds with a stale "ISO-8859-1" prolog are common, and decoding
// those again would give "MÃ©xico".
//
// The body is scanned, not copied: decoding happens as the parser reads.
func chooseDecoding(b *body, contentType string) decoding {
	head := b.head(headBytes)
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return decoding{charset: charsetUTF8, skip: 3, enc: utf8Repair}
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return decoding{charset: charsetUTF16BE, skip: 2, enc: lookup(charsetUTF16BE)}
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return decoding{charset: charsetUTF16LE, skip: 2, enc: lookup(charsetUTF16LE)}
	}
	name := declaredCharset(head, contentType)
	switch name {
	case charsetUTF16LE, charsetUTF16BE:
		// Without a BOM the label is all we have; ASCII-looking bytes would
		// otherwise pass for UTF-8 because NUL is valid UTF-8.
		return decoding{charset: name, enc: lookup(name)}
	}
	st := scanUTF8(b.reader(0))
	switch {
	case st.valid && name == "":
		return decoding{charset: charsetUTF8}
	case name == charsetUTF8:
		// Declared UTF-8: trusted, repaired in place when needed.
		return decoding{charset: charsetUTF8, enc: repairIf(!st.valid)}
	case name == "":
		// Undeclared and invalid: the bytes decide between "UTF-8 with a
		// few bad bytes" and "windows-1252".
		if st.good > st.bad {
			return decoding{charset: charsetUTF8, enc: utf8Repair}
		}
		return decoding{charset: charsetWindows1252, enc: lookup(charsetWindows1252)}
	case st.valid && !st.ascii:
		return decoding{charset: charsetUTF8} // mislabelled UTF-8: do not decode twice
	case st.valid && !st.esc:
		// ASCII reads the same in every ASCII-compatible charset; only
		// escape-based ones such as ISO-2022-JP need decoding.
		return decoding{charset: name}
	}
	return decoding{charset: name, enc: lookup(name)}
}

// utf8Repair passes valid UTF-8 through and replaces each invalid sequence
// with U+FFFD.
var utf8Repair encoding.Encoding = unicode.UTF8

func repairIf(repair bool) encoding.Encoding {
	if repair {
		return utf8Repair
	}
	return nil
}

// lookup returns the WHATWG encoding of a canonical name.
func lookup(name string) encoding.Encoding {
	enc, _ := charset.Lookup(name)
	return enc
}

// reader returns the body decoded to UTF-8, with any XML prolog encoding
// rewritten to utf-8 (see rewriteProlog). Every byte sequence a transcoder
// cannot map comes out as U+FFFD, so the output is always valid UTF-8.
func (d decoding) reader(b *body) io.Reader {
	r := b.reader(d.skip)
	if d.enc != nil {
		r = transform.NewReader(r, d.enc.NewDecoder())
	}
	head := make([]byte, headBytes)
	n, _ := io.ReadFull(r, head)
	head = rewriteProlog(head[:n], true)
	return io.MultiReader(bytes.NewReader(head), r)
}

// toUTF8 returns the whole body decoded to UTF-8 and the charset it was
// decoded from. It is the in-memory form of chooseDecoding plus reader, for
// callers holding the body as one slice; body is not modified.
func toUTF8(b []byte, contentType string) ([]byte, string) {
	bd := bodyFromBytes(b)
	d := chooseDecoding(bd, contentType)
	out, err := io.ReadAll(d.reader(bd))
	if err != nil {
		// The decoders replace what they cannot map and never fail on
		// bad input; this is defensive.
		out = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	return out, d.charset
}

// utf8Stats is what scanUTF8 learns about a body.
type utf8Stats struct {
	valid bool // the whole body is valid UTF-8
	ascii bool // and has no byte >= 0x80
	esc   bool // it holds an ESC byte (ISO-2022 escape sequences)
	good  int  // valid non-ASCII sequences
	bad   int  // invalid bytes
}

// scanUTF8 reads r once, in a small buffer, and counts valid and invalid
// UTF-8 sequences; a sequence split between two reads is joined first.
func scanUTF8(r io.Reader) utf8Stats {
	st := utf8Stats{valid: true, ascii: true}
	buf := make([]byte, 32<<10)
	keep := 0 // bytes of an unfinished sequence carried to the next read
	for {
		n, err := io.ReadFull(r, buf[keep:])
		data := buf[:keep+n]
		eof := err != nil
		i := 0
		for i < len(data) {
			c := data[i]
			if c < utf8.RuneSelf {
				if c == 0x1B {
					st.esc = true
				}
				i++
				continue
			}
			st.ascii = false
			if !eof && !utf8.FullRune(data[i:]) {
				break
			}
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				st.bad++
				st.valid = false
			} else {
				st.good++
			}
			i += size
		}
		keep = copy(buf, data[i:])
		if eof {
			return st
		}
	}
}

// declaredCharset returns the canonical name of the charset declared by the
// Content-Type charset parameter, else by the XML prolog at the start of
// head; "" when neither names an encoding we know.
func declaredCharset(head []byte, contentType string) string {
	for _, label := range []string{contentTypeCharset(contentType), prologEncoding(head)} {
		if label == "" {
			continue
		}
		enc, name := charset.Lookup(label)
		// "replacement" is WHATWG's sink for dangerous labels (ISO-2022-KR,
		// HZ...): it decodes everything to one U+FFFD, so trust the bytes.
		if enc != nil && name != "replacement" {
			return name
		}
	}
	return ""
}

// contentTypeCharset returns the charset parameter of an HTTP Content-Type.
func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		return strings.TrimSpace(params["charset"])
	}
	// Servers send malformed headers ("text/xml; charset=utf-8;;"); look
	// for the parameter by hand rather than ignore it.
	const key = "charset="
	i := 0
	for ; i+len(key) <= len(contentType); i++ {
		// ASCII-only folding: strings.ToLower could change the length of
		// a header holding invalid UTF-8 and break the indexing.
		if strings.EqualFold(contentType[i:i+len(key)], key) {
			break
		}
	}
	if i+len(key) > len(contentType) {
		return ""
	}
	v := contentType[i+len(key):]
	if j := strings.IndexAny(v, "; \t"); j >= 0 {
		v = v[:j]
	}
	return strings.Trim(v, `"'`)
}

// maxPrologBytes bounds the search for the end of an XML declaration.
const maxPrologBytes = 512

// headBytes is how much of the start of a body is examined for a BOM and an
// XML declaration (with some leading whitespace before it).
const headBytes = 2 * maxPrologBytes

// xmlDecl locates the XML declaration at the start of b (after optional
// whitespace) and the value of its encoding pseudo-attribute. ok is false when
// there is no declaration; valStart == valEnd when it has no encoding.
func xmlDecl(b []byte) (valStart, valEnd int, ok bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	if !bytes.HasPrefix(b[i:], []byte("<?xml")) {
		return 0, 0, false
	}
	limit := min(len(b), i+maxPrologBytes)
	end := bytes.Index(b[i:limit], []byte("?>"))
	if end < 0 {
		return 0, 0, false
	}
	decl := b[i : i+end]
	k := bytes.Index(decl, []byte("encoding"))
	if k < 0 {
		return 0, 0, true
	}
	j := k + len("encoding")
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '\r' || decl[j] == '\n') {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return 0, 0, true
	}
	j++
	for j < len(decl) && (decl[j] == ' ' || decl[j] == '\t' || decl[j] == '\r' || decl[j] == '\n') {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return 0, 0, true
	}
	q := decl[j]
	closeQ := bytes.IndexByte(decl[j+1:], q)
	if closeQ < 0 {
		return 0, 0, true
	}
	return i + j + 1, i + j + 1 + closeQ, true
}

// prologEncoding returns the encoding declared by an XML prolog, or "".
func prologEncoding(b []byte) string {
	s, e, ok := xmlDecl(b)
	if !ok || s == e {
		return ""
	}
	return string(b[s:e])
}

// rewriteProlog makes the XML prolog (if any) declare utf-8, because gofeed's
// XML decoder would otherwise apply the declared charset to bytes that are
// already UTF-8. When the old name is at least as long as "utf-8" the value is
// replaced in place and padded with spaces after the closing quote, which the
// XML grammar allows; owned says whether b may be modified in place.
func rewriteProlog(b []byte, owned bool) []byte {
	s, e, ok := xmlDecl(b)
	if !ok || s == e || strings.EqualFold(string(b[s:e]), charsetUTF8) {
		return b
	}
	const utf8Name = charsetUTF8
	oldLen := e - s
	if oldLen >= len(utf8Name) {
		if !owned {
			b = bytes.Clone(b)
		}
		copy(b[s:], utf8Name)
		quote := b[e]
		b[s+len(utf8Name)] = quote
		for i := s + len(utf8Name) + 1; i <= e; i++ {
			b[i] = ' '
		}
		return b
	}
	out := make([]byte, 0, len(b)+len(utf8Name)-oldLen)
	out = append(out, b[:s]...)
	out = append(out, utf8Name...)
	out = append(out, b[e:]...)
	return out
}
