package trackfile

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"

	"raqib/internal/errs"
)

// Lines reads an NDJSON stream a line at a time, counting lines for error
// messages. A stream starting with the gzip magic bytes is decompressed.
// Blank lines are skipped; a line longer than MaxLine is an error.
type Lines struct {
	name   string
	r      io.Reader
	sc     *bufio.Scanner
	gz     bool
	line   int
	err    error
	opened bool
}

// NewLines returns a reader of r's lines; name (a file name) prefixes its
// errors. Nothing is read before the first call to Next.
func NewLines(r io.Reader, name string) *Lines { return &Lines{name: name, r: r} }

// Name is the name given to NewLines.
func (l *Lines) Name() string { return l.name }

// Line is the 1-based number of the line Next returned last.
func (l *Lines) Line() int { return l.line }

// Next returns the next non-blank line, without its line ending, or io.EOF
// at the end. The slice is valid until the next call. After an error every
// call returns it again.
func (l *Lines) Next() ([]byte, error) {
	if l.err != nil {
		return nil, l.err
	}
	if !l.opened {
		if l.err = l.open(); l.err != nil {
			return nil, l.err
		}
	}
	for l.sc.Scan() {
		l.line++
		b := l.sc.Bytes()
		if !blank(b) {
			return b, nil
		}
	}
	err := l.sc.Err()
	switch {
	case err == nil:
		l.err = io.EOF
	case errors.Is(err, bufio.ErrTooLong):
		l.err = errs.E(errs.TooLarge, "%s:%d: line longer than %d bytes", l.name, l.line+1, MaxLine)
	case l.gz && !isReaderOnly(err):
		l.err = errs.E(errs.Invalid, "%s:%d: gzip: %v", l.name, l.line+1, err)
	default:
		l.err = fmt.Errorf("read %s: %w", l.name, err)
	}
	return nil, l.err
}

// isReaderOnly reports whether err came from reading the underlying file
// rather than from a corrupt gzip stream.
func isReaderOnly(err error) bool {
	var re readError
	return errors.As(err, &re)
}

// readError marks an error of the underlying reader.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

// markedReader wraps the underlying reader's errors (but not io.EOF) in
// readError.
type markedReader struct{ r io.Reader }

func (m markedReader) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	if err != nil && err != io.EOF {
		err = readError{err}
	}
	return n, err
}

func (l *Lines) open() error {
	l.opened = true
	br := bufio.NewReaderSize(markedReader{l.r}, 16<<10)
	var src io.Reader = br
	magic, err := br.Peek(2)
	if err != nil && err != io.EOF {
		return fmt.Errorf("read %s: %w", l.name, err)
	}
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			if isReaderOnly(err) {
				return fmt.Errorf("read %s: %w", l.name, err)
			}
			return errs.E(errs.Invalid, "%s: gzip: %v", l.name, err)
		}
		l.gz = true
		src = zr
	}
	l.sc = bufio.NewScanner(src)
	l.sc.Buffer(make([]byte, 0, 16<<10), MaxLine+1)
	return nil
}

// Errorf returns the error of a bad field in the line Next returned last:
// "NAME:LINE: FIELD: message".
func (l *Lines) Errorf(field, format string, args ...any) error {
	return errs.E(errs.Invalid, "%s:%d: %s: %s", l.name, l.line, field, fmt.Sprintf(format, args...))
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
