package eventlog

import "sync/atomic"

// BatchBuckets are the upper bounds of Stats.BatchRecords' buckets: records
// per published message. The last bucket counts everything above.
var BatchBuckets = [...]int{1, 4, 16, 64, 256, 1024, 4096}

// Stats are the event log's counters since Open, for metrics.
type Stats struct {
	Records      uint64 // records acknowledged
	Messages     uint64 // messages acknowledged (one per gathered batch)
	PayloadBytes uint64 // payload bytes acknowledged
	MessageBytes uint64 // message body bytes acknowledged (payloads plus framing)
	Failed       uint64 // records whose append failed
	Abandoned    uint64 // records whose caller gave up before they were written
	Corrupt      uint64 // messages skipped by reads because they did not decode

	MaxBatchRecords uint64                        // the most records one message held
	BatchRecords    [len(BatchBuckets) + 1]uint64 // messages by records held, per BatchBuckets
}

type stats struct {
	records, messages, payloadBytes, messageBytes atomic.Uint64
	failed, abandoned, corrupt                    atomic.Uint64
	maxBatch                                      atomic.Uint64
	batches                                       [len(BatchBuckets) + 1]atomic.Uint64
}

// recordBatch counts one acknowledged message. Only the committer calls it.
func (s *stats) recordBatch(records, payloadBytes, messageBytes int) {
	s.records.Add(uint64(records))
	s.messages.Add(1)
	s.payloadBytes.Add(uint64(payloadBytes))
	s.messageBytes.Add(uint64(messageBytes))
	if uint64(records) > s.maxBatch.Load() {
		s.maxBatch.Store(uint64(records))
	}
	b := len(BatchBuckets)
	for i, bound := range BatchBuckets {
		if records <= bound {
			b = i
			break
		}
	}
	s.batches[b].Add(1)
}

// Stats returns the counters. Each is read atomically; together they are a
// near-consistent snapshot.
func (l *Log) Stats() Stats {
	s := Stats{
		Records:         l.stats.records.Load(),
		Messages:        l.stats.messages.Load(),
		PayloadBytes:    l.stats.payloadBytes.Load(),
		MessageBytes:    l.stats.messageBytes.Load(),
		Failed:          l.stats.failed.Load(),
		Abandoned:       l.stats.abandoned.Load(),
		Corrupt:         l.stats.corrupt.Load(),
		MaxBatchRecords: l.stats.maxBatch.Load(),
	}
	for i := range s.BatchRecords {
		s.BatchRecords[i] = l.stats.batches[i].Load()
	}
	return s
}
