package jsonw

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestAppendFixedMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 200_000 {
		dec := i % 10
		v := (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(14)-6))
		want, err := json.Marshal(Round(v, dec))
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendFixed(nil, v, dec); string(got) != string(want) {
			t.Fatalf("AppendFixed(%v, %d) = %s, encoding/json writes %s", v, dec, got, want)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got := string(AppendFixed(nil, v, 3)); got != "0" {
			t.Errorf("AppendFixed(%v) = %s, want 0", v, got)
		}
	}
	if got := string(AppendFixed(nil, math.Copysign(0, -1), 2)); got != "0" {
		t.Errorf("negative zero written as %s", got)
	}
}

func TestAppendStringAndTime(t *testing.T) {
	for _, s := range []string{"", "S06-C027", `a "quoted" \ path`, "<&>", "حدود", "tab\tnewline\n"} {
		want, _ := json.Marshal(s)
		if got := AppendString(nil, s); string(got) != string(want) {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	}
	at := time.Date(2026, 11, 23, 23, 6, 35, 13_400_000, time.FixedZone("AST", 3*3600))
	if got := string(AppendTime(nil, at)); got != `"2026-11-23T20:06:35.013Z"` {
		t.Errorf("AppendTime = %s", got)
	}
}
