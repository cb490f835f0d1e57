package ingest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"raqib/internal/sensor"
)

// The checkpoint file: magic, version, the log position it covers, a CRC of
// the rest, and the dedupe snapshot.
var checkpointMagic = []byte("RQCK")

const checkpointVersion = 1

// recentWindow is how far back a restore replays reports into the sensor
// registry, so that sensors that were reporting are not declared offline
// at once after a restart.
const recentWindow = 10 * time.Minute

// Checkpoint writes the dedupe state and the log position it covers to
// path, atomically (temporary file, fsync, rename).
func (s *Service) Checkpoint(path string) (Position, error) {
	s.ckptMu.Lock()
	pos := *s.lastPos.Load()
	snap, err := s.dedupe.MarshalBinary()
	s.ckptMu.Unlock()
	if err != nil {
		return pos, fmt.Errorf("checkpoint: %w", err)
	}
	body := binary.AppendUvarint(nil, pos.StreamSeq)
	body = binary.AppendUvarint(body, uint64(pos.Index))
	body = append(body, snap...)
	out := append([]byte(nil), checkpointMagic...)
	out = append(out, checkpointVersion)
	out = binary.LittleEndian.AppendUint32(out, crc32.ChecksumIEEE(body))
	out = append(out, body...)
	if err := writeAtomic(path, out); err != nil {
		return pos, fmt.Errorf("checkpoint: %w", err)
	}
	return pos, nil
}

func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".ckpt-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// readCheckpoint loads a checkpoint; a missing file is not an error.
func readCheckpoint(path string) (Position, *Dedupe, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Position{}, nil, nil
	}
	if err != nil {
		return Position{}, nil, err
	}
	return decodeCheckpoint(data)
}

// decodeCheckpoint parses a checkpoint file's bytes.
func decodeCheckpoint(data []byte) (Position, *Dedupe, error) {
	if len(data) < len(checkpointMagic)+5 || !bytes.Equal(data[:4], checkpointMagic) {
		return Position{}, nil, errors.New("not a checkpoint file")
	}
	if data[4] != checkpointVersion {
		return Position{}, nil, fmt.Errorf("checkpoint version %d is unknown", data[4])
	}
	body := data[9:]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(data[5:9]) {
		return Position{}, nil, errors.New("checkpoint checksum mismatch")
	}
	seq, n := binary.Uvarint(body)
	if n <= 0 {
		return Position{}, nil, errors.New("checkpoint position is malformed")
	}
	idx, m := binary.Uvarint(body[n:])
	if m <= 0 || idx > 1<<31 {
		return Position{}, nil, errors.New("checkpoint position is malformed")
	}
	d := NewDedupe()
	if err := d.UnmarshalBinary(body[n+m:]); err != nil {
		return Position{}, nil, err
	}
	return Position{StreamSeq: seq, Index: int(idx)}, d, nil
}

// RestoreStats says what a restore did.
type RestoreStats struct {
	From      Position
	Records   int
	Keys      int
	Duration  time.Duration
	UsedCheck bool
}

// Restore rebuilds the dedupe state from the checkpoint at path (if it is
// there and sound) and the log after it, and the registry's recent view
// from the log's last minutes. Call it before accepting reports.
func (s *Service) Restore(ctx context.Context, path string) (RestoreStats, error) {
	start := time.Now()
	var st RestoreStats
	pos, d, err := readCheckpoint(path)
	if err != nil {
		s.logger.Warn("checkpoint unusable; replaying the whole log", "path", path, "err", err)
		pos, d = Position{}, nil
	}
	if d != nil {
		s.dedupe = d
		st.UsedCheck = true
	}
	st.From = pos
	recent := s.Now().Add(-recentWindow)
	last := pos
	err = s.log.ReplayFrom(ctx, pos, func(kind uint8, payload []byte, p Position, stored time.Time) error {
		st.Records++
		last = p
		switch kind {
		case RecordObservations:
			obs, err := sensor.DecodeEncoded(payload, s.limits)
			if err != nil {
				return fmt.Errorf("record %d:%d: %w", p.StreamSeq, p.Index, err)
			}
			for i := range obs {
				s.dedupe.Mark(Key{obs[i].Sensor, obs[i].Seq})
				if stored.After(recent) {
					_ = s.registry.Observe(obs[i].Sensor, obs[i].Kind, stored)
				}
			}
			st.Keys += len(obs)
		case RecordHeartbeats:
			if !stored.After(recent) {
				return nil
			}
			hbs, err := sensor.DecodeEncodedHeartbeats(payload, s.limits)
			if err != nil {
				return fmt.Errorf("record %d:%d: %w", p.StreamSeq, p.Index, err)
			}
			for _, hb := range hbs {
				hb.Time = stored
				_ = s.registry.Heartbeat(hb)
			}
		}
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("restore ingest state: %w", err)
	}
	s.lastPos.Store(&last)
	st.Duration = time.Since(start)
	s.logger.Info("ingest state restored", "from", fmt.Sprintf("%d:%d", pos.StreamSeq, pos.Index),
		"checkpoint", st.UsedCheck, "records", st.Records, "observations", st.Keys, "sensors", s.dedupe.Sensors(),
		"duration", st.Duration.Round(time.Millisecond))
	return st, nil
}

// Run checkpoints every interval and sweeps sensor health every sweep
// interval until ctx ends, then writes a last checkpoint.
func (s *Service) Run(ctx context.Context, path string, every, sweep time.Duration) error {
	ckpt := time.NewTicker(every)
	defer ckpt.Stop()
	health := time.NewTicker(sweep)
	defer health.Stop()
	for {
		select {
		case <-ctx.Done():
			if _, err := s.Checkpoint(path); err != nil {
				return err
			}
			return nil
		case <-ckpt.C:
			if _, err := s.Checkpoint(path); err != nil {
				s.logger.Error("checkpoint failed", "err", err)
			}
		case <-health.C:
			s.SweepHealth(ctx)
		}
	}
}

// SweepHealth turns silences and heartbeats into health changes, and
// records each in the log.
func (s *Service) SweepHealth(ctx context.Context) []sensor.HealthChange {
	changes := s.registry.Sweep(s.Now())
	for _, c := range changes {
		s.metrics.healthChanges.WithLabelValues(string(c.To)).Inc()
		s.logger.Info("sensor health changed", "sensor", c.Sensor, "from", c.From, "to", c.To, "reason", c.Reason)
		payload, err := json.Marshal(c)
		if err != nil {
			continue
		}
		if _, err := s.log.Append(ctx, RecordHealth, payload); err != nil {
			s.logger.Warn("health change not logged", "sensor", c.Sensor, "err", err)
		}
	}
	return changes
}
