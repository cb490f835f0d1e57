package trackfile

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"raqib/internal/errs"
)

const (
	goodTrack = `{"type":"track","event":"measured","id":"T1","time":"2026-11-23T20:05:13.5Z","lat":34.4,"lon":40.95,"east_mps":0.1,"north_mps":-0.8,"sigma_m":9.1,"class":"person","p_person":0.8,"p_vehicle":0.1,"p_animal":0.1,"count":2,"obs":["S06-C027/1910"]}`
	goodAlert = `{"type":"alert","event":"raised","id":3,"time":"2026-11-23T20:06:12.25Z","rule":"inbound_crossing","phase":"instant","severity":"critical","track":"T1","lat":34.39,"lon":40.96,"sector":"S06","chainage_km":232.9755,"distance_m":3.2,"class":"person","count":2,"summary":"crossed","evidence":["S06-C027/1990"]}`
)

// edit returns line with the field's value replaced by val, or the field
// removed when val is "".
func edit(line, field, val string) string {
	key := `"` + field + `":`
	i := strings.Index(line, key)
	if i < 0 {
		if val == "" {
			return line
		}
		return line[:len(line)-1] + "," + key + val + "}"
	}
	j := i + len(key)
	depth, inStr := 0, false
	for ; j < len(line); j++ {
		c := line[j]
		if inStr {
			if c == '\\' {
				j++
			} else if c == '"' {
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '[', '{':
			depth++
		case ']':
			depth--
		case '}':
			if depth == 0 {
				goto done
			}
			depth--
		case ',':
			if depth == 0 {
				goto done
			}
		}
	}
done:
	if val == "" {
		start := i
		if line[i-1] == ',' {
			start = i - 1
		} else if j < len(line) && line[j] == ',' {
			j++
		}
		return line[:start] + line[j:]
	}
	return line[:i+len(key)] + val + line[j:]
}

func refList(n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"S/%d"`, i)
	}
	b.WriteByte(']')
	return b.String()
}

// TestBadTrackLines feeds a good line, a blank line and then the bad line:
// the error names the file, line 3 and the field.
func TestBadTrackLines(t *testing.T) {
	cases := []struct {
		name, line, want string
	}{
		{"not JSON", `{"type":"track",`, "tracks.ndjson:3: invalid JSON"},
		{"trailing data", goodTrack + ` 5`, "tracks.ndjson:3: invalid JSON"},
		{"array", `[1,2]`, "tracks.ndjson:3: not a JSON object"},
		{"no type", edit(goodTrack, "type", ""), "tracks.ndjson:3: type: missing"},
		{"type not a string", edit(goodTrack, "type", "1"), "tracks.ndjson:3: type: want a string"},
		{"unknown type", edit(goodTrack, "type", `"plot"`), `tracks.ndjson:3: type: unknown "plot" (want track or alert)`},
		{"unknown event", edit(goodTrack, "event", `"born"`), `tracks.ndjson:3: event: unknown "born" (want confirmed, measured, coasting, merged, deleted)`},
		{"no event", edit(goodTrack, "event", ""), "tracks.ndjson:3: event: missing"},
		{"no id", edit(goodTrack, "id", ""), "tracks.ndjson:3: id: missing"},
		{"numeric id", edit(goodTrack, "id", "17"), "tracks.ndjson:3: id: want a string"},
		{"no time", edit(goodTrack, "time", ""), "tracks.ndjson:3: time: missing"},
		{"bad time", edit(goodTrack, "time", `"yesterday"`), "tracks.ndjson:3: time: not an RFC 3339 time"},
		{"time a number", edit(goodTrack, "time", `5`), "tracks.ndjson:3: time: want an RFC 3339 time"},
		{"no lat", edit(goodTrack, "lat", ""), "tracks.ndjson:3: lat: missing"},
		{"null lat", edit(goodTrack, "lat", "null"), "tracks.ndjson:3: lat: missing"},
		{"lat out of range", edit(goodTrack, "lat", "91"), "tracks.ndjson:3: lat: must be -90..90"},
		{"lat a string", edit(goodTrack, "lat", `"34.4"`), "tracks.ndjson:3: lat: want a number"},
		{"lon out of range", edit(goodTrack, "lon", "-180.5"), "tracks.ndjson:3: lon: must be -180..180"},
		{"huge number", edit(goodTrack, "east_mps", "1e999"), "tracks.ndjson:3: east_mps: number out of range"},
		{"fast", edit(goodTrack, "north_mps", "1200"), "tracks.ndjson:3: north_mps: must be -1000..1000"},
		{"no velocity", edit(goodTrack, "north_mps", ""), "tracks.ndjson:3: north_mps: missing"},
		{"negative sigma", edit(goodTrack, "sigma_m", "-1"), "tracks.ndjson:3: sigma_m: must be 0..1000000"},
		{"unknown class", edit(goodTrack, "class", `"drone"`), `tracks.ndjson:3: class: unknown "drone"`},
		{"probability", edit(goodTrack, "p_vehicle", "1.5"), "tracks.ndjson:3: p_vehicle: must be 0..1"},
		{"no probability", edit(goodTrack, "p_animal", ""), "tracks.ndjson:3: p_animal: missing"},
		{"fractional count", edit(goodTrack, "count", "1.5"), "tracks.ndjson:3: count: want a whole number"},
		{"negative count", edit(goodTrack, "count", "-1"), "tracks.ndjson:3: count: must be 0..1000000"},
		{"friendly not bool", edit(goodTrack, "friendly", `"yes"`), "tracks.ndjson:3: friendly: want true or false"},
		{"merged without survivor", edit(goodTrack, "event", `"merged"`), "tracks.ndjson:3: merged_into: missing"},
		{"obs not a list", edit(goodTrack, "obs", `"S/1"`), "tracks.ndjson:3: obs: want an array of strings"},
		{"obs of numbers", edit(goodTrack, "obs", `[1,2]`), "tracks.ndjson:3: obs: want an array of strings"},
		{"obs without seq", edit(goodTrack, "obs", `["S/1","S06-C027"]`), `tracks.ndjson:3: obs[1]: "S06-C027" is not SENSOR/SEQ`},
		{"obs negative seq", edit(goodTrack, "obs", `["S/-1"]`), `tracks.ndjson:3: obs[0]: "S/-1" is not SENSOR/SEQ`},
		{"too many obs", edit(goodTrack, "obs", refList(MaxRefs+1)), "tracks.ndjson:3: obs: more than 10000 entries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := goodTrack + "\n\n" + c.line + "\n" + goodTrack + "\n"
			r := NewTrackReader(strings.NewReader(data), "tracks.ndjson")
			if _, err := r.Next(); err != nil {
				t.Fatalf("line 1: %v", err)
			}
			_, err := r.Next()
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant %q", err, c.want)
			}
			if _, again := r.Next(); again == nil || again.Error() != err.Error() {
				t.Fatalf("after an error, Next gave %v", again)
			}
		})
	}
}

func TestBadAlertLines(t *testing.T) {
	cases := []struct {
		name, line, want string
	}{
		{"unknown event", edit(goodAlert, "event", `"snoozed"`), `alerts.ndjson:3: event: unknown "snoozed" (want raised, updated, ended, escalated)`},
		{"string id", edit(goodAlert, "id", `"3"`), "alerts.ndjson:3: id: want a number"},
		{"zero id", edit(goodAlert, "id", "0"), "alerts.ndjson:3: id: must be at least 1"},
		{"fractional id", edit(goodAlert, "id", "1.5"), "alerts.ndjson:3: id: want a whole number"},
		{"no time", edit(goodAlert, "time", ""), "alerts.ndjson:3: time: missing"},
		{"unknown rule", edit(goodAlert, "rule", `"speeding"`), `alerts.ndjson:3: rule: unknown "speeding"`},
		{"unknown phase", edit(goodAlert, "phase", `"middle"`), `alerts.ndjson:3: phase: unknown "middle" (want begin, end, instant)`},
		{"no severity", edit(goodAlert, "severity", ""), "alerts.ndjson:3: severity: missing"},
		{"no track", edit(goodAlert, "track", ""), "alerts.ndjson:3: track: missing"},
		{"empty member", edit(goodAlert, "members", `["T1",""]`), "alerts.ndjson:3: members[1]: missing"},
		{"too many members", edit(goodAlert, "members", refList(MaxRefs+1)), "alerts.ndjson:3: members: more than 10000 entries"},
		{"lat", edit(goodAlert, "lat", "-90.01"), "alerts.ndjson:3: lat: must be -90..90"},
		{"no lon", edit(goodAlert, "lon", ""), "alerts.ndjson:3: lon: missing"},
		{"negative chainage", edit(goodAlert, "chainage_km", "-1"), "alerts.ndjson:3: chainage_km: must be 0..100000"},
		{"no distance", edit(goodAlert, "distance_m", ""), "alerts.ndjson:3: distance_m: missing"},
		{"bad predicted crossing", edit(goodAlert, "predicted_crossing", `"soon"`), "alerts.ndjson:3: predicted_crossing: not an RFC 3339 time"},
		{"negative sigma", edit(goodAlert, "crossing_sigma_s", "-3"), "alerts.ndjson:3: crossing_sigma_s: must be 0..10000000"},
		{"zone a number", edit(goodAlert, "zone", "4"), "alerts.ndjson:3: zone: want a string"},
		{"no class", edit(goodAlert, "class", ""), "alerts.ndjson:3: class: missing"},
		{"no count", edit(goodAlert, "count", ""), "alerts.ndjson:3: count: missing"},
		{"bad evidence", edit(goodAlert, "evidence", `["/5"]`), `alerts.ndjson:3: evidence[0]: "/5" is not SENSOR/SEQ`},
		{"too many evidence", edit(goodAlert, "evidence", refList(MaxRefs+1)), "alerts.ndjson:3: evidence: more than 10000 entries"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := goodAlert + "\n  \n" + c.line + "\n"
			r := NewAlertReader(strings.NewReader(data), "alerts.ndjson")
			if _, err := r.Next(); err != nil {
				t.Fatalf("line 1: %v", err)
			}
			_, err := r.Next()
			if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant %q", err, c.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	// The longest line taken: padding in an unknown field, which is ignored.
	pad := func(n int) string {
		return goodTrack[:len(goodTrack)-1] + `,"x":"` + strings.Repeat("a", n-len(goodTrack)-7) + `"}`
	}
	if l := pad(MaxLine); len(l) != MaxLine {
		t.Fatalf("padded to %d", len(l))
	}
	if got := readTracks(t, []byte(goodTrack+"\n"+pad(MaxLine)+"\n")); len(got) != 2 {
		t.Fatalf("%d records", len(got))
	}
	r := NewTrackReader(strings.NewReader(goodTrack+"\n"+pad(MaxLine+1)+"\n"), "t.ndjson")
	r.Next()
	if _, err := r.Next(); errs.CodeOf(err) != errs.TooLarge || !strings.Contains(err.Error(), "t.ndjson:2: line longer than 1048576 bytes") {
		t.Fatalf("long line: %v", err)
	}
	if got := readTracks(t, []byte(edit(goodTrack, "obs", refList(MaxRefs)))); len(got) != 1 || len(got[0].Obs) != MaxRefs {
		t.Fatal("the most obs allowed were refused")
	}
}

func TestEmptyAndBrokenStreams(t *testing.T) {
	for name, data := range map[string]string{"empty": "", "blank": "\n \r\n\t\n"} {
		if _, err := NewTrackReader(strings.NewReader(data), name).Next(); err != io.EOF {
			t.Errorf("%s: %v, want io.EOF", name, err)
		}
	}
	var zbuf bytes.Buffer
	zw := gzip.NewWriter(&zbuf)
	zw.Write([]byte(goodTrack + "\n" + goodTrack + "\n"))
	zw.Close()
	cut := zbuf.Bytes()[:zbuf.Len()-12]
	r := NewTrackReader(bytes.NewReader(cut), "t.ndjson.gz")
	var err error
	for err == nil {
		_, err = r.Next()
	}
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "t.ndjson.gz:") || !strings.Contains(err.Error(), "gzip") {
		t.Fatalf("truncated gzip: %v", err)
	}
	_, err = NewTrackReader(bytes.NewReader([]byte{0x1f, 0x8b, 1}), "x.gz").Next()
	if errs.CodeOf(err) != errs.Invalid || !strings.Contains(err.Error(), "x.gz: gzip") {
		t.Fatalf("bad gzip header: %v", err)
	}
	_, err = NewTrackReader(errReader{}, "t.ndjson").Next()
	if err == nil || !strings.Contains(err.Error(), "read t.ndjson: device gone") || errs.CodeOf(err) != errs.Internal {
		t.Fatalf("read error: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("device gone") }

func TestParseRef(t *testing.T) {
	cases := []struct {
		in     string
		sensor string
		seq    uint64
		ok     bool
	}{
		{"S06-C027/1928", "S06-C027", 1928, true},
		{"a/b/7", "a/b", 7, true},
		{"S/18446744073709551615", "S", 1<<64 - 1, true},
		{"S/18446744073709551616", "", 0, false},
		{"S/", "", 0, false},
		{"/1", "", 0, false},
		{"S1", "", 0, false},
		{"S/+1", "", 0, false},
		{"S/1x", "", 0, false},
		{strings.Repeat("s", maxID+1) + "/1", "", 0, false},
	}
	for _, c := range cases {
		s, q, ok := ParseRef(c.in)
		if s != c.sensor || q != c.seq || ok != c.ok {
			t.Errorf("ParseRef(%q) = %q, %d, %v", c.in, s, q, ok)
		}
	}
}
