package sensor

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"raqib/internal/errs"
)

// fuzzLimits are small, so the fuzzer reaches them.
var fuzzLimits = Limits{MaxBytes: 1 << 16, MaxObservations: 64, MaxProblems: 8}

// addSeeds adds every testdata file matching the patterns to the corpus.
func addSeeds(f *testing.F, patterns ...string) {
	n := 0
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
			n++
		}
	}
	if n == 0 {
		f.Fatalf("no seeds in testdata for %v", patterns)
	}
}

// checkRefusal checks the error of a refused batch: its code, its type, and
// that its problems name records of the right list.
func checkRefusal[T any](t *testing.T, got []T, err error, list string) {
	t.Helper()
	if got != nil {
		t.Fatalf("%d records returned with error %v", len(got), err)
	}
	switch errs.CodeOf(err) {
	case errs.TooLarge:
		return
	case errs.Invalid:
	default:
		t.Fatalf("code %q: %v", errs.CodeOf(err), err)
	}
	var be *BatchError
	if !errors.As(err, &be) {
		return // content type, encoding or a read error
	}
	if len(be.Problems) == 0 {
		t.Fatal("a BatchError without problems")
	}
	for _, p := range be.Problems {
		prefix := list + "[" + itoa(p.Index) + "]"
		if (p.Index < 0 && p.Field != "") || (p.Index >= 0 && !strings.HasPrefix(p.Field, prefix)) || p.Message == "" {
			t.Fatalf("problem %+v", p)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// decodeTwice decodes data whole and in small reads and checks that both
// give the same result.
func decodeTwice(t *testing.T, data []byte, ct string) ([]Observation, error) {
	t.Helper()
	whole, err1 := DecodeBatch(bytes.NewReader(data), ct, "", fuzzLimits, testNow)
	chunked, err2 := DecodeBatch(&smallReads{bytes.NewReader(data), 1 + len(data)%7}, ct, "", fuzzLimits, testNow)
	if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) || !reflect.DeepEqual(whole, chunked) {
		t.Fatalf("whole: %v\nin small reads: %v", err1, err2)
	}
	return whole, err1
}

// checkAccepted checks what a decoder accepted: it passes Validate, it
// survives encoding/json and the decoder again unchanged, and the binary
// codec keeps it to its precision.
func checkAccepted(t *testing.T, obs []Observation, ct string) {
	t.Helper()
	if err := Validate(obs, fuzzLimits, testNow); err != nil {
		t.Fatalf("accepted observations are not valid: %v", err)
	}
	body := jsonArray(t, obs)
	if ct == ctNDJSON {
		body = ndjson(t, obs)
	}
	again, err := DecodeBatch(bytes.NewReader(body), ct, "", fuzzLimits, testNow)
	if err != nil || !reflect.DeepEqual(again, obs) {
		t.Fatalf("re-encoded with encoding/json: %v\n%s", err, body)
	}
	enc := AppendEncoded(nil, obs)
	dec, err := DecodeEncoded(enc, fuzzLimits)
	if err != nil || len(dec) != len(obs) {
		t.Fatalf("binary round trip: %v", err)
	}
	for i := range obs {
		if !closeEnough(obs[i], dec[i]) {
			t.Fatalf("binary round trip of %d:\n got %+v\nwant %+v", i, dec[i], obs[i])
		}
	}
}

// FuzzDecodeJSON: any body either decodes or is refused with a coded
// error and nothing returned, the same whether read whole or in small
// pieces; what decodes round-trips through encoding/json and the codec.
func FuzzDecodeJSON(f *testing.F) {
	addSeeds(f, "*.json")
	f.Add([]byte(`[]`))
	f.Add([]byte(`[{"sensor":"a","seq":1,"time":"2026-11-23T01:02:03Z","kind":"radar","polar":{"bearing_deg":1e-400,"range_m":4.9e-324},"accuracy_m":1e-320,"class":"person","confidence":1}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := decodeTwice(t, data, ctJSON)
		if err != nil {
			checkRefusal(t, obs, err, "observations")
			return
		}
		checkAccepted(t, obs, ctJSON)
		compareStdlib(t, data, obs)
	})
}

// compareStdlib checks an accepted body against encoding/json: the body is
// valid JSON, and where encoding/json decodes it too (it refuses lower-case
// "t" and "z" in times, which RFC 3339 allows), the values agree.
func compareStdlib(t *testing.T, data []byte, obs []Observation) {
	t.Helper()
	if !json.Valid(data) {
		t.Fatalf("accepted a body that is not valid JSON: %q", data)
	}
	var std []Observation
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&std); err != nil {
		return
	}
	if len(std) != len(obs) {
		t.Fatalf("encoding/json: %d observations, want %d", len(std), len(obs))
	}
	for i := range obs {
		a, b := obs[i], std[i]
		// The defaults are the decoder's own.
		b.Class, b.Confidence, b.Count = a.Class, a.Confidence, a.Count
		b.Time = b.Time.UTC()
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("observation %d:\n got %+v\nencoding/json %+v", i, a, b)
		}
	}
}

// FuzzDecodeNDJSON is FuzzDecodeJSON for NDJSON bodies.
func FuzzDecodeNDJSON(f *testing.F) {
	addSeeds(f, "*.ndjson")
	f.Add([]byte("\n\r\n{}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := decodeTwice(t, data, ctNDJSON)
		if err != nil {
			checkRefusal(t, obs, err, "observations")
			for _, p := range errProblems(err) {
				if p.Index >= 0 && p.Line < 1 {
					t.Fatalf("NDJSON problem without a line: %+v", p)
				}
			}
			return
		}
		checkAccepted(t, obs, ctNDJSON)
		for line := range bytes.SplitSeq(data, []byte("\n")) {
			if len(bytes.TrimSpace(line)) > 0 && !json.Valid(line) {
				t.Fatalf("accepted a line that is not valid JSON: %q", line)
			}
		}
	})
}

func errProblems(err error) []Problem {
	var be *BatchError
	if errors.As(err, &be) {
		return be.Problems
	}
	return nil
}

// FuzzDecodeHeartbeats reads the input as a JSON array and as NDJSON of
// heartbeats, whole and in small reads.
func FuzzDecodeHeartbeats(f *testing.F) {
	addSeeds(f, "heartbeats.json", "heartbeats.ndjson")
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, ct := range []string{ctJSON, ctNDJSON} {
			whole, err1 := DecodeHeartbeats(bytes.NewReader(data), ct, "", fuzzLimits, testNow)
			chunked, err2 := DecodeHeartbeats(&smallReads{bytes.NewReader(data), 1 + len(data)%5}, ct, "", fuzzLimits, testNow)
			if (err1 == nil) != (err2 == nil) || (err1 != nil && err1.Error() != err2.Error()) || !reflect.DeepEqual(whole, chunked) {
				t.Fatalf("%s whole: %v\nin small reads: %v", ct, err1, err2)
			}
			if err1 != nil {
				checkRefusal(t, whole, err1, "heartbeats")
				continue
			}
			if ct == ctJSON && !json.Valid(data) {
				t.Fatalf("accepted a body that is not valid JSON: %q", data)
			}
			if err := ValidateHeartbeats(whole, fuzzLimits, testNow); err != nil {
				t.Fatalf("accepted heartbeats are not valid: %v", err)
			}
			body, err := json.Marshal(whole)
			if err != nil {
				t.Fatal(err)
			}
			again, err := DecodeHeartbeats(bytes.NewReader(body), ctJSON, "", fuzzLimits, testNow)
			if err != nil || !reflect.DeepEqual(again, whole) {
				t.Fatalf("re-encoded with encoding/json: %v\n%s", err, body)
			}
			dec, err := DecodeEncodedHeartbeats(AppendEncodedHeartbeats(nil, whole), fuzzLimits)
			if err != nil || (len(whole) > 0 && !reflect.DeepEqual(dec, whole)) {
				t.Fatalf("binary round trip: %v", err)
			}
		}
	})
}

// FuzzDecodeEncoded: any input decodes or is refused with a coded error;
// what decodes encodes again to bytes that decode to the same records, and
// encode to the same bytes again.
func FuzzDecodeEncoded(f *testing.F) {
	addSeeds(f, "*.bin")
	for _, file := range []string{"observations.json", "escapes.json"} {
		obs, err := DecodeBatch(bytes.NewReader(readTestdata(f, file)), ctJSON, "", Limits{}, testNow)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(AppendEncoded(nil, obs))
	}
	f.Add(AppendEncoded(AppendEncoded(nil, genObservations(3, 1)), genObservations(2, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		obs, err := DecodeEncoded(data, fuzzLimits)
		if err != nil {
			checkRefusal(t, obs, err, "observations")
		} else {
			enc := AppendEncoded(nil, obs)
			again, err := DecodeEncoded(enc, fuzzLimits)
			if err != nil || !reflect.DeepEqual(again, obs) {
				t.Fatalf("re-encoded observations: %v", err)
			}
			if enc2 := AppendEncoded(nil, again); !bytes.Equal(enc, enc2) {
				t.Fatalf("encoding is not stable:\n%x\n%x", enc, enc2)
			}
		}
		hbs, err := DecodeEncodedHeartbeats(data, fuzzLimits)
		if err != nil {
			checkRefusal(t, hbs, err, "heartbeats")
			return
		}
		enc := AppendEncodedHeartbeats(nil, hbs)
		again, err := DecodeEncodedHeartbeats(enc, fuzzLimits)
		if err != nil || !reflect.DeepEqual(again, hbs) {
			t.Fatalf("re-encoded heartbeats: %v", err)
		}
	})
}
