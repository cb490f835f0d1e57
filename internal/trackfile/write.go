package trackfile

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"raqib/internal/errs"
)

// Writer writes track and alert records as NDJSON, one a line, with fixed
// decimals and fields in a fixed order: the same records give the same
// bytes. It refuses a record the readers would refuse. A Writer is not safe
// for concurrent use; call Flush at the end.
type Writer struct {
	w   *bufio.Writer
	buf []byte
	err error
}

// NewWriter returns a Writer buffering its output to w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), buf: make([]byte, 0, 1024)}
}

// Track writes a track record. An empty Type is taken as "track".
func (w *Writer) Track(r TrackRecord) error {
	if w.err != nil {
		return w.err
	}
	if r.Type == "" {
		r.Type = TypeTrack
	}
	r.Time = fileTime(r.Time)
	if p := checkTrack(&r); p != nil {
		return errs.E(errs.Invalid, "track %q: %s", clip(r.ID), p)
	}
	w.buf = appendTrack(w.buf[:0], &r)
	return w.write()
}

// Alert writes an alert record. An empty Type is taken as "alert".
func (w *Writer) Alert(r AlertRecord) error {
	if w.err != nil {
		return w.err
	}
	if r.Type == "" {
		r.Type = TypeAlert
	}
	r.Time = fileTime(r.Time)
	if p := checkAlert(&r); p != nil {
		return errs.E(errs.Invalid, "alert %d: %s", r.ID, p)
	}
	w.buf = appendAlert(w.buf[:0], &r)
	return w.write()
}

func (w *Writer) write() error {
	w.buf = append(w.buf, '\n')
	if len(w.buf) > MaxLine {
		return errs.E(errs.TooLarge, "record of %d bytes: longer than %d", len(w.buf), MaxLine)
	}
	if _, err := w.w.Write(w.buf); err != nil {
		w.err = fmt.Errorf("write records: %w", err)
	}
	return w.err
}

// Flush writes any buffered records to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("write records: %w", err)
	}
	return w.err
}

func appendTrack(dst []byte, r *TrackRecord) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, r.Type)
	dst = appendKey(dst, "event")
	dst = appendString(dst, r.Event)
	dst = appendKey(dst, "id")
	dst = appendString(dst, r.ID)
	dst = appendKey(dst, "time")
	dst = appendTime(dst, r.Time)
	dst = appendKey(dst, "lat")
	dst = appendFixed(dst, r.Lat, latLonDecimals)
	dst = appendKey(dst, "lon")
	dst = appendFixed(dst, r.Lon, latLonDecimals)
	dst = appendKey(dst, "east_mps")
	dst = appendFixed(dst, r.EastMps, velocityDecimals)
	dst = appendKey(dst, "north_mps")
	dst = appendFixed(dst, r.NorthMps, velocityDecimals)
	dst = appendKey(dst, "sigma_m")
	dst = appendFixed(dst, r.SigmaM, sigmaDecimals)
	dst = appendKey(dst, "class")
	dst = appendString(dst, r.Class)
	dst = appendKey(dst, "p_person")
	dst = appendFixed(dst, r.PPerson, probDecimals)
	dst = appendKey(dst, "p_vehicle")
	dst = appendFixed(dst, r.PVehicle, probDecimals)
	dst = appendKey(dst, "p_animal")
	dst = appendFixed(dst, r.PAnimal, probDecimals)
	dst = appendKey(dst, "count")
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	if r.Friendly {
		dst = append(dst, `,"friendly":true`...)
	}
	if r.Unit != "" {
		dst = appendKey(dst, "unit")
		dst = appendString(dst, r.Unit)
	}
	if r.MergedInto != "" {
		dst = appendKey(dst, "merged_into")
		dst = appendString(dst, r.MergedInto)
	}
	dst = appendList(dst, "obs", r.Obs)
	return append(dst, '}')
}

func appendAlert(dst []byte, r *AlertRecord) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, r.Type)
	dst = appendKey(dst, "event")
	dst = appendString(dst, r.Event)
	dst = appendKey(dst, "id")
	dst = strconv.AppendInt(dst, r.ID, 10)
	dst = appendKey(dst, "time")
	dst = appendTime(dst, r.Time)
	for _, f := range [...]struct{ key, val string }{
		{"rule", r.Rule}, {"phase", r.Phase}, {"severity", r.Severity}, {"track", r.Track},
	} {
		dst = appendKey(dst, f.key)
		dst = appendString(dst, f.val)
	}
	dst = appendList(dst, "members", r.Members)
	dst = appendKey(dst, "lat")
	dst = appendFixed(dst, r.Lat, latLonDecimals)
	dst = appendKey(dst, "lon")
	dst = appendFixed(dst, r.Lon, latLonDecimals)
	dst = appendKey(dst, "sector")
	dst = appendString(dst, r.Sector)
	dst = appendKey(dst, "chainage_km")
	dst = appendFixed(dst, r.ChainageKm, chainageDecimals)
	dst = appendKey(dst, "distance_m")
	dst = appendFixed(dst, r.DistanceM, distanceDecimals)
	if r.PredictedCrossing != nil {
		dst = appendKey(dst, "predicted_crossing")
		dst = appendTime(dst, *r.PredictedCrossing)
	}
	if s := round(r.CrossingSigmaS, secondsDecimals); s != 0 {
		dst = appendKey(dst, "crossing_sigma_s")
		dst = appendFixed(dst, s, secondsDecimals)
	}
	for _, f := range [...]struct{ key, val string }{{"zone", r.Zone}, {"barrier", r.Barrier}, {"crossing", r.Crossing}} {
		if f.val != "" {
			dst = appendKey(dst, f.key)
			dst = appendString(dst, f.val)
		}
	}
	dst = appendKey(dst, "class")
	dst = appendString(dst, r.Class)
	dst = appendKey(dst, "count")
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	dst = appendKey(dst, "summary")
	dst = appendString(dst, r.Summary)
	dst = appendList(dst, "evidence", r.Evidence)
	return append(dst, '}')
}

// appendKey appends `,"key":`.
func appendKey(dst []byte, key string) []byte {
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// appendList appends `,"key":[...]`, nothing for an empty list.
func appendList(dst []byte, key string, list []string) []byte {
	if len(list) == 0 {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '[')
	for i, s := range list {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// timeLayout is RFC 3339 in UTC with exactly three fractional digits.
const timeLayout = "2006-01-02T15:04:05.000Z"

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

// appendFixed appends v rounded to the decimals, with no trailing zeros:
// the text encoding/json writes for the rounded value. Values outside the
// fixed-point range, or so small that encoding/json would use an exponent,
// go through encoding/json. The checks keep NaN and infinities out.
func appendFixed(dst []byte, v float64, decimals int) []byte {
	scaled := math.Round(v * pow10[decimals])
	if math.IsNaN(scaled) || math.IsInf(scaled, 0) || math.Abs(scaled) >= 1<<53 || math.Abs(v) < 1e-6 && scaled != 0 {
		b, err := json.Marshal(round(v, decimals))
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
