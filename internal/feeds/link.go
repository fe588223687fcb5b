package feeds

import (
	"net/url"
	"slices"
	"strings"
)

// trackingParams are query parameters that identify a campaign or a click,
// not the article: two links differing only in them are the same article.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "gclsrc": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "twclid": true, "yclid": true, "igshid": true, "mc_cid": true, "mc_eid": true,
	"ref": true, "ref_src": true, "ref_url": true, "referrer": true, "cmpid": true,
	"_ga": true, "_gl": true, "mkt_tok": true, "s_cid": true, "ocid": true,
	"at_medium": true, "at_campaign": true, "at_custom1": true, "at_custom2": true,
	"at_custom3": true, "at_custom4": true,
}

// trackingPrefixes catch whole families of campaign parameters.
var trackingPrefixes = []string{"utm_", "ns_", "pk_", "mtm_", "hsa_"}

// CanonicalLink returns raw as a canonical absolute http(s) URL: resolved
// against base when relative, scheme and host lowercased, default port,
// user info and fragment dropped, dot segments removed, an empty path made
// "/", tracking parameters (utm_*, fbclid, gclid, mc_cid, ref, ...) removed and
// the remaining query parameters sorted. It returns "" when raw cannot be
// parsed or is not an http or https URL.
func CanonicalLink(raw, base string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxLinkBytes {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	if !u.IsAbs() {
		b, err := url.Parse(strings.TrimSpace(base))
		if err != nil || !isHTTP(b.Scheme) || b.Host == "" {
			return ""
		}
		u = b.ResolveReference(u)
	} else {
		// Resolving an absolute reference removes its dot segments
		// ("/a/../b" -> "/b") and changes nothing else.
		u = new(url.URL).ResolveReference(u)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if !isHTTP(u.Scheme) || u.Opaque != "" {
		return ""
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return ""
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	if strings.IndexByte(host, ':') >= 0 {
		host = "[" + host + "]" // IPv6 literal
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	u.RawQuery = cleanQuery(u.RawQuery)
	u.ForceQuery = false
	return u.String()
}

func isHTTP(scheme string) bool {
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")
}

// cleanQuery drops tracking parameters and sorts the rest. It works on the
// raw pairs so that a parameter's original encoding survives untouched.
func cleanQuery(q string) string {
	if q == "" {
		return ""
	}
	pairs := strings.Split(q, "&")
	kept := pairs[:0]
	for _, p := range pairs {
		if p == "" {
			continue
		}
		key := p
		if i := strings.IndexByte(p, '='); i >= 0 {
			key = p[:i]
		}
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if isTracking(strings.ToLower(key)) {
			continue
		}
		kept = append(kept, p)
	}
	// Sort by key only, stable, so repeated keys keep their relative order
	// (their order can matter to the site).
	slices.SortStableFunc(kept, func(a, b string) int {
		return strings.Compare(queryKey(a), queryKey(b))
	})
	return strings.Join(kept, "&")
}

func queryKey(p string) string {
	if i := strings.IndexByte(p, '='); i >= 0 {
		return p[:i]
	}
	return p
}

func isTracking(key string) bool {
	if trackingParams[key] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}
