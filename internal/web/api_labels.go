package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tensiontracker/tracker/internal/store"
)

// Limits of the label endpoints' request bodies.
const (
	maxLabelBody  = 64 << 10
	maxImportBody = 32 << 20
	maxImportLine = 1 << 20
	maxKeyLen     = 4096
	maxVersionLen = 200
)

func toAPILabel(l store.Label) apiLabel {
	return apiLabel{
		ArticleID: l.ArticleID, ArticleKey: l.ArticleKey, Theme: l.Theme, Verdict: l.Verdict,
		Flagged: l.Flagged, Note: l.Note, Author: l.Author, At: l.At.UTC(), LexiconVersion: l.LexiconVersion,
	}
}

// authorize checks the Bearer token of a state-changing API call and answers
// 403 when it is missing or wrong.
func (e *Explorer) authorize(w http.ResponseWriter, r *http.Request) bool {
	token := e.opts.AdminToken()
	if token == "" {
		writeJSONError(w, http.StatusForbidden, "audit labels are disabled: no admin token is configured (web.admin_token_file)")
		return false
	}
	if !Authorized(r, token) {
		writeJSONError(w, http.StatusForbidden, "this endpoint needs the admin token as 'Authorization: Bearer <token>'")
		return false
	}
	return true
}

// apiLabelRequest is one label posted for an article.
type apiLabelRequest struct {
	Theme   string `json:"theme"`
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
	Author  string `json:"author"`
	// LexiconVersion, when given, must be the version the article is scored
	// under now: the client judged those flags.
	LexiconVersion string `json:"lexicon_version"`
}

type apiLabelsSaved struct {
	Saved  int        `json:"saved"`
	Labels []apiLabel `json:"labels"`
}

// apiPostLabels records labels of one article: a JSON object or an array of
// them, each {"theme", "verdict", "note", "author", "lexicon_version"}.
func (e *Explorer) apiPostLabels(w http.ResponseWriter, r *http.Request) {
	if !e.authorize(w, r) {
		return
	}
	id, err := parseID(r)
	if err != nil {
		writeJSONError(w, http.StatusNotFound, err.Error())
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxLabelBody))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	var reqs []apiLabelRequest
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		err = json.Unmarshal(b, &reqs)
	} else {
		var one apiLabelRequest
		err = json.Unmarshal(b, &one)
		reqs = []apiLabelRequest{one}
	}
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "the body is not a label object or an array of them: "+err.Error())
		return
	}
	ctx, cancel := e.ctx(r)
	defer cancel()
	a, err := e.src.ArticleDetail(ctx, id, e.opts.LexiconVersion())
	if err != nil {
		e.apiStoreFailed(w, r, "article "+strconv.FormatInt(id, 10), err)
		return
	}
	in := map[string]labelInput{}
	var author, version string
	for i, q := range reqs {
		if q.Theme == "" {
			writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("label %d: theme is missing", i+1))
			return
		}
		if _, dup := in[q.Theme]; dup {
			writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("label %d: theme %s is labelled twice", i+1, q.Theme))
			return
		}
		if i > 0 && (q.Author != author || q.LexiconVersion != version) {
			writeJSONError(w, http.StatusBadRequest, fmt.Sprintf("label %d: all labels of one request must have the same author and lexicon_version", i+1))
			return
		}
		author, version = q.Author, q.LexiconVersion
		in[q.Theme] = labelInput{Verdict: q.Verdict, Note: q.Note}
	}
	labels, err := e.labelsFor(a, in, author, version)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errRescored) {
			status = http.StatusConflict
		}
		writeJSONError(w, status, err.Error())
		return
	}
	counts, err := e.src.SaveLabels(ctx, labels)
	if err != nil && e.overloaded(w, r, "labels", err) {
		return
	}
	if err != nil {
		e.opts.Log.Error("save audit labels", "article", id, "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the labels could not be saved; the error has been logged")
		return
	}
	out := apiLabelsSaved{Saved: counts.Saved, Labels: make([]apiLabel, 0, len(labels))}
	for _, l := range labels {
		out.Labels = append(out.Labels, toAPILabel(l))
	}
	writeJSON(w, http.StatusCreated, out)
}

