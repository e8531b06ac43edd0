package proxy

import (
	"strings"
	"testing"
)

func TestValidTimeZone(t *testing.T) {
	for tz, want := range map[string]bool{
		"Europe/Berlin": true, "Etc/GMT+5": true, "UTC": true, "America/Argentina/Buenos_Aires": true, "Asia/Kolkata": true,
		"": false, "Local": false, "localtime": false, "Europe/Berlinn": false, "Mars/Olympus_Mons": false, "europe/berlin": false,
		"/etc/localtime": false, "Europe/../etc/passwd": false, "Europe/Berlin\n": false, "Europe": false,
		strings.Repeat("A", 65): false,
	} {
		if got := validTimeZone(tz); got != want {
			t.Errorf("validTimeZone(%q) = %v, want %v", tz, got, want)
		}
	}
}

// TestUnknownZone: "Etc/Unknown", what a browser reports when it cannot
// tell the machine's zone, is no zone rather than a 400 (the tag sends
// what the browser says); a made-up name still is one.
func TestUnknownZone(t *testing.T) {
	for _, tt := range []struct {
		tz, want string
		ok       bool
	}{
		{"Etc/Unknown", "", true},
		{"", "", true},
		{"Europe/Berlin", "Europe/Berlin", true},
		{"Etc/Unknownn", "", false},
	} {
		got, err := checkTimeZone("timeZone", tt.tz)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("checkTimeZone(%q) = %q, %v; want %q, ok %v", tt.tz, got, err, tt.want, tt.ok)
		}
	}
}
