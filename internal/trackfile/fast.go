package trackfile

import (
	"time"

	"raqib/internal/jsonw"
)

// The fast path reads a track line exactly as the Writer writes it —
// fields in its order, ASCII strings without escapes, plain decimals,
// times as 2006-01-02T15:04:05.000Z — by hand, a dozen times faster than
// encoding/json. Anything else, or anything it is unsure of, goes the
// general way; both give the same record (fast_test.go and FuzzDecode
// check it).

// lineScan is a cursor over one line.
type lineScan struct {
	b  []byte
	i  int
	ok bool
}

// lit consumes the literal s.
func (s *lineScan) lit(lit string) {
	if !s.ok || len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		s.ok = false
		return
	}
	s.i += len(lit)
}

// peek reports whether the literal s comes next.
func (s *lineScan) peek(lit string) bool {
	return s.ok && len(s.b)-s.i >= len(lit) && string(s.b[s.i:s.i+len(lit)]) == lit
}

// str consumes a JSON string of printable ASCII without escapes.
func (s *lineScan) str() string {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.ok = false
		return ""
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := string(s.b[s.i+1 : j])
			s.i = j + 1
			return v
		case c < 0x20 || c >= 0x80 || c == '\\':
			s.ok = false
			return ""
		}
	}
	s.ok = false
	return ""
}

// enum consumes a string, sharing the memory of a known value.
func (s *lineScan) enum(known []string) string {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.ok = false
		return ""
	}
	for _, k := range known {
		if end := s.i + len(k) + 1; end < len(s.b) && s.b[end] == '"' && string(s.b[s.i+1:end]) == k {
			s.i = end + 1
			return k
		}
	}
	return s.str()
}

// num consumes a JSON number without exponent, of at most 15 significant
// digits and 9 decimals, and rounds it to decimals: the value
// strconv.ParseFloat and round give.
func (s *lineScan) num(decimals int) float64 {
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
	for ; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case c >= '0' && c <= '9':
			n = n*10 + int64(c-'0')
			digits++
			if dec >= 0 {
				dec++
			}
		case c == '.' && dec < 0 && digits > 0:
			dec = 0
		default:
			goto end
		}
	}
end:
	intDigits := digits - max(dec, 0)
	if digits == 0 || digits > 15 || dec == 0 || dec > 9 || intDigits == 0 ||
		(s.b[start] == '0' && intDigits > 1) || j < len(s.b) && (s.b[j] == 'e' || s.b[j] == 'E') {
		s.ok = false
		return 0
	}
	s.i = j
	v := float64(n)
	if dec > 0 {
		v /= jsonw.Pow10[dec]
	}
	if neg {
		v = -v
	}
	return jsonw.Round(v, decimals)
}

// integer consumes a JSON integer of at most 15 digits.
func (s *lineScan) integer() int64 {
	start := s.i
	v := s.num(0)
	if !s.ok {
		return 0
	}
	for _, c := range s.b[start:s.i] {
		if c == '.' {
			s.ok = false
			return 0
		}
	}
	return int64(v)
}

// stamp consumes "2006-01-02T15:04:05.000Z".
func (s *lineScan) stamp() time.Time {
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

// refs consumes a JSON array of plain strings, at most MaxRefs.
func (s *lineScan) refs() []string {
	s.lit("[")
	var out []string
	for s.ok && !s.peek("]") {
		if len(out) > 0 {
			s.lit(",")
		}
		out = append(out, s.str())
		if len(out) > MaxRefs {
			s.ok = false
		}
	}
	s.lit("]")
	if !s.ok || len(out) == 0 {
		s.ok = false
		return nil
	}
	return out
}

var classNames = []string{"unknown", "person", "vehicle", "animal"}

// fastTrack reads a track line as the Writer writes it into r; false if it
// is not written so.
func fastTrack(line []byte, r *TrackRecord) bool {
	s := lineScan{b: line, ok: true}
	s.lit(`{"type":"track","event":`)
	r.Type = TypeTrack
	r.Event = s.enum(TrackEvents)
	s.lit(`,"id":`)
	r.ID = s.str()
	s.lit(`,"time":`)
	r.Time = s.stamp()
	s.lit(`,"lat":`)
	r.Lat = s.num(latLonDecimals)
	s.lit(`,"lon":`)
	r.Lon = s.num(latLonDecimals)
	s.lit(`,"east_mps":`)
	r.EastMps = s.num(velocityDecimals)
	s.lit(`,"north_mps":`)
	r.NorthMps = s.num(velocityDecimals)
	s.lit(`,"sigma_m":`)
	r.SigmaM = s.num(sigmaDecimals)
	s.lit(`,"class":`)
	r.Class = s.enum(classNames)
	s.lit(`,"p_person":`)
	r.PPerson = s.num(probDecimals)
	s.lit(`,"p_vehicle":`)
	r.PVehicle = s.num(probDecimals)
	s.lit(`,"p_animal":`)
	r.PAnimal = s.num(probDecimals)
	s.lit(`,"count":`)
	r.Count = int(s.integer())
	r.Friendly, r.Unit, r.MergedInto, r.Obs = false, "", "", nil
	if s.peek(`,"friendly":true`) {
		s.lit(`,"friendly":true`)
		r.Friendly = true
	}
	if s.peek(`,"unit":`) {
		s.lit(`,"unit":`)
		r.Unit = s.str()
	}
	if s.peek(`,"merged_into":`) {
		s.lit(`,"merged_into":`)
		r.MergedInto = s.str()
	}
	if s.peek(`,"obs":`) {
		s.lit(`,"obs":`)
		r.Obs = s.refs()
	}
	s.lit("}")
	for ; s.ok && s.i < len(line); s.i++ {
		if c := line[s.i]; c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return s.ok
}
