package eventlog

import (
	"encoding/binary"
	"fmt"

	"raqib/internal/errs"
)

// The container is the body of one JetStream message: every record the
// committer gathered into one publish.
//
//	version   1 byte  (containerVersion)
//	count     uvarint (number of records, 1..maxContainerRecords)
//	count times:
//	  kind    1 byte  (RecordKind, never 0)
//	  length  uvarint (payload bytes, 0..maxRecordBytes)
//	  payload length bytes
//
// Nothing follows the last record. Every count and length read from a
// message is checked against the bytes that remain and against the limits
// below before anything is allocated: a message is untrusted input (anyone
// allowed to publish on the stream's subjects can write one).
const (
	containerVersion = 1

	// maxContainerRecords bounds the records in one message. The committer
	// never gathers more; the decoder refuses more.
	maxContainerRecords = 1 << 16

	// maxRecordBytes bounds one record's payload: NATS's largest message
	// (64 MiB) is far above anything the committer publishes.
	maxRecordBytes = 64 << 20
)

// RecordKind says what a record's payload is. The event log does not
// interpret payloads; kinds are assigned by the code that writes them.
// Kind 0 is reserved and never stored.
type RecordKind uint8

// recordOverhead is the most framing one record adds: its kind byte and the
// longest uvarint a length can take.
const recordOverhead = 1 + binary.MaxVarintLen32

// containerHeaderMax is the most framing a container adds before its
// records.
const containerHeaderMax = 1 + binary.MaxVarintLen32

// appendRecord appends one record's framing and payload to buf.
func appendRecord(buf []byte, kind RecordKind, payload []byte) []byte {
	buf = append(buf, byte(kind))
	buf = binary.AppendUvarint(buf, uint64(len(payload)))
	return append(buf, payload...)
}

// appendHeader appends a container header for count records to buf.
func appendHeader(buf []byte, count int) []byte {
	buf = append(buf, containerVersion)
	return binary.AppendUvarint(buf, uint64(count))
}

// containerCount reads only the header of a container and returns its
// record count.
func containerCount(data []byte) (int, error) {
	count, _, err := readHeader(data)
	return count, err
}

// readHeader checks the version and count and returns the count and the
// offset of the first record.
func readHeader(data []byte) (count, off int, err error) {
	if len(data) == 0 {
		return 0, 0, decodeError("empty message")
	}
	if data[0] != containerVersion {
		return 0, 0, decodeError("unknown container version %d", data[0])
	}
	n, w := binary.Uvarint(data[1:])
	if w <= 0 {
		return 0, 0, decodeError("bad record count")
	}
	off = 1 + w
	// Each record takes at least two bytes (kind and a zero length).
	if n == 0 || n > maxContainerRecords || n > uint64(len(data)-off)/2 {
		return 0, 0, decodeError("record count %d out of range for %d bytes", n, len(data))
	}
	return int(n), off, nil
}

// decodeContainer calls fn for each record of a container in order. The
// payloads passed to fn alias data. The whole container is checked before
// the first call, so a malformed message gives an Invalid error and no call
// at all. It stops at the first error fn returns and returns it unchanged.
func decodeContainer(data []byte, fn func(i int, kind RecordKind, payload []byte) error) error {
	if err := walkContainer(data, nil); err != nil {
		return err
	}
	return walkContainer(data, fn)
}

// walkContainer checks a container and, when fn is not nil, calls it for
// each record.
func walkContainer(data []byte, fn func(i int, kind RecordKind, payload []byte) error) error {
	count, off, err := readHeader(data)
	if err != nil {
		return err
	}
	for i := range count {
		if len(data)-off < 2 {
			return decodeError("record %d: truncated", i)
		}
		kind := RecordKind(data[off])
		if kind == 0 {
			return decodeError("record %d: kind 0", i)
		}
		off++
		n, w := binary.Uvarint(data[off:])
		if w <= 0 {
			return decodeError("record %d: bad length", i)
		}
		off += w
		if n > maxRecordBytes || n > uint64(len(data)-off) {
			return decodeError("record %d: length %d exceeds the %d bytes left", i, n, len(data)-off)
		}
		end := off + int(n)
		if fn != nil {
			if err := fn(i, kind, data[off:end:end]); err != nil {
				return err
			}
		}
		off = end
	}
	if off != len(data) {
		return decodeError("%d bytes after the last record", len(data)-off)
	}
	return nil
}

func decodeError(format string, args ...any) error {
	return errs.E(errs.Invalid, "event log message: %s", fmt.Sprintf(format, args...))
}
