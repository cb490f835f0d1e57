package audit

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"time"

	"raqib/internal/errs"

	"golang.org/x/mod/sumdb/note"
)

// An export is NDJSON: one JSON object a line, each with a "type".
//
//	{"type":"header","format":"raqib-audit-export","version":1,"from":"…","to":"…"}
//	{"type":"entry","seq":1,"time":"…","actor":"…","force":"…","action":"…","object":"…",
//	 "sector":"…","outcome":"ok","detail":{…},"prev_hash":"<hex>","hash":"<hex>"}
//	{"type":"checkpoint","size":1,"hash":"<hex>","time":"…","note":"<signed note>"}
//
// The header comes first; "from" and "to" are left out when open. Entries
// follow in sequence order, each checkpoint right after the entry it
// covers. An export open at the end ("to" left out) ends with the
// checkpoints beyond its last entry, so that entries removed from the end
// show. Times are RFC 3339 UTC with nanoseconds.

// Export format constants.
const (
	ExportFormat  = "raqib-audit-export"
	ExportVersion = 1
	// MaxExportLine is the longest line DecodeExport reads, in bytes.
	MaxExportLine = 64 << 10
)

// ExportHeader is an export's first line: the time range exported. A zero
// bound is open.
type ExportHeader struct {
	From, To time.Time
}

