package main

import (
	"context"
	"time"

	"raqib/internal/eventlog"
	"raqib/internal/ingest"
)

// logAdapter gives ingest the event log in ingest's own terms, so that the
// service does not depend on the log's package.
type logAdapter struct{ l *eventlog.Log }

var _ ingest.Log = logAdapter{}

func (a logAdapter) Append(ctx context.Context, kind uint8, payload []byte) (ingest.Position, error) {
	p, err := a.l.Append(ctx, eventlog.RecordKind(kind), payload)
	return ingest.Position{StreamSeq: p.StreamSeq, Index: p.Index}, err
}

func (a logAdapter) ReplayFrom(ctx context.Context, after ingest.Position, fn func(uint8, []byte, ingest.Position, time.Time) error) error {
	return a.l.ReplayFrom(ctx, eventlog.Position{StreamSeq: after.StreamSeq, Index: after.Index}, func(r eventlog.Record) error {
		return fn(uint8(r.Kind), r.Payload, ingest.Position{StreamSeq: r.Position.StreamSeq, Index: r.Position.Index}, r.Stored)
	})
}
