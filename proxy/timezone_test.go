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
