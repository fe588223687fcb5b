package feeds

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/mmcdole/gofeed/atom"
	gjson "github.com/mmcdole/gofeed/json"
	"golang.org/x/text/transform"
)

// errEmptyBody is the parse error for a zero-length (or blank) body.
var errEmptyBody = errors.New("empty body")

// ParseBody decodes (see the charset rules on Fetch), parses and normalises an
// already-read feed body. contentType is the HTTP Content-Type header, used
// for its charset parameter; it may be "". feedLang is the configured
// language used when neither the feed nor an item declares one. A failure is
// a *FetchError with ReasonParse.
func (f *Fetcher) ParseBody(body []byte, contentType, feedLang string) (*Result, error) {
	res, err := f.parse(bodyFromBytes(body), contentType, feedLang, "")
	if err != nil {
		return nil, &FetchError{Reason: ReasonParse, Err: err}
	}
	res.Bytes = int64(len(body))
	return res, nil
}

// parse is ParseBody with the URL the body came from, against which
// relative links are resolved. The body is decoded as gofeed reads it, never
// copied whole.
func (f *Fetcher) parse(b *body, contentType, feedLang, feedURL string) (*Result, error) {
	if isBlank(b) {
		return nil, errEmptyBody
	}
	dec := chooseDecoding(b, contentType)
	r := bufio.NewReaderSize(dec.reader(b), 4096)
	start := firstNonSpace(r)
	if start == '<' {
		r = bufio.NewReaderSize(transform.NewReader(r, xmlCharRepair{}), 4096)
	}
	feed, err := f.parser.Parse(r)
	if err != nil {
		if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
			return nil, fmt.Errorf("not an RSS, Atom or JSON feed (%s): %w", sniffKind(b.head(512)), err)
		}
		return nil, fmt.Errorf("parse %s: %w", dec.charset, err)
	}

	now := f.opts.Now().UTC()
	res := &Result{
		Status:  StatusOK,
		Format:  feed.FeedType,
		Charset: dec.charset,
		Items:   make([]Item, 0, len(feed.Items)),
	}
	n := normaliser{
		now:      now,
		latest:   now.Add(f.opts.FutureSkew),
		base:     feedBase(feed.Link, feedURL),
		feedLang: firstNonEmpty(normLang(feed.Language), normLang(feedLang)),
		seen:     make(map[string]struct{}, len(feed.Items)),
	}
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		item, ok := n.item(it)
		if !ok {
			continue
		}
		if _, dup := n.seen[item.Key]; dup {
			continue
		}
		n.seen[item.Key] = struct{}{}
		if item.DateSource == DateClamped {
			res.FutureDated++
		}
		res.Items = append(res.Items, item)
	}
	return res, nil
}

// isBlank reports whether the body is empty or only whitespace.
func isBlank(b *body) bool {
	for i := 0; i < b.parts(); i++ {
		if len(bytes.TrimSpace(b.part(i))) > 0 {
			return false
		}
	}
	return true
}

// firstNonSpace peeks at the first byte after leading whitespace, 0 if none.
func firstNonSpace(r *bufio.Reader) byte {
	for n := 1; ; n++ {
		p, err := r.Peek(n)
		if len(p) < n {
			return 0
		}
		if c := p[n-1]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c
		}
		if err != nil || n == r.Size() {
			return 0
		}
	}
}

// sniffKind names what a non-feed body looks like, for the error message.
func sniffKind(b []byte) string {
	head := b[:min(len(b), 512)]
	switch {
	case bytes.Contains(bytes.ToLower(head), []byte("<html")), bytes.Contains(bytes.ToLower(head), []byte("<!doctype html")):
		return "looks like HTML"
	case len(bytes.TrimSpace(head)) > 0 && bytes.TrimSpace(head)[0] == '<':
		return "unknown XML root"
	}
	return "unrecognised content"
}

// feedBase is the URL relative item links resolve against: the feed's own
// site link (itself resolved against the feed URL), else the feed URL.
func feedBase(feedLink, feedURL string) string {
	if b := CanonicalLink(feedLink, feedURL); b != "" {
		return b
	}
	return feedURL
}

// normaliser holds what is shared by all items of one feed.
type normaliser struct {
	now, latest time.Time
	base        string
	feedLang    string
	seen        map[string]struct{}
}

