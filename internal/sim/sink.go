package sim

import (
	"bufio"
	"context"
	"io"
)

// Encoder is a record that writes its own JSON.
type Encoder interface {
	AppendJSON(dst []byte) []byte
}

// Sink takes one stream of records, in order.
type Sink[T Encoder] interface {
	// Write takes records; the sink may hold some back until Flush. It must
	// not keep recs after it returns.
	Write(ctx context.Context, recs []T) error
	// Flush sends on whatever the sink holds back.
	Flush(ctx context.Context) error
}

// Sinks are where a run's three streams go; a nil sink drops its stream.
type Sinks struct {
	Observations Sink[Observation]
	Heartbeats   Sink[Heartbeat]
	Truth        Sink[TruthRecord]
}

// FileSink writes records as NDJSON, one JSON object per line.
type FileSink[T Encoder] struct {
	w   *bufio.Writer
	buf []byte
}

var _ Sink[Observation] = (*FileSink[Observation])(nil)

// NewFileSink returns a sink writing NDJSON to w. Flush it at the end.
func NewFileSink[T Encoder](w io.Writer) *FileSink[T] {
	return &FileSink[T]{w: bufio.NewWriterSize(w, 256<<10)}
}

// Write encodes the records and writes them.
func (s *FileSink[T]) Write(_ context.Context, recs []T) error {
	buf := s.buf[:0]
	for i := range recs {
		buf = recs[i].AppendJSON(buf)
		buf = append(buf, '\n')
	}
	s.buf = buf
	_, err := s.w.Write(buf)
	return err
}

// Flush writes out the buffer.
func (s *FileSink[T]) Flush(context.Context) error { return s.w.Flush() }
