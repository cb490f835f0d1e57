package trackfile

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"raqib/internal/errs"
	"raqib/internal/jsonw"
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
	dst = jsonw.AppendString(dst, r.Type)
	dst = appendKey(dst, "event")
	dst = jsonw.AppendString(dst, r.Event)
	dst = appendKey(dst, "id")
	dst = jsonw.AppendString(dst, r.ID)
	dst = appendKey(dst, "time")
	dst = jsonw.AppendTime(dst, r.Time)
	dst = appendKey(dst, "lat")
	dst = jsonw.AppendFixed(dst, r.Lat, latLonDecimals)
	dst = appendKey(dst, "lon")
	dst = jsonw.AppendFixed(dst, r.Lon, latLonDecimals)
	dst = appendKey(dst, "east_mps")
	dst = jsonw.AppendFixed(dst, r.EastMps, velocityDecimals)
	dst = appendKey(dst, "north_mps")
	dst = jsonw.AppendFixed(dst, r.NorthMps, velocityDecimals)
	dst = appendKey(dst, "sigma_m")
	dst = jsonw.AppendFixed(dst, r.SigmaM, sigmaDecimals)
	dst = appendKey(dst, "class")
	dst = jsonw.AppendString(dst, r.Class)
	dst = appendKey(dst, "p_person")
	dst = jsonw.AppendFixed(dst, r.PPerson, probDecimals)
	dst = appendKey(dst, "p_vehicle")
	dst = jsonw.AppendFixed(dst, r.PVehicle, probDecimals)
	dst = appendKey(dst, "p_animal")
	dst = jsonw.AppendFixed(dst, r.PAnimal, probDecimals)
	dst = appendKey(dst, "count")
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	if r.Friendly {
		dst = append(dst, `,"friendly":true`...)
	}
	if r.Unit != "" {
		dst = appendKey(dst, "unit")
		dst = jsonw.AppendString(dst, r.Unit)
	}
	if r.MergedInto != "" {
		dst = appendKey(dst, "merged_into")
		dst = jsonw.AppendString(dst, r.MergedInto)
	}
	dst = appendList(dst, "obs", r.Obs)
	return append(dst, '}')
}

func appendAlert(dst []byte, r *AlertRecord) []byte {
	dst = append(dst, `{"type":`...)
	dst = jsonw.AppendString(dst, r.Type)
	dst = appendKey(dst, "event")
	dst = jsonw.AppendString(dst, r.Event)
	dst = appendKey(dst, "id")
	dst = strconv.AppendInt(dst, r.ID, 10)
	dst = appendKey(dst, "time")
	dst = jsonw.AppendTime(dst, r.Time)
	for _, f := range [...]struct{ key, val string }{
		{"rule", r.Rule}, {"phase", r.Phase}, {"severity", r.Severity}, {"track", r.Track},
	} {
		dst = appendKey(dst, f.key)
		dst = jsonw.AppendString(dst, f.val)
	}
	dst = appendList(dst, "members", r.Members)
	dst = appendKey(dst, "lat")
	dst = jsonw.AppendFixed(dst, r.Lat, latLonDecimals)
	dst = appendKey(dst, "lon")
	dst = jsonw.AppendFixed(dst, r.Lon, latLonDecimals)
	dst = appendKey(dst, "sector")
	dst = jsonw.AppendString(dst, r.Sector)
	dst = appendKey(dst, "chainage_km")
	dst = jsonw.AppendFixed(dst, r.ChainageKm, chainageDecimals)
	dst = appendKey(dst, "distance_m")
	dst = jsonw.AppendFixed(dst, r.DistanceM, distanceDecimals)
	if r.PredictedCrossing != nil {
		dst = appendKey(dst, "predicted_crossing")
		dst = jsonw.AppendTime(dst, *r.PredictedCrossing)
	}
	if s := jsonw.Round(r.CrossingSigmaS, secondsDecimals); s != 0 {
		dst = appendKey(dst, "crossing_sigma_s")
		dst = jsonw.AppendFixed(dst, s, secondsDecimals)
	}
	for _, f := range [...]struct{ key, val string }{{"zone", r.Zone}, {"barrier", r.Barrier}, {"crossing", r.Crossing}} {
		if f.val != "" {
			dst = appendKey(dst, f.key)
			dst = jsonw.AppendString(dst, f.val)
		}
	}
	dst = appendKey(dst, "class")
	dst = jsonw.AppendString(dst, r.Class)
	dst = appendKey(dst, "count")
	dst = strconv.AppendInt(dst, int64(r.Count), 10)
	dst = appendKey(dst, "summary")
	dst = jsonw.AppendString(dst, r.Summary)
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
		dst = jsonw.AppendString(dst, s)
	}
	return append(dst, ']')
}
