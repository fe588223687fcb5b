package scoring

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/tensiontracker/tracker/internal/config"
)

func parseLex(t testing.TB, src string) *config.Lexicon {
	t.Helper()
	l, err := config.ParseLexicon("test.yaml", []byte(src))
	if err != nil {
		t.Fatalf("ParseLexicon: %v", err)
	}
	return l
}

// newTest builds a scorer from YAML lexicons only (no built-in lexicon).
func newTest(t testing.TB, srcs ...string) *Scorer {
	t.Helper()
	var lexs []*config.Lexicon
	for _, src := range srcs {
		lexs = append(lexs, parseLex(t, src))
	}
	s, err := New(lexs, Options{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// matched returns term -> count of one theme's matches.
func matched(r Result, theme string) map[string]int {
	out := map[string]int{}
	for _, m := range r.Themes[theme].Matches {
		out[m.Term] = m.Count
	}
	return out
}

// spanTexts returns the original text under every span of the theme's matches.
func spanTexts(d Doc, r Result, theme string) []string {
	var out []string
	for _, m := range r.Themes[theme].Matches {
		for _, sp := range m.Spans {
			src := d.Text
			if sp.Field == "title" {
				src = d.Title
			}
			out = append(out, src[sp.Start:sp.End])
		}
	}
	slices.Sort(out)
	return out
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	s := newTest(t, "themes: {t: {terms: [x]}}")
	tests := []struct {
		in    string
		words []string
		flags map[int]uint16 // token index -> flags that must be set
	}{
		{"Ça va? México—EE.UU. naïve", []string{"Ça", "va", "México", "EE", "UU", "naïve"}, map[int]uint16{0: fCap, 3: fUpper}},
		{"the U.S. military and U.K.", []string{"the", "U.S.", "military", "and", "U.K."}, map[int]uint16{1: fUpper | fDotted, 4: fUpper | fDotted}},
		{"anti-dumping Côte d’Ivoire", []string{"anti", "dumping", "Côte", "d", "Ivoire"}, map[int]uint16{1: fJoin, 4: fJoin}},
		{"Me\u0301xico 3.5%", []string{"Me\u0301xico", "3", "5"}, nil},
		{"日本 and Москва.", []string{"日本", "and", "Москва"}, nil},
		{"Trade. War, peace", []string{"Trade", "War", "peace"}, map[int]uint16{1: fBreak | fSentStart, 2: fBreak}},
		{"", nil, nil},
		{"\xff\xfe bad utf8 \xc3", []string{"bad", "utf8"}, nil},
	}
	for _, tc := range tests {
		var sent int32
		toks, _ := tokenize(s.ft, s.wt.next, tc.in, false, nil, &sent)
		var got []string
		for _, tk := range toks {
			got = append(got, tc.in[tk.start:tk.end])
		}
		if !slices.Equal(got, tc.words) {
			t.Errorf("tokenize(%q) = %q, want %q", tc.in, got, tc.words)
			continue
		}
		for i, f := range tc.flags {
			if toks[i].flags&f != f {
				t.Errorf("tokenize(%q)[%d] flags %b lack %b", tc.in, i, toks[i].flags, f)
			}
		}
	}
}

func TestMatching(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  trade:
    terms:
      - sanction*
      - trade war
      - trade
      - arancel*
      - méxico
      - anti-dumping
      - {term: u.s. tariffs, weight: 2}
`)
	tests := []struct {
		name  string
		text  string
		want  map[string]int
		spans []string
	}{
		{"prefix", "Sanctions, sanctioned and sanction; not sanctity.", map[string]int{"sanction*": 3}, []string{"Sanctions", "sanction", "sanctioned"}},
		{"phrase", "A trade war, a Trade-War, a TRADE  WAR.", map[string]int{"trade war": 3}, []string{"TRADE  WAR", "Trade-War", "trade war"}},
		{"phrase not across punctuation", "They trade. War came later.", map[string]int{"trade": 1}, []string{"trade"}},
		{"word boundaries", "The tradesman trades; trade resumed.", map[string]int{"trade": 1}, []string{"trade"}},
		{"accents and inflection", "Los aranceles y el arancel de MEXICO y México.", map[string]int{"arancel*": 2, "méxico": 2}, []string{"MEXICO", "México", "arancel", "aranceles"}},
		{"decomposed accents", "Me\u0301xico", map[string]int{"méxico": 1}, []string{"Me\u0301xico"}},
		{"hyphen equals space", "anti dumping and anti-dumping", map[string]int{"anti-dumping": 2}, []string{"anti dumping", "anti-dumping"}},
		{"dotted acronym", "New U.S. tariffs and US tariffs.", map[string]int{"u.s. tariffs": 2}, []string{"U.S. tariffs", "US tariffs"}},
		{"multibyte offsets", "«Žluťoučký» — sanctions 🚢 trade war", map[string]int{"sanction*": 1, "trade war": 1}, []string{"sanctions", "trade war"}},
	}
	for _, tc := range tests {
		d := Doc{ID: tc.name, Text: tc.text}
		r := s.Score(d)
		if got := matched(r, "trade"); !mapsEqual(got, tc.want) {
			t.Errorf("%s: matches %v, want %v", tc.name, got, tc.want)
		}
		if got := spanTexts(d, r, "trade"); !slices.Equal(got, tc.spans) {
			t.Errorf("%s: span texts %q, want %q", tc.name, got, tc.spans)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestNegatives(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  trade:
    terms:
      - {term: tariff*, weight: 3}
      - {term: trade, weight: 3}
    negatives:
      - electricity tariff*
      - trade deadline
      - {term: transfer window, scope: article, factor: 0.5}
`)
	tests := []struct {
		name      string
		text      string
		matches   map[string]int
		negatives []string
		factor    float64 // expected score ratio to the same text without the article negative
	}{
		{"span removes overlap", "Electricity tariffs rise; the tariff on steel too.", map[string]int{"tariff*": 1}, []string{"electricity tariff*"}, 1},
		{"span only its own theme words", "Before the trade deadline the club sold him.", map[string]int{}, []string{"trade deadline"}, 1},
		{"article factor", "A tariff row before the transfer window.", map[string]int{"tariff*": 1}, []string{"transfer window"}, 0.5},
		{"no negative", "A tariff on steel.", map[string]int{"tariff*": 1}, nil, 1},
	}
	for _, tc := range tests {
		r := s.Score(Doc{Text: tc.text})
		ts := r.Themes["trade"]
		if got := matched(r, "trade"); !mapsEqual(got, tc.matches) {
			t.Errorf("%s: matches %v, want %v", tc.name, got, tc.matches)
		}
		var negs []string
		for _, n := range ts.Negatives {
			negs = append(negs, n.Term)
		}
		if !slices.Equal(negs, tc.negatives) {
			t.Errorf("%s: negatives %v, want %v", tc.name, negs, tc.negatives)
		}
		if tc.factor != 1 {
			plain := s.Score(Doc{Text: strings.ReplaceAll(tc.text, "transfer window", "new season")}).Themes["trade"].Score
			if got := ts.Score; math.Abs(got-plain*tc.factor) > 1e-3 {
				t.Errorf("%s: score %v, want %v × %v", tc.name, got, plain, tc.factor)
			}
		}
	}
}

func TestNearRules(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  sovereignty:
    terms:
      - {term: soil, weight: 2, near: [troops, foreign boots], within: 4}
      - {term: annex, near: [territory]}
`)
	tests := []struct {
		text  string
		want  map[string]int
		rules []string
	}{
		{"No foreign troops on our soil.", map[string]int{"soil": 1}, []string{"near:soil"}},
		{"No foreign boots on this soil.", map[string]int{"soil": 1}, []string{"near:soil"}},
		{"Troops arrived in the morning, and later that week farmers said the soil was dry.", map[string]int{}, nil},
		{"Farmers said the soil was dry.", map[string]int{}, nil},
		{"They will annex it. Much later, far away, the territory was quiet.", map[string]int{"annex": 1}, []string{"near:annex"}},
		{"See the annex to the report.", map[string]int{}, nil},
	}
	for _, tc := range tests {
		r := s.Score(Doc{Text: tc.text})
		if got := matched(r, "sovereignty"); !mapsEqual(got, tc.want) {
			t.Errorf("%q: matches %v, want %v", tc.text, got, tc.want)
		}
		if got := r.Themes["sovereignty"].Rules; !slices.Equal(got, tc.rules) {
			t.Errorf("%q: rules %v, want %v", tc.text, got, tc.rules)
		}
	}
}

func TestScoreFormula(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
themes:
  trade:
    title_weight: 2
    terms:
      - {term: tariff*, weight: 3}
      - {term: embargo, weight: 1.5}
`)
	filler := func(n int) string { return strings.Repeat("the committee met again on Monday. ", n/6+1) }
	short := s.Score(Doc{Text: "A US tariff on Chinese steel."}).Themes["trade"]
	// One weight-3 term in a short text naming two countries is exactly
	// halfEvidence: 0.5, flagged.
	if short.Score != 0.5 || !short.Flagged {
		t.Errorf("short: %+v, want score 0.5 flagged", short)
	}
	inTitle := s.Score(Doc{Title: "A tariff on steel", Text: "Officials met."}).Themes["trade"]
	if want := 0.75; inTitle.Score != want { // evidence 6 = 2 × halfEvidence
		t.Errorf("title: score %v, want %v", inTitle.Score, want)
	}
	repeated := s.Score(Doc{Text: "tariff tariff tariff tariff"}).Themes["trade"]
	// 3 + 1.5 + 0.75 + 0.375 = 5.625 evidence: repeats add ever less.
	if want := math.Round((1-math.Exp2(-5.625/3))*1e4) / 1e4; repeated.Score != want {
		t.Errorf("repeated: score %v, want %v", repeated.Score, want)
	}
	if repeated.Matches[0].Count != 4 || repeated.Matches[0].Evidence != 5.625 {
		t.Errorf("repeated: match %+v, want count 4 evidence 5.625", repeated.Matches[0])
	}
	long := s.Score(Doc{Text: filler(1000) + "A tariff on steel."}).Themes["trade"]
	if long.Score >= 0.25 || long.Flagged {
		t.Errorf("one stray word in a long article: %+v, want low", long)
	}
	lead := s.Score(Doc{Text: "Embargo, tariffs and a further embargo: Cuba and US tariff talks. " + filler(20)}).Themes["trade"]
	if !lead.Flagged {
		t.Errorf("short wire lead with several terms: %+v, want flagged", lead)
	}
	none := s.Score(Doc{Text: "Nothing here."}).Themes["trade"]
	if none.Score != 0 || none.Flagged || none.Matches == nil {
		t.Errorf("none: %+v, want zero score with an empty (non-nil) match list", none)
	}
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	s := newTest(t, `
lang: en
themes:
  trade:
    terms: [tariff*]
`, `
lang: es
themes:
  trade:
    terms: [arancel*, {term: tariff*, lang: en}]
`, `
themes:
  trade:
    terms: [usmca]
`)
	tests := []struct {
		doc      Doc
		wantLang string
		want     map[string]int
	}{
		{Doc{Text: "The tariffs and the aranceles were said to be in the USMCA."}, "en", map[string]int{"tariff*": 1, "usmca": 1}},
		{Doc{Text: "Los aranceles y las tariffs del USMCA, según el gobierno, para que se aplique."}, "es", map[string]int{"arancel*": 1, "usmca": 1}},
		{Doc{Text: "tariffs aranceles", Lang: "es-MX"}, "es", map[string]int{"arancel*": 1}},
		{Doc{Text: "tariffs aranceles usmca", Lang: "pt"}, "pt", map[string]int{"usmca": 1}},
		{Doc{Text: "tariffs aranceles"}, "", map[string]int{"tariff*": 1, "arancel*": 1}},
		{Doc{Text: "Les droits de douane sont pour les importations et ce sont des tarifs qui ont été"}, "fr", map[string]int{}},
		{Doc{Text: "Die Zölle sind nicht mit den Regeln und der Vereinbarung, die auch für die Einfuhr gilt"}, "de", map[string]int{}},
	}
	for _, tc := range tests {
		r := s.Score(tc.doc)
		if r.Lang != tc.wantLang {
			t.Errorf("%q: lang %q, want %q", tc.doc.Text, r.Lang, tc.wantLang)
		}
		if got := matched(r, "trade"); !mapsEqual(got, tc.want) {
			t.Errorf("%q: matches %v, want %v", tc.doc.Text, got, tc.want)
		}
	}
}

func TestMergeAndVersion(t *testing.T) {
	t.Parallel()
	base := `
themes:
  trade:
    terms: [{term: tariff*, weight: 2}, embargo]
  security: {terms: [troops]}
`
	a := newTest(t, base)
	b := newTest(t, base)
	if a.Version() != b.Version() {
		t.Errorf("same lexicon, versions %q and %q", a.Version(), b.Version())
	}
	if !strings.HasPrefix(a.Version(), "sha256:") || len(a.Version()) != len("sha256:")+12 {
		t.Errorf("version %q, want sha256:<12 hex>", a.Version())
	}
	changed := newTest(t, strings.Replace(base, "weight: 2", "weight: 2.5", 1))
	if changed.Version() == a.Version() {
		t.Errorf("changed weight kept version %q", a.Version())
	}
	reordered := newTest(t, `
themes:
  security: {terms: [troops]}
  trade:
    terms: [embargo, {term: tariff*, weight: 2}]
`)
	if reordered.Version() != a.Version() {
		t.Errorf("reordered lexicon changed version: %q vs %q", reordered.Version(), a.Version())
	}
	explicit := newTest(t, base, "version: ops-2026-03\nthemes: {trade: {terms: [quota]}}")
	if explicit.Version() != "ops-2026-03" {
		t.Errorf("explicit version = %q", explicit.Version())
	}
	if got := a.Themes(); !slices.Equal(got, []string{"security", "trade"}) {
		t.Errorf("Themes() = %v", got)
	}

	// A later source overrides settings and re-weights a term; lists are unions.
	over := newTest(t, base, `
themes:
  trade:
    threshold: 0.9
    title_weight: 3
    terms: [{term: tariff*, weight: 6}, levy]
`)
	r := over.Score(Doc{Text: "A tariff and a levy and an embargo."})
	ts := r.Themes["trade"]
	if got := matched(r, "trade"); !mapsEqual(got, map[string]int{"tariff*": 1, "levy": 1, "embargo": 1}) {
		t.Errorf("merged matches %v", got)
	}
	for _, m := range ts.Matches {
		if m.Term == "tariff*" && m.Weight != 6 {
			t.Errorf("tariff weight %v, want 6 (overridden)", m.Weight)
		}
	}
	if ts.Score < 0.5 || ts.Flagged {
		t.Errorf("threshold 0.9: %+v, want a score under 0.9 not flagged", ts)
	}

	withBuiltin, err := New([]*config.Lexicon{parseLex(t, base)}, Options{Builtin: true})
	if err != nil {
		t.Fatal(err)
	}
	if withBuiltin.Version() == a.Version() {
		t.Error("built-in merge did not change the version")
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	bad := []struct {
		name string
		lex  *config.Lexicon
	}{
		{"no themes", &config.Lexicon{Source: "x.yaml"}},
		{"non-latin pattern", &config.Lexicon{Source: "x.yaml", Themes: map[string]*config.ThemeLexicon{"t": {Terms: []config.Term{{Pattern: "Москва", Weight: 1}}}}}},
		{"negative weight", &config.Lexicon{Source: "x.yaml", Themes: map[string]*config.ThemeLexicon{"t": {Terms: []config.Term{{Pattern: "x", Weight: -1}}}}}},
		{"bad scope", &config.Lexicon{Source: "x.yaml", Themes: map[string]*config.ThemeLexicon{"t": {Terms: []config.Term{{Pattern: "x"}}, Negatives: []config.Negative{{Pattern: "y", Scope: "sentence"}}}}}},
		{"empty near", &config.Lexicon{Source: "x.yaml", Themes: map[string]*config.ThemeLexicon{"t": {Terms: []config.Term{{Pattern: "x", Near: []string{"--"}}}}}}},
	}
	for _, tc := range bad {
		if _, err := New([]*config.Lexicon{tc.lex}, Options{}); err == nil {
			t.Errorf("%s: New succeeded, want error", tc.name)
		} else if tc.lex.Themes != nil && !strings.Contains(err.Error(), "x.yaml") {
			t.Errorf("%s: error %q does not name the source", tc.name, err)
		}
	}
}

func TestDefaultLexicons(t *testing.T) {
	t.Parallel()
	lexs, err := DefaultLexicons()
	if err != nil {
		t.Fatal(err)
	}
	langs := map[string]bool{}
	for _, l := range lexs {
		langs[l.Lang] = true
	}
	for _, want := range []string{"", "en", "es", "fr", "de"} {
		if !langs[want] {
			t.Errorf("no built-in lexicon with lang %q", want)
		}
	}
	s := mustDefault(t)
	if got := s.Themes(); !slices.Equal(got, []string{"migration", "security", "sovereignty", "trade"}) {
		t.Errorf("default themes %v", got)
	}
}

func TestResultContract(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	r := s.Score(Doc{ID: "a1", Title: "Tariffs", Text: "Mexico and the US traded threats of tariffs and retaliatory tariffs."})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(b, &generic); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "lang", "lexicon_version", "themes", "countries", "dyads"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, b)
		}
	}
	trade := generic["themes"].(map[string]any)["trade"].(map[string]any)
	for _, k := range []string{"score", "flagged", "matches"} {
		if _, ok := trade[k]; !ok {
			t.Errorf("theme JSON lacks %q", k)
		}
	}
	if r.LexiconVersion != s.Version() {
		t.Errorf("result version %q, scorer %q", r.LexiconVersion, s.Version())
	}
	for _, d := range r.Dyads {
		if d.A >= d.B {
			t.Errorf("dyad %v not ordered", d)
		}
	}
	empty := s.Score(Doc{})
	if empty.Countries == nil || empty.Dyads == nil || len(empty.Themes) != 4 {
		t.Errorf("empty doc: %+v, want empty non-nil lists and every theme", empty)
	}
}

