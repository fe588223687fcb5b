package feeds

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Tariffs rise again", "Tariffs rise again"},
		{"plain with messy whitespace", "  Tariffs\n\trise \u00a0 again  ", "Tariffs rise again"},
		{"named entities", "Trade &amp; security: M&eacute;xico &ndash; US", "Trade & security: México – US"},
		{"numeric entities", "Mexico&#8217;s &#x201C;red line&#x201D;", "Mexico’s “red line”"},
		{"entities without markup", "AT&amp;T &lt;b&gt; is text here", "AT&T <b> is text here"},
		{"bare ampersand", "Trade & security", "Trade & security"},
		{"inline tags join words", "Ex<b>amp</b>le and <a href=\"/x\">link</a>.", "Example and link."},
		{"block tags separate words", "<p>One</p><p>Two</p><div>Three</div><h2>Four</h2>", "One Two Three Four"},
		{"br variants", "line1<br>line2<br/>line3<BR />line4", "line1 line2 line3 line4"},
		{"lists and tables", "<ul><li>trade</li><li>migration</li></ul><table><tr><td>a</td><td>b</td></tr></table>", "trade migration a b"},
		{"nested tags", "<div><section><p><span><em><strong>deep</strong></em></span> text</p></section></div>", "deep text"},
		{"script dropped", "before<script>var s = '<p>not text</p>'; alert(1)</script>after", "before after"},
		{"style dropped", "<style>p { color: red }</style><p>visible</p>", "visible"},
		{"noscript dropped", "<p>story</p><noscript><img src=x>Enable JS</noscript>", "story"},
		{"template and iframe dropped", "a<template><p>tpl</p></template>b<iframe>frame text</iframe>c", "a b c"},
		{"uppercase script dropped", "x<SCRIPT type=text/javascript>evil()</SCRIPT>y", "x y"},
		{"unclosed script eats the rest", "safe text<script>document.write('x')", "safe text"},
		{"event handlers and javascript links", `<a href="javascript:alert(1)" onclick="steal()">click</a> <img src=x onerror="alert(2)">`, "click"},
		{"unclosed tags", "<p>open <b>bold <i>italic", "open bold italic"},
		{"broken tag at end", "text then <a href=", "text then"},
		{"comments removed", "a<!-- hidden <b>not</b> -->b", "ab"},
		{"doctype and cdata-like", "<!DOCTYPE html><p>x</p>", "x"},
		{"lone less-than", "2 < 3 and 5 > 4", "2 < 3 and 5 > 4"},
		{"controls removed", "a\x00b\x07c\u0085d", "abc d"},
		{"zero width and soft hyphen", "sove\u00adreignty\u200b", "sovereignty"},
		{"bidi override dropped", "\u202Egnp.exe", "gnp.exe"},
		{"bidi embeddings and isolates dropped", "a\u202Ab\u202Bc\u202Cd\u202De\u2066f\u2067g\u2068h\u2069i", "abcdefghi"},
		{"bidi override as entity dropped", "<p>&#x202E;gnp.exe</p> &#8238;x", "gnp.exe x"},
		{"right-to-left text kept", "\u0627\u0644\u0633\u0644\u0627\u0645 and \u200Fmarks", "\u0627\u0644\u0633\u0644\u0627\u0645 and \u200Fmarks"},
		{"invalid utf-8 replaced", "bad \xff byte", "bad \uFFFD byte"},
		{"entity inside markup", "<p>Bogot&aacute; &amp; Quito</p>", "Bogotá & Quito"},
		{"nbsp entity collapses", "a&nbsp;&nbsp;b", "a b"},
		{"self-closing script is not a container", "a<script/>b", "a b"},
		{"textarea kept as text", "<textarea>typed <b>text</b></textarea>", "typed <b>text</b>"},
		{"only markup", "<div><br/><img src=x></div>", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestPlainTextLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		limit    int
		want     string
	}{
		{"ascii fast path", "abcdef", 3, "abc"},
		{"no trailing space", "abc def", 4, "abc"},
		{"rune boundary fast path", "ééé", 5, "éé"},
		{"rune boundary markup", "<p>ééé</p>", 5, "éé"},
		{"markup", "<p>one</p><p>two</p>", 6, "one tw"},
		{"exact", "<b>abc</b>", 3, "abc"},
		{"no limit", "<b>abc</b>", -1, "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := plainText(tt.in, tt.limit)
			if got != tt.want {
				t.Errorf("plainText(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
			}
		})
	}
}

// Deep nesting must neither recurse nor blow up: the tokenizer keeps no tree.
func TestPlainTextDeepNesting(t *testing.T) {
	t.Parallel()
	const depth = 100000
	in := strings.Repeat("<div><span>", depth) + "core" + strings.Repeat("</span></div>", depth)
	if got := PlainText(in); got != "core" {
		t.Errorf("got %q", got)
	}
	in = strings.Repeat("<script>", depth) + "x"
	if got := PlainText(in); got != "" {
		t.Errorf("nested scripts: got %q", got)
	}
}

func FuzzPlainText(f *testing.F) {
	for _, s := range []string{
		"", "plain", "<p>a</p><p>b</p>", "a<script>b</script>c", "&amp;&eacute;&#8217;&#x0;",
		"<a href=\"javascript:x\" onclick=y>z", "<!--", "<![CDATA[x]]>", "\xff\xfe", "<title>t</title>",
		"<plaintext>&amp;<b>", "a\u00a0\u2003b", "<textarea>x", "\u202Egnp.exe", "&#x2066;x&#x2069;",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := PlainText(in)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 output %q", out)
		}
		if out != strings.TrimSpace(out) || strings.Contains(out, "  ") {
			t.Fatalf("whitespace not normalised: %q", out)
		}
		for _, r := range out {
			if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == '\n' || r == '\t' || IsBidiControl(r) {
				t.Fatalf("control character %U in %q", r, out)
			}
		}
		if strings.Contains(strings.ToLower(in), "<script") {
			// Whatever sits between <script> and </script> may not leak.
			if strings.Contains(in, "<script>SECRET</script>") && strings.Contains(out, "SECRET") {
				t.Fatalf("script content leaked: %q", out)
			}
		}
		// Idempotent on its own output once no markup is left.
		if !strings.ContainsAny(out, "<&") {
			if again := PlainText(out); again != out {
				t.Fatalf("not idempotent: %q -> %q", out, again)
			}
		}
		// The limit is honoured and only ever cuts.
		if lim := len(out) / 2; lim > 0 {
			cut := plainText(in, lim)
			if len(cut) > lim || !strings.HasPrefix(out, cut) {
				t.Fatalf("plainText(_, %d) = %q, not a prefix of %q", lim, cut, out)
			}
		}
	})
}
