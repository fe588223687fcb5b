// Package netpolicy decides which IP addresses the tracker may fetch feeds
// from. A feed URL, a redirect or a DNS answer can point the fetcher at the
// cloud metadata service (169.254.169.254) or other internal services; the
// policy is a list of denied networks, given by class name or CIDR, checked
// against the address actually dialled.
package netpolicy

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Classes of addresses an operator can deny by name. Each name stands for a
// fixed set of prefixes.
var classes = map[string][]netip.Prefix{
	// Link-local: never a feed server; where cloud metadata and other
	// host-local services live.
	"link_local": prefixes("169.254.0.0/16", "fe80::/10"),
	// Cloud instance metadata endpoints, also those outside link-local
	// (AWS IMDS over IPv6, Alibaba Cloud), so that allowing link_local does
	// not open them.
	"metadata": prefixes("169.254.169.254/32", "169.254.170.2/32", "fd00:ec2::254/128", "100.100.100.200/32"),
	// This host. 0.0.0.0 and :: reach it too when dialled.
	"loopback": prefixes("127.0.0.0/8", "::1/128", "0.0.0.0/8", "::/128"),
	// RFC 1918, unique local IPv6 and carrier-grade NAT space.
	"private": prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10"),
}

// Default is the policy applied when the operator sets none: link-local
// and metadata addresses are refused; loopback and private networks are
// allowed (feeds on an intranet, tests and demos on loopback).
func Default() []string { return []string{"link_local", "metadata"} }

// Classes returns the class names, sorted, for messages and docs.
func Classes() []string {
	names := make([]string, 0, len(classes))
	for n := range classes {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// rule is one denied network and the entry of the policy it came from.
type rule struct {
	prefix netip.Prefix
	entry  string
}

// Policy is a set of denied networks. The zero value denies nothing; a nil
// *Policy too.
type Policy struct{ rules []rule }

// ParseEntry checks one entry: a class name, a CIDR prefix or a single IP
// address.
func ParseEntry(s string) ([]netip.Prefix, error) {
	if ps, ok := classes[s]; ok {
		return ps, nil
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("invalid network %q: %v", s, err)
		}
		return []netip.Prefix{p.Masked()}, nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return nil, fmt.Errorf("invalid network %q: not one of %s, a CIDR prefix or an IP address", s, strings.Join(Classes(), ", "))
	}
	a = a.Unmap()
	return []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}, nil
}

// New builds a policy from entries (see ParseEntry).
func New(entries []string) (*Policy, error) {
	p := &Policy{}
	for _, e := range entries {
		ps, err := ParseEntry(e)
		if err != nil {
			return nil, err
		}
		for _, pr := range ps {
			p.rules = append(p.rules, rule{prefix: pr, entry: e})
		}
	}
	return p, nil
}

// ErrDenied is matched (errors.Is) by every *DeniedError.
var ErrDenied = errors.New("address denied by policy")

// DeniedError says which address was refused and why.
type DeniedError struct {
	Addr   netip.Addr
	Prefix netip.Prefix
	Entry  string // the policy entry that denies it ("link_local", "10.0.0.0/8")
}

func (e *DeniedError) Error() string {
	if e.Entry == e.Prefix.String() || e.Entry == e.Addr.String() {
		return fmt.Sprintf("address %s is denied by global.deny_networks entry %s", e.Addr, e.Entry)
	}
	return fmt.Sprintf("address %s is denied by global.deny_networks entry %s (%s)", e.Addr, e.Entry, e.Prefix)
}

// Is makes errors.Is(err, ErrDenied) true.
func (e *DeniedError) Is(target error) bool { return target == ErrDenied }

// Check returns a *DeniedError when a is in a denied network. IPv4-mapped
// IPv6 addresses (::ffff:169.254.169.254) are checked as IPv4.
func (p *Policy) Check(a netip.Addr) error {
	if p == nil {
		return nil
	}
	a = a.Unmap().WithZone("")
	for _, r := range p.rules {
		if r.prefix.Contains(a) {
			return &DeniedError{Addr: a, Prefix: r.prefix, Entry: r.entry}
		}
	}
	return nil
}

// CheckHost checks a URL host that is an IP literal ("169.254.169.254",
// "[fe80::1]" without brackets); host names are not resolved here, the
// dialler checks what they resolve to.
func (p *Policy) CheckHost(host string) error {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil
	}
	return p.Check(a)
}
