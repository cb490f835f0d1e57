// Package storetest is the conformance suite every store implementation
// passes: the same tests run against SQLite and PostgreSQL.
package storetest

import (
	"context"
	"testing"
	"time"

	"raqib/internal/errs"
	"raqib/internal/theater"
)

// TheaterState checks a theater.StateStore. open returns a new, empty store
// for each subtest.
func TheaterState(t *testing.T, open func(t *testing.T) theater.StateStore) {
	t0 := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	ctx := context.Background()

	t.Run("SeedOnce", func(t *testing.T) {
		s := open(t)
		seed := []theater.CrossingChange{
			{CrossingID: "X-QAIM", Status: "closed", Note: "closed after 2014", At: t0, By: "theater"},
			{CrossingID: "X-QAIM", Status: "open", Note: "reopened", At: t0.Add(time.Hour), By: "theater"},
			{CrossingID: "X-RABIA", Status: "restricted", At: t0, By: "theater"},
		}
		n, err := s.SeedCrossings(ctx, seed)
		if err != nil || n != 3 {
			t.Fatalf("first seed: n=%d err=%v, want 3 nil", n, err)
		}
		if err := s.AddCrossingChange(ctx, theater.CrossingChange{CrossingID: "X-QAIM", Status: "closed", At: t0.Add(2 * time.Hour), By: "op1"}); err != nil {
			t.Fatalf("add: %v", err)
		}
		// A second seed (a restart) must not duplicate or overwrite.
		n, err = s.SeedCrossings(ctx, append(seed, theater.CrossingChange{CrossingID: "X-WALID", Status: "open", At: t0}))
		if err != nil || n != 1 {
			t.Fatalf("second seed: n=%d err=%v, want 1 nil", n, err)
		}
		h, err := s.CrossingHistory(ctx, "X-QAIM")
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 3 || h[0].Status != "closed" || h[1].Status != "open" || h[2].Status != "closed" || h[2].By != "op1" {
			t.Fatalf("history = %+v", h)
		}
		if !h[0].At.Equal(t0) || h[0].Note != "closed after 2014" {
			t.Fatalf("first entry = %+v", h[0])
		}
		cur, err := s.CurrentCrossings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cur) != 3 || cur["X-QAIM"].Status != "closed" || cur["X-RABIA"].Status != "restricted" || cur["X-WALID"].Status != "open" {
			t.Fatalf("current = %+v", cur)
		}
	})

	t.Run("CrossingRefusals", func(t *testing.T) {
		s := open(t)
		if err := s.AddCrossingChange(ctx, theater.CrossingChange{CrossingID: "X1", Status: "open", At: t0}); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name string
			c    theater.CrossingChange
			code errs.Code
		}{
			{"bad status", theater.CrossingChange{CrossingID: "X1", Status: "ajar", At: t0.Add(time.Hour)}, errs.Invalid},
			{"no id", theater.CrossingChange{Status: "open", At: t0.Add(time.Hour)}, errs.Invalid},
			{"no time", theater.CrossingChange{CrossingID: "X1", Status: "open"}, errs.Invalid},
			{"same time", theater.CrossingChange{CrossingID: "X1", Status: "closed", At: t0}, errs.Conflict},
			{"older", theater.CrossingChange{CrossingID: "X1", Status: "closed", At: t0.Add(-time.Hour)}, errs.Conflict},
		}
		for _, tc := range cases {
			err := s.AddCrossingChange(ctx, tc.c)
			if errs.CodeOf(err) != tc.code {
				t.Errorf("%s: code %q (%v), want %q", tc.name, errs.CodeOf(err), err, tc.code)
			}
		}
		h, err := s.CrossingHistory(ctx, "X1")
		if err != nil || len(h) != 1 {
			t.Fatalf("refused changes altered the history: %+v %v", h, err)
		}
		// A bad entry in a seed refuses the whole seed.
		_, err = s.SeedCrossings(ctx, []theater.CrossingChange{
			{CrossingID: "X2", Status: "open", At: t0},
			{CrossingID: "X3", Status: "bogus", At: t0},
		})
		if errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("bad seed: %v", err)
		}
		if h, _ := s.CrossingHistory(ctx, "X2"); len(h) != 0 {
			t.Fatalf("a refused seed stored %d entries", len(h))
		}
	})

	t.Run("Barriers", func(t *testing.T) {
		s := open(t)
		n, err := s.SeedBarriers(ctx, []theater.BarrierChange{
			{BarrierID: "B01", Status: "planned", ProgressPct: 0, At: t0, By: "theater"},
			{BarrierID: "B02", Status: "complete", ProgressPct: 100, At: t0, By: "theater"},
		})
		if err != nil || n != 2 {
			t.Fatalf("seed: %d %v", n, err)
		}
		if err := s.AddBarrierChange(ctx, theater.BarrierChange{BarrierID: "B01", Status: "under_construction", ProgressPct: 37.5, At: t0.Add(24 * time.Hour), By: "eng"}); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []theater.BarrierChange{
			{BarrierID: "B01", Status: "complete", ProgressPct: 101, At: t0.Add(48 * time.Hour)},
			{BarrierID: "B01", Status: "done", ProgressPct: 50, At: t0.Add(48 * time.Hour)},
			{BarrierID: "B01", Status: "complete", ProgressPct: 100, At: t0},
		} {
			if err := s.AddBarrierChange(ctx, bad); err == nil {
				t.Errorf("accepted %+v", bad)
			}
		}
		cur, err := s.CurrentBarriers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cur["B01"].ProgressPct != 37.5 || cur["B01"].Status != "under_construction" || cur["B02"].Status != "complete" {
			t.Fatalf("current = %+v", cur)
		}
		h, err := s.BarrierHistory(ctx, "B01")
		if err != nil || len(h) != 2 || h[1].By != "eng" {
			t.Fatalf("history = %+v %v", h, err)
		}
		if h, err := s.BarrierHistory(ctx, "nope"); err != nil || len(h) != 0 {
			t.Fatalf("unknown barrier: %+v %v", h, err)
		}
	})
}
