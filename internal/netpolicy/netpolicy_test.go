package netpolicy

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestPolicy(t *testing.T) {
	t.Parallel()
	def, err := New(Default())
	if err != nil {
		t.Fatal(err)
	}
	strict, err := New([]string{"link_local", "metadata", "loopback", "private", "203.0.113.0/24", "2001:db8::1"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		addr           string
		def, strictDen bool
	}{
		{"169.254.169.254", true, true},
		{"169.254.0.1", true, true},
		{"::ffff:169.254.169.254", true, true},
		{"fe80::1", true, true},
		{"fe80::1%eth0", true, true},
		{"fd00:ec2::254", true, true},
		{"100.100.100.200", true, true},
		{"127.0.0.1", false, true},
		{"::1", false, true},
		{"0.0.0.0", false, true},
		{"10.1.2.3", false, true},
		{"172.20.0.1", false, true},
		{"192.168.1.1", false, true},
		{"fd12::1", false, true},
		{"203.0.113.7", false, true},
		{"2001:db8::1", false, true},
		{"2001:db8::2", false, false},
		{"93.184.216.34", false, false},
		{"2606:4700::1111", false, false},
	}
	for _, tt := range tests {
		a := netip.MustParseAddr(tt.addr)
		if err := def.Check(a); (err != nil) != tt.def {
			t.Errorf("default policy Check(%s) = %v, want denied %v", tt.addr, err, tt.def)
		}
		err := strict.Check(a)
		if (err != nil) != tt.strictDen {
			t.Errorf("strict policy Check(%s) = %v, want denied %v", tt.addr, err, tt.strictDen)
		}
		if err != nil && !errors.Is(err, ErrDenied) {
			t.Errorf("error %v does not match ErrDenied", err)
		}
	}
	if err := def.Check(netip.MustParseAddr("169.254.169.254")); err == nil || !strings.Contains(err.Error(), "link_local (169.254.0.0/16)") {
		t.Errorf("message %q does not name the entry and prefix", err)
	}
	var none *Policy
	if err := none.Check(netip.MustParseAddr("169.254.169.254")); err != nil {
		t.Errorf("nil policy denies: %v", err)
	}
	if err := def.CheckHost("metadata.google.internal"); err != nil {
		t.Errorf("CheckHost resolved a name: %v", err)
	}
	if err := def.CheckHost("169.254.169.254"); err == nil {
		t.Error("CheckHost allowed a metadata literal")
	}
}

func TestParseEntry(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"link_local", "private", "10.0.0.0/8", "10.1.2.3/8", "::1", "fd00::/8", "192.0.2.1"} {
		if _, err := ParseEntry(ok); err != nil {
			t.Errorf("ParseEntry(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "linklocal", "10.0.0.0/33", "300.1.1.1", "example.com"} {
		if _, err := ParseEntry(bad); err == nil {
			t.Errorf("ParseEntry(%q) accepted", bad)
		}
	}
	if _, err := ParseEntry("linklocal"); err == nil || !strings.Contains(err.Error(), "link_local, loopback, metadata, private") {
		t.Errorf("error for an unknown class does not list the classes: %v", err)
	}
}
