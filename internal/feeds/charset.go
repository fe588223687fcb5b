package feeds

import (
	"bytes"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
)

// Canonical charset names reported in Result.Charset (WHATWG names, as
// returned by charset.Lookup).
const (
	charsetUTF8        = "utf-8"
	charsetWindows1252 = "windows-1252"
	charsetUTF16LE     = "utf-16le"
	charsetUTF16BE     = "utf-16be"
)

// toUTF8 decides on one decoding for body and returns the body as UTF-8, with
// any BOM removed and any XML prolog encoding rewritten to utf-8, plus the
// name of the charset it was decoded from.
//
// The evidence is weighed in this order: a BOM; the charset declared by the
// HTTP Content-Type, else by the XML prolog; then the bytes themselves (valid
// UTF-8, else windows-1252). A declared legacy charset loses to the bytes when
// they are valid UTF-8 with non-ASCII in them: legacy text that happens to be
// valid UTF-8 is vanishingly rare, while UTF-8 feeds with a stale
// "ISO-8859-1" prolog are common, and decoding those again would give
// "MÃ©xico".
//
// body is never modified; the result may share its memory when no change is
// needed.
func toUTF8(body []byte, contentType string) ([]byte, string) {
	var out []byte
	var name string
	owned := false // whether out is a fresh copy we may modify

	switch {
	case bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")):
		out, name = body[3:], charsetUTF8
		if !utf8.Valid(out) {
			out, owned = bytes.ToValidUTF8(out, []byte("\uFFFD")), true
		}
	case bytes.HasPrefix(body, []byte("\xFE\xFF")):
		out, name, owned = decodeWith(charsetUTF16BE, body[2:]), charsetUTF16BE, true
	case bytes.HasPrefix(body, []byte("\xFF\xFE")):
		out, name, owned = decodeWith(charsetUTF16LE, body[2:]), charsetUTF16LE, true
	default:
		out, name, owned = decide(body, declaredCharset(body, contentType))
	}
	return rewriteProlog(out, owned), name
}

// declaredCharset returns the canonical name of the charset declared by the
// Content-Type charset parameter, else by the XML prolog; "" when neither
// names an encoding we know.
func declaredCharset(body []byte, contentType string) string {
	for _, label := range []string{contentTypeCharset(contentType), prologEncoding(body)} {
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

// decide picks the decoding of a body without BOM given the declared charset
// name ("" for none) and returns the UTF-8 bytes, the charset used and whether
// the bytes are a fresh copy.
func decide(body []byte, name string) ([]byte, string, bool) {
	switch name {
	case "", charsetUTF8:
		return sniffUTF8(body)
	case charsetUTF16LE, charsetUTF16BE:
		// Without a BOM the label is all we have; ASCII-looking bytes would
		// otherwise pass for UTF-8 because NUL is valid UTF-8.
		return decodeWith(name, body), name, true
	}
	if utf8.Valid(body) {
		ascii := isASCII(body)
		if !ascii {
			return body, charsetUTF8, false // mislabelled UTF-8: do not decode twice
		}
		if bytes.IndexByte(body, 0x1B) < 0 {
			// ASCII reads the same in every ASCII-compatible charset; only
			// escape-based ones such as ISO-2022-JP need decoding.
			return body, name, false
		}
	}
	return decodeWith(name, body), name, true
}

// sniffUTF8 handles bodies declared UTF-8 or not declared at all: valid UTF-8
// is taken as is; otherwise the bytes decide between "UTF-8 with a few bad
// bytes" (replaced by U+FFFD) and "windows-1252 mislabelled or unlabelled".
func sniffUTF8(body []byte) ([]byte, string, bool) {
	if utf8.Valid(body) {
		return body, charsetUTF8, false
	}
	good, bad := 0, 0
	for i := 0; i < len(body); {
		if body[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(body[i:])
		if r == utf8.RuneError && size == 1 {
			bad++
		} else {
			good++
		}
		i += size
	}
	if good > bad {
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), charsetUTF8, true
	}
	return decodeWith(charsetWindows1252, body), charsetWindows1252, true
}

// decodeWith transcodes b from the named charset to UTF-8. The WHATWG
// decoders do not fail on bad input (unmappable bytes become U+FFFD); the
// error path is defensive.
func decodeWith(name string, b []byte) []byte {
	enc, _ := charset.Lookup(name)
	if enc == nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
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