// item normalises one gofeed item; ok is false for items with neither
// title nor text.
func (n *normaliser) item(it *gofeed.Item) (Item, bool) {
	var out Item
	out.Title = plainText(it.Title, maxTitleBytes)
	out.Text = plainText(it.Content, maxTextBytes)
	if out.Text == "" {
		out.Text = plainText(it.Description, maxTextBytes)
	}
	if out.Title == "" && out.Text == "" {
		return Item{}, false
	}

	link := it.Link
	if link == "" && len(it.Links) > 0 {
		link = it.Links[0]
	}
	out.Link = CanonicalLink(link, n.base)
	out.GUID = truncateUTF8(strings.TrimSpace(it.GUID), maxGUIDBytes)
	switch {
	case out.GUID != "":
		out.Key = "guid:" + out.GUID
	case out.Link != "":
		out.Key = "link:" + out.Link
	default:
		sum := sha256.Sum256([]byte(out.Title + "\n" + out.Text))
		out.Key = "hash:" + hex.EncodeToString(sum[:16])
	}

	out.Lang = firstNonEmpty(itemLang(it), n.feedLang)

	switch {
	case validTime(it.PublishedParsed):
		out.Published, out.DateSource = it.PublishedParsed.UTC(), DatePublished
	case validTime(it.UpdatedParsed):
		out.Published, out.DateSource = it.UpdatedParsed.UTC(), DateUpdated
	default:
		out.Published, out.DateSource = n.now, DateFirstSeen
	}
	if out.Published.After(n.latest) {
		out.Published, out.DateSource = n.now, DateClamped
	}
	return out, true
}

func validTime(t *time.Time) bool { return t != nil && !t.IsZero() }

// itemLang is the item's own declared language, if any.
func itemLang(it *gofeed.Item) string {
	if l := normLang(it.Custom[customLangKey]); l != "" {
		return l
	}
	if it.DublinCoreExt != nil {
		for _, l := range it.DublinCoreExt.Language {
			if l := normLang(l); l != "" {
				return l
			}
		}
	}
	return ""
}

// normLang reduces a language tag to its lowercase primary subtag
// ("es-MX" -> "es", "EN_us" -> "en"); "" if it does not look like one.
func normLang(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) < 2 || len(tag) > 8 {
		return ""
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return ""
		}
	}
	return strings.ToLower(tag)
}

// customLangKey carries a JSON Feed item's language through gofeed's
// universal Item, which has no field for it.
const customLangKey = "tracker language" // a space cannot occur in an XML element name, so no RSS element collides

// jsonTranslator is gofeed's JSON translator plus the per-item language of
// JSON Feed 1.1, which the default translation drops.
type jsonTranslator struct{}

// Translate implements gofeed.Translator.
func (jsonTranslator) Translate(feed any) (*gofeed.Feed, error) {
	var def gofeed.DefaultJSONTranslator
	out, err := def.Translate(feed)
	if err != nil {
		return nil, err
	}
	jf, ok := feed.(*gjson.Feed)
	if !ok || len(jf.Items) != len(out.Items) {
		return out, nil
	}
	for i, src := range jf.Items {
		if src == nil || src.Language == "" || out.Items[i] == nil {
			continue
		}
		if out.Items[i].Custom == nil {
			out.Items[i].Custom = make(map[string]string, 1)
		}
		out.Items[i].Custom[customLangKey] = src.Language
	}
	return out, nil
}

// atomTranslator is gofeed's Atom translator without its fallback of an
// entry's published time to its updated time: the normaliser must know
// which one it got (DateUpdated).
type atomTranslator struct{}

// Translate implements gofeed.Translator.
func (atomTranslator) Translate(feed any) (*gofeed.Feed, error) {
	var def gofeed.DefaultAtomTranslator
	out, err := def.Translate(feed)
	if err != nil {
		return nil, err
	}
	af, ok := feed.(*atom.Feed)
	if !ok || len(af.Entries) != len(out.Items) {
		return out, nil
	}
	for i, e := range af.Entries {
		if e != nil && e.PublishedParsed == nil && out.Items[i] != nil {
			out.Items[i].PublishedParsed = nil
			out.Items[i].Published = ""
		}
	}
	return out, nil
}
