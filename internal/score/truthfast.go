package score

import (
	"time"

	"raqib/internal/sim"
)

// Detections and positions are nearly all of a truth file (tens of
// millions of lines an hour). truthLine reads those two exactly as the
// simulator writes them, by hand; every other line, and any line it is
// unsure of, goes through encoding/json, which gives the same record
// (truthfast_test.go checks it).

type truthScan struct {
	b  []byte
	i  int
	ok bool
}

func (s *truthScan) lit(lit string) {
	if !s.ok || len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		s.ok = false
		return
	}
	s.i += len(lit)
}

// str consumes a string of printable ASCII without escapes; the bytes
// are the line's.
func (s *truthScan) str() []byte {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.ok = false
		return nil
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[s.i+1 : j]
			s.i = j + 1
			return v
		case c < 0x20 || c >= 0x80 || c == '\\':
			s.ok = false
			return nil
		}
	}
	s.ok = false
	return nil
}

var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// num consumes a JSON number without exponent of at most 15 significant
// digits and 9 decimals: the value strconv.ParseFloat gives.
func (s *truthScan) num() float64 {
	if !s.ok {
		return 0
	}
	j, neg := s.i, false
	if j < len(s.b) && s.b[j] == '-' {
		neg = true
		j++
	}
	start := j
	var n int64
	digits, dec := 0, -1
loop:
	for ; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if dec >= 0 {
				dec++
			}
		case c == '.' && dec < 0 && digits > 0:
			dec = 0
		default:
			break loop
		}
	}
	intDigits := digits - max(dec, 0)
	if digits == 0 || digits > 15 || dec == 0 || dec > 9 || intDigits == 0 ||
		(s.b[start] == '0' && intDigits > 1) || j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		s.ok = false
		return 0
	}
	s.i = j
	v := float64(n)
	if dec > 0 {
		v /= pow10[dec]
	}
	if neg {
		v = -v
	}
	return v
}

// uint consumes an unsigned integer of at most 18 digits.
func (s *truthScan) uint() uint64 {
	if !s.ok {
		return 0
	}
	j := s.i
	var n uint64
	for ; j < len(s.b) && s.b[j] >= '0' && s.b[j] <= '9'; j++ {
		n = n*10 + uint64(s.b[j]-'0')
	}
	if d := j - s.i; d == 0 || d > 18 || d > 1 && s.b[s.i] == '0' || j < len(s.b) && (s.b[j] == '.' || s.b[j] == 'e' || s.b[j] == 'E') {
		s.ok = false
		return 0
	}
	s.i = j
	return n
}

// stamp consumes "2006-01-02T15:04:05.000Z".
func (s *truthScan) stamp() time.Time {
	const n = len(`"2006-01-02T15:04:05.000Z"`)
	if !s.ok || len(s.b)-s.i < n {
		s.ok = false
		return time.Time{}
	}
	b := s.b[s.i : s.i+n]
	if b[0] != '"' || b[5] != '-' || b[8] != '-' || b[11] != 'T' || b[14] != ':' || b[17] != ':' || b[20] != '.' || b[24] != 'Z' || b[25] != '"' {
		s.ok = false
		return time.Time{}
	}
	field := func(from, to int) int {
		v := 0
		for _, c := range b[from:to] {
			if c < '0' || c > '9' {
				s.ok = false
				return 0
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := field(1, 5), field(6, 8), field(9, 11)
	hour, minute, sec, ms := field(12, 14), field(15, 17), field(18, 20), field(21, 24)
	if !s.ok || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 ||
		day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		s.ok = false
		return time.Time{}
	}
	s.i += n
	return time.Date(year, time.Month(month), day, hour, minute, sec, ms*1e6, time.UTC)
}

func (s *truthScan) end() bool {
	s.lit("}")
	for ; s.ok && s.i < len(s.b); s.i++ {
		if c := s.b[s.i]; c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return s.ok
}

// fastLine is a detection or position line read by hand. actor and sensor
// are the line's bytes.
type fastLine struct {
	typ           sim.TruthType
	actor, sensor []byte
	t             time.Time
	lat, lon      float64
	seq           uint64
}

// truthLine reads a detection or position line as the simulator writes
// it; false for anything else.
func truthLine(line []byte, f *fastLine) bool {
	s := truthScan{b: line, ok: true}
	switch {
	case len(line) > 20 && string(line[:20]) == `{"type":"detection",`:
		s.i = 20
		f.typ = sim.TruthDetection
		s.lit(`"actor":`)
		f.actor = s.str()
		s.lit(`,"time":`)
		f.t = s.stamp()
		s.lit(`,"sensor":`)
		f.sensor = s.str()
		s.lit(`,"seq":`)
		f.seq = s.uint()
	case len(line) > 19 && string(line[:19]) == `{"type":"position",`:
		s.i = 19
		f.typ = sim.TruthPosition
		s.lit(`"actor":`)
		f.actor = s.str()
		s.lit(`,"time":`)
		f.t = s.stamp()
		s.lit(`,"lat":`)
		f.lat = s.num()
		s.lit(`,"lon":`)
		f.lon = s.num()
	default:
		return false
	}
	return s.end() && len(f.actor) > 0 && !f.t.IsZero()
}
