package audit

import (
	"strings"
	"testing"
	"time"
)

func TestCheckpointText(t *testing.T) {
	h := Hash{0: 0xc3, 31: 0x75}
	at := time.Date(2026, 3, 1, 6, 0, 0, 123456789, time.UTC)
	text := checkpointText("raqib.audit", 256, h, at)
	const want = "raqib.audit\n256\nwwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAHU=\ntime 2026-03-01T06:00:00.123456789Z\n"
	if text != want {
		t.Fatalf("text\n%q\nwant\n%q", text, want)
	}
	c, err := parseCheckpointText(text)
	if err != nil || c.origin != "raqib.audit" || c.size != 256 || c.hash != h || !c.time.Equal(at) {
		t.Fatalf("parse: %+v %v", c, err)
	}
}

func TestParseCheckpointTextRefuses(t *testing.T) {
	good := checkpointText("raqib.audit", 3, Hash{1}, t0)
	lines := strings.SplitAfter(good, "\n")
	with := func(i int, line string) string {
		l := append([]string(nil), lines...)
		l[i] = line
		return strings.Join(l, "")
	}
	cases := []struct{ name, text, says string }{
		{"no final newline", strings.TrimSuffix(good, "\n"), "does not end with a newline"},
		{"extra line", good + "more\n", "5 lines, want 4"},
		{"empty origin", with(0, "\n"), "origin: required"},
		{"size with a sign", with(1, "+3\n"), `checkpoint size: "+3"`},
		{"size with leading zero", with(1, "03\n"), `checkpoint size: "03"`},
		{"size too large", with(1, "18446744073709551616\n"), "checkpoint size"},
		{"short hash", with(2, "AAAA\n"), "checkpoint hash"},
		{"hash without padding", with(2, strings.TrimSuffix(lines[2], "=\n")+"\n"), "checkpoint hash"},
		{"no time prefix", with(3, "2026-03-01T06:00:00Z\n"), `does not start with "time "`},
		{"time not UTC", with(3, "time 2026-03-01T09:00:00+03:00\n"), "not an RFC 3339 UTC time"},
		{"time with trailing zeros", with(3, "time 2026-03-01T06:00:00.500Z\n"), "not an RFC 3339 UTC time"},
	}
	for _, c := range cases {
		if _, err := parseCheckpointText(c.text); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: %v, want %q", c.name, err, c.says)
		}
	}
}
