package sim

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// The JSON appenders below write the records by hand: the simulator writes
// tens of thousands of records a second and encoding/json's reflection
// would dominate the run. record_test.go checks that they agree with
// encoding/json.

// timeLayout is RFC 3339 in UTC with exactly three fractional digits.
const timeLayout = "2006-01-02T15:04:05.000Z"

// appendTime appends t as a JSON string in timeLayout.
func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, timeLayout)
	return append(dst, '"')
}

// appendString appends s as a JSON string. Identifiers are plain ASCII and
// take the fast path; anything else is escaped by encoding/json.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // cannot fail for a string
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// pow10 holds 10^0 to 10^9.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// roundTo rounds v to the given number of decimals (at most 9), and turns
// negative zero into zero.
func roundTo(v float64, decimals int) float64 {
	r := math.Round(v*pow10[decimals]) / pow10[decimals]
	if r == 0 {
		return 0
	}
	return r
}

// appendFixed appends v, which roundTo(v, decimals) leaves unchanged, with
// at most that many decimals and no trailing zeros: the same text
// encoding/json writes for such a value. Values out of the fixed-point
// range, or so small that encoding/json would use an exponent, fall back
// to encoding/json.
func appendFixed(dst []byte, v float64, decimals int) []byte {
	scaled := math.Round(v * pow10[decimals])
	if math.IsNaN(scaled) || math.IsInf(scaled, 0) || math.Abs(scaled) >= 1<<53 || math.Abs(v) < 1e-6 && scaled != 0 {
		b, err := json.Marshal(v)
		if err != nil { // NaN or infinity: never produced, but keep JSON valid
			return append(dst, '0')
		}
		return append(dst, b...)
	}
	n := int64(scaled)
	if n == 0 {
		return append(dst, '0')
	}
	if n < 0 {
		dst = append(dst, '-')
		n = -n
	}
	div := int64(pow10[decimals])
	dst = strconv.AppendInt(dst, n/div, 10)
	frac := n % div
	if frac == 0 {
		return dst
	}
	width := decimals
	for frac%10 == 0 {
		frac /= 10
		width--
	}
	var buf [9]byte
	for i := width - 1; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	dst = append(dst, '.')
	return append(dst, buf[:width]...)
}