// Export writes the entries whose time is in [from, to) (a zero bound is
// open), with their checkpoints, to w as NDJSON. It streams: the entries are
// never all in memory.
func Export(ctx context.Context, store Store, from, to time.Time, w io.Writer) error {
	var cps []Checkpoint
	err := store.AuditCheckpoints(ctx, func(cp Checkpoint) error {
		cps = append(cps, cp)
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit export: checkpoints: %w", err)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	write := func(b []byte) error {
		b = append(b, '\n')
		_, err := bw.Write(b)
		return err
	}
	if err := write(appendHeaderLine(line[:0], ExportHeader{From: from, To: to})); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	next := 0 // the first checkpoint not yet written or passed
	var last uint64
	wrote := false
	err = store.AuditRange(ctx, from, to, func(e Entry) error {
		if !wrote {
			for next < len(cps) && cps[next].Size < e.Seq {
				next++
			}
			wrote = true
		}
		var err error
		if line, err = appendEntryLine(line[:0], &e); err != nil {
			return err
		}
		if err := write(line); err != nil {
			return err
		}
		for ; next < len(cps) && cps[next].Size <= e.Seq; next++ {
			if err := write(appendCheckpointLine(line[:0], &cps[next])); err != nil {
				return err
			}
		}
		last = e.Seq
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if to.IsZero() && (wrote || from.IsZero()) {
		for ; next < len(cps); next++ {
			if cps[next].Size <= last {
				continue
			}
			if err := write(appendCheckpointLine(line[:0], &cps[next])); err != nil {
				return fmt.Errorf("audit export: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return nil
}

func appendTime(dst []byte, t time.Time) []byte {
	dst = append(dst, '"')
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	return append(dst, '"')
}

func appendHashField(dst []byte, name string, h Hash) []byte {
	dst = append(dst, `,"`...)
	dst = append(dst, name...)
	dst = append(dst, `":"`...)
	dst = append(dst, h.String()...)
	return append(dst, '"')
}

func appendStringField(dst []byte, name, s string) []byte {
	dst = append(dst, `,"`...)
	dst = append(dst, name...)
	dst = append(dst, `":`...)
	return appendString(dst, s)
}

func appendHeaderLine(dst []byte, h ExportHeader) []byte {
	dst = append(dst, `{"type":"header","format":"`+ExportFormat+`","version":`...)
	dst = strconv.AppendInt(dst, ExportVersion, 10)
	if !h.From.IsZero() {
		dst = append(dst, `,"from":`...)
		dst = appendTime(dst, h.From)
	}
	if !h.To.IsZero() {
		dst = append(dst, `,"to":`...)
		dst = appendTime(dst, h.To)
	}
	return append(dst, '}')
}

// appendEntryLine writes an entry line. The stored detail is written
// compacted; a detail that is not JSON at all cannot be written.
func appendEntryLine(dst []byte, e *Entry) ([]byte, error) {
	dst = append(dst, `{"type":"entry","seq":`...)
	dst = strconv.AppendUint(dst, e.Seq, 10)
	dst = append(dst, `,"time":`...)
	dst = appendTime(dst, e.Time)
	dst = appendStringField(dst, "actor", e.Actor)
	dst = appendStringField(dst, "force", e.Force)
	dst = appendStringField(dst, "action", e.Action)
	dst = appendStringField(dst, "object", e.Object)
	dst = appendStringField(dst, "sector", e.Sector)
	dst = appendStringField(dst, "outcome", string(e.Outcome))
	dst = append(dst, `,"detail":`...)
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, e.Detail); err != nil {
		return nil, errs.E(errs.Conflict, "entry %d: detail is not JSON: the trail is damaged; run verify", e.Seq)
	}
	dst = buf.Bytes()
	dst = appendHashField(dst, "prev_hash", e.PrevHash)
	dst = appendHashField(dst, "hash", e.Hash)
	return append(dst, '}'), nil
}

func appendCheckpointLine(dst []byte, cp *Checkpoint) []byte {
	dst = append(dst, `{"type":"checkpoint","size":`...)
	dst = strconv.AppendUint(dst, cp.Size, 10)
	dst = appendHashField(dst, "hash", cp.Hash)
	dst = append(dst, `,"time":`...)
	dst = appendTime(dst, cp.Time)
	dst = appendStringField(dst, "note", cp.Note)
	return append(dst, '}')
}

// ExportRecord is one line of an export after the header: an entry or a
// checkpoint.
type ExportRecord struct {
	Entry      *Entry
	Checkpoint *Checkpoint
}

// ExportDecoder reads an export line by line. Its errors are coded invalid
// or too_large and name the line and the field.
type ExportDecoder struct {
	sc     *bufio.Scanner
	line   int
	header ExportHeader
	err    error
}

// NewExportDecoder reads the header of an export.
func NewExportDecoder(r io.Reader) (*ExportDecoder, error) {
	d := &ExportDecoder{sc: bufio.NewScanner(r)}
	d.sc.Buffer(make([]byte, 0, 16<<10), MaxExportLine+1)
	fields, err := d.nextLine()
	if err == io.EOF {
		return nil, errs.E(errs.Invalid, "audit export: empty: no header line")
	}
	if err != nil {
		return nil, err
	}
	typ, err := d.kind(fields)
	if err != nil {
		return nil, err
	}
	if typ != "header" {
		return nil, d.errorf("type", "%q: the first line must be the header", typ)
	}
	if err := d.header.decode(d, fields); err != nil {
		return nil, err
	}
	return d, nil
}

// Header returns the export's header.
func (d *ExportDecoder) Header() ExportHeader { return d.header }

// Next returns the next entry or checkpoint, or io.EOF after the last.
// After an error it returns the same error.
func (d *ExportDecoder) Next() (ExportRecord, error) {
	if d.err != nil {
		return ExportRecord{}, d.err
	}
	rec, err := d.next()
	if err != nil {
		d.err = err
	}
	return rec, err
}

func (d *ExportDecoder) next() (ExportRecord, error) {
	fields, err := d.nextLine()
	if err != nil {
		return ExportRecord{}, err
	}
	typ, err := d.kind(fields)
	if err != nil {
		return ExportRecord{}, err
	}
	switch typ {
	case "entry":
		e, err := d.entry(fields)
		if err != nil {
			return ExportRecord{}, err
		}
		return ExportRecord{Entry: e}, nil
	case "checkpoint":
		cp, err := d.checkpoint(fields)
		if err != nil {
			return ExportRecord{}, err
		}
		return ExportRecord{Checkpoint: cp}, nil
	case "header":
		return ExportRecord{}, d.errorf("type", "a second header")
	}
	return ExportRecord{}, d.errorf("type", "%q is not entry or checkpoint", typ)
}

// nextLine reads the next non-blank line as a JSON object.
func (d *ExportDecoder) nextLine() (map[string]json.RawMessage, error) {
	for d.sc.Scan() {
		d.line++
		b := bytes.Trim(d.sc.Bytes(), jsonSpace)
		if len(b) == 0 {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			var se *json.SyntaxError
			if errors.As(err, &se) {
				return nil, errs.E(errs.Invalid, "audit export line %d: not valid JSON at byte %d: %v", d.line, se.Offset, se)
			}
			return nil, errs.E(errs.Invalid, "audit export line %d: not a JSON object", d.line)
		}
		if fields == nil {
			return nil, errs.E(errs.Invalid, "audit export line %d: not a JSON object", d.line)
		}
		return fields, nil
	}
	if err := d.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, errs.E(errs.TooLarge, "audit export line %d: longer than %d bytes", d.line+1, MaxExportLine)
		}
		return nil, fmt.Errorf("audit export line %d: %w", d.line+1, err)
	}
	return nil, io.EOF
}

func (d *ExportDecoder) errorf(field, format string, args ...any) error {
	return errs.E(errs.Invalid, "audit export line %d: %s: %s", d.line, field, fmt.Sprintf(format, args...))
}

// kind returns the line's type.
func (d *ExportDecoder) kind(fields map[string]json.RawMessage) (string, error) {
	raw, ok := fields["type"]
	if !ok {
		return "", d.errorf("type", "missing")
	}
	var typ string
	if err := json.Unmarshal(raw, &typ); err != nil {
		return "", d.errorf("type", "not a string")
	}
	return typ, nil
}

// lineFields reads the fields of one line, refusing unknown ones and
// naming the field of every error.
type lineFields struct {
	d      *ExportDecoder
	fields map[string]json.RawMessage
	err    error
}

func (d *ExportDecoder) fields(fields map[string]json.RawMessage, typ string, allowed ...string) *lineFields {
	f := &lineFields{d: d, fields: fields}
	for _, name := range slices.Sorted(maps.Keys(fields)) { // sorted: the same error every time
		if name != "type" && !slices.Contains(allowed, name) {
			f.err = d.errorf(name, "not a field of %s lines", typ)
			break
		}
	}
	return f
}

// raw returns a field's JSON, or nil if a required field is missing.
func (f *lineFields) raw(name string, required bool) json.RawMessage {
	if f.err != nil {
		return nil
	}
	raw, ok := f.fields[name]
	if !ok && required {
		f.err = f.d.errorf(name, "missing")
	}
	return raw
}

func (f *lineFields) str(name string) string {
	raw := f.raw(name, true)
	var s string
	if raw != nil && json.Unmarshal(raw, &s) != nil {
		f.err = f.d.errorf(name, "not a string")
	}
	return s
}

func (f *lineFields) uint(name string) uint64 {
	raw := f.raw(name, true)
	var n uint64
	if raw != nil && json.Unmarshal(raw, &n) != nil {
		f.err = f.d.errorf(name, "%s is not an unsigned integer", truncate(raw))
	}
	return n
}

func (f *lineFields) time(name string, required bool) time.Time {
	raw := f.raw(name, required)
	if raw == nil {
		return time.Time{}
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		f.err = f.d.errorf(name, "not a string")
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		f.err = f.d.errorf(name, "%q is not an RFC 3339 time", s)
		return time.Time{}
	}
	if ns := t.UnixNano(); !time.Unix(0, ns).Equal(t) {
		f.err = f.d.errorf(name, "%q is out of range", s)
		return time.Time{}
	}
	return t.UTC()
}

func (f *lineFields) hash(name string) Hash {
	s := f.str(name)
	if f.err != nil {
		return Hash{}
	}
	h, err := ParseHash(s)
	if err != nil {
		f.err = f.d.errorf(name, "%s", errs.MessageOf(err))
	}
	return h
}

// truncate shortens raw JSON for a message.
func truncate(raw json.RawMessage) string {
	const max = 40
	if len(raw) > max {
		return string(raw[:max]) + "…"
	}
	return string(raw)
}

func (h *ExportHeader) decode(d *ExportDecoder, fields map[string]json.RawMessage) error {
	f := d.fields(fields, "header", "format", "version", "from", "to")
	format := f.str("format")
	version := f.uint("version")
	h.From = f.time("from", false)
	h.To = f.time("to", false)
	switch {
	case f.err != nil:
		return f.err
	case format != ExportFormat:
		return d.errorf("format", "%q is not %q", format, ExportFormat)
	case version != ExportVersion:
		return d.errorf("version", "%d is not %d", version, ExportVersion)
	}
	return nil
}

func (d *ExportDecoder) entry(fields map[string]json.RawMessage) (*Entry, error) {
	f := d.fields(fields, "entry", "seq", "time", "actor", "force", "action", "object", "sector",
		"outcome", "detail", "prev_hash", "hash")
	e := &Entry{
		Seq:      f.uint("seq"),
		Time:     f.time("time", true),
		Actor:    f.str("actor"),
		Force:    f.str("force"),
		Action:   f.str("action"),
		Object:   f.str("object"),
		Sector:   f.str("sector"),
		Outcome:  Outcome(f.str("outcome")),
		PrevHash: f.hash("prev_hash"),
		Hash:     f.hash("hash"),
	}
	detail := f.raw("detail", true)
	if f.err != nil {
		return nil, f.err
	}
	canon, err := CanonicalDetail(detail)
	if err != nil {
		return nil, errs.E(errs.CodeOf(err), "audit export line %d: %s", d.line, errs.MessageOf(err))
	}
	e.Detail = canon
	return e, nil
}

func (d *ExportDecoder) checkpoint(fields map[string]json.RawMessage) (*Checkpoint, error) {
	f := d.fields(fields, "checkpoint", "size", "hash", "time", "note")
	cp := &Checkpoint{Size: f.uint("size"), Hash: f.hash("hash"), Time: f.time("time", true), Note: f.str("note")}
	if f.err != nil {
		return nil, f.err
	}
	return cp, nil
}

// ExportFile is a decoded export held in memory.
type ExportFile struct {
	Header      ExportHeader
	Entries     []Entry
	Checkpoints []Checkpoint
}

// DecodeExport reads a whole export into memory. VerifyExport verifies one
// without holding it.
func DecodeExport(r io.Reader) (*ExportFile, error) {
	d, err := NewExportDecoder(r)
	if err != nil {
		return nil, err
	}
	f := &ExportFile{Header: d.Header()}
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return f, nil
		}
		if err != nil {
			return nil, err
		}
		if rec.Entry != nil {
			f.Entries = append(f.Entries, *rec.Entry)
		} else {
			f.Checkpoints = append(f.Checkpoints, *rec.Checkpoint)
		}
	}
}

// Verify checks a decoded export as VerifyExport does, except that it
// takes the checkpoints in any order.
func (f *ExportFile) Verify(verifiers note.Verifiers) Report {
	v := newVerifier(verifiers, f.Header.From.IsZero())
	for i := range f.Checkpoints {
		v.addCheckpoint(&f.Checkpoints[i])
	}
	for i := range f.Entries {
		if !v.entry(&f.Entries[i]) {
			break
		}
	}
	return v.finish()
}

// VerifyExport reads an export and verifies it as it goes: the chain of its
// entries and every checkpoint in it. An export that starts at the
// beginning of the trail ("from" left out) must start at entry 1; one of a
// later range is taken to start from its first entry's previous hash. The
// error is for an export that cannot be read; what is wrong with the chain
// is in the report.
func VerifyExport(r io.Reader, verifiers note.Verifiers) (Report, error) {
	d, err := NewExportDecoder(r)
	if err != nil {
		return Report{}, err
	}
	v := newVerifier(verifiers, d.Header().From.IsZero())
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return v.finish(), nil
		}
		if err != nil {
			return Report{}, err
		}
		if rec.Entry != nil {
			if !v.entry(rec.Entry) {
				return v.finish(), nil
			}
		} else {
			v.addCheckpoint(rec.Checkpoint)
		}
	}
}
