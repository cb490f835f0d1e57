package ingest

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCheckpointRoundTrip(t *testing.T) {
	s := New(Config{})
	s.dedupe.Mark(Key{"S01-C001", 7}, Key{"PATROL-1", 99})
	s.notePosition(Position{StreamSeq: 42, Index: 3})
	path := filepath.Join(t.TempDir(), "ingest.ckpt")
	pos, err := s.Checkpoint(path)
	if err != nil || pos != (Position{42, 3}) {
		t.Fatalf("checkpoint: %v %v", pos, err)
	}
	got, d, err := readCheckpoint(path)
	if err != nil || got != pos || !d.Seen(Key{"S01-C001", 7}) || !d.Seen(Key{"PATROL-1", 99}) || d.Seen(Key{"PATROL-1", 100}) {
		t.Fatalf("read back: %v %v", got, err)
	}
	if _, d, err := readCheckpoint(filepath.Join(t.TempDir(), "none")); err != nil || d != nil {
		t.Fatalf("missing checkpoint: %v", err)
	}
	data, _ := os.ReadFile(path)
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"magic":     append([]byte("XXXX"), data[4:]...),
		"version":   append(append([]byte{}, data[:4]...), append([]byte{9}, data[5:]...)...),
		"flipped":   append(append([]byte{}, data[:len(data)-1]...), data[len(data)-1]^1),
		"truncated": data[:len(data)-5],
	} {
		if _, _, err := decodeCheckpoint(bad); err == nil {
			t.Errorf("%s checkpoint accepted", name)
		}
	}
}

func FuzzDecodeCheckpoint(f *testing.F) {
	s := New(Config{})
	s.dedupe.Mark(Key{"a", 1})
	path := filepath.Join(f.TempDir(), "c")
	if _, err := s.Checkpoint(path); err != nil {
		f.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	f.Add(data)
	f.Add([]byte("RQCK"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = decodeCheckpoint(data)
	})
}
