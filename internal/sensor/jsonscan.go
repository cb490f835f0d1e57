package sensor

import (
	"fmt"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds the nesting of JSON values the scanner skips (the
// values of unknown fields).
const maxDepth = 32

// scanner reads JSON tokens from data. The first syntax error is kept in
// err, with its offset in errPos; once it is set every call fails.
type scanner struct {
	data    []byte
	pos     int
	err     string
	errPos  int
	scratch []byte // unescaped strings; valid until the next string
}

// fail records a syntax error at the current position and returns false.
func (s *scanner) fail(format string, args ...any) bool {
	if s.err == "" {
		s.err = fmt.Sprintf(format, args...)
		s.errPos = s.pos
	}
	return false
}

// found describes the byte at the current position for a syntax error.
func (s *scanner) found() string {
	if s.pos >= len(s.data) {
		return "end of input"
	}
	c := s.data[s.pos]
	if c >= 0x20 && c < 0x7f {
		return fmt.Sprintf("%q", rune(c))
	}
	return fmt.Sprintf("byte %#02x", c)
}

// ws skips white space.
func (s *scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// more skips white space and reports whether anything follows.
func (s *scanner) more() bool {
	s.ws()
	return s.pos < len(s.data)
}

// peek skips white space and returns the next byte, 0 at the end (and for
// a NUL byte, which matches nothing the scanner looks for; use more to
// tell the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// consume skips white space and the byte c if it comes next.
func (s *scanner) consume(c byte) bool {
	if s.peek() == c {
		s.pos++
		return true
	}
	return false
}

// str reads the string at the current position (at its opening quote).
// The bytes returned alias data, or the scratch buffer when the string has
// escapes; they are valid until the next call.
func (s *scanner) str() ([]byte, bool) {
	start := s.pos + 1
	d := s.data
	for i := start; i < len(d); i++ {
		if !strSpecial[d[i]] {
			continue
		}
		switch c := d[i]; {
		case c == '"':
			s.pos = i + 1
			return d[start:i], true
		case c == '\\':
			return s.strEscaped(start, i)
		default:
			s.pos = i
			return nil, s.fail("control character %#02x in a string", c)
		}
	}
	s.pos = len(s.data)
	return nil, s.fail("unterminated string")
}

// strSpecial marks the bytes that end the fast scan of a string: the
// closing quote, a backslash and the control characters.
var strSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// strEscaped finishes a string with escapes, from i, into scratch.
func (s *scanner) strEscaped(start, i int) ([]byte, bool) {
	out := append(s.scratch[:0], s.data[start:i]...)
	d := s.data
	for i < len(d) {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			s.scratch = out
			return out, true
		case c < 0x20:
			s.pos = i
			return nil, s.fail("control character %#02x in a string", c)
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(d) {
			break
		}
		switch e := d[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(d, i+2)
			if !ok {
				s.pos = i
				return nil, s.fail("invalid \\u escape in a string")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(d, i+2); ok && i+1 < len(d) && d[i] == '\\' && d[i+1] == 'u' {
					if p := utf16.DecodeRune(r, r2); p != utf8.RuneError {
						r = p
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default:
			s.pos = i
			return nil, s.fail("invalid escape \\%c in a string", e)
		}
		i += 2
	}
	s.pos = len(d)
	return nil, s.fail("unterminated string")
}

// hex4 reads four hexadecimal digits at d[i:].
func hex4(d []byte, i int) (rune, bool) {
	if i+4 > len(d) {
		return 0, false
	}
	var r rune
	for _, c := range d[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number reads the number at the current position and returns its text.
func (s *scanner) number() ([]byte, bool) {
	d, i := s.data, s.pos
	start := i
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		i = digits(d, i)
	default:
		s.pos = i
		return nil, s.fail("want a value, found %s", s.found())
	}
	if i < len(d) && d[i] == '.' {
		j := digits(d, i+1)
		if j == i+1 {
			s.pos = j
			return nil, s.fail("want a digit after the decimal point, found %s", s.found())
		}
		i = j
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := digits(d, i)
		if j == i {
			s.pos = j
			return nil, s.fail("want a digit in the exponent, found %s", s.found())
		}
		i = j
	}
	s.pos = i
	return d[start:i], true
}

func digits(d []byte, i int) int {
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	return i
}

// literal reads true, false or null.
func (s *scanner) literal() bool {
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
			s.pos += len(lit)
			return true
		}
	}
	return s.fail("want a value, found %s", s.found())
}

// null reads null if it comes next.
func (s *scanner) null() bool {
	if len(s.data)-s.pos >= 4 && string(s.data[s.pos:s.pos+4]) == "null" {
		s.pos += 4
		return true
	}
	return false
}

// typeName names the type of the value at the current position, for a
// message; "" if no value starts there.
func (s *scanner) typeName() string {
	switch c := s.peek(); c {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return "a number"
	}
	return ""
}

// skip reads over one value of any type, checking its syntax.
func (s *scanner) skip(depth int) bool {
	if depth > maxDepth {
		return s.fail("values nested deeper than %d", maxDepth)
	}
	switch s.peek() {
	case '"':
		_, ok := s.str()
		return ok
	case '{':
		s.pos++
		if s.consume('}') {
			return true
		}
		for {
			if s.peek() != '"' {
				return s.fail("want a field name, found %s", s.found())
			}
			if _, ok := s.str(); !ok {
				return false
			}
			if !s.consume(':') {
				return s.fail("want ':' after a field name, found %s", s.found())
			}
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume('}') {
				return true
			}
			if !s.consume(',') {
				return s.fail("want ',' or '}' after a field, found %s", s.found())
			}
		}
	case '[':
		s.pos++
		if s.consume(']') {
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			if s.consume(']') {
				return true
			}
			if !s.consume(',') {
				return s.fail("want ',' or ']' after a value, found %s", s.found())
			}
		}
	case 't', 'f', 'n':
		return s.literal()
	}
	_, ok := s.number()
	return ok
}

// lineCol returns the 1-based line and column of offset off.
func lineCol(data []byte, off int) (line, col int) {
	line, col = 1, 1
	for _, c := range data[:min(off, len(data))] {
		if c == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// parseFloat converts a number's text; ok is false if it is out of the
// range of float64.
func parseFloat(tok []byte) (float64, bool) {
	if v, ok := fastFloat(tok); ok {
		return v, true
	}
	v, err := strconv.ParseFloat(string(tok), 64)
	return v, err == nil
}

// fastFloat converts the common numbers of the wire format, a decimal
// without exponent whose digits make an integer below 2^53 and that has
// at most 22 of them after the point. For those, the integer and the
// power of ten are exact in a float64 and one division rounds correctly
// (Clinger's fast path). It reports false for anything else.
func fastFloat(tok []byte) (float64, bool) {
	i, neg := 0, false
	if len(tok) > 0 && tok[0] == '-' {
		i, neg = 1, true
	}
	var m uint64
	nd, dp := 0, -1
	for ; i < len(tok); i++ {
		c := tok[i]
		switch {
		case c >= '0' && c <= '9':
			if nd++; nd > 16 {
				return 0, false
			}
			m = m*10 + uint64(c-'0')
		case c == '.' && dp < 0:
			dp = nd
		default:
			return 0, false
		}
	}
	exp := 0
	if dp >= 0 {
		exp = nd - dp
	}
	if nd == 0 || m > 1<<53 || exp >= len(pow10) {
		return 0, false
	}
	f := float64(m) / pow10[exp]
	if neg {
		f = -f
	}
	return f, true
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseUint converts a number's text that must be a non-negative integer.
// It returns a message saying what is wrong otherwise.
func parseUint(tok []byte) (uint64, string) {
	for _, c := range tok {
		if c < '0' || c > '9' {
			if c == '-' {
				if v, ok := parseFloat(tok); ok && v == 0 {
					return 0, ""
				}
				return 0, string(tok) + " is negative"
			}
			return 0, string(tok) + " is not an integer"
		}
	}
	v, err := strconv.ParseUint(string(tok), 10, 64)
	if err != nil {
		return 0, string(tok) + " is too large"
	}
	return v, ""
}
