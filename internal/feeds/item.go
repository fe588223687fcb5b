package feeds

import "time"

// DateSource says where an item's Published time came from.
type DateSource string

// Date sources, in order of preference.
const (
	DatePublished DateSource = "published"  // the feed's published/pubDate
	DateUpdated   DateSource = "updated"    // the feed's updated time, no published time given
	DateFirstSeen DateSource = "first_seen" // no usable date in the feed: the time we first saw it
	DateClamped   DateSource = "clamped"    // the feed's date was in the future: clamped to the fetch time
)

// Item is one article from a feed after normalisation: plain text, a canonical
// link, a stable identity and a trustworthy publication time.
type Item struct {
	// Key is the stable identity of the article: "guid:<guid>", else
	// "link:<canonical link>", else "hash:<hex sha256 of title+text>".
	Key string
	// GUID is the feed's own id for the item (RSS guid, Atom id, JSON Feed id), may be empty.
	GUID string
	// Link is the canonical absolute URL of the article, may be empty.
	Link string
	// Title and Text are plain UTF-8 text: HTML stripped, entities decoded,
	// whitespace collapsed. Text comes from content, else description/summary.
	Title string
	Text  string
	// Lang is the item's language when the feed says so (BCP 47 base, e.g. "es"), may be empty.
	Lang string
	// Published is in UTC, never after the fetch time.
	Published  time.Time
	DateSource DateSource
}