func TestParties(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	doc := Doc{
		Title: "China and the US agree trade truce",
		Text: "China and the United States agreed a 90-day trade truce on Sunday, cutting the tariffs each had imposed during the trade war. " +
			"Beijing will resume purchases of US soybeans, and Washington will suspend new export controls. " +
			"Officials in Japan and Germany welcomed the deal. The talks took place in Geneva, Switzerland.",
	}
	r := s.Score(doc)
	if len(r.Countries) < 2 || !slices.Equal(sortedCopy(r.Countries[:2]), []string{"CN", "US"}) {
		t.Fatalf("countries %v, want CN and US first", r.Countries)
	}
	for _, c := range []string{"CH", "JP", "DE"} {
		if slices.Contains(r.Countries, c) {
			t.Errorf("passing mention %s is a party: %v (mentions %v)", c, r.Countries, r.Mentions)
		}
		if !slices.Contains(r.Mentions, c) {
			t.Errorf("mention %s missing: %v", c, r.Mentions)
		}
	}
	if len(r.Dyads) == 0 || r.Dyads[0] != (Dyad{A: "CN", B: "US"}) {
		t.Errorf("dyads %v, want CN-US first", r.Dyads)
	}
	many := s.Score(Doc{Title: "Sanctions on Russia, Iran, North Korea, Belarus, Syria and Venezuela",
		Text: "Russia, Iran, North Korea, Belarus, Syria and Venezuela face new sanctions and export controls."})
	if len(many.Countries) > maxParties {
		t.Errorf("%d parties, cap is %d", len(many.Countries), maxParties)
	}
	if n := len(many.Countries); len(many.Dyads) != n*(n-1)/2 {
		t.Errorf("%d parties but %d dyads", n, len(many.Dyads))
	}
	calm := s.Score(Doc{Text: "Mexico beat the United States 2-1 in a friendly in Houston."})
	if len(calm.Countries) != 0 || len(calm.Dyads) != 0 || len(calm.Mentions) != 2 {
		t.Errorf("no friction: countries %v dyads %v mentions %v, want no parties but two mentions", calm.Countries, calm.Dyads, calm.Mentions)
	}
}

