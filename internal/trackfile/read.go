package trackfile

import (
	"encoding/json"
	"errors"
	"io"

	"raqib/internal/errs"
)

// TrackReader reads the track records of an NDJSON stream (plain or gzip)
// one at a time. Alert records in the same stream are skipped, so one file
// may hold both. Fields the format does not know are ignored.
type TrackReader struct {
	l *Lines
	w trackWire
}

// NewTrackReader returns a reader of r's track records; name (a file name)
// prefixes its errors, as in "tracks.ndjson:12: lat: must be -90..90".
func NewTrackReader(r io.Reader, name string) *TrackReader {
	return &TrackReader{l: NewLines(r, name)}
}

// Line is the line number of the record Next returned last.
func (r *TrackReader) Line() int { return r.l.Line() }

// Next returns the next track record, or io.EOF at the end. Errors name
// the file, the line and the field; after one, the reader is done.
func (r *TrackReader) Next() (TrackRecord, error) {
	for {
		line, err := r.l.Next()
		if err != nil {
			return TrackRecord{}, err
		}
		var rec TrackRecord
		if fastTrack(line, &rec) {
			if p := checkTrack(&rec); p != nil {
				r.l.err = r.l.Errorf(p.field, "%s", p.msg)
				return TrackRecord{}, r.l.err
			}
			return rec, nil
		}
		r.w = trackWire{}
		skip, err := decodeLine(r.l, line, &r.w, &r.w.Type, TypeTrack)
		if err != nil {
			r.l.err = err
			return TrackRecord{}, err
		}
		if skip {
			continue
		}
		rec, p := r.w.record()
		if p != nil {
			r.l.err = r.l.Errorf(p.field, "%s", p.msg)
			return TrackRecord{}, r.l.err
		}
		return rec, nil
	}
}

// AlertReader reads the alert records of an NDJSON stream (plain or gzip)
// one at a time. Track records in the same stream are skipped. Fields the
// format does not know are ignored.
type AlertReader struct {
	l *Lines
	w alertWire
}

// NewAlertReader returns a reader of r's alert records; name prefixes its
// errors.
func NewAlertReader(r io.Reader, name string) *AlertReader {
	return &AlertReader{l: NewLines(r, name)}
}

// Line is the line number of the record Next returned last.
func (r *AlertReader) Line() int { return r.l.Line() }

// Next returns the next alert record, or io.EOF at the end. Errors name
// the file, the line and the field; after one, the reader is done.
func (r *AlertReader) Next() (AlertRecord, error) {
	for {
		line, err := r.l.Next()
		if err != nil {
			return AlertRecord{}, err
		}
		r.w = alertWire{}
		skip, err := decodeLine(r.l, line, &r.w, &r.w.Type, TypeAlert)
		if err != nil {
			r.l.err = err
			return AlertRecord{}, err
		}
		if skip {
			continue
		}
		rec, p := r.w.record()
		if p != nil {
			r.l.err = r.l.Errorf(p.field, "%s", p.msg)
			return AlertRecord{}, r.l.err
		}
		return rec, nil
	}
}

// decodeLine decodes a line into a wire record and checks its type: skip
// is true for a record of the other known type.
func decodeLine(l *Lines, line []byte, w any, typ *text, want string) (skip bool, err error) {
	if err := json.Unmarshal(line, w); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return false, errs.E(errs.Invalid, "%s:%d: invalid JSON at byte %d: %v", l.name, l.line, se.Offset, err)
		}
		return false, errs.E(errs.Invalid, "%s:%d: not a JSON object", l.name, l.line)
	}
	switch typ.state {
	case absent:
		return false, l.Errorf("type", "missing")
	case wrongKind:
		return false, l.Errorf("type", "want a string")
	}
	switch typ.s {
	case want:
		return false, nil
	case TypeTrack, TypeAlert:
		return true, nil
	}
	return false, l.Errorf("type", "unknown %q (want %s or %s)", clip(typ.s), TypeTrack, TypeAlert)
}