// apiExportLabels writes every label as JSON Lines, the format the import
// endpoint reads back.
func (e *Explorer) apiExportLabels(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := e.ctx(r)
	defer cancel()
	labels, err := e.src.Labels(ctx)
	if err != nil {
		e.apiStoreFailed(w, r, "labels", err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/x-ndjson")
	h.Set("Content-Disposition", `attachment; filename="tracker-labels.jsonl"`)
	h.Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, l := range labels {
		if err := enc.Encode(toAPILabel(l)); err != nil {
			e.opts.Log.Error("export labels", "err", err)
			return
		}
	}
	if err := bw.Flush(); err != nil {
		e.opts.Log.Warn("export labels: client went away", "err", err)
	}
}

// apiImportLine is an imported label: pointers tell a missing field from a
// zero one, since flagged and at carry meaning.
type apiImportLine struct {
	ArticleID      int64      `json:"article_id"`
	ArticleKey     string     `json:"article_key"`
	Theme          string     `json:"theme"`
	Verdict        string     `json:"verdict"`
	Flagged        *bool      `json:"flagged"`
	Note           string     `json:"note"`
	Author         string     `json:"author"`
	At             *time.Time `json:"at"`
	LexiconVersion string     `json:"lexicon_version"`
}

type apiImportResult struct {
	Received int `json:"received"`
	Saved    int `json:"saved"`
	Stale    int `json:"stale"`
	Unknown  int `json:"unknown"`
}

// apiImportLabels reads labels as JSON Lines (an export of this or another
// tracker) and stores them in one transaction. Every line is checked first:
// one bad line rejects the whole file, so an import is all or nothing. It
// is idempotent: a label is kept only when newer than the stored one.
func (e *Explorer) apiImportLabels(w http.ResponseWriter, r *http.Request) {
	if !e.authorize(w, r) {
		return
	}
	labels, err := readLabelLines(http.MaxBytesReader(w, r.Body, maxImportBody))
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := e.ctx(r)
	defer cancel()
	counts, err := e.src.SaveLabels(ctx, labels)
	if err != nil && e.overloaded(w, r, "labels", err) {
		return
	}
	if err != nil {
		e.opts.Log.Error("import audit labels", "err", err)
		writeJSONError(w, http.StatusInternalServerError, "the labels could not be saved; the error has been logged")
		return
	}
	e.opts.Log.Info("audit labels imported", "received", len(labels), "saved", counts.Saved, "stale", counts.Stale, "unknown", counts.Unknown)
	writeJSON(w, http.StatusOK, apiImportResult{Received: len(labels), Saved: counts.Saved, Stale: counts.Stale, Unknown: counts.Unknown})
}

// readLabelLines parses and validates a JSONL label file.
func readLabelLines(r io.Reader) ([]store.Label, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxImportLine)
	var labels []store.Label
	seen := map[string]int{}
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var in apiImportLine
		if err := json.Unmarshal(line, &in); err != nil {
			return nil, fmt.Errorf("line %d: not a label object: %v", n, err)
		}
		l, err := in.label()
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n, err)
		}
		// Two labels of the same article and theme in one file would make
		// the outcome depend on their order.
		id := l.ArticleKey + "\x00" + strconv.FormatInt(l.ArticleID, 10) + "\x00" + l.Theme
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("line %d: the same article and theme as line %d", n, prev)
		}
		seen[id] = n
		labels = append(labels, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	if len(labels) == 0 {
		return nil, errors.New("no labels in the body: send JSON Lines, one label per line, as GET /api/v1/labels exports")
	}
	return labels, nil
}

func (in apiImportLine) label() (store.Label, error) {
	switch {
	case in.ArticleKey == "" && in.ArticleID <= 0:
		return store.Label{}, errors.New("article_key (or article_id) is missing")
	case len(in.ArticleKey) > maxKeyLen || !validText(in.ArticleKey):
		return store.Label{}, errors.New("article_key is not a valid key")
	case !themeNameRE.MatchString(in.Theme):
		return store.Label{}, fmt.Errorf("theme %q is not a theme name", in.Theme)
	case in.Flagged == nil:
		return store.Label{}, errors.New("flagged is missing: say whether the tracker had flagged the theme")
	case in.At == nil || in.At.IsZero():
		return store.Label{}, errors.New("at is missing: the time the label was made (RFC 3339) decides which label is newer")
	case len(in.LexiconVersion) > maxVersionLen || !validText(in.LexiconVersion):
		return store.Label{}, errors.New("lexicon_version is not valid")
	case len(in.Author) > maxAuthor || !validText(in.Author):
		return store.Label{}, fmt.Errorf("author must be at most %d characters of text", maxAuthor)
	case len(in.Note) > maxNote || !validText(in.Note):
		return store.Label{}, fmt.Errorf("note must be at most %d characters of text", maxNote)
	}
	if err := checkVerdict(in.Theme, in.Verdict, *in.Flagged); err != nil {
		return store.Label{}, errors.New(strings.TrimPrefix(err.Error(), "parameter verdict: "))
	}
	id := in.ArticleID
	if in.ArticleKey != "" {
		// The key is the identity across databases; an id from another
		// database could name a different article here.
		id = 0
	}
	return store.Label{
		ArticleID: id, ArticleKey: in.ArticleKey, Theme: in.Theme, Verdict: in.Verdict,
		Flagged: *in.Flagged, Note: in.Note, Author: in.Author, At: in.At.UTC(), LexiconVersion: in.LexiconVersion,
	}, nil
}