// unMembers are the 193 UN member states.
const unMembers = `AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI CV KH CM CA
CF TD CL CN CO KM CG CR CI HR CU CY CZ KP CD DK DJ DM DO EC EG SV GQ ER EE SZ ET FJ FI FR GA GM GE DE GH GR GD GT
GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO KZ KE KI KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH
MR MU MX FM MD MC MN ME MA MZ MM NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT QA KR RO RU RW KN LC
VC WS SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY TJ TZ TH TL TG TO TT TN TR TM TV UG UA AE GB
US UY UZ VU VE VN YE ZM ZW`

func TestGazetteerCoverage(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	members := strings.Fields(unMembers)
	if len(members) != 193 {
		t.Fatalf("test list has %d members", len(members))
	}
	extra := strings.Fields("EU XK TW PS VA GL HK MO PR GU NC PF FO GI BM KY AW CW RE AS VI VG MP FK EH")
	for _, c := range append(members, extra...) {
		if !slices.Contains(s.codes, c) {
			t.Errorf("gazetteer has no entry for %s", c)
		}
	}
	for _, c := range s.codes {
		if !config.IsCountryCode(c) {
			t.Errorf("gazetteer code %q is not a country code", c)
		}
	}
	// Each country name on its own is found.
	for _, tc := range []struct{ text, code string }{
		{"Talks in Kinshasa.", "CD"}, {"Talks in Brazzaville.", "CG"}, {"Officials in Pyongyang.", "KP"},
		{"A statement from the Kremlin.", "RU"}, {"Downing Street said.", "GB"}, {"The White House said.", "US"},
		{"Beijing said.", "CN"}, {"In Mexico City.", "MX"}, {"Türkiye said.", "TR"}, {"In Côte d'Ivoire.", "CI"},
		{"The U.S. said.", "US"}, {"Washington said.", "US"}, {"La Casa Blanca dijo.", "US"}, {"EE.UU. dijo.", "US"},
		{"Bruselas dijo.", "EU"}, {"The European Commission said.", "EU"}, {"Pristina said.", "XK"},
		{"Ramallah said.", "PS"}, {"Taipei said.", "TW"}, {"Nuuk said.", "GL"}, {"São Tomé and Príncipe.", "ST"},
	} {
		r := s.Score(Doc{Text: tc.text})
		if !slices.Equal(r.Mentions, []string{tc.code}) {
			t.Errorf("%q: mentions %v, want [%s]", tc.text, r.Mentions, tc.code)
		}
	}
}

