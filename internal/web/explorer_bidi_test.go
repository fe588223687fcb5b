package web

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tensiontracker/tracker/internal/store"
)

// bidiTitle displays as "exe.png" where the override is honoured.
const bidiTitle = "\u202Egnp.exe"

// bidiFake serves one article (stored before normalisation dropped bidi
// controls, so they are still in the database) through the fixture fake.
func bidiFake() *fakeSource {
	src := newFixtureFake()
	a := src.articles[wireID]
	a.Title = bidiTitle
	a.Text = "Attachment \u2066\u202Efdp.gnp\u2069 sent; " + a.Text
	a.Themes = nil // the highlights' offsets belong to the original text
	a.Cluster = []store.ClusterMember{{ID: copyID, Title: "copy \u202Bof\u202C " + bidiTitle, Link: "https://regional.example.net/a/102"}}
	src.articles[wireID] = a
	src.page.Articles[0].Title = bidiTitle
	return src
}

// TestBidiControlsNeutralised: bidi override, embedding and isolate
// controls in stored titles and text never reach the page, as characters or
// as character references, and feed-borne strings are isolated.
func TestBidiControlsNeutralised(t *testing.T) {
	t.Parallel()
	h, _ := testHandler(t, bidiFake(), testToken)
	for _, tt := range []struct {
		path string
		want []string
	}{
		{"/articles", []string{`<bdi>gnp.exe</bdi>`}},
		{fmt.Sprintf("/articles/%d", wireID), []string{
			`<title>gnp.exe · Tension tracker</title>`,
			`<h1 dir="auto">gnp.exe</h1>`,
			`<p dir="auto">Attachment fdp.gnp sent; `,
			`<bdi>copy of gnp.exe</bdi>`,
		}},
	} {
		res := get(t, h, tt.path)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s = %d", tt.path, res.status)
		}
		for _, bad := range []string{"\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069", "&#8238;", "&#x202", "&#x206"} {
			if strings.Contains(res.body, bad) {
				t.Errorf("GET %s contains %q", tt.path, bad)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(res.body, w) {
				t.Errorf("GET %s lacks %q", tt.path, w)
			}
		}
	}
}

// TestBrowserBidiTitleNotReversed renders the article in headless Chromium
// and measures where the title's first and last letters are drawn: "gnp.exe"
// must read left to right ("g" left of the final "e"), not as "exe.png".
func TestBrowserBidiTitleNotReversed(t *testing.T) {
	ctx := browser(t)
	h, _ := testHandler(t, bidiFake(), testToken)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	step(t, ctx, chromedp.Navigate(fmt.Sprintf("%s/articles/%d", srv.URL, wireID)))
	// x of the first and of the last character of the h1's text.
	const js = `(() => {
		const h = document.querySelector('h1');
		const walker = document.createTreeWalker(h, NodeFilter.SHOW_TEXT);
		const nodes = [];
		while (walker.nextNode()) nodes.push(walker.currentNode);
		const first = nodes[0], last = nodes[nodes.length - 1];
		const x = (node, i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1); return r.getBoundingClientRect().left; };
		return [h.textContent, String(x(first, 0)), String(x(last, last.length - 1))];
	})()`
	got := run(t, ctx, chromedp.Evaluate[[]string](js))
	if len(got) != 3 {
		t.Fatalf("evaluate returned %q", got)
	}
	if got[0] != "gnp.exe" {
		t.Errorf("title text %q, want %q", got[0], "gnp.exe")
	}
	var first, last float64
	fmt.Sscan(got[1], &first)
	fmt.Sscan(got[2], &last)
	if !(first < last) {
		t.Errorf("the title renders reversed: first letter at x=%v, last at x=%v", first, last)
	}
}
