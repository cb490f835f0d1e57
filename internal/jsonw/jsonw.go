// Package jsonw holds the hand-written JSON appenders of the NDJSON files
// Raqib writes in bulk (the simulator's records, the tracker's track and
// alert files): encoding/json's reflection would dominate those runs. Each
// appender writes the same text encoding/json writes for the value.
package jsonw

import (
	"encoding/json"
	"math"
	"strconv"
	"time"
)

// TimeLayout is RFC 3339 in UTC with exactly three fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000Z"

// Pow10 holds 10^0 to 10^9.
var Pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9}

// AppendTime appends t as a JSON string in TimeLayout.
func AppendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, TimeLayout)
	return append(dst, '"')
}

// AppendString appends s as a JSON string. Identifiers are plain ASCII and
// take the fast path; anything else is escaped by encoding/json.
func AppendString(dst []byte, s string) []byte {
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

// Round rounds v to the decimals (at most 9) and turns negative zero into
// zero. NaN, infinities and magnitudes of 1e15 or more stay as they are.
func Round(v float64, decimals int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1e15 {
		return v
	}
	r := math.Round(v*Pow10[decimals]) / Pow10[decimals]
	if r == 0 {
		return 0
	}
	return r
}

// AppendFixed appends v rounded to the decimals, with no trailing zeros:
// the text encoding/json writes for Round(v, decimals). Values outside the
// fixed-point range, or so small that encoding/json would use an exponent,
// go through encoding/json; NaN and infinities, which JSON cannot hold,
// are written as 0.
func AppendFixed(dst []byte, v float64, decimals int) []byte {
	scaled := math.Round(v * Pow10[decimals])
	if math.IsNaN(scaled) || math.IsInf(scaled, 0) || math.Abs(scaled) >= 1<<53 || math.Abs(v) < 1e-6 && scaled != 0 {
		b, err := json.Marshal(Round(v, decimals))
		if err != nil {
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
	div := int64(Pow10[decimals])
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