func TestConcurrentScore(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	cases := loadCases(t)
	want := make([]string, len(cases))
	for i, c := range cases {
		b, _ := json.Marshal(s.Score(Doc{ID: c.ID, Title: c.Title, Text: c.Text, Lang: c.Lang}))
		want[i] = string(b)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(cases))
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range cases {
				i := (k + g*5) % len(cases)
				c := cases[i]
				b, _ := json.Marshal(s.Score(Doc{ID: c.ID, Title: c.Title, Text: c.Text, Lang: c.Lang}))
				if string(b) != want[i] {
					errs <- fmt.Sprintf("goroutine %d case %s differs", g, c.ID)
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func FuzzScore(f *testing.F) {
	for _, c := range loadCases(f) {
		f.Add(c.Title, c.Text, c.Lang)
	}
	f.Add("", "", "")
	f.Add("U.S.", "E.", "x-y")
	f.Add("\xff", "a.b.c. U.S.A. Me\u0301xico 日本 ß", "ES")
	s := mustDefault(f)
	f.Fuzz(func(t *testing.T, title, text, lang string) {
		r := s.Score(Doc{ID: "f", Title: title, Text: text, Lang: lang})
		for name, ts := range r.Themes {
			if ts.Score < 0 || ts.Score > 1 || math.IsNaN(ts.Score) {
				t.Fatalf("theme %s score %v out of [0,1]", name, ts.Score)
			}
			for _, m := range ts.Matches {
				for _, sp := range m.Spans {
					src := text
					if sp.Field == "title" {
						src = title
					}
					if sp.Start < 0 || sp.End > len(src) || sp.Start >= sp.End {
						t.Fatalf("span %+v out of range of %q", sp, src)
					}
				}
			}
		}
		if len(r.Countries) > maxParties {
			t.Fatalf("%d parties", len(r.Countries))
		}
		for _, d := range r.Dyads {
			if d.A >= d.B {
				t.Fatalf("dyad %v not ordered", d)
			}
		}
	})
}

// TestPathological scores articles built to make a naive matcher quadratic:
// thousands of overlapping negatives, near-rule terms with anchors, and trap
// names with their veto words. It must finish and stay within the contract.
func TestPathological(t *testing.T) {
	t.Parallel()
	s := mustDefault(t)
	chunks := []string{
		"security update security patch strike military drone strike ",
		"Georgia state Georgia Tech Jordan scored Chad Smith Turkey recipe China plates ",
		"tariff electricity tariff trade deadline trade war soil troops soil ",
		"U.S. U.S. US us USB EE.UU. e.u. ",
	}
	for _, c := range chunks {
		text := strings.Repeat(c, 200000/len(c)+1)
		r := s.Score(Doc{Title: c, Text: text})
		for name, ts := range r.Themes {
			if ts.Score < 0 || ts.Score > 1 {
				t.Errorf("%q: %s score %v", c, name, ts.Score)
			}
			for _, m := range ts.Matches {
				if len(m.Spans) > maxSpans {
					t.Errorf("%q: %d spans for %s, cap %d", c, len(m.Spans), m.Term, maxSpans)
				}
			}
		}
	}
}
