package feeds

import (
	"bytes"
	"encoding/binary"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func utf16Bytes(s string, order binary.AppendByteOrder) []byte {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

func TestToUTF8(t *testing.T) {
	t.Parallel()
	latin1Mexico := []byte("<rss><title>M\xe9xico \x93ok\x94 \x80</title></rss>")
	tests := []struct {
		name        string
		body        []byte
		contentType string
		want        string
		charset     string
	}{
		{"plain utf-8", []byte("<rss>México</rss>"), "", "<rss>México</rss>", "utf-8"},
		{"utf-8 BOM stripped", []byte("\xef\xbb\xbf<rss>México</rss>"), "", "<rss>México</rss>", "utf-8"},
		{"utf-16le BOM", append([]byte{0xff, 0xfe}, utf16Bytes(`<?xml version="1.0" encoding="UTF-16"?><rss>México</rss>`, binary.LittleEndian)...), "",
			`<?xml version="1.0" encoding="utf-8" ?><rss>México</rss>`, "utf-16le"},
		{"utf-16be BOM", append([]byte{0xfe, 0xff}, utf16Bytes(`<rss>São</rss>`, binary.BigEndian)...), "", `<rss>São</rss>`, "utf-16be"},
		{"utf-16le declared in header, no BOM", utf16Bytes(`<rss>ok</rss>`, binary.LittleEndian), "text/xml; charset=utf-16le", `<rss>ok</rss>`, "utf-16le"},
		{"undeclared windows-1252", latin1Mexico, "", "<rss><title>México “ok” €</title></rss>", "windows-1252"},
		{"header beats prolog", []byte(`<?xml version="1.0" encoding="utf-8"?><t>` + "Bogot\xe1</t>"), "text/xml; charset=\"ISO-8859-1\"",
			`<?xml version="1.0" encoding="utf-8"?><t>Bogotá</t>`, "windows-1252"},
		{"prolog when header has no charset", []byte(`<?xml version='1.0' encoding='iso-8859-15'?><t>` + "\xa4</t>"), "application/xml",
			`<?xml version='1.0' encoding='utf-8'      ?><t>€</t>`, "iso-8859-15"},
		{"koi8-r in prolog", []byte(`<?xml version="1.0" encoding="KOI8-R"?><t>` + "\xcd\xc9\xd2</t>"), "",
			`<?xml version="1.0" encoding="utf-8" ?><t>мир</t>`, "koi8-r"},
		{"short prolog label grows", []byte(`<?xml version="1.0" encoding="utf8"?><t>é</t>`), "", `<?xml version="1.0" encoding="utf-8"?><t>é</t>`, "utf-8"},
		{"utf-8 prolog untouched", []byte(`<?xml version="1.0" encoding="UTF-8"?><t>é</t>`), "", `<?xml version="1.0" encoding="UTF-8"?><t>é</t>`, "utf-8"},
		{"ascii body with latin1 label", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?><t>plain</t>`), "",
			`<?xml version="1.0" encoding="utf-8"     ?><t>plain</t>`, "windows-1252"},
		{"valid utf-8 with wrong header", []byte("<t>Perú</t>"), "text/xml; charset=windows-1252", "<t>Perú</t>", "utf-8"},
		{"unknown label falls back to sniffing", []byte("<t>Perú</t>"), "text/xml; charset=x-made-up", "<t>Perú</t>", "utf-8"},
		{"replacement label ignored", []byte("<t>ok</t>"), "text/xml; charset=iso-2022-kr", "<t>ok</t>", "utf-8"},
		{"mostly utf-8 with a stray byte", []byte("<t>Perú, México, Bogotá \xff</t>"), "", "<t>Perú, México, Bogotá \uFFFD</t>", "utf-8"},
		// A declared UTF-8 is trusted even when most non-ASCII bytes are
		// invalid: the bad bytes become U+FFFD where they are.
		{"declared utf-8 in header, windows-1252 bytes", []byte("<t>Per\xfa</t>"), "text/xml; charset=utf-8", "<t>Per\uFFFD</t>", "utf-8"},
		{"declared utf-8 in prolog, windows-1252 bytes", []byte(`<?xml version="1.0" encoding="UTF-8"?><t>Per` + "\xfa</t>"), "text/xml",
			`<?xml version="1.0" encoding="UTF-8"?><t>Per` + "\uFFFD</t>", "utf-8"},
		{"undeclared windows-1252 bytes", []byte("<t>Per\xfa</t>"), "text/xml", "<t>Perú</t>", "windows-1252"},
		{"malformed content type", []byte("<t>Bogot\xe1</t>"), "text/xml; charset=iso-8859-1;;", "<t>Bogotá</t>", "windows-1252"},
		{"invalid UTF-8 in a malformed header", []byte("<t>ok</t>"), "\xaaChArset=", "<t>ok</t>", "utf-8"},
		{"mixed-case charset in a malformed header", []byte("<t>Bogot\xe1</t>"), "text/xml;; CharSet=latin1", "<t>Bogotá</t>", "windows-1252"},
		{"json with latin1 header", []byte(`{"title":"Bogot` + "\xe1" + `"}`), "application/json; charset=iso-8859-1", `{"title":"Bogotá"}`, "windows-1252"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			orig := bytes.Clone(tt.body)
			got, cs := toUTF8(tt.body, tt.contentType)
			if string(got) != tt.want || cs != tt.charset {
				t.Errorf("toUTF8 = %q (%s), want %q (%s)", got, cs, tt.want, tt.charset)
			}
			if !utf8.Valid(got) {
				t.Errorf("output is not valid UTF-8: %q", got)
			}
			if !bytes.Equal(tt.body, orig) {
				t.Error("input modified")
			}
		})
	}
}

func TestPrologEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`<?xml version="1.0" encoding="ISO-8859-1"?><rss/>`, "ISO-8859-1"},
		{"\n  <?xml version='1.0' encoding = 'windows-1252' ?>", "windows-1252"},
		{`<?xml version="1.0"?><rss encoding="x"/>`, ""},
		{`<rss/>`, ""},
		{`<?xml version="1.0" encoding="unterminated`, ""},
		{`<?xml version="1.0" encoding=utf-8?>`, ""},
		{`{"encoding": "latin1"}`, ""},
	}
	for _, tt := range tests {
		if got := prologEncoding([]byte(tt.in)); got != tt.want {
			t.Errorf("prologEncoding(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
