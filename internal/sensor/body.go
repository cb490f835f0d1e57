package sensor

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"sync"

	"raqib/internal/errs"
)

// readBody reads r, gunzipping it when gz, into d.body. Both the bytes read
// from r and the bytes after decompression are bounded by lim.MaxBytes, so
// neither a long body nor a gzip bomb (nor a stream of empty gzip members)
// costs more than that.
func (d *decoder) readBody(r io.Reader, gz bool) error {
	limit := d.lim.MaxBytes
	raw := &capReader{r: r, n: limit}
	if !gz {
		_, err := d.body.ReadFrom(raw)
		return bodyError(err, raw.over, false, limit)
	}
	zr := gzipReaders.Get().(*gzip.Reader)
	defer gzipReaders.Put(zr)
	if err := zr.Reset(raw); err != nil {
		if err == io.EOF && !raw.over {
			return nil // an empty body; the framing reports it
		}
		return bodyError(err, raw.over, true, limit)
	}
	plain := &capReader{r: zr, n: limit}
	_, err := d.body.ReadFrom(plain)
	if raw.over {
		return bodyError(err, true, false, limit)
	}
	return bodyError(err, plain.over, true, limit)
}

var gzipReaders = sync.Pool{New: func() any { return new(gzip.Reader) }}

// bodyError turns a read error into a coded one: too_large when a cap was
// hit, invalid for a corrupt or truncated gzip stream or a failed read.
func bodyError(err error, over, gz bool, limit int64) error {
	switch {
	case over && gz:
		return errs.E(errs.TooLarge, "the body is larger than %d bytes once decompressed", limit)
	case over:
		return errs.E(errs.TooLarge, "the body is larger than %d bytes", limit)
	case err == nil:
		return nil
	case gz && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)):
		return errs.E(errs.Invalid, "the gzip body is truncated")
	case gz && isGzipError(err):
		return errs.E(errs.Invalid, "the gzip body is corrupt: %v", err)
	}
	if errs.CodeOf(err) != errs.Internal {
		return err
	}
	return fmt.Errorf("%w: %w", errs.E(errs.Invalid, "reading the body failed"), err)
}

func isGzipError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) || errors.As(err, &corrupt)
}

// capReader reads at most n bytes from r; if r holds more, it sets over
// and fails with errOver.
type capReader struct {
	r     io.Reader
	n     int64
	over  bool
	probe [1]byte
}

var errOver = errors.New("sensor: size limit exceeded")

func (c *capReader) Read(p []byte) (int, error) {
	if c.n <= 0 {
		n, err := c.r.Read(c.probe[:])
		if n > 0 {
			c.over = true
			return 0, errOver
		}
		return 0, err
	}
	if int64(len(p)) > c.n {
		p = p[:c.n]
	}
	n, err := c.r.Read(p)
	c.n -= int64(n)
	return n, err
}
